"""Tests of claims/claim/service.py: creating claim versions, commands, events and history."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim import service
from claims.claim.models import Claim, ClaimLine, ClaimTransition, Frequency
from claims.claim.state import ClaimState, Command, Event
from claims.encounters.models import ChargeLine, Encounter
from claims.errors import InvalidInput, NotFound, StateError
from tests.claims import factories as f

S = ClaimState
C = Command
E = Event

PCN = re.compile(r"[A-Z0-9]{1,17}")


@pytest.fixture
def office(session: Session) -> f.Office:
    return f.make_office(session)


@pytest.fixture
def encounter(session: Session, office: f.Office) -> Encounter:
    """Three lines, one of them a zero-charge quality code."""
    return f.make_encounter(
        session,
        office.patient,
        office.billing,
        charges=(
            f.charge("99214", 22500, pointers=(1, 2)),
            f.charge("93000", 7501),
            f.charge("3074F", 0, pointers=(2,)),
        ),
    )


def _claim(session: Session, office: f.Office, encounter: Encounter, **kwargs: object) -> Claim:
    return service.create_claim(
        session,
        practice_id=office.practice.id,
        encounter_id=encounter.id,
        coverage_id=office.coverage.id,
        actor=f.ACTOR,
        **kwargs,  # type: ignore[arg-type]
    )


def _drive(session: Session, claim: Claim, *steps: Command | Event) -> None:
    for step in steps:
        if isinstance(step, Command):
            service.run_command(session, claim=claim, command=step, actor=f.ACTOR)
        else:
            service.record_event(session, claim=claim, event=step, actor="edi")


def _transitions(session: Session, claim_id: int) -> list[ClaimTransition]:
    session.expire_all()
    return list(
        session.scalars(
            select(ClaimTransition)
            .where(ClaimTransition.claim_id == claim_id)
            .order_by(ClaimTransition.id)
        )
    )


# --- create_claim -------------------------------------------------------------------------


def test_create_claim_carries_every_line_of_the_encounter(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    session.expire_all()
    stored = session.get(Claim, claim.id)
    assert stored is not None
    charge_lines = list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.encounter_id == encounter.id)
            .order_by(ChargeLine.line_number)
        )
    )
    assert [line.charge_line_id for line in stored.lines] == [c.id for c in charge_lines]
    assert [line.line_number for line in stored.lines] == [1, 2, 3]
    assert [line.charge_cents for line in stored.lines] == [22500, 7501, 0]
    assert stored.total_charge_cents == 22500 + 7501 + 0
    assert stored.state is S.DRAFT
    assert stored.frequency is Frequency.ORIGINAL
    assert stored.submitted_at is None
    assert (stored.patient_id, stored.coverage_id, stored.payer_id) == (
        office.patient.id,
        office.coverage.id,
        office.payer.id,
    )
    assert stored.kind is encounter.kind


def test_create_claim_numbers_fit_clm01_and_ref_6r(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claims = [_claim(session, office, encounter) for _ in range(3)]
    pcns = [claim.patient_control_number for claim in claims]
    for pcn in pcns:
        assert len(pcn) == 12
        assert PCN.fullmatch(pcn), "CLM01: letters and digits only, at most 17"
    assert len(set(pcns)) == len(pcns)
    line_numbers = [line.line_control_number for claim in claims for line in claim.lines]
    assert len(set(line_numbers)) == len(line_numbers) == 9
    for number in line_numbers:
        assert number and len(number) <= 30
        assert re.fullmatch(r"[A-Z0-9]+", number)


def test_create_claim_records_its_creation(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    [created] = _transitions(session, claim.id)
    assert (created.trigger, created.from_state, created.to_state) == ("created", S.DRAFT, S.DRAFT)
    assert created.actor == f.ACTOR


def test_create_claim_over_chosen_lines_totals_only_those(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    first, second, _ = sorted(encounter.lines, key=lambda line: line.line_number)
    claim = _claim(session, office, encounter, charge_line_ids=[second.id, first.id])
    assert [line.charge_line_id for line in claim.lines] == [first.id, second.id]
    assert claim.total_charge_cents == 22500 + 7501


def test_create_claim_refuses_a_line_of_another_encounter(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    other = f.make_encounter(session, office.patient, office.billing)
    before = f.count_rows(session, Claim, ClaimLine, ClaimTransition)
    with pytest.raises(InvalidInput, match="charge_line_ids"):
        _claim(session, office, encounter, charge_line_ids=[other.lines[0].id])
    with pytest.raises(InvalidInput, match="charge_line_ids"):
        _claim(session, office, encounter, charge_line_ids=[])
    assert f.count_rows(session, Claim, ClaimLine, ClaimTransition) == before


def test_create_claim_refuses_a_coverage_of_another_patient(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    someone_else = f.make_patient(session, office.practice)
    their_coverage = f.make_coverage(session, someone_else, office.payer)
    before = f.count_rows(session, Claim, ClaimLine, ClaimTransition)
    with pytest.raises(InvalidInput, match="coverage_id"):
        service.create_claim(
            session,
            practice_id=office.practice.id,
            encounter_id=encounter.id,
            coverage_id=their_coverage.id,
            actor=f.ACTOR,
        )
    assert f.count_rows(session, Claim, ClaimLine, ClaimTransition) == before


def test_create_claim_refuses_an_unknown_encounter(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    before = f.count_rows(session, Claim, ClaimLine, ClaimTransition)
    with pytest.raises(NotFound, match="encounter"):
        service.create_claim(
            session,
            practice_id=office.practice.id,
            encounter_id=encounter.id + 10_000,
            coverage_id=office.coverage.id,
            actor=f.ACTOR,
        )
    assert f.count_rows(session, Claim, ClaimLine, ClaimTransition) == before


def test_create_claim_refuses_records_of_another_practice(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    elsewhere = f.make_office(session)
    foreign_encounter = f.make_encounter(session, elsewhere.patient, elsewhere.billing)
    before = f.count_rows(session, Claim, ClaimLine, ClaimTransition)
    with pytest.raises(NotFound, match="encounter"):
        service.create_claim(  # their encounter, our practice
            session,
            practice_id=office.practice.id,
            encounter_id=foreign_encounter.id,
            coverage_id=office.coverage.id,
            actor=f.ACTOR,
        )
    with pytest.raises(NotFound, match="coverage"):
        service.create_claim(  # our encounter, their coverage
            session,
            practice_id=office.practice.id,
            encounter_id=encounter.id,
            coverage_id=elsewhere.coverage.id,
            actor=f.ACTOR,
        )
    assert f.count_rows(session, Claim, ClaimLine, ClaimTransition) == before


def test_get_claim_hides_claims_of_another_practice(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    assert service.get_claim(session, practice_id=office.practice.id, claim_id=claim.id) is claim
    elsewhere = f.make_practice(session)
    with pytest.raises(NotFound, match="claim"):
        service.get_claim(session, practice_id=elsewhere.id, claim_id=claim.id)


# --- run_command --------------------------------------------------------------------------


def test_run_command_records_each_transition(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    service.run_command(session, claim=claim, command=C.HOLD, actor="scrubber", reason="E001")
    service.run_command(session, claim=claim, command=C.RELEASE, actor="alice", reason="fixed")
    service.run_command(session, claim=claim, command=C.SUBMIT, actor="batch")
    steps = [
        (t.trigger, t.from_state, t.to_state, t.actor, t.reason, t.attention)
        for t in _transitions(session, claim.id)
    ]
    assert steps == [
        ("created", S.DRAFT, S.DRAFT, f.ACTOR, None, None),
        ("hold", S.DRAFT, S.ON_HOLD, "scrubber", "E001", None),
        ("release", S.ON_HOLD, S.READY, "alice", "fixed", None),
        ("submit", S.READY, S.SUBMITTED, "batch", None, None),
    ]
    assert session.get(Claim, claim.id).state is S.SUBMITTED  # type: ignore[union-attr]


def test_submit_sets_submitted_at(session: Session, office: f.Office, encounter: Encounter) -> None:
    claim = _claim(session, office, encounter)
    service.run_command(session, claim=claim, command=C.RELEASE, actor=f.ACTOR)
    assert claim.submitted_at is None
    before = datetime.now(UTC)
    service.run_command(session, claim=claim, command=C.SUBMIT, actor=f.ACTOR)
    session.refresh(claim)  # services flush: what they changed is in the database already
    assert claim.submitted_at is not None
    assert claim.submitted_at.tzinfo is not None
    assert before - timedelta(seconds=5) <= claim.submitted_at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("steps", "command"),
    [
        ((), C.SUBMIT),  # a draft has not been scrubbed
        ((C.RELEASE, C.SUBMIT), C.SUBMIT),
        ((C.RELEASE, C.SUBMIT), C.REPLACE),  # no acknowledgment yet
        ((C.RELEASE, C.SUBMIT, E.ACK_ACCEPTED), C.HOLD),
        ((C.VOID,), C.RELEASE),
    ],
)
def test_refused_command_changes_neither_state_nor_history(
    session: Session,
    office: f.Office,
    encounter: Encounter,
    steps: tuple[Command | Event, ...],
    command: Command,
) -> None:
    claim = _claim(session, office, encounter)
    _drive(session, claim, *steps)
    state, submitted_at = claim.state, claim.submitted_at
    before = _transitions(session, claim.id)
    with pytest.raises(StateError, match=state.value):
        service.run_command(session, claim=claim, command=command, actor=f.ACTOR)
    session.flush()
    after = _transitions(session, claim.id)
    assert [t.id for t in after] == [t.id for t in before]
    stored = session.get(Claim, claim.id)
    assert stored is not None
    assert (stored.state, stored.submitted_at) == (state, submitted_at)


def test_payer_without_replacement_refuses_void_after_the_payer_has_the_claim(
    session: Session,
) -> None:
    medicare = f.make_office(session, accepts_replacement=False)
    encounter = f.make_encounter(session, medicare.patient, medicare.billing)
    claim = _claim(session, medicare, encounter)
    _drive(session, claim, C.RELEASE, C.SUBMIT, E.ACK_ACCEPTED, E.REMIT_PAID)
    count = len(_transitions(session, claim.id))
    for command in (C.VOID, C.REPLACE):
        with pytest.raises(StateError, match="frequency 7/8"):
            service.run_command(session, claim=claim, command=command, actor=f.ACTOR)
    assert claim.state is S.PAID
    assert len(_transitions(session, claim.id)) == count

    rejected = _claim(session, medicare, encounter)
    _drive(session, rejected, C.RELEASE, C.SUBMIT, E.ACK_REJECTED)
    service.run_command(session, claim=rejected, command=C.REPLACE, actor=f.ACTOR)
    assert rejected.state is S.REPLACED


def test_same_command_is_allowed_when_the_payer_takes_replacements(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    _drive(session, claim, C.RELEASE, C.SUBMIT, E.ACK_ACCEPTED, E.REMIT_PAID)
    service.run_command(session, claim=claim, command=C.VOID, actor=f.ACTOR, reason="wrong payer")
    last = _transitions(session, claim.id)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.reason) == (
        "void",
        S.PAID,
        S.VOIDED,
        "wrong payer",
    )


# --- record_event -------------------------------------------------------------------------


@pytest.mark.parametrize("event", [e for e in Event if e is not Event.REMIT_REVERSED])
def test_record_event_never_refuses_even_on_a_voided_claim(
    session: Session, office: f.Office, encounter: Encounter, event: Event
) -> None:
    claim = _claim(session, office, encounter)
    service.run_command(session, claim=claim, command=C.VOID, actor=f.ACTOR)
    result = service.record_event(
        session, claim=claim, event=event, actor="edi", source_file_id=None, segment_position=42
    )
    assert result.state is S.VOIDED
    assert result.attention is not None
    last = _transitions(session, claim.id)[-1]
    assert (last.trigger, last.from_state, last.to_state) == (event.value, S.VOIDED, S.VOIDED)
    assert last.attention == result.attention
    assert last.segment_position == 42
    assert last.actor == "edi"


def test_record_event_stores_attention_for_payment_after_denial(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    _drive(session, claim, C.RELEASE, C.SUBMIT, E.ACK_ACCEPTED, E.STATUS_ACCEPTED)
    denied = service.record_event(session, claim=claim, event=E.REMIT_DENIED, actor="edi")
    paid = service.record_event(
        session, claim=claim, event=E.REMIT_PAID, actor="edi", reason="CLP02 1 after CLP02 4"
    )
    assert denied == service.EventResult(S.DENIED, None)
    assert paid.state is S.PAID and paid.attention and "denial" in paid.attention
    *_, denial_row, payment_row = _transitions(session, claim.id)
    assert denial_row.attention is None
    assert (payment_row.from_state, payment_row.to_state) == (S.DENIED, S.PAID)
    assert payment_row.attention == paid.attention
    assert payment_row.reason == "CLP02 1 after CLP02 4"
    assert claim.state is S.PAID


def test_remittance_with_no_acknowledgment_is_recorded_with_attention(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    _drive(session, claim, C.RELEASE, C.SUBMIT)
    result = service.record_event(session, claim=claim, event=E.REMIT_PARTIAL, actor="edi")
    assert result.state is S.PARTIALLY_PAID
    assert _transitions(session, claim.id)[-1].attention == result.attention is not None


# --- history and recomputed_state ------------------------------------------------------------


def test_recomputed_state_equals_claim_state_after_a_mixed_sequence(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    sequence: list[Command | Event] = [
        C.HOLD,
        C.SUBMIT,  # refused: on hold
        C.RELEASE,
        C.SUBMIT,
        E.REMIT_DENIED,  # no acknowledgment: flagged
        E.ACK_ACCEPTED,  # late 999: no change
        E.REMIT_REVERSED,
        E.REMIT_PAID,
        C.HOLD,  # refused: adjudicated
        E.SETTLED,
        E.REMIT_REVERSED,  # on a closed claim: flagged
        E.STATUS_ACCEPTED,
        E.REMIT_PARTIAL,
    ]
    for step in sequence:
        with contextlib.suppress(StateError):
            _drive(session, claim, step)
        assert service.recomputed_state(session, claim.id) is claim.state
    assert claim.state is S.PARTIALLY_PAID
    session.flush()
    session.expire_all()
    stored = session.get(Claim, claim.id)
    assert stored is not None and stored.state is S.PARTIALLY_PAID
    assert service.recomputed_state(session, claim.id) is S.PARTIALLY_PAID
    flagged = [t.trigger for t in service.history(session, claim.id) if t.attention]
    assert flagged == ["remit_denied", "remit_reversed"]
    assert len(service.history(session, claim.id)) == 1 + len(sequence) - 2


def test_recomputed_state_comes_from_history_not_from_the_claim_row(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    claim = _claim(session, office, encounter)
    _drive(session, claim, C.RELEASE, C.SUBMIT, E.ACK_ACCEPTED)
    claim.state = S.PAID  # a change made behind the service's back
    session.flush()
    assert service.recomputed_state(session, claim.id) is S.RECEIVED


def test_history_is_per_claim_and_oldest_first(
    session: Session, office: f.Office, encounter: Encounter
) -> None:
    one = _claim(session, office, encounter)
    two = _claim(session, office, encounter)
    _drive(session, one, C.RELEASE)
    _drive(session, two, C.HOLD)
    _drive(session, one, C.SUBMIT)
    assert [t.trigger for t in service.history(session, one.id)] == ["created", "release", "submit"]
    assert [t.trigger for t in service.history(session, two.id)] == ["created", "hold"]


def test_a_command_on_many_claims_is_all_or_none(session: Session, office: f.Office) -> None:
    encounter = f.make_encounter(session, office.patient, office.billing)
    ready = [_claim(session, office, encounter) for _ in range(2)]
    for claim in ready:
        service.run_command(session, claim=claim, command=C.RELEASE, actor=f.ACTOR)
    draft = _claim(session, office, encounter)
    with pytest.raises(StateError, match="that is draft"):
        service.run_command_many(session, claims=[*ready, draft], command=C.SUBMIT, actor=f.ACTOR)
    assert [c.state for c in ready] == [S.READY, S.READY]  # nothing moved
    service.run_command_many(session, claims=ready, command=C.SUBMIT, actor=f.ACTOR)
    assert [c.state for c in ready] == [S.SUBMITTED, S.SUBMITTED]
    assert all(c.submitted_at is not None for c in ready)
    assert [service.history(session, c.id)[-1].trigger for c in ready] == ["submit", "submit"]
