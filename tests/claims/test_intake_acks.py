"""Our own 999 and 277CA for inbound 837s: a 999 for each file (accepted, or rejected where the
reader found the fault) and a 277CA per claim after the scrubber ran, kept as outbound files."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from claims.files.models import Direction, FileKind, FileStatus, StoredFile
from claims.intake.service import IntakeResult, IntakeStatus, import_837
from claims.practice.models import Practice
from edi.validate import pyx12_problems
from edi.x12 import read_segments
from edi.x277ca.models import Category
from edi.x277ca.reader import read_277ca
from edi.x999.models import ElementErrorCode, GroupCode, TransactionCode, TransactionErrorCode
from edi.x999.reader import read_999
from tests.claims import factories as f
from tests.claims.test_intake import office, own_claim
from tests.edi import x12text as t

TODAY = date(2026, 11, 23)


def run(session: Session, practice: Practice, text: str, name: str = "in.x12") -> IntakeResult:
    return import_837(
        session, practice_id=practice.id, data=text.encode(), name=name, actor=f.ACTOR,
        today=TODAY,
    )  # fmt: skip


def three_claims() -> str:
    """A good claim, one the scrubber holds (past timely filing) and one intake refuses (a
    replacement, frequency 7), each in its own transaction set."""
    held = [s.replace("D8*20260501", "D8*20200101") for s in own_claim("HELD1", "M2")]
    refused = [s.replace("11:B:1", "11:B:7") for s in own_claim("FREQ7", "M3")]
    return t.file_837(own_claim("GOOD1", "M1"), held, refused)


def test_a_file_read_gets_an_accepting_999_and_a_277ca_per_claim(session: Session) -> None:
    practice, _ = office(session)
    result = run(session, practice, three_claims())
    assert result.status is IntakeStatus.IMPORTED
    assert [a.kind for a in result.acknowledgments] == ["999", "277CA"]
    ack_999, ack_277 = result.acknowledgments
    for ack in result.acknowledgments:
        kept = session.get_one(StoredFile, ack.file_id)
        assert (kept.direction, kept.status) == (Direction.OUTBOUND, FileStatus.SENT)
        assert kept.content.decode() == ack.text and kept.name == ack.name
        assert pyx12_problems(ack.text) == []
    assert session.get_one(StoredFile, ack_999.file_id).kind is FileKind.X999
    # The 999: addressed back to the sender, every set of group 1 accepted.
    isa = next(iter(read_segments(ack_999.text)))
    assert (isa.get(6).strip(), isa.get(8).strip(), isa.get(15)) == ("RECEIVER", "SENDER", "T")
    (ack,) = read_999(ack_999.text)
    assert (ack.group_control_number, ack.code, ack.accepted) == (1, GroupCode.ACCEPTED, 3)
    assert [(r.control_number, r.code) for r in ack.transactions] == [
        ("0001", TransactionCode.ACCEPTED),
        ("0002", TransactionCode.ACCEPTED),
        ("0003", TransactionCode.ACCEPTED),
    ]
    # The 277CA: the sender's CLM01s, each with what became of it and our claim number.
    (report,) = read_277ca(ack_277.text)
    got = {c.claim_number: c for c, _ in report.claims()}
    assert list(got) == ["GOOD1", "HELD1", "FREQ7"]
    ours = {c.clm01: c.claims[0].patient_control_number for c in result.imported}
    good, held, refused = got["GOOD1"], got["HELD1"], got["FREQ7"]
    assert (good.statuses[0].status.category, good.statuses[0].status.code) == (
        Category.ACCEPTED, "20",
    )  # fmt: skip
    assert good.clearinghouse_trace == ours["GOOD1"]
    assert held.statuses[0].category is Category.RECEIVED
    assert held.statuses[0].message == (
        f"held here for correction (claim {ours['HELD1']} DOS-TIMELY-FILING)"
    )
    assert refused.statuses[0].category is Category.RETURNED and refused.statuses[0].action == "U"
    assert (refused.statuses[0].message or "").startswith("CLM05-3 frequency 7 - replacement")
    assert refused.clearinghouse_trace is None
    (receiver,) = report.sources[0].receivers
    assert (receiver.accepted, receiver.rejected, receiver.trace) == (2, 1, "REF1")  # BHT03


def test_a_refused_file_gets_a_999_naming_the_segment_and_element(session: Session) -> None:
    practice, _ = office(session)
    text = t.file_837(own_claim("GOOD1"), own_claim("BAD1"))
    bad = t.position(text, "CLM*BAD1")
    text = text.replace("CLM*BAD1*100*", "CLM*BAD1*1X0*")
    result = run(session, practice, text)
    assert result.status is IntakeStatus.REFUSED and result.error is not None
    (ack_999,) = result.acknowledgments  # nothing was read: no 277CA
    assert pyx12_problems(ack_999.text) == []
    (ack,) = read_999(ack_999.text)
    assert (ack.code, ack.included, ack.accepted) == (GroupCode.REJECTED, 2, 0)
    (response,) = ack.transactions  # the set with the fault
    assert (response.control_number, response.code) == ("0002", TransactionCode.REJECTED)
    assert response.error_codes == (TransactionErrorCode.SEGMENTS_IN_ERROR,)
    (error,) = response.errors
    second_set = t.position(text, "ST*837*0002")
    assert (error.segment_id, error.position) == ("CLM", bad - second_set + 1)
    (element,) = error.elements
    assert (element.position, element.code) == (2, ElementErrorCode.INVALID_CHARACTER)


def test_a_wrong_segment_count_is_answered_in_ik5(session: Session) -> None:
    practice, _ = office(session)
    text = t.file_837(own_claim("GOOD1"))
    text = text.replace("SE*", "SE*9", 1)
    result = run(session, practice, text)
    (ack,) = read_999(result.acknowledgments[0].text)
    (response,) = ack.transactions
    assert response.errors == () and response.error_codes == (TransactionErrorCode.COUNT_MISMATCH,)


def test_a_file_sent_again_gets_the_same_acknowledgments_back(session: Session) -> None:
    practice, _ = office(session)
    text = three_claims()
    first = run(session, practice, text)
    again = run(session, practice, text)
    assert again.status is IntakeStatus.DUPLICATE
    assert [(a.kind, a.file_id, a.text) for a in again.acknowledgments] == [
        (a.kind, a.file_id, a.text) for a in first.acknowledgments
    ]


def test_a_file_without_a_readable_isa_gets_no_999(session: Session) -> None:
    practice, _ = office(session)
    result = run(session, practice, "NOT X12 AT ALL")
    assert result.status is IntakeStatus.REFUSED and result.acknowledgments == ()


def test_two_files_get_interchange_numbers_of_their_own(session: Session) -> None:
    practice, _ = office(session)
    numbers = []
    for pcn in ("ONE1", "TWO2"):
        result = run(session, practice, t.file_837(own_claim(pcn)), f"{pcn}.x12")
        numbers += [next(iter(read_segments(a.text))).get(13) for a in result.acknowledgments]
    assert len(set(numbers)) == 4
