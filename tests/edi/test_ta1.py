"""The TA1 reader: alone in an interchange or beside groups, codes, bad input, inspect."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from edi.inspect import Acknowledgments, inspect_file
from edi.ta1 import NOTES, AcknowledgmentCode, InterchangeAcknowledgment, read_ta1
from edi.x12 import X12Error
from edi.x999.reader import read_999

GOLDEN = Path(__file__).parent / "golden" / "ta1_rejected.x12"
GOLDEN_999 = Path(__file__).parent / "golden" / "999_partial.x12"


def golden() -> str:
    return GOLDEN.read_text()


def fails(text: str) -> X12Error:
    with pytest.raises(X12Error) as caught:
        read_ta1(text, name="ack.ta1")
    return caught.value


def test_a_rejected_interchange() -> None:
    [ta1] = read_ta1(GOLDEN)
    assert ta1 == InterchangeAcknowledgment(
        2,
        17,
        datetime(2026, 11, 23, 9, 30),
        AcknowledgmentCode.REJECTED,
        "022",
        "ZZ",
        "DEMOCH",
        "ZZ",
        "RIVERSIDEFM",
        701,
        True,
    )
    assert ta1.code.is_rejection and ta1.code.label == "rejected"
    assert ta1.note_text == "invalid control structure"


def test_a_ta1_beside_the_groups_of_an_interchange() -> None:
    text = GOLDEN_999.read_text().replace(
        "000000501*0*T*:~\n", "000000501*0*T*:~\nTA1*000000017*261123*0930*E*000~\n"
    )
    [ta1] = read_ta1(text)
    assert (ta1.segment, ta1.code, ta1.note, ta1.carrier_control_number) == (
        2,
        AcknowledgmentCode.ACCEPTED_WITH_ERRORS,
        "000",
        501,
    )
    assert not ta1.code.is_rejection
    [ack] = read_999(text)  # the 999 reader reads past the TA1
    assert ack.transactions[1].segment == 8


def test_several_interchanges_and_a_trailer_that_differs() -> None:
    second = golden().replace("000000701", "000000702").replace("*R*022", "*A*000")
    second = second.replace("IEA*0*000000702", "IEA*0*000000799")
    found = read_ta1(golden() + second)
    assert [(t.carrier_control_number, t.code.value) for t in found] == [(701, "R"), (702, "A")]
    assert found[0].warnings == ()
    assert found[1].warnings == (
        "segment 6: IEA02: differs from ISA13 of the interchange at segment 4",
    )


@pytest.mark.parametrize(
    ("ta1", "element", "words"),
    [
        ("TA1*0000000X7*261123*0930*R*022", 1, "not a number"),
        ("TA1*000000017*261323*0930*R*022", 2, "not a date"),
        ("TA1*000000017*261123*930*R*022", 3, "not a time (HHMM)"),
        ("TA1*000000017*261123*0930*Q*022", 4, "not a code (A, E or R)"),
        ("TA1*000000017*261123*0930*R*099", 5, "not a note code"),
        ("TA1*000000017*261123*0930*R", 5, "required"),
    ],
)
def test_bad_values(ta1: str, element: int, words: str) -> None:
    error = fails(golden().replace("TA1*000000017*261123*0930*R*022", ta1))
    assert (error.segment, error.segment_id, error.element) == (2, "TA1", element)
    assert words in str(error) and str(error).startswith("ack.ta1, segment 2 (TA1)")


def test_no_ta1_and_truncated_files() -> None:
    assert "no TA1 segment" in str(fails(GOLDEN_999.read_text()))
    text = golden()
    assert "truncated" in str(fails(text[: text.index("IEA")]))
    error = fails(text.replace("IEA*0*", "IEA*1*"))
    assert (error.segment, error.element) == (3, 1)


def test_notes() -> None:
    assert list(NOTES) == [f"{n:03d}" for n in range(32)]


def test_inspect_summarises_a_ta1() -> None:
    summary = inspect_file(GOLDEN)
    assert (summary.kind, summary.transactions, summary.claims, summary.problems) == (
        "TA1",
        0,
        0,
        (),
    )
    assert summary.acknowledgments == Acknowledgments(1, 0, 1, (("R", 1),))
    assert summary.as_json()["acknowledgments"]["codes"] == {"R": 1}
