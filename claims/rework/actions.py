"""Closing a rework item by what a person does about it: each action changes the claim and,
where money moves, the ledger; the item closes with the action named and a history step.

- correct: a corrected claim version (a new original after a rejection, frequency 7 with
  REF*F8 after adjudication, or a reopening task where the payer takes no replacements);
- void: the claim is voided (frequency 8 where the payer needs to hear of it);
- appeal: the appeal is recorded with its dates and its letter (PDF, kept with the files);
- write_off: the open balance (all of it, or an amount) goes to write-off with a reason;
- transfer_patient / transfer_next: the payer's open balance moves to the patient, or to the
  patient's next coverage.

Nothing is half-done: an action that does not fit the claim's state or balances raises
StateError or InvalidInput before anything is written, and the caller's transaction holds
the rest.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication
from claims.base import utcnow
from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimLine, Frequency
from claims.claim.state import SUPERSEDED, ClaimState, Event
from claims.encounters.models import ChargeLine, Encounter
from claims.errors import InvalidInput, StateError
from claims.files.models import Direction, FileKind, FileStatus
from claims.files.service import store_file
from claims.ledger import service as ledger
from claims.ledger.models import AR_KINDS, Account, AccountKind, Entry, EntryKind
from claims.money import to_decimal
from claims.patients.models import Coverage, CoverageOrder, Patient
from claims.practice.models import BillingProvider, Payer
from claims.rework.letter import AppealLetter, LetterLine, render_appeal_letter
from claims.rework.models import Appeal, ItemStatus, ReworkItem, ReworkNote, Source
from claims.rework.queue import ACTION, open_item_for_update
from claims.rework.service import REOPENING

# A payer is asked for its answer this many days after an appeal is filed (follow-up opens an
# item then); most payers answer first-level appeals within 30 to 60 days.
APPEAL_ANSWER_DAYS = 45
_ORDER = {CoverageOrder.PRIMARY: 1, CoverageOrder.SECONDARY: 2, CoverageOrder.TERTIARY: 3}
_APPEALABLE = frozenset({ClaimState.DENIED, ClaimState.PARTIALLY_PAID, ClaimState.PAID})
# Remittance items without a claim are worked where the money is: `claims unapplied`.
_MONEY_SOURCES = frozenset({Source.UNMATCHED_REMITTANCE})


class Action(enum.StrEnum):
    """What closes an item."""

    CORRECT = "correct"
    VOID = "void"
    APPEAL = "appeal"
    WRITE_OFF = "write_off"
    TRANSFER_PATIENT = "transfer_patient"
    TRANSFER_NEXT = "transfer_next"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What an action did."""

    item_id: int
    action: Action
    claim_id: int
    claim_state: ClaimState
    text: str  # one sentence for the item's history and the person
    new_claim_id: int | None = None
    task_item_id: int | None = None
    appeal_id: int | None = None
    letter: bytes | None = None  # the appeal letter PDF
    letter_file_id: int | None = None
    amount_cents: int = 0
    entry_ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: the amount as a decimal string; the letter by its stored file."""
        return {
            "item_id": self.item_id,
            "action": self.action.value,
            "claim_id": self.claim_id,
            "claim_state": self.claim_state.value,
            "text": self.text,
            "new_claim_id": self.new_claim_id,
            "task_item_id": self.task_item_id,
            "appeal_id": self.appeal_id,
            "letter_file_id": self.letter_file_id,
            "amount": str(to_decimal(self.amount_cents)),
            "entry_ids": list(self.entry_ids),
        }


def resolve(
    session: Session,
    *,
    practice_id: int,
    item_id: int,
    action: Action,
    actor: str,
    today: date,
    reason: str,
    amount_cents: int | None = None,
) -> Resolution:
    """Carry out an action on the item's claim and close the item (flushes; the caller
    commits). reason: why (a write-off's reason, an appeal's argument, a correction's note)."""
    item = open_item_for_update(session, practice_id=practice_id, item_id=item_id)
    why = reason.strip()
    if not why:
        raise InvalidInput("reason: say why (it goes into the claim's history)")
    if item.claim_id is None or item.source in _MONEY_SOURCES:
        raise InvalidInput(
            f"rework item {item_id} is about money waiting in unapplied cash, not a claim: "
            "apply it with `claims unapplied apply` or release its remittance"
        )
    claim = session.get(Claim, item.claim_id)
    assert claim is not None  # a foreign key
    if amount_cents is not None and action in (Action.CORRECT, Action.VOID):
        raise InvalidInput(f"amount: {action.value} moves no money")
    if amount_cents is not None and amount_cents <= 0:
        raise InvalidInput("amount: must be more than 0.00")
    job = _Job(session, item, claim, action, actor, today, why[:2000], amount_cents)
    done = _ACTIONS[action](job)
    item.status = ItemStatus.CLOSED
    item.closed_at = utcnow()
    item.closing_action = action.value
    session.add(ReworkNote(item_id=item.id, author=actor, kind=ACTION, text=done.text))
    session.flush()
    return done


@dataclass(frozen=True, slots=True)
class _Job:
    """One action being carried out: on what, by whom, when, why, and for how much."""

    session: Session
    item: ReworkItem
    claim: Claim
    action: Action
    actor: str
    today: date
    why: str
    amount: int | None

    def done(self, text: str, **more: Any) -> Resolution:
        return Resolution(self.item.id, self.action, self.claim.id, self.claim.state, text, **more)


def _correct(job: _Job) -> Resolution:
    claim = job.claim
    if job.item.codes == REOPENING:
        raise StateError(
            f"rework item {job.item.id} is a reopening task: the payer takes no corrected "
            "claims, so ask it to reopen the claim and record that with --action appeal"
        )
    made = claim_service.correct_claim(
        job.session, claim=claim, actor=job.actor, reason=job.why, today=job.today
    )
    if made.task is not None:
        return job.done(
            f"the payer takes no corrected claims: reopening task {made.task.id} opened for "
            f"claim {claim.id}",
            task_item_id=made.task.id,
        )
    assert made.new_claim is not None
    new = made.new_claim
    kind = "a new original" if new.frequency is Frequency.ORIGINAL else "a replacement (7)"
    return job.done(
        f"claim {claim.id} replaced by claim {new.id}, {kind}: edit it if needed, then scrub "
        "and submit",
        new_claim_id=new.id,
    )


def _void(job: _Job) -> Resolution:
    claim = job.claim
    made = claim_service.void_claim(
        job.session, claim=claim, actor=job.actor, reason=job.why, today=job.today
    )
    if made.task is not None:
        return job.done(
            f"the payer takes no void claims: reopening task {made.task.id} opened for claim "
            f"{claim.id}",
            task_item_id=made.task.id,
        )
    if made.new_claim is not None:
        return job.done(
            f"claim {claim.id} voided; the void (frequency 8) is claim {made.new_claim.id}",
            new_claim_id=made.new_claim.id,
        )
    return job.done(f"claim {claim.id} voided")


def _appeal(job: _Job) -> Resolution:
    session, item, claim, today = job.session, job.item, job.claim, job.today
    if claim.state not in _APPEALABLE:
        raise StateError(
            f"cannot appeal a claim that is {claim.state.value}: only a denied, partially paid "
            "or paid (underpaid) claim is appealed"
        )
    if item.deadline is not None and item.deadline < today:
        raise StateError(
            f"the appeal deadline passed on {item.deadline.isoformat()}: the payer will not "
            "take it; write the balance off or ask the payer for an exception"
        )
    appealed = job.amount if job.amount is not None else item.amount_cents
    if appealed <= 0:
        raise InvalidInput("amount: the item names no dollars; give the amount appealed")
    earlier = select(func.count()).select_from(Appeal).where(Appeal.claim_id == claim.id)
    level = 1 + (session.scalar(earlier) or 0)
    pdf = render_appeal_letter(_letter(job, appealed, level))
    stored, _ = store_file(
        session, practice_id=claim.practice_id, content=pdf, direction=Direction.OUTBOUND,
        kind=FileKind.OTHER, name=f"appeal-claim-{claim.id}-level-{level}.pdf", actor=job.actor,
        status=FileStatus.SENT,
    )  # fmt: skip
    appeal = Appeal(
        practice_id=claim.practice_id, claim_id=claim.id, item_id=item.id, level=level,
        filed_on=today, deadline=item.deadline,
        answer_due=today + timedelta(days=APPEAL_ANSWER_DAYS), amount_cents=appealed,
        reason=job.why, letter_file_id=stored.id, actor=job.actor,
    )  # fmt: skip
    session.add(appeal)
    session.flush()
    claim_service.record_step(
        session, claim=claim, trigger="appeal", actor=job.actor,
        reason=f"appeal {appeal.id} (level {level}) for {to_decimal(appealed)}: {job.why}",
    )  # fmt: skip
    return job.done(
        f"appeal {appeal.id} (level {level}) filed for {to_decimal(appealed)} on claim "
        f"{claim.id}; letter in stored file {stored.id}; answer expected by "
        f"{appeal.answer_due.isoformat()}",
        appeal_id=appeal.id, letter=pdf, letter_file_id=stored.id, amount_cents=appealed,
    )  # fmt: skip


def _write_off(job: _Job) -> Resolution:
    source = _payer_account(job.session, job.claim)
    if _balance_total(job.session, job.claim, source) <= 0:  # nothing on the payer
        source = _patient_account(job.session, job.claim)
    target = ledger.account(
        job.session, practice_id=job.claim.practice_id, kind=AccountKind.WRITE_OFF
    )
    return _move(job, source, target, EntryKind.WRITE_OFF, "written off")


def _transfer_patient(job: _Job) -> Resolution:
    source = _payer_account(job.session, job.claim)
    target = _patient_account(job.session, job.claim)
    return _move(job, source, target, EntryKind.TRANSFER, "moved to the patient")


def _transfer_next(job: _Job) -> Resolution:
    session, claim = job.session, job.claim
    coverage = session.get(Coverage, claim.coverage_id)
    assert coverage is not None
    others = session.scalars(
        select(Coverage).where(
            Coverage.patient_id == claim.patient_id,
            Coverage.active.is_(True),
            Coverage.id != coverage.id,
        )
    ).all()
    later = [c for c in others if _ORDER[c.order] > _ORDER[coverage.order]]
    if not later:
        raise StateError(
            f"claim {claim.id}: the patient has no coverage after this payer's; transfer the "
            "balance to the patient instead"
        )
    following = min(later, key=lambda c: _ORDER[c.order])
    target = ledger.account(
        session, practice_id=claim.practice_id, kind=AccountKind.INSURANCE_AR,
        coverage_id=following.id,
    )  # fmt: skip
    payer = session.get(Payer, following.payer_id)
    assert payer is not None
    source = _payer_account(session, claim)
    return _move(job, source, target, EntryKind.TRANSFER, f"moved to the next payer, {payer.name}")


def _move(job: _Job, source: int, target: int, kind: EntryKind, what: str) -> Resolution:
    """Move the claim's open balance on `source` (or the job's amount of it, first lines
    first) to `target`, line by line; the claim closes when nothing is left open on any A/R."""
    session, item, claim = job.session, job.item, job.claim
    # The lines' balance belongs to the version that superseded this one: moving it here
    # would record SETTLED on the old claim and leave the live one open.
    later = session.scalar(
        select(Claim.id).where(Claim.previous_claim_id == claim.id).order_by(Claim.id.desc())
    )
    if claim.state in SUPERSEDED and later is not None:
        raise StateError(
            f"claim {claim.id} is {claim.state.value}: claim {later} took its place; work on "
            "that one"
        )
    open_by_line = _open_by_line(session, claim, source)
    available = sum(cents for cents in open_by_line.values() if cents > 0)
    if available <= 0:
        raise StateError(
            f"claim {claim.id} has no open balance to move ({what.split(',')[0]}): nothing to do"
        )
    wanted = available if job.amount is None else job.amount
    if wanted > available:
        raise InvalidInput(
            f"amount: {to_decimal(wanted)} is more than the open balance {to_decimal(available)}"
        )
    postings = []
    left = wanted
    for charge_line_id, cents in open_by_line.items():
        share = min(cents, left)
        if share <= 0:
            continue
        postings.append(
            ledger.Posting(
                debit_account_id=target, credit_account_id=source, amount_cents=share,
                kind=kind, posting_date=job.today, actor=job.actor,
                charge_line_id=charge_line_id, claim_id=claim.id,
                memo=f"rework item {item.id}: {job.why}"[:500],
            )
        )  # fmt: skip
        left -= share
    ids = ledger.post(session, practice_id=claim.practice_id, postings=postings)
    claim_service.record_step(
        session, claim=claim, trigger=job.action.value, actor=job.actor,
        reason=f"{to_decimal(wanted)} {what}: {job.why}",
    )  # fmt: skip
    if not _anything_open(session, claim):
        claim_service.record_event(
            session, claim=claim, event=Event.SETTLED, actor=job.actor,
            reason=f"rework item {item.id}",
        )  # fmt: skip
    return job.done(
        f"{to_decimal(wanted)} of claim {claim.id} {what}: {job.why}",
        amount_cents=wanted, entry_ids=tuple(ids),
    )  # fmt: skip


def _patient_account(session: Session, claim: Claim) -> int:
    return ledger.account(
        session, practice_id=claim.practice_id, kind=AccountKind.PATIENT_AR,
        patient_id=claim.patient_id,
    )  # fmt: skip


def _payer_account(session: Session, claim: Claim) -> int:
    return ledger.account(
        session,
        practice_id=claim.practice_id,
        kind=AccountKind.INSURANCE_AR,
        coverage_id=claim.coverage_id,
    )


def _line_ids(session: Session, claim: Claim) -> list[int]:
    return list(
        session.scalars(
            select(ClaimLine.charge_line_id)
            .where(ClaimLine.claim_id == claim.id)
            .order_by(ClaimLine.line_number)
        )
    )


def _sums(session: Session, charge_line_ids: list[int]) -> dict[tuple[int, int], int]:
    """Balance (debits - credits) by (charge line, account) over the lines' entries."""
    sums: dict[tuple[int, int], int] = defaultdict(int)
    rows = session.execute(
        select(
            Entry.charge_line_id,
            Entry.debit_account_id,
            Entry.credit_account_id,
            Entry.amount_cents,
        ).where(Entry.charge_line_id.in_(charge_line_ids))
    )
    for line, debit, credit, cents in rows:
        sums[(line, debit)] += cents
        sums[(line, credit)] -= cents
    return sums


def _open_by_line(session: Session, claim: Claim, account_id: int) -> dict[int, int]:
    lines = _line_ids(session, claim)
    sums = _sums(session, lines)
    return {line: sums.get((line, account_id), 0) for line in lines}


def _balance_total(session: Session, claim: Claim, account_id: int) -> int:
    return sum(c for c in _open_by_line(session, claim, account_id).values() if c > 0)


def _anything_open(session: Session, claim: Claim) -> bool:
    lines = _line_ids(session, claim)
    sums = _sums(session, lines)
    accounts = {account for _, account in sums}
    ar = set(
        session.scalars(
            select(Account.id).where(Account.id.in_(accounts), Account.kind.in_(list(AR_KINDS)))
        )
    )
    return any(cents != 0 for (_, account), cents in sums.items() if account in ar)


def _letter(job: _Job, appealed: int, level: int) -> AppealLetter:
    session, item, claim, today = job.session, job.item, job.claim, job.today
    encounter = session.get(Encounter, claim.encounter_id)
    patient = session.get(Patient, claim.patient_id)
    coverage = session.get(Coverage, claim.coverage_id)
    payer = session.get(Payer, claim.payer_id)
    assert encounter and patient and coverage and payer
    provider = session.get(BillingProvider, encounter.billing_provider_id)
    assert provider is not None
    rows = session.execute(
        select(ClaimLine, ChargeLine)
        .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
        .where(ClaimLine.claim_id == claim.id)
        .order_by(ClaimLine.line_number)
    ).all()
    adjudicated = _line_adjudications(session, claim)
    lines = []
    for claim_line, charge in rows:
        modifiers = [m for m in (charge.modifier1, charge.modifier2, charge.modifier3) if m]
        paid, adjustments = adjudicated.get(claim_line.id, (0, ""))
        lines.append(
            LetterLine(
                service_date=charge.service_date,
                procedure="-".join([charge.procedure_code, *modifiers]),
                charge_cents=claim_line.charge_cents,
                paid_cents=paid,
                adjustments=adjustments,
            )
        )
    dates = [charge.service_date for _, charge in rows] or [encounter.service_date]
    return AppealLetter(
        written_on=today,
        level=level,
        provider_name=provider.name,
        provider_address=_address(provider),
        provider_npi=provider.npi,
        payer_name=payer.name,
        payer_address=_address(payer),
        patient_name=f"{patient.first_name} {patient.last_name}",
        member_id=coverage.member_id,
        patient_control_number=claim.patient_control_number,
        payer_claim_number=claim.payer_claim_number,
        service_from=min(dates),
        service_to=max(dates),
        charge_cents=claim.total_charge_cents,
        paid_cents=sum(line.paid_cents for line in lines),
        appealed_cents=appealed,
        denial_codes=item.codes,
        deadline=item.deadline,
        reason=job.why,
        lines=tuple(lines),
    )


def _line_adjudications(session: Session, claim: Claim) -> dict[int, tuple[int, str]]:
    """Per claim line, what this claim's payer paid and adjusted (reversed ones excluded)."""
    adjudications = session.scalars(
        select(Adjudication).where(
            Adjudication.claim_id == claim.id, Adjudication.claim_line_id.is_not(None)
        )
    ).all()
    reversed_ids = {a.reverses_id for a in adjudications if a.reverses_id is not None}
    out: dict[int, tuple[int, str]] = {}
    for a in adjudications:
        if a.id in reversed_ids or a.reverses_id is not None or a.claim_line_id is None:
            continue
        paid, text = out.get(a.claim_line_id, (0, ""))
        more = ", ".join(
            f"{x.group_code.value}-{x.reason_code} {to_decimal(x.amount_cents)}"
            for x in a.adjustments
        )
        out[a.claim_line_id] = (paid + a.paid_cents, ", ".join(t for t in (text, more) if t))
    return out


def _address(party: BillingProvider | Payer) -> tuple[str, ...]:
    lines = [
        party.address1,
        party.address2 or "",
        f"{party.city}, {party.state} {party.postal_code}",
    ]
    return tuple(line for line in lines if line)


_ACTIONS = {
    Action.CORRECT: _correct,
    Action.VOID: _void,
    Action.APPEAL: _appeal,
    Action.WRITE_OFF: _write_off,
    Action.TRANSFER_PATIENT: _transfer_patient,
    Action.TRANSFER_NEXT: _transfer_next,
}

__all__ = ["APPEAL_ANSWER_DAYS", "Action", "Resolution", "resolve"]
