"""999, 277CA and TA1 ingest end to end: claims built and submitted as a batch by the engine,
then acknowledgments naming that batch's control numbers and claims (golden files of our own,
filled in with the numbers the engine chose), checked on states, history, rework items and
idempotency."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimTransition
from claims.claim.state import ClaimState, Command
from claims.encounters.models import ClaimKind
from claims.files.models import (
    Batch,
    ControlCounter,
    CounterKind,
    FileStatus,
    InboundTransaction,
    StoredFile,
)
from claims.practice.models import TradingPartner
from claims.rework.models import Category, ReworkItem, Source
from claims.submission import service as submission
from edi.x12 import read_segments
from edi.x837.writer import write_batch
from remittance.ingest import ingest_file
from remittance.report import FileReport
from tests.claims import factories as f

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 25)
HERE = Path(__file__).parent
GOLDEN = HERE / "ack_golden"
EDI_GOLDEN = HERE.parent / "edi" / "golden"
S = ClaimState


# --- building a batch the way the engine sends one -----------------------------------------


def make_partner(
    session: Session,
    practice_id: int,
    *,
    receiver_id: str = "DEMOCH",
    application_receiver: str = "DEMOCH",
    counters: dict[CounterKind, int] | None = None,
) -> TradingPartner:
    """A clearinghouse whose acknowledgments come from receiver_id, with control counters
    starting where a golden file needs them."""
    partner = TradingPartner(
        practice_id=practice_id, name=f"CH {receiver_id}", sender_id="RIVERSIDEFM",
        receiver_id=receiver_id, application_sender="RIVERSIDEFM",
        application_receiver=application_receiver, submitter_name="RIVERSIDE FAMILY MEDICINE",
        submitter_id="RIVERSIDEFM", submitter_contact="BILLING", submitter_phone="5035550100",
        receiver_name="DEMO CLEARINGHOUSE", receiver_code=receiver_id,
    )  # fmt: skip
    session.add(partner)
    session.flush()
    for kind, value in (counters or {}).items():
        session.add(ControlCounter(trading_partner_id=partner.id, kind=kind, next_value=value))
    session.flush()
    return partner


def ready_claim(
    session: Session, office: f.Office, pcn: str | None = None, **encounter: Any
) -> Claim:
    """A scrubbed claim, renamed to a golden file's CLM01 (its lines PCN L1, L2, ...)."""
    encounter.setdefault("charges", [f.charge("99213", 7500)])
    enc = f.make_encounter(session, office.patient, office.billing, **encounter)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    if pcn is not None:
        claim.patient_control_number = pcn
        for line in claim.lines:
            line.line_control_number = f"{pcn}L{line.line_number}"
    claim_service.run_command(session, claim=claim, command=Command.RELEASE, actor=f.ACTOR)
    return claim


def submit(session: Session, office: f.Office) -> Batch:
    """Send the practice's ready claims as one 837 (plan, reserve, build, record)."""
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    built = submission.build(session, planned, numbers, created_at=NOW, check=None)
    assert built.held == ()
    batch = submission.record(session, planned, numbers, built, actor=f.ACTOR)
    assert batch is not None
    return batch


def sent(
    session: Session,
    pcns: Sequence[str | None] = (None, None),
    *,
    counters: dict[CounterKind, int] | None = None,
    **encounter: Any,
) -> tuple[f.Office, Batch, list[Claim]]:
    """An office whose claims (named as given) went out in one batch to the clearinghouse."""
    office = f.make_office(session)
    make_partner(session, office.practice.id, counters=counters)
    claims = [ready_claim(session, office, pcn, **encounter) for pcn in pcns]
    batch = submit(session, office)
    assert all(c.state is S.SUBMITTED and c.batch_id == batch.id for c in claims)
    return office, batch, claims


def one_claim_per_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make submit write one claim per transaction set (it splits at 5,000 claims)."""
    monkeypatch.setattr(submission, "transactions_needed", lambda count, per=1: count)
    monkeypatch.setattr(
        submission,
        "write_batch",
        lambda batch, d, newline: write_batch(
            dataclasses.replace(batch, claims_per_transaction=1), d, newline=newline
        ),
    )


def numbers(batch: Batch) -> dict[str, str]:
    """The batch's control numbers as a golden file names them."""
    sets = batch.transaction_control_numbers.split(",")
    return {"gs06": str(batch.group_control_number), "st1": f"{int(sets[0]):04d}"}


def position_in_set(
    session: Session, batch: Batch, seg_id: str, nth: int, qualifier: str | None = None
) -> int:
    """The position (ST = 1) of the nth segment with this ID (and first element) in the
    batch's first transaction set."""
    stored = session.get_one(StoredFile, batch.stored_file_id)
    found, start = 0, 0
    for seg in read_segments(stored.content):
        if seg.id == "ST":
            start = seg.position
        elif seg.id == seg_id and qualifier in (None, seg.get(1)):
            found += 1
            if found == nth:
                return seg.position - start + 1
    raise AssertionError(f"no {nth}th {seg_id}")


def golden(name: str, **values: str) -> str:
    return (GOLDEN / name).read_text().format(**values)


def ingest(session: Session, office: f.Office, text: str, name: str) -> FileReport:
    return ingest_file(
        session, practice_id=office.practice.id, content=text.encode(), name=name,
        actor=f.ACTOR, today=TODAY,
    )  # fmt: skip


def items(session: Session, claim: Claim) -> list[ReworkItem]:
    return list(
        session.scalars(
            select(ReworkItem).where(ReworkItem.claim_id == claim.id).order_by(ReworkItem.id)
        )
    )


def steps(session: Session, claim: Claim) -> list[ClaimTransition]:
    return [t for t in claim_service.history(session, claim.id) if t.trigger != "created"]


def last(session: Session, claim: Claim) -> ClaimTransition:
    return steps(session, claim)[-1]


def count(session: Session, model: type) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- 999 ------------------------------------------------------------------------------------


def test_a_999_accepting_the_set_moves_its_claims_to_received(session: Session) -> None:
    office, batch, claims = sent(session)
    report = ingest(session, office, golden("999_accepted.x12", **numbers(batch)), "a.999")
    assert report.error is None and report.kind == "999" and report.status == "processed"
    (tx,) = report.transactions
    assert (tx.claims, tx.matched, tx.unmatched, tx.rework_items) == (2, 2, 0, 0)
    assert (tx.details["batch_id"], tx.details["received"], tx.details["rejected"]) == (
        batch.id, 2, 0,
    )  # fmt: skip
    for claim in claims:
        assert claim.state is S.RECEIVED
        step = last(session, claim)
        assert (step.trigger, step.from_state, step.to_state) == (
            "ack_accepted", S.SUBMITTED, S.RECEIVED,
        )  # fmt: skip
        assert step.source_file_id == report.file_id and step.segment_position == 5  # the AK2
        assert items(session, claim) == []
        assert claim_service.recomputed_state(session, claim.id) is S.RECEIVED


def test_accepted_with_errors_keeps_the_warnings_on_the_claim_they_name(session: Session) -> None:
    office, batch, claims = sent(session)
    nm1 = position_in_set(session, batch, "NM1", 2, "IL")  # the second claim's subscriber
    text = golden(
        "999_accepted_with_errors.x12", **numbers(batch), clm2=claims[1].patient_control_number,
        nm1_2=str(nm1),
    )  # fmt: skip
    report = ingest(session, office, text, "e.999")
    assert report.status == "processed" and report.transactions[0].rework_items == 0
    assert [c.state for c in claims] == [S.RECEIVED, S.RECEIVED]
    first, second = (last(session, c).reason or "" for c in claims)
    assert "accepted with errors (IK5 E 5)" in second
    assert "subscriber member ID (loop 2010BA NM109): invalid character" in second
    assert first.endswith("no error in this claim")


def test_a_rejected_claim_to_a_later_payer_is_due_from_the_prior_remittance(
    session: Session,
) -> None:
    office, batch, claims = sent(session)
    claims[1].filing_from = f.SERVICE_DATE + timedelta(days=40)  # the primary's 835 date
    dmg = position_in_set(session, batch, "DMG", 2)
    ingest(
        session, office, golden("999_rejected_set.x12", **numbers(batch), dmg_2=str(dmg)), "r.999"
    )
    (own,) = items(session, claims[1])
    assert own.deadline == f.SERVICE_DATE + timedelta(days=40 + 365)


def test_a_rejected_set_rejects_every_claim_naming_the_field_by_its_position(
    session: Session,
) -> None:
    office, batch, claims = sent(session)
    dmg = position_in_set(session, batch, "DMG", 2)  # the second claim's subscriber
    report = ingest(
        session, office, golden("999_rejected_set.x12", **numbers(batch), dmg_2=str(dmg)), "r.999"
    )
    (tx,) = report.transactions
    assert (tx.details["rejected"], tx.rework_items) == (2, 2)
    assert [c.state for c in claims] == [S.REJECTED, S.REJECTED]
    named = claims[1].patient_control_number
    (own,) = items(session, claims[1])
    assert own.source is Source.ACK_999 and own.category is Category.ELIGIBILITY
    assert own.codes == f"IK5 R 5; IK3 DMG {dmg} 8; IK4 2 8"
    assert "subscriber birth date (loop 2010BA DMG02): invalid date" in own.summary
    assert own.amount_cents == claims[1].total_charge_cents == 7500
    assert own.deadline == f.SERVICE_DATE + timedelta(days=365)  # the payer's timely filing
    assert own.source_file_id == report.file_id
    (other,) = items(session, claims[0])
    assert other.category is Category.OTHER and f"errors in claims {named}" in other.summary
    assert "No error was named in this claim" in other.summary
    assert "invalid date" in (last(session, claims[1]).reason or "")


def test_a_group_rejected_without_set_answers_names_the_group_and_its_codes(
    session: Session,
) -> None:
    # AK9 R with AK905 4 (GS06 and GE02 differ) and no AK2: nothing in any claim was wrong.
    office, batch, claims = sent(session)
    text = golden("999_accepted.x12", **numbers(batch))
    text = text.replace(f"AK2*837*{numbers(batch)['st1']}*005010X222A1~\nIK5*A~\n", "")
    text = text.replace("AK9*A*1*1*1", "AK9*R*1*1*0*4").replace("SE*6*0001", "SE*4*0001")
    report = ingest(session, office, text, "g.999")
    assert report.status == "processed", report.as_json()
    assert [c.state for c in claims] == [S.REJECTED, S.REJECTED]
    for claim in claims:
        (item,) = items(session, claim)
        assert item.codes == "AK9 R 4"  # not an IK5 the 999 never sent
        assert f"rejected the whole functional group {batch.group_control_number}" in item.summary
        assert "GS06 and GE02 differ" in item.summary
        assert "rest of the set" not in item.summary
        assert "rejected (AK9) (AK9 R 4)" in (last(session, claim).reason or "")


def test_a_set_accepted_in_a_rejected_group_keeps_both_answers(session: Session) -> None:
    office, batch, claims = sent(session)
    text = golden("999_accepted.x12", **numbers(batch))
    text = text.replace("AK9*A*1*1*1", "AK9*R*1*1*0*5")
    ingest(session, office, text, "g.999")
    (item,) = items(session, claims[0])
    assert item.codes == "IK5 A; AK9 R 5"
    assert "GE01 differs from the transaction set count" in item.summary


def test_a_partially_accepted_group_is_taken_set_by_set(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The golden 999: AK102 23, set 0001 accepted, set 0002 rejected with CTX*CLM01:CLAIMP2.
    one_claim_per_set(monkeypatch)
    counters = {CounterKind.GROUP: 23, CounterKind.TRANSACTION: 1}
    office, batch, (p1, p2) = sent(session, ["CLAIMP1", "CLAIMP2"], counters=counters)
    assert (batch.group_control_number, batch.transaction_control_numbers) == (23, "1,2")
    text = (EDI_GOLDEN / "999_partial.x12").read_text()
    report = ingest(session, office, text, "999_partial.x12")
    (tx,) = report.transactions
    assert (tx.details["received"], tx.details["rejected"], tx.unmatched) == (1, 1, 0)
    assert (p1.state, p2.state) == (S.RECEIVED, S.REJECTED)
    (item,) = items(session, p2)
    assert item.codes.startswith("IK5 R 5 I5; IK3 NM1 24 8; IK4 9 7")
    assert "IK3 DMG 27 8; IK4 2 8" in item.codes
    assert "invalid code value" in item.summary and "invalid date" in item.summary
    assert "M98765432X" not in item.summary + (last(session, p2).reason or "")  # IK404: PHI
    assert items(session, p1) == []


def test_the_same_999_again_is_a_duplicate_and_other_content_a_conflict(session: Session) -> None:
    office, batch, claims = sent(session)
    text = golden("999_accepted.x12", **numbers(batch))
    first = ingest(session, office, text, "a.999")
    kept = session.get_one(StoredFile, first.file_id)
    processed = (kept.status, kept.processed_at)
    before = (count(session, ClaimTransition), count(session, ReworkItem))
    again = ingest(session, office, text, "a.999")
    assert again.status == "duplicate" and again.transactions[0].status == "duplicate"
    assert again.file_id == first.file_id  # the same bytes are kept once...
    assert (kept.status, kept.processed_at) == processed  # ...with how they were processed
    assert processed[0] is FileStatus.PROCESSED
    # Re-sent in a new envelope (another ISA13/GS06/ST02): still the same acknowledgment.
    resent = text.replace("000000901", "000000977").replace("*901*", "*977*")
    resent = resent.replace("ST*999*0001", "ST*999*0042").replace("SE*6*0001", "SE*6*0042")
    assert ingest(session, office, resent, "b.999").status == "duplicate"
    assert (count(session, ClaimTransition), count(session, ReworkItem)) == before
    changed = text.replace("IK5*A", "IK5*R*5").replace("AK9*A*1*1*1", "AK9*R*1*1*0")
    conflict = ingest(session, office, changed, "c.999")
    assert conflict.status == "conflict"
    assert [c.state for c in claims] == [S.RECEIVED, S.RECEIVED]  # nothing applied
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.codes == "CONFLICT"))
    assert item.claim_id is None and item.source_file_id == conflict.file_id
    ingest(session, office, changed, "c.999")  # the same conflicting file: one item only
    assert count(session, ReworkItem) == before[1] + 1


def test_a_999_for_a_group_we_did_not_send_opens_an_item_without_a_claim(
    session: Session,
) -> None:
    office, _, claims = sent(session)
    text = golden("999_accepted.x12", gs06="999999", st1="0001")
    report = ingest(session, office, text, "x.999")
    (tx,) = report.transactions
    assert tx.unmatched == 1 and "matches no batch we sent" in tx.exceptions[0]
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.source_file_id == report.file_id))
    assert item.claim_id is None and item.codes == "999 AK1 HC 999999"
    assert [c.state for c in claims] == [S.SUBMITTED, S.SUBMITTED]


def test_a_malformed_acknowledgment_is_refused_whole(session: Session) -> None:
    office, batch, claims = sent(session)
    text = golden("999_accepted.x12", **numbers(batch)).replace("SE*6*0001", "SE*7*0001")
    report = ingest(session, office, text, "bad.999")
    assert report.status == "rejected" and report.error is not None
    assert "segment 8 (SE)" in report.error
    assert [c.state for c in claims] == [S.SUBMITTED, S.SUBMITTED]
    assert count(session, InboundTransaction) == 0  # refused: not counted as seen
    fixed = golden("999_accepted.x12", **numbers(batch))
    assert ingest(session, office, fixed, "a.999").status == "processed"


def test_a_file_with_one_bad_transaction_set_applies_none_of_them(session: Session) -> None:
    # Two 277CAs in one group; the second has a status category that does not exist. The
    # first, sound one must not be applied either.
    office, batch, claims = sent(session, [None] * 4)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_per_claim.x12", gs06=str(batch.group_control_number), **pcns)
    isa, gs, rest = text.split("\n", 2)
    good = rest[: rest.index("GE*")]
    bad = good.replace("ST*277*0001", "ST*277*0002").replace("SE*52*0001", "SE*52*0002")
    bad = bad.replace("PAYERRPT1", "PAYERRPT2").replace("STC*A4:35", "STC*Z4:35")
    both = f"{isa}\n{gs}\n{good}{bad}GE*2*911~\nIEA*1*000000911~\n"
    report = ingest(session, office, both, "two.277")
    assert report.status == "rejected" and report.transactions == []
    assert report.error is not None
    assert "segment 99 (STC), element STC01: 'Z4' is not a 277CA status category" in report.error
    assert [c.state for c in claims] == [S.SUBMITTED] * 4
    assert count(session, InboundTransaction) == 0
    assert session.scalars(select(ReworkItem)).all() == []


# --- TA1 ------------------------------------------------------------------------------------


def test_a_ta1_rejection_rejects_the_whole_interchange(session: Session) -> None:
    office, batch, claims = sent(session, counters={CounterKind.INTERCHANGE: 17})
    assert batch.interchange_control_number == 17
    text = (EDI_GOLDEN / "ta1_rejected.x12").read_text()  # TA1*000000017*...*R*022
    report = ingest(session, office, text, "ta1.x12")
    assert report.kind == "TA1" and report.status == "processed"
    (tx,) = report.transactions
    assert (tx.details["acknowledgment"], tx.details["rejected"], tx.rework_items) == ("TA1", 2, 2)
    assert [c.state for c in claims] == [S.REJECTED, S.REJECTED]
    kept = session.get_one(StoredFile, batch.stored_file_id)
    assert kept.status is FileStatus.REFUSED and kept.error is not None
    assert kept.error.startswith("TA1 R 022: invalid control structure")
    for claim in claims:
        (item,) = items(session, claim)
        assert (item.source, item.codes) == (Source.ACK_999, "TA1 R 022")
        assert "refused the whole interchange 17" in item.summary
    assert ingest(session, office, text, "ta1.x12").status == "duplicate"


def test_an_accepting_ta1_moves_no_claim(session: Session) -> None:
    office, batch, claims = sent(session, counters={CounterKind.INTERCHANGE: 17})
    text = (EDI_GOLDEN / "ta1_rejected.x12").read_text().replace("*R*022", "*A*000")
    report = ingest(session, office, text, "ta1.x12")
    assert report.transactions[0].details["batch_id"] == batch.id
    assert [c.state for c in claims] == [S.SUBMITTED, S.SUBMITTED]
    assert session.get_one(StoredFile, batch.stored_file_id).status is FileStatus.SENT


# --- 277CA ----------------------------------------------------------------------------------


def test_277ca_statuses_per_claim(session: Session) -> None:
    office, batch, claims = sent(session, [None] * 4)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_per_claim.x12", gs06=str(batch.group_control_number), **pcns)
    report = ingest(session, office, text, "a.277")
    assert report.kind == "277CA" and report.status == "processed"
    (tx,) = report.transactions
    assert (tx.claims, tx.matched, tx.unmatched) == (5, 4, 1)
    assert {k: tx.details[k] for k in ("accepted", "received", "rejected", "flagged")} == {
        "accepted": 1, "received": 1, "rejected": 1, "flagged": 1,
    }  # fmt: skip
    accepted, rejected, received, not_found = claims
    assert accepted.state is S.ACCEPTED and accepted.payer_claim_number == "PAYERCLAIM1"
    step = last(session, accepted)
    assert step.trigger == "status_accepted" and step.segment_position == 24  # its TRN
    assert "clearinghouse trace CHTRACE1" in (step.reason or "")
    assert tx.exceptions == [
        "277CA claim at segment 51 (NOTOURS1) matches no claim of ours",
    ]  # the REF*FJ of the accepted claim matched its line 1
    assert items(session, accepted) == []
    # A7 naming the subscriber: rejected, routed to eligibility, every code kept.
    assert rejected.state is S.REJECTED and rejected.payer_claim_number == "PAYERCLAIM2"
    (item,) = items(session, rejected)
    assert (item.source, item.category) == (Source.ACK_277CA, Category.ELIGIBILITY)
    assert item.codes == "A7:21:IL A7:164:IL A3:562:85"
    assert "MEMBER ID" not in item.summary  # the payer's free text may hold PHI
    assert item.amount_cents == 7500 and item.deadline == f.SERVICE_DATE + timedelta(days=365)
    assert received.state is S.RECEIVED and items(session, received) == []
    # A4: nothing moves; a step is kept for the history and a person is asked to look.
    assert not_found.state is S.SUBMITTED
    note = last(session, not_found)
    assert (note.trigger, note.to_state) == ("ack_note", S.SUBMITTED)
    assert note.attention is not None and "A4 not found" in note.attention
    (flag,) = items(session, not_found)
    assert flag.codes == "A4:35" and "cannot find the claim" in flag.summary
    (orphan,) = session.scalars(
        select(ReworkItem).where(ReworkItem.claim_id.is_(None), ReworkItem.codes == "277CA TRN*2")
    )
    assert orphan.source is Source.ACK_277CA
    assert claim_service.recomputed_state(session, not_found.id) is S.SUBMITTED
    before = (count(session, ClaimTransition), count(session, ReworkItem))
    assert ingest(session, office, text, "a.277").status == "duplicate"
    # Re-sent in a new envelope (ISA13, GS06, ST02): the same report, still a duplicate.
    resent = text.replace("000000911", "000000977").replace("*911*", "*977*")
    resent = resent.replace("ST*277*0001", "ST*277*0042").replace("SE*52*0001", "SE*52*0042")
    assert ingest(session, office, resent, "b.277").status == "duplicate"
    assert (count(session, ClaimTransition), count(session, ReworkItem)) == before
    assert rejected.state is S.REJECTED and len(items(session, rejected)) == 1


def test_a_provider_level_rejection_applies_to_every_claim_beneath_it(session: Session) -> None:
    office, batch, claims = sent(session, [None] * 3)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_provider_rejected.x12", gs06=str(batch.group_control_number), **pcns)
    ingest(session, office, text, "p.277")
    under, also_under, elsewhere = claims
    # Their own STC says A1, but the 2200C A3 above them rejects them.
    assert [under.state, also_under.state] == [S.REJECTED, S.REJECTED]
    (item,) = items(session, under)
    assert item.codes == "A3:562:85" and "billing provider level (2200C)" in item.summary
    assert "rejected at the billing provider level" in (last(session, under).reason or "")
    assert elsewhere.state is S.RECEIVED and items(session, elsewhere) == []


def test_a_rejection_above_claims_that_names_none_asks_a_person(session: Session) -> None:
    # The provider's 2200C rejects, but the sender lists none of its claims: they cannot be
    # moved, and the rejection must not pass as silence. (2200B TRN*2 echoes our BHT03, the
    # batch's ISA13.)
    office, batch, claims = sent(session, [None] * 3)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_provider_rejected.x12", gs06=str(batch.interchange_control_number), **pcns)
    text = text[: text.index("HL*4*3*PT~")] + text[text.index("HL*6*2*19*1~") :]
    report = ingest(session, office, text.replace("SE*39*0001", "SE*29*0001"), "p.277")
    assert report.status == "processed", report.as_json()
    (tx,) = report.transactions
    assert tx.unmatched == 1 and tx.matched == 1
    first, second, other = claims
    assert (first.state, second.state, other.state) == (S.SUBMITTED, S.SUBMITTED, S.RECEIVED)
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.source_file_id == report.file_id))
    assert item.claim_id is None and item.codes == "A3:562:85"
    assert f"rejected batch {batch.id} for billing provider 1234567893" in item.summary
    assert "billing provider level (2200C) without naming its claims" in item.summary
    # The whole file rejected at 2200B with no provider beneath it at all.
    office, batch, claims = sent(session)
    text = golden("277ca_per_claim.x12", gs06=str(batch.interchange_control_number), clm1="",
                  clm2="", clm3="", clm4="")  # fmt: skip
    text = text.split("HL*3*2*19*1~\n")[0] + "SE*16*0001~\nGE*1*911~\nIEA*1*000000911~\n"
    text = text.replace("STC*A1:19*20261125*WQ*375", "STC*A3:24:41*20261125*U*375")
    report = ingest(session, office, text, "b.277")
    assert report.status == "processed", report.as_json()
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.source_file_id == report.file_id))
    assert item.codes == "A3:24:41" and f"rejected batch {batch.id} at the information" in (
        item.summary
    )
    assert [c.state for c in claims] == [S.SUBMITTED, S.SUBMITTED]


def test_the_golden_277ca_levels_file_on_a_batch_the_engine_sent(session: Session) -> None:
    # Two transaction sets: a clearinghouse rejects its whole file at 2200B; a payer answers
    # per claim, with lines echoed by REF*FJ.
    names = ["CLAIMP1", "CLAIMP2", "CLAIMA1", "CLAIMA2", "CLAIMA7", "CLAIMA3"]
    office, _, claims = sent(
        session, names, charges=[f.charge("99213", 15000), f.charge("99214", 20000)]
    )
    by = dict(zip(names, claims, strict=True))
    report = ingest(session, office, (EDI_GOLDEN / "277ca_levels.x12").read_text(), "levels.277")
    assert [t.status for t in report.transactions] == ["processed", "processed"]
    assert by["CLAIMP1"].state is by["CLAIMP2"].state is S.REJECTED
    (item,) = items(session, by["CLAIMP1"])
    assert item.codes == "A3:24:41" and "information receiver" in item.summary
    assert by["CLAIMA1"].state is S.RECEIVED  # its own A1 decides, not the provider's A2
    assert by["CLAIMA2"].state is S.ACCEPTED and by["CLAIMA2"].payer_claim_number == "PAYER0002"
    a7 = by["CLAIMA7"]
    assert a7.state is S.REJECTED and a7.payer_claim_number == "PAYER0003"
    (item,) = items(session, a7)
    assert item.codes == "A7:21:IL A7:453:QC A3:562:85" and item.category is Category.ELIGIBILITY
    assert "line 1 A7:453" in item.summary  # matched through REF*FJ CLAIMA7L1
    (item,) = items(session, by["CLAIMA3"])
    assert item.codes == "A3:21:85" and item.category is Category.OTHER
    assert report.transactions[1].exceptions == []  # every REF*FJ named a line of ours


def test_several_277cas_per_claim_are_kept_in_order(session: Session) -> None:
    office, batch, claims = sent(session, [None] * 3)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    first = golden("277ca_provider_rejected.x12", gs06=str(batch.group_control_number), **pcns)
    # The clearinghouse first says received, then the payer accepts.
    first = first.replace("STC*A3:562:85**U*150", "STC*A1:19:85**WQ*150")
    later = first.replace("CHRPT2*20261125*0900", "PAYRPT3*20261126*1000")
    later = later.replace(f"TRN*2*{claims[0].patient_control_number}~\nSTC*A1:19*", (
        f"TRN*2*{claims[0].patient_control_number}~\nREF*1K*PAYER77~\nSTC*A2:20*"
    ))  # fmt: skip
    later = later.replace("REF*1K*PAYER77~\nSTC*A2:20*20261125*WQ*75~", (
        "STC*A2:20*20261125*WQ*75~\nREF*1K*PAYER77~"
    )).replace("SE*39*0001", "SE*40*0001")  # fmt: skip
    ingest(session, office, first, "ch.277")
    ingest(session, office, later, "payer.277")
    claim = claims[0]
    assert claim.state is S.ACCEPTED and claim.payer_claim_number == "PAYER77"
    history = steps(session, claim)
    assert [t.trigger for t in history][-2:] == ["status_received", "status_accepted"]
    files = [t.source_file_id for t in history[-2:]]
    assert files[0] is not None and files[1] is not None and files[0] < files[1]


def test_a_received_status_read_after_a_rejection_leaves_the_claim_rejected(
    session: Session,
) -> None:
    # Files are taken in any order: the clearinghouse's earlier A1 report may be read after
    # the rejection. The claim is not alive again; an A2 after it is, and says so.
    office, batch, claims = sent(session, [None] * 3)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    rejecting = golden("277ca_provider_rejected.x12", gs06=str(batch.group_control_number), **pcns)
    received = rejecting.replace("STC*A3:562:85**U*150", "STC*A1:19:85**WQ*150")
    received = received.replace("CHRPT2*20261125*0900", "CHRPT1*20261124*0900")
    ingest(session, office, rejecting, "rejected.277")
    ingest(session, office, received, "received-earlier.277")
    first, second, _ = claims
    assert (first.state, second.state) == (S.REJECTED, S.REJECTED)
    assert last(session, first).trigger == "status_received"  # kept in the history all the same
    assert claim_service.recomputed_state(session, first.id) is S.REJECTED
    assert len(items(session, first)) == 1
    accepted = received.replace("CHRPT1*20261124*0900", "PAYRPT3*20261126*1000")
    accepted = accepted.replace(
        f"TRN*2*{pcns['clm1']}~\nSTC*A1:19*", f"TRN*2*{pcns['clm1']}~\nSTC*A2:20*"
    )
    ingest(session, office, accepted, "accepted.277")
    assert first.state is S.ACCEPTED
    assert "do not resubmit" in (last(session, first).attention or "")
    rejection, note = items(session, first)
    assert (rejection.source, note.source) == (Source.ACK_277CA, Source.STATE)
    assert "do not resubmit" in note.summary


def test_a_rejection_after_acceptance_is_recorded_and_noted(session: Session) -> None:
    office, batch, claims = sent(session, [None] * 4)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_per_claim.x12", gs06=str(batch.group_control_number), **pcns)
    claims[1].state = S.ACCEPTED  # the payer had accepted it before this 277CA
    ingest(session, office, text, "a.277")
    assert claims[1].state is S.REJECTED
    assert last(session, claims[1]).attention == "rejection after the payer accepted the claim"
    (item,) = items(session, claims[1])
    assert "Note: rejection after the payer accepted the claim." in item.summary


# --- the public samples ---------------------------------------------------------------------


def _institutional(session: Session) -> tuple[f.Office, dict[str, Any]]:
    office = f.make_office(session)
    attending = f.make_provider(session, office.practice)
    return office, {
        "kind": ClaimKind.INSTITUTIONAL,
        "attending_provider_id": attending.id,
        "charges": [f.charge("99284", 12500, revenue_code="0450", pointers=())],
    }


def test_the_public_999_samples(session: Session, x12_samples: Path) -> None:
    # accepted: from 12345, group 17456, 837I set 0001.
    office, encounter = _institutional(session)
    make_partner(
        session, office.practice.id, receiver_id="12345", application_receiver="RCVR1",
        counters={CounterKind.GROUP: 17456, CounterKind.TRANSACTION: 1},
    )  # fmt: skip
    claim = ready_claim(session, office, **encounter)
    submit(session, office)
    report = ingest(
        session, office, (x12_samples / "imsweb_999_X231A1_accepted.txt").read_text(), "acc.999"
    )
    assert report.status == "processed" and claim.state is S.RECEIVED
    # rejected: from EMEDNYBAT, group 28, set 0028; IK3 names segment 17 (no CTX).
    office, encounter = _institutional(session)
    make_partner(
        session, office.practice.id, receiver_id="EMEDNYBAT", application_receiver="EMEDNY",
        counters={CounterKind.GROUP: 28, CounterKind.TRANSACTION: 28},
    )  # fmt: skip
    claim = ready_claim(session, office, **encounter)
    submit(session, office)
    report = ingest(
        session, office, (x12_samples / "imsweb_999_X231A1_rejected.txt").read_text(), "rej.999"
    )
    assert claim.state is S.REJECTED
    (item,) = items(session, claim)
    assert item.codes.startswith("IK5 R 5; IK3 NM 17 1")
    assert "NM (segment 17 of the transaction set): unrecognized segment ID" in item.summary


def test_the_public_277ca_samples(session: Session, x12_samples: Path) -> None:
    office, encounter = _institutional(session)
    make_partner(session, office.practice.id)
    accepted = ready_claim(session, office, "5781", **encounter)
    rejected = ready_claim(session, office, "3920394930203", **encounter)
    submit(session, office)
    for name in ("imsweb_277CA_X214_accepted.txt", "imsweb_277CA_X214_rejected.txt"):
        report = ingest(session, office, (x12_samples / name).read_text(), name)
        assert report.status == "processed", report.as_json()
    assert accepted.state is S.ACCEPTED and accepted.payer_claim_number == "1107000000014420"
    assert rejected.state is S.REJECTED and rejected.payer_claim_number == "1107000000001120"
    (item,) = items(session, rejected)
    assert item.codes == "A7:562:85" and item.category is Category.MISSING_INFORMATION


def test_a_ta1_beside_a_999_in_one_interchange_applies_both(session: Session) -> None:
    office, batch, claims = sent(session, counters={CounterKind.INTERCHANGE: 17})
    isa, rest = golden("999_accepted.x12", **numbers(batch)).split("\n", 1)
    text = f"{isa}\nTA1*000000017*261123*0930*E*026~\n{rest}"
    report = ingest(session, office, text, "ta1-999.x12")
    assert report.kind == "TA1" and report.status == "processed"
    ta1, ack = report.transactions
    assert (ta1.details["acknowledgment"], ack.details["acknowledgment"]) == ("TA1", "999")
    assert "accepted with errors: invalid element separator (026)" in ta1.exceptions[0]
    assert [c.state for c in claims] == [S.RECEIVED, S.RECEIVED]


def test_a_split_claim_is_accepted_and_the_split_noted(session: Session) -> None:
    office, batch, claims = sent(session, [None] * 3)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_provider_rejected.x12", gs06=str(batch.group_control_number), **pcns)
    text = text.replace("STC*A3:562:85**U*150", "STC*A1:19:85**WQ*150")
    text = text.replace(f"TRN*2*{pcns['clm1']}~\nSTC*A1:19*", f"TRN*2*{pcns['clm1']}~\nSTC*A5:20*")
    ingest(session, office, text, "split.277")
    assert claims[0].state is S.ACCEPTED
    assert "expect several claims for it in the 835" in (last(session, claims[0]).reason or "")
    assert claims[1].state is S.RECEIVED
