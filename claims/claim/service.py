"""Creating claim versions and moving them through their states, with every step recorded."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.base import utcnow
from claims.claim.models import Claim, ClaimLine, ClaimTransition, Frequency
from claims.claim.state import (
    UNSENT,
    ClaimState,
    Command,
    Event,
    apply_event,
    check_command,
    replay,
)
from claims.encounters.models import ChargeLine, ClaimKind, Encounter
from claims.errors import InvalidInput, NotFound
from claims.patients.models import Coverage
from claims.practice.models import Payer
from claims.rework.models import Category, ReworkItem, Source
from claims.rework.service import REOPENING, open_item

# Letters and digits without the look-alikes (0/O, 1/I/L): CLM01 gets read aloud on phones.
_PCN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PCN_LENGTH = 12


def new_patient_control_number() -> str:
    """A fresh CLM01: 12 characters, letters and digits only (payers keep at most 17)."""
    return "".join(secrets.choice(_PCN_ALPHABET) for _ in range(PCN_LENGTH))


def get_claim(session: Session, *, practice_id: int, claim_id: int) -> Claim:
    """The claim, or NotFound when it does not exist in this practice."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.practice_id != practice_id:
        raise NotFound(f"claim {claim_id} not found")
    return claim


def create_claim(
    session: Session,
    *,
    practice_id: int,
    encounter_id: int,
    coverage_id: int,
    charge_line_ids: Sequence[int] | None = None,
    actor: str,
    frequency: Frequency = Frequency.ORIGINAL,
    previous_claim_id: int | None = None,
) -> Claim:
    """A new draft claim version for a coverage, over the encounter's charge lines (all of them
    unless named), each line with its own line item control number."""
    encounter = session.get(Encounter, encounter_id)
    if encounter is None or encounter.practice_id != practice_id:
        raise NotFound(f"encounter_id: encounter {encounter_id} not found")
    coverage = session.get(Coverage, coverage_id)
    if coverage is None or coverage.practice_id != practice_id:
        raise NotFound(f"coverage_id: coverage {coverage_id} not found")
    if coverage.patient_id != encounter.patient_id:
        raise InvalidInput("coverage_id: the coverage belongs to another patient")
    lines = list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.encounter_id == encounter_id)
            .order_by(ChargeLine.line_number)
        )
    )
    if charge_line_ids is not None:
        wanted = set(charge_line_ids)
        unknown = wanted - {line.id for line in lines}
        if unknown:
            raise InvalidInput(f"charge_line_ids: {min(unknown)} is not a line of this encounter")
        lines = [line for line in lines if line.id in wanted]
    if not lines:
        raise InvalidInput("charge_line_ids: a claim needs at least one charge line")
    pcn = new_patient_control_number()
    claim = Claim(
        practice_id=practice_id,
        patient_id=encounter.patient_id,
        encounter_id=encounter.id,
        coverage_id=coverage.id,
        payer_id=coverage.payer_id,
        kind=encounter.kind,
        patient_control_number=pcn,
        frequency=frequency,
        state=ClaimState.DRAFT,
        previous_claim_id=previous_claim_id,
        total_charge_cents=sum(line.charge_cents for line in lines),
    )
    claim.lines = [
        ClaimLine(
            practice_id=practice_id,
            charge_line_id=line.id,
            line_number=number,
            line_control_number=f"{pcn}L{number}",
            charge_cents=line.charge_cents,
        )
        for number, line in enumerate(lines, start=1)
    ]
    session.add(claim)
    session.flush()
    _record(session, claim, "created", ClaimState.DRAFT, actor=actor, reason=None)
    return claim


MAX_PROFESSIONAL_LINES = 50
MAX_PROFESSIONAL_DIAGNOSES = 12


def split_professional_lines(lines: Sequence[ChargeLine]) -> list[list[ChargeLine]]:
    """Charge lines grouped into claims of at most 50 lines whose pointers reach at most 12
    diagnoses, keeping the lines' order."""
    parts: list[list[ChargeLine]] = []
    current: list[ChargeLine] = []
    pointed: set[int] = set()
    for line in lines:
        wanted = pointed | set(line.pointers)
        if current and (
            len(current) == MAX_PROFESSIONAL_LINES or len(wanted) > MAX_PROFESSIONAL_DIAGNOSES
        ):
            parts.append(current)
            current, wanted = [], set(line.pointers)
        current.append(line)
        pointed = wanted
    if current:
        parts.append(current)
    return parts


def create_claims_for_encounter(
    session: Session, *, practice_id: int, encounter_id: int, coverage_id: int, actor: str
) -> list[Claim]:
    """Draft claims for an encounter billed to a coverage: one, or for a professional encounter
    over 50 lines (or 12 pointed diagnoses) several parts, each with its own CLM01, all on the
    encounter's charge lines."""
    encounter = session.get(Encounter, encounter_id)
    if encounter is None or encounter.practice_id != practice_id:
        raise NotFound(f"encounter_id: encounter {encounter_id} not found")
    lines = list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.encounter_id == encounter_id)
            .order_by(ChargeLine.line_number)
        )
    )
    parts = split_professional_lines(lines) if encounter.kind is ClaimKind.PROFESSIONAL else [lines]
    return [
        create_claim(
            session,
            practice_id=practice_id,
            encounter_id=encounter_id,
            coverage_id=coverage_id,
            charge_line_ids=[line.id for line in part],
            actor=actor,
        )
        for part in parts
    ]


def run_command(
    session: Session, *, claim: Claim, command: Command, actor: str, reason: str | None = None
) -> Claim:
    """Apply a command the claim's state allows, or raise StateError saying why not."""
    run_command_many(session, claims=[claim], command=command, actor=actor, reason=reason)
    return claim


def run_command_many(
    session: Session,
    *,
    claims: Sequence[Claim],
    command: Command,
    actor: str,
    reason: str | None = None,
) -> None:
    """Apply one command to many claims, all or none (StateError names the first refused),
    with one flush: batches move thousands of claims at once."""
    payer_ids = {claim.payer_id for claim in claims}
    rows = session.execute(
        select(Payer.id, Payer.accepts_replacement).where(Payer.id.in_(payer_ids))
    )
    accepts = {payer_id: takes_7_8 for payer_id, takes_7_8 in rows}
    targets = [
        check_command(
            claim.state, command, payer_accepts_replacement=accepts.get(claim.payer_id, True)
        )
        for claim in claims
    ]
    now = utcnow()
    for claim, target in zip(claims, targets, strict=True):
        session.add(_transition(claim, command.value, target, actor=actor, reason=reason))
        claim.state = target
        if command is Command.SUBMIT:
            claim.submitted_at = now
    session.flush()


@dataclass(frozen=True, slots=True)
class EventResult:
    """The state an outside event led to, and why a person should look (or None)."""

    state: ClaimState
    attention: str | None


def record_event(
    session: Session,
    *,
    claim: Claim,
    event: Event,
    actor: str,
    reason: str | None = None,
    source_file_id: int | None = None,
    segment_position: int | None = None,
) -> EventResult:
    """Record an outside event (never refused) and move the claim to the state it leads to."""
    outcome = apply_event(claim.state, event)
    _record(
        session,
        claim,
        event.value,
        outcome.state,
        actor=actor,
        reason=reason,
        attention=outcome.attention,
        source_file_id=source_file_id,
        segment_position=segment_position,
    )
    return EventResult(outcome.state, outcome.attention)


@dataclass(frozen=True, slots=True)
class ClaimEvent:
    """One outside event for one claim, as record_events takes them: the event (None for a
    note that moves nothing, such as a 277CA A4 or E0-E4), why, and the segment it came from."""

    claim: Claim
    event: Event | None
    reason: str | None = None
    segment_position: int | None = None
    attention: str | None = None  # why a person should look, beyond what the event says


# The trigger of a note: a step in the claim's history that moves nothing (replay skips it).
NOTE_TRIGGER = "ack_note"


def record_events(
    session: Session, *, events: Sequence[ClaimEvent], actor: str, source_file_id: int | None
) -> list[EventResult]:
    """Record many outside events in order (never refused) with one flush: a 999 for a batch
    moves thousands of claims at once."""
    results = []
    for item in events:
        claim = item.claim
        if item.event is None:
            outcome_state, attention = claim.state, item.attention
            trigger = NOTE_TRIGGER
        else:
            outcome = apply_event(claim.state, item.event)
            outcome_state, trigger = outcome.state, item.event.value
            notes = [n for n in (outcome.attention, item.attention) if n]
            attention = "; ".join(notes) if notes else None
        session.add(
            _transition(
                claim, trigger, outcome_state, actor=actor, reason=item.reason,
                attention=attention, source_file_id=source_file_id,
                segment_position=item.segment_position,
            )
        )  # fmt: skip
        claim.state = outcome_state
        results.append(EventResult(outcome_state, attention))
    session.flush()
    return results


def record_step(session: Session, *, claim: Claim, trigger: str, actor: str, reason: str) -> None:
    """A step in the claim's history that moves nothing (an appeal filed, a write-off, a
    transfer); replaying the history skips it."""
    _record(session, claim, trigger, claim.state, actor=actor, reason=reason)


def history(session: Session, claim_id: int) -> list[ClaimTransition]:
    """Every recorded step of a claim, oldest first."""
    return list(
        session.scalars(
            select(ClaimTransition)
            .where(ClaimTransition.claim_id == claim_id)
            .order_by(ClaimTransition.id)
        )
    )


def recomputed_state(session: Session, claim_id: int) -> ClaimState:
    """The state replayed from the recorded commands and events (equals claim.state when sound)."""
    steps: list[Command | Event] = []
    for step in history(session, claim_id):
        if step.trigger in Command.__members__.values():
            steps.append(Command(step.trigger))
        elif step.trigger in Event.__members__.values():
            steps.append(Event(step.trigger))
    return replay(steps)


def _record(
    session: Session,
    claim: Claim,
    trigger: str,
    to_state: ClaimState,
    *,
    actor: str,
    reason: str | None,
    attention: str | None = None,
    source_file_id: int | None = None,
    segment_position: int | None = None,
) -> None:
    session.add(
        _transition(
            claim, trigger, to_state, actor=actor, reason=reason, attention=attention,
            source_file_id=source_file_id, segment_position=segment_position,
        )
    )  # fmt: skip
    claim.state = to_state
    session.flush()


def _transition(
    claim: Claim,
    trigger: str,
    to_state: ClaimState,
    *,
    actor: str,
    reason: str | None,
    attention: str | None = None,
    source_file_id: int | None = None,
    segment_position: int | None = None,
) -> ClaimTransition:
    return ClaimTransition(
        claim_id=claim.id,
        trigger=trigger,
        from_state=claim.state,
        to_state=to_state,
        actor=actor,
        reason=reason,
        attention=attention,
        source_file_id=source_file_id,
        segment_position=segment_position,
    )


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correct or void command produced: a new claim version to send, a task for a
    person (when the payer takes no frequency 7/8), or neither (an unsent claim voided)."""

    new_claim: Claim | None = None
    task: ReworkItem | None = None


_NEVER_ADJUDICATED = {ClaimState.REJECTED} | set(UNSENT)


def correct_claim(
    session: Session, *, claim: Claim, actor: str, reason: str, today: date
) -> Correction:
    """Replace a claim with a corrected version over the same charge lines.

    A rejected claim never reached adjudication, so it goes again as a new original. An
    adjudicated one goes as frequency 7 with REF*F8, where the payer takes replacements;
    otherwise a reopening task is opened instead of an 837.
    """
    payer = session.get(Payer, claim.payer_id)
    assert payer is not None
    check_command(claim.state, Command.REPLACE)  # the state allows a correction at all
    if claim.state not in _NEVER_ADJUDICATED and not payer.accepts_replacement:
        return Correction(task=_reopening_task(session, claim, payer, "correct", today))
    frequency = Frequency.ORIGINAL if claim.state is ClaimState.REJECTED else Frequency.REPLACEMENT
    if frequency is Frequency.REPLACEMENT and not claim.payer_claim_number:
        raise InvalidInput(
            "payer_claim_number: not known for this claim; a replacement (frequency 7) must "
            "name the payer's claim number from the 835 (CLP07) or 277CA (REF*1K)"
        )
    run_command(session, claim=claim, command=Command.REPLACE, actor=actor, reason=reason)
    new = _next_version(session, claim, frequency, actor)
    return Correction(new_claim=new)


def void_claim(
    session: Session, *, claim: Claim, actor: str, reason: str, today: date
) -> Correction:
    """Void a claim: an unsent or rejected one simply stops; an adjudicated one gets a
    frequency 8 version ready to send (or a task, where the payer takes no voids)."""
    payer = session.get(Payer, claim.payer_id)
    assert payer is not None
    check_command(claim.state, Command.VOID)  # the state allows a void at all
    if claim.state in _NEVER_ADJUDICATED:
        run_command(session, claim=claim, command=Command.VOID, actor=actor, reason=reason)
        return Correction()
    if not payer.accepts_replacement:
        return Correction(task=_reopening_task(session, claim, payer, "void", today))
    if not claim.payer_claim_number:
        raise InvalidInput(
            "payer_claim_number: not known for this claim; a void (frequency 8) must name the "
            "payer's claim number from the 835 (CLP07) or 277CA (REF*1K)"
        )
    run_command(session, claim=claim, command=Command.VOID, actor=actor, reason=reason)
    new = _next_version(session, claim, Frequency.VOID, actor)
    # A void repeats the claim as the payer has it: nothing to scrub, it is ready to send.
    run_command(session, claim=new, command=Command.RELEASE, actor=actor, reason="void")
    return Correction(new_claim=new)


def _next_version(session: Session, claim: Claim, frequency: Frequency, actor: str) -> Claim:
    new = create_claim(
        session,
        practice_id=claim.practice_id,
        encounter_id=claim.encounter_id,
        coverage_id=claim.coverage_id,
        charge_line_ids=[line.charge_line_id for line in claim.lines],
        actor=actor,
        frequency=frequency,
        previous_claim_id=claim.id,
    )
    if frequency is not Frequency.ORIGINAL:
        new.payer_claim_number = claim.payer_claim_number
    # A corrected claim to a later payer keeps the day its timely filing counts from (the
    # prior payer's remittance), not its date of service.
    new.filing_from = claim.filing_from
    session.flush()
    return new


def _reopening_task(
    session: Session, claim: Claim, payer: Payer, action: str, today: date
) -> ReworkItem:
    return open_item(
        session,
        practice_id=claim.practice_id,
        claim_id=claim.id,
        source=Source.FOLLOW_UP,
        category=Category.OTHER,
        codes=REOPENING,
        summary=(
            f"{payer.name} takes no corrected or void claims (frequency 7/8): request a "
            f"reopening or file an appeal to {action} claim {claim.patient_control_number}"
        ),
        amount_cents=claim.total_charge_cents,
        today=today,
        deadline=today + timedelta(days=payer.appeal_days),
    )
