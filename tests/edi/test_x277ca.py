"""The 277CA reader: the shared samples, our golden file with every level, bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from edi.inspect import Acknowledgments, inspect_file
from edi.x12 import X12Error
from edi.x277ca.models import Category, Level, Status, StatusCode
from edi.x277ca.reader import read_277ca
from tests.edi.x12text import position

GOLDEN = Path(__file__).parent / "golden" / "277ca_levels.x12"
PATIENT_DATA = ("ALDER", "AVA", "BIRCH", "CEDAR", "NOAH", "M123456789", "M323456789")


def golden() -> str:
    return GOLDEN.read_text()


def fails(text: str) -> X12Error:
    with pytest.raises(X12Error) as caught:
        read_277ca(text, name="ack.277")
    for phi in PATIENT_DATA:
        assert phi not in str(caught.value)
    return caught.value


def recount(text: str, control: str) -> str:
    """SE01 of the transaction set `control` recounted after an edit."""
    lines = text.split("~\n")
    start = next(i for i, s in enumerate(lines) if s.startswith(f"ST*277*{control}"))
    end = next(i for i, s in enumerate(lines) if s.startswith("SE*") and i > start)
    lines[end] = f"SE*{end - start + 1}*{control}"
    return "~\n".join(lines)


def test_the_accepted_sample(x12_samples: Path) -> None:
    [ack] = read_277ca(x12_samples / "imsweb_277CA_X214_accepted.txt")
    assert (ack.control_number, ack.reference) == ("000014420", "000000674")
    [source] = ack.sources
    assert (source.name, source.identifier, source.received) == (
        "NYSDOH",
        "141797357",
        date(2011, 3, 11),
    )
    [receiver] = source.receivers
    assert (receiver.trace, receiver.accepted, receiver.accepted_cents) == ("000000674", 1, 12500)
    assert [s.category for s in receiver.statuses] == [Category.RECEIVED]
    [provider] = receiver.providers
    assert (provider.identifier, provider.qualifier, provider.statuses) == ("1234567890", "XX", ())
    [claim] = provider.claims
    assert (claim.claim_number, claim.payer_claim_number) == ("5781", "1107000000014420")
    assert claim.statuses == (
        Status(
            Level.CLAIM,
            22,
            StatusCode(Category.ACCEPTED, "20"),
            date(2011, 3, 11),
            "WQ",
            12500,
        ),
    )
    assert claim.total_charge_cents == 12500 and claim.lines == ()
    [(same, statuses)] = list(ack.claims())
    assert same is claim
    assert [(s.level, s.category) for s in statuses] == [
        (Level.RECEIVER, Category.RECEIVED),
        (Level.CLAIM, Category.ACCEPTED),
    ]


def test_the_rejected_sample(x12_samples: Path) -> None:
    [ack] = read_277ca(x12_samples / "imsweb_277CA_X214_rejected.txt")
    [(claim, _)] = list(ack.claims())
    [status] = claim.statuses
    assert status.status == StatusCode(Category.INVALID_INFORMATION, "562", "85")
    assert status.category.is_rejection and not status.category.is_acceptance
    assert (claim.claim_number, claim.payer_claim_number, claim.bill_type) == (
        "3920394930203",
        "1107000000001120",
        "731",
    )
    assert (claim.segment, status.segment) == (21, 22)
    assert claim.service_from == date(2009, 3, 11) and claim.service_to is None


def test_a_rejection_at_2200b_applies_to_every_claim_beneath() -> None:
    first, second = read_277ca(GOLDEN)
    assert (first.control_number, second.control_number) == ("0001", "0002")
    [receiver] = first.sources[0].receivers
    [rejection] = receiver.statuses
    assert (rejection.level, rejection.segment, rejection.status, rejection.action) == (
        Level.RECEIVER,
        13,
        StatusCode(Category.RETURNED, "24", "41"),
        "U",
    )
    assert (receiver.rejected, receiver.rejected_cents) == (2, 64300)
    claims = list(first.claims())
    assert [c.claim_number for c, _ in claims] == ["CLAIMP1", "CLAIMP2"]
    for claim, statuses in claims:
        assert [s.category for s in claim.statuses] == [Category.RECEIVED]
        assert statuses[0] is rejection and any(s.category.is_rejection for s in statuses)


def test_a_provider_acceptance_and_claims_at_every_category() -> None:
    text = golden()
    ack = read_277ca(text)[1]
    [provider] = ack.sources[0].receivers[0].providers
    [accepted] = provider.statuses
    assert (accepted.level, accepted.category, accepted.effective, accepted.status.entity) == (
        Level.PROVIDER,
        Category.ACCEPTED,
        None,
        "85",
    )
    by_number = {claim.claim_number: claim for claim in provider.claims}
    assert list(by_number) == ["CLAIMA1", "CLAIMA2", "CLAIMA7", "CLAIMA3"]
    assert [c.statuses[0].category for c in provider.claims] == [
        Category.RECEIVED,
        Category.ACCEPTED,
        Category.INVALID_INFORMATION,
        Category.RETURNED,
    ]
    received = by_number["CLAIMA1"]
    assert (received.clearinghouse_trace, received.payer_claim_number) == ("CHTRACE1", None)
    accepted_claim = by_number["CLAIMA2"]
    assert (accepted_claim.payer_claim_number, accepted_claim.clearinghouse_trace) == (
        "PAYER0002",
        "CHTRACE2",
    )
    assert (accepted_claim.service_from, accepted_claim.service_to) == (
        date(2026, 5, 4),
        date(2026, 5, 5),
    )
    first_line, second_line = accepted_claim.lines
    assert (first_line.segment, first_line.procedure, first_line.charge_cents) == (
        position(text, "SVC*HC:99213"),
        "HC:99213:25",
        15000,
    )
    assert (first_line.control_number, first_line.units, first_line.service_from) == (
        "CLAIMA2L1",
        "1",
        date(2026, 5, 4),
    )
    [line_status] = first_line.statuses
    assert (line_status.level, line_status.segment, line_status.category) == (
        Level.LINE,
        position(text, "SVC*HC:99213") + 1,
        Category.ACCEPTED,
    )
    assert second_line.control_number == "CLAIMA2L2"
    rejected = by_number["CLAIMA7"]
    [status] = rejected.statuses
    assert status.status == StatusCode(Category.INVALID_INFORMATION, "21", "IL")
    assert status.additional == (
        StatusCode(Category.INVALID_INFORMATION, "453", "QC"),
        StatusCode(Category.RETURNED, "562", "85"),
    )
    assert status.message == "MEMBER ID NOT ON FILE"
    assert (rejected.payer_claim_number, rejected.bill_type, rejected.total_charge_cents) == (
        "PAYER0003",
        "131",
        30000,
    )
    [line] = rejected.lines
    assert (line.control_number, line.statuses[0].category) == (
        "CLAIMA7L1",
        Category.INVALID_INFORMATION,
    )
    returned = by_number["CLAIMA3"]
    assert returned.payer_claim_number == "PAYER0004"
    assert returned.statuses[0].category.is_rejection


def test_patient_names_and_member_ids_are_not_kept() -> None:
    dumped = repr(read_277ca(GOLDEN))
    for phi in PATIENT_DATA:
        assert phi not in dumped


def test_several_interchanges() -> None:
    second = (
        golden()
        .replace("000000601*0*T*:", "000000602*0*T*:")
        .replace("IEA*1*000000601", "IEA*1*000000602")
    )
    acks = read_277ca(golden() + second)
    assert [a.envelope.interchange_control_number for a in acks] == [601, 601, 602, 602]
    assert sum(1 for a in acks for _ in a.claims()) == 12


def test_a_wrong_version_is_refused_naming_gs08() -> None:
    error = fails(golden().replace("*X*005010X214~", "*X*005010X212~"))
    assert (error.segment, error.segment_id, error.element) == (2, "GS", 8)
    assert "element GS08" in str(error)


def test_a_truncated_file() -> None:
    text = golden()
    error = fails(text[: text.index("HL*7*3*PT")])
    assert "truncated" in str(error)


def test_a_wrong_se_count() -> None:
    error = fails(golden().replace("SE*57*0002", "SE*56*0002"))
    assert (error.segment, error.segment_id, error.element) == (87, "SE", 1)


def test_stc_without_trn() -> None:
    text = recount(golden().replace("TRN*2*CLAIMA7~\n", ""), "0002")
    error = fails(text)
    assert (error.segment, error.segment_id) == (position(text, "STC*A7:21"), "STC")
    assert "STC before the TRN of loop 2200D" in str(error)
    summary = inspect_file(text)
    assert [(p.code, p.segment) for p in summary.problems] == [
        ("STC-NO-TRN", position(text, "STC*A7:21"))
    ]


@pytest.mark.parametrize(
    ("old", "new", "words", "element"),
    [
        ("STC*A2:20:85**", "STC*Z9:20:85**", "'Z9' is not a 277CA status category code", 1),
        ("STC*A2:20:85**", "STC*A2::85**", "status code (component 2) required", 1),
        ("SVC*HC:99214*200*", "SVC*HC:99214*2x0*", "not a number", 2),
        ("DTP*472*D8*20260506", "DTP*472*D8*20261306", "not a date (CCYYMMDD)", 3),
        ("HL*4*3*PT", "HL*4*9*PT", "names no earlier HL", 2),
        ("HL*4*3*PT", "HL*4*2*PT", "an HL PT must be under an HL 19", 2),
        ("TRN*2*CLAIMA1", "TRN*1*CLAIMA1", "trace type 2 expected in loop 2000D", 1),
        ("REF*FJ*CLAIMA2L1", "REF*6R*CLAIMA2L1", "only REF*FJ", 1),
    ],
)
def test_bad_values_name_segment_and_element(old: str, new: str, words: str, element: int) -> None:
    text = golden().replace(old, new, 1)
    error = fails(text)
    assert words in str(error)
    assert (error.segment, error.element) == (position(text, new), element)


def test_a_claim_without_status_or_trn() -> None:
    text = recount(golden().replace("STC*A3:21:85*20261124*U*250~\n", ""), "0002")
    error = fails(text)
    assert (error.segment, error.message) == (
        position(text, "TRN*2*CLAIMA3"),
        "claim without a status (no STC in loop 2200D)",
    )
    text = recount(golden().replace("TRN*2*CLAIMA3~\nSTC*A3:21:85*20261124*U*250~\n", ""), "0002")
    error = fails(text)
    assert error.segment == position(text, "HL*7*3*PT") and "without its TRN*2" in str(error)


def test_categories() -> None:
    assert {c.value for c in Category if c.is_rejection} == {"A3", "A6", "A7", "A8"}
    assert {c.value for c in Category if c.is_acceptance} == {"A2", "A5"}
    assert {c.value for c in Category if c.is_received} == {"A0", "A1"}
    assert {c.value for c in Category if c.needs_a_person} == {"A4", "E0", "E1", "E2", "E3", "E4"}
    assert Category("A6").label == "rejected for missing information"


def test_inspect_summarises_a_277ca() -> None:
    summary = inspect_file(GOLDEN)
    assert (summary.kind, summary.transactions, summary.claims, summary.problems) == (
        "277CA",
        2,
        6,
        (),
    )
    # The two claims under the 2200B rejection count as rejected though their own STC is A1.
    assert summary.acknowledgments == Acknowledgments(
        6, 1, 4, (("A1", 3), ("A2", 1), ("A3", 1), ("A7", 1))
    )
    dumped = repr(summary.as_json())
    for phi in PATIENT_DATA:
        assert phi not in dumped
