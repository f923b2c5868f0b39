"""Corrected and void claims: new versions with the right frequency, REF*F8 and links, or a
reopening task where the payer takes no frequency 7/8."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from claims.claim import service as claim_service
from claims.claim.models import Claim, Frequency
from claims.claim.state import ClaimState, Command, Event
from claims.errors import InvalidInput, StateError
from claims.rework.models import ReworkItem
from claims.submission.assemble import assemble
from tests.claims import factories as f

TODAY = date(2026, 11, 23)


def sent_claim(session: Session, office: f.Office, *events: Event) -> Claim:
    enc = f.make_encounter(session, office.patient, office.billing)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    claim_service.run_command(session, claim=claim, command=Command.RELEASE, actor=f.ACTOR)
    claim_service.run_command(session, claim=claim, command=Command.SUBMIT, actor=f.ACTOR)
    for event in events:
        claim_service.record_event(session, claim=claim, event=event, actor="edi")
    return claim


PAID = (Event.ACK_ACCEPTED, Event.STATUS_ACCEPTED, Event.REMIT_PAID)


def test_an_adjudicated_claim_is_replaced_by_frequency_7_naming_the_payer_number(
    session: Session,
) -> None:
    office = f.make_office(session)
    claim = sent_claim(session, office, *PAID)
    claim.payer_claim_number = "PAYER-123"
    outcome = claim_service.correct_claim(
        session, claim=claim, actor=f.ACTOR, reason="missed modifier", today=TODAY
    )
    new = outcome.new_claim
    assert new is not None and outcome.task is None
    assert claim.state is ClaimState.REPLACED
    assert new.frequency is Frequency.REPLACEMENT and new.state is ClaimState.DRAFT
    assert new.previous_claim_id == claim.id and new.payer_claim_number == "PAYER-123"
    assert new.patient_control_number != claim.patient_control_number
    assert [cl.charge_line_id for cl in new.lines] == [cl.charge_line_id for cl in claim.lines]
    (value,) = assemble(session, [new])
    assert value.frequency == "7" and value.payer_claim_number == "PAYER-123"


def test_a_rejected_claim_goes_again_as_a_new_original(session: Session) -> None:
    office = f.make_office(session)
    claim = sent_claim(session, office, Event.ACK_REJECTED)
    outcome = claim_service.correct_claim(
        session, claim=claim, actor=f.ACTOR, reason="fixed member ID", today=TODAY
    )
    assert outcome.new_claim is not None
    assert outcome.new_claim.frequency is Frequency.ORIGINAL
    assert claim.state is ClaimState.REPLACED


def test_a_corrected_claim_keeps_the_day_its_timely_filing_counts_from(session: Session) -> None:
    office = f.make_office(session)
    claim = sent_claim(session, office, Event.ACK_REJECTED)
    claim.filing_from = date(2026, 10, 2)  # a claim to a later payer: the primary's remittance
    outcome = claim_service.correct_claim(
        session, claim=claim, actor=f.ACTOR, reason="fixed member ID", today=TODAY
    )
    assert outcome.new_claim is not None and outcome.new_claim.filing_from == date(2026, 10, 2)


def test_a_replacement_without_the_payer_claim_number_is_refused(session: Session) -> None:
    office = f.make_office(session)
    claim = sent_claim(session, office, *PAID)
    with pytest.raises(InvalidInput, match=r"^payer_claim_number:"):
        claim_service.correct_claim(session, claim=claim, actor=f.ACTOR, reason="x", today=TODAY)
    assert claim.state is ClaimState.PAID


def test_a_payer_without_7_or_8_gets_a_reopening_task_not_an_837(session: Session) -> None:
    office = f.make_office(session, accepts_replacement=False)
    claim = sent_claim(session, office, *PAID)
    claim.payer_claim_number = "MCR-1"
    for action in (claim_service.correct_claim, claim_service.void_claim):
        outcome = action(session, claim=claim, actor=f.ACTOR, reason="wrong code", today=TODAY)
        assert outcome.new_claim is None and isinstance(outcome.task, ReworkItem)
        assert outcome.task.claim_id == claim.id and outcome.task.codes == "REOPENING"
        assert outcome.task.amount_cents == claim.total_charge_cents
        assert outcome.task.deadline == date(2027, 3, 23)  # 120 appeal days
        assert claim.state is ClaimState.PAID  # the claim itself is untouched


def test_an_adjudicated_claim_is_voided_by_a_ready_frequency_8(session: Session) -> None:
    office = f.make_office(session)
    claim = sent_claim(session, office, *PAID)
    claim.payer_claim_number = "PAYER-9"
    outcome = claim_service.void_claim(
        session, claim=claim, actor=f.ACTOR, reason="billed the wrong payer", today=TODAY
    )
    new = outcome.new_claim
    assert new is not None and new.frequency is Frequency.VOID
    assert new.state is ClaimState.READY and new.payer_claim_number == "PAYER-9"
    assert claim.state is ClaimState.VOIDED


def test_an_unsent_claim_is_voided_without_a_new_version(session: Session) -> None:
    office = f.make_office(session)
    enc = f.make_encounter(session, office.patient, office.billing)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    outcome = claim_service.void_claim(
        session, claim=claim, actor=f.ACTOR, reason="dup", today=TODAY
    )
    assert outcome == claim_service.Correction()
    assert claim.state is ClaimState.VOIDED


def test_a_claim_still_waiting_for_an_answer_cannot_be_corrected(session: Session) -> None:
    office = f.make_office(session)
    claim = sent_claim(session, office)
    with pytest.raises(StateError, match="no acknowledgment"):
        claim_service.correct_claim(session, claim=claim, actor=f.ACTOR, reason="x", today=TODAY)
