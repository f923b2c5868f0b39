"""The 999 reader: the shared samples, our golden file with AK9*P, several envelopes, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from edi.inspect import Acknowledgments, inspect_file
from edi.x12 import X12Error
from edi.x999.models import (
    Context,
    ElementError,
    ElementErrorCode,
    GroupCode,
    SegmentErrorCode,
    TransactionCode,
    TransactionErrorCode,
)
from edi.x999.reader import read_999

GOLDEN = Path(__file__).parent / "golden" / "999_partial.x12"
BAD_VALUE = "M98765432X"  # the IK404 copy of a bad member ID in the golden file


def golden() -> str:
    return GOLDEN.read_text()


def fails(text: str) -> X12Error:
    with pytest.raises(X12Error) as caught:
        read_999(text, name="ack.999")
    assert BAD_VALUE not in str(caught.value)
    return caught.value


def test_the_accepted_sample(x12_samples: Path) -> None:
    [ack] = read_999(x12_samples / "imsweb_999_X231A1_accepted.txt")
    assert (ack.functional_id, ack.group_control_number, ack.version) == (
        "HC",
        17456,
        "005010X223A2",
    )
    assert (ack.code, ack.included, ack.received, ack.accepted) == (GroupCode.ACCEPTED, 1, 1, 1)
    [tx] = ack.transactions
    assert (tx.transaction_set_id, tx.control_number, tx.convention) == (
        "837",
        "0001",
        "005010X223A2",
    )
    assert tx.code is TransactionCode.ACCEPTED and tx.errors == () and tx.error_codes == ()
    assert ack.envelope.interchange_control_number == 286
    # IEA02 differs from ISA13 in this sample: kept as a warning, the answer is still read.
    assert ack.envelope.warnings == (
        "segment 10: IEA02: differs from ISA13 of the interchange at segment 1",
    )


def test_the_rejected_sample(x12_samples: Path) -> None:
    [ack] = read_999(x12_samples / "imsweb_999_X231A1_rejected.txt")
    assert (ack.code, ack.accepted, ack.envelope.is_test) == (GroupCode.REJECTED, 0, True)
    [tx] = ack.transactions
    assert (tx.control_number, tx.convention, tx.code) == ("0028", None, TransactionCode.REJECTED)
    assert tx.error_codes == (TransactionErrorCode.SEGMENTS_IN_ERROR,)
    [error] = tx.errors
    assert (error.segment, error.segment_id, error.position, error.loop_id) == (6, "NM", 17, None)
    assert error.code is SegmentErrorCode.UNRECOGNIZED and error.elements == ()
    assert error.claim_number is None and tx.claim_numbers == ()


def test_the_golden_partial_acceptance() -> None:
    [ack] = read_999(GOLDEN)
    assert (ack.group_control_number, ack.code, ack.included, ack.accepted) == (
        23,
        GroupCode.PARTIALLY_ACCEPTED,
        2,
        1,
    )
    assert ack.code.label == "partially accepted: some transaction sets rejected"
    first, second = ack.transactions
    assert (first.control_number, first.code, first.errors) == (
        "0001",
        TransactionCode.ACCEPTED,
        (),
    )
    assert (second.control_number, second.code) == ("0002", TransactionCode.REJECTED)
    assert second.error_codes == (
        TransactionErrorCode.SEGMENTS_IN_ERROR,
        TransactionErrorCode.GUIDE_SEGMENTS_IN_ERROR,
    )
    assert second.claim_numbers == ("CLAIMP2",)
    nm1, dmg = second.errors
    assert (nm1.segment, nm1.segment_id, nm1.position, nm1.loop_id) == (8, "NM1", 24, "2010")
    assert nm1.code is SegmentErrorCode.ELEMENT_ERRORS and nm1.claim_number == "CLAIMP2"
    assert nm1.contexts == (
        Context(9, "CLM01", "CLAIMP2"),
        Context(10, "SITUATIONAL TRIGGER", None, "CLM", 30, None, 5, 3),
    )
    [member] = nm1.elements
    assert member == ElementError(11, 9, ElementErrorCode.INVALID_CODE, None, None, "67", BAD_VALUE)
    assert BAD_VALUE not in repr(member) and BAD_VALUE not in repr(ack)
    [birth] = dmg.elements
    assert (birth.position, birth.reference_number, birth.code) == (
        2,
        "1251",
        ElementErrorCode.INVALID_DATE,
    )
    assert birth.contexts == (Context(15, "SITUATIONAL TRIGGER", None, "DMG", 27, "2010", 2),)


def test_several_interchanges_groups_and_transaction_sets() -> None:
    text = golden()
    two_sets = text.replace("GE*1*501", "GE*2*501").replace(
        "SE*16*0001~\n",
        "SE*16*0001~\nST*999*0002*005010X231A1~\nAK1*HC*24*005010X222A1~\n"
        "AK2*837*0001*005010X222A1~\nIK5*E~\nAK9*E*1*1*1~\nSE*6*0002~\n",
    )
    ta1 = "TA1*000000017*261123*0930*A*000~\n"
    second = text.replace("000000501*0*T*:~\n", "000000502*0*T*:~\n" + ta1).replace(
        "IEA*1*000000501", "IEA*1*000000502"
    )
    acks = read_999(two_sets + second)
    assert [(a.envelope.interchange_control_number, a.group_control_number) for a in acks] == [
        (501, 23),
        (501, 24),
        (502, 23),
    ]
    assert acks[1].code is GroupCode.ACCEPTED_WITH_ERRORS
    assert acks[1].transactions[0].code.is_acceptance


def test_a_wrong_version_is_refused_naming_gs08() -> None:
    error = fails(golden().replace("*X*005010X231A1~", "*X*004010X093A1~"))
    assert (error.segment, error.segment_id, error.element) == (2, "GS", 8)
    assert "element GS08" in str(error) and str(error).startswith("ack.999, segment 2 (GS)")


def test_an_837_is_not_a_999() -> None:
    error = fails((Path(__file__).parent / "golden" / "837p_two_claims.x12").read_text())
    assert (error.segment, error.element) == (2, 1)


def test_a_truncated_file() -> None:
    text = golden()
    error = fails(text[: text.index("AK9")])
    assert "truncated" in str(error)
    error = fails(text[: text.index("SE*16")])
    assert "truncated" in str(error) and error.segment == 17


def test_a_wrong_se_count() -> None:
    error = fails(golden().replace("SE*16*0001", "SE*15*0001"))
    assert (error.segment, error.segment_id, error.element) == (18, "SE", 1)
    assert "15 segments declared" in str(error)


def test_an_unknown_ik5_code() -> None:
    error = fails(golden().replace("IK5*R*5*I5", "IK5*Q*5*I5"))
    assert (error.segment, error.segment_id, error.element) == (16, "IK5", 1)
    assert "'Q' is not a code (A, E, M, R, W, X)" in str(error)


def test_bad_codes_and_numbers_name_their_element_and_never_the_bad_value() -> None:
    error = fails(golden().replace(f"IK4*9*67*7*{BAD_VALUE}", f"IK4*9*67*77*{BAD_VALUE}"))
    assert (error.segment, error.element) == (11, 3)
    error = fails(golden().replace(f"IK4*9*67*7*{BAD_VALUE}", f"IK4*X*67*7*{BAD_VALUE}"))
    assert (error.segment, error.element, error.message) == (11, 1, "not a number")
    error = fails(golden().replace("IK3*NM1*24*2010*8", "IK3*NM1*24*2010*Z9"))
    assert (error.segment, error.element) == (8, 4)
    error = fails(golden().replace("AK9*P*2*2*1", "AK9*P*2*2*1*99"))
    assert (error.segment, error.element) == (17, 5)


@pytest.mark.parametrize(
    ("old", "new", "segment", "words"),
    [
        ("IK5*A~\n", "", 6, "has no IK5"),
        ("IK3*NM1*24*2010*8~\n", "", 8, "CTX without an IK3"),
        ("AK1*HC*23*005010X222A1~\n", "", 4, "AK2 before AK1"),
        ("AK9*P*2*2*1~\n", "", 17, "no AK9"),
        ("AK2*837*0001*005010X222A1~\n", "", 5, "outside a transaction set response"),
        ("IK5*A~\n", "IK5*A~\nSVC*HC:99213*1~\n", 7, "not a 999 segment"),
    ],
)
def test_loops_out_of_place(old: str, new: str, segment: int, words: str) -> None:
    text = golden().replace(old, new)
    delta = new.count("~") - old.count("~")
    text = text.replace("SE*16*0001", f"SE*{16 + delta}*0001")
    error = fails(text)
    assert error.segment == segment and words in str(error)


def test_codes() -> None:
    rejected = {c.value for c in TransactionCode if c.is_rejection}
    assert rejected == {"M", "R", "W", "X"}
    assert {c.value for c in TransactionCode if c.is_acceptance} == {"A", "E"}
    assert not GroupCode.PARTIALLY_ACCEPTED.is_rejection
    assert not GroupCode.PARTIALLY_ACCEPTED.is_acceptance
    assert SegmentErrorCode("I4").label.startswith("segment the guide marks not used")
    assert ElementErrorCode("I12") is ElementErrorCode.PATTERN_MISMATCH


def test_inspect_summarises_a_999(x12_samples: Path) -> None:
    summary = inspect_file(GOLDEN)
    assert (summary.kind, summary.transactions, summary.claims, summary.problems) == (
        "999",
        1,
        1,
        (),
    )
    assert summary.acknowledgments == Acknowledgments(2, 1, 1, (("A", 1), ("R", 1)))
    assert summary.as_json()["acknowledgments"] == {
        "acknowledged": 2,
        "accepted": 1,
        "rejected": 1,
        "codes": {"A": 1, "R": 1},
    }
    rejected = inspect_file(x12_samples / "imsweb_999_X231A1_rejected.txt")
    assert rejected.acknowledgments == Acknowledgments(1, 0, 1, (("R", 1),))
    bad = inspect_file(golden().replace("IK5*R*5*I5", "IK5*Q*5*I5"))
    assert [(p.code, p.segment, p.element) for p in bad.problems] == [("ACK-CODE", 16, "IK501")]
    assert bad.acknowledgments == Acknowledgments(1, 1, 0, (("A", 1),))


def test_a_claim_context_after_the_element_error_still_names_the_claim() -> None:
    text = golden().replace(
        "IK3*DMG*27*2010*8~\nCTX*CLM01:CLAIMP2~\nIK4*2*1251*8*19809999~\n",
        "IK3*DMG*27*2010*8~\nIK4*2*1251*8*19809999~\nCTX*CLM01:CLAIMP3~\n",
    )
    dmg = read_999(text)[0].transactions[1].errors[1]
    assert dmg.contexts == () and dmg.claim_number == "CLAIMP3"
    assert read_999(text)[0].transactions[1].claim_numbers == ("CLAIMP2", "CLAIMP3")
