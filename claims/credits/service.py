"""Credit balances (a line's A/R below zero: more was paid than owed), and what settles them:
a refund to the patient or the payer (A/R to refunds payable, then refunds payable to cash
when it is paid), or a payer's recoupment on a later remittance (PLB WO, which posting put in
the PLB account) matched against the credit (A/R to PLB). Services flush; their caller commits.

A payer that takes its money back by reversing the claim (CLP02 22) needs nothing here: the
reversal undoes the payment line by line, so the credit is gone from the report by itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from claims.claim.models import Claim, ClaimLine
from claims.credits.models import Payee, Refund, RefundKind, RefundStatus
from claims.encounters.models import ChargeLine, Encounter
from claims.errors import InvalidInput, NotFound, StateError
from claims.ledger import service as ledger
from claims.ledger.models import AR_KINDS, Account, AccountKind, Entry, EntryKind
from claims.money import to_decimal
from claims.patients.models import Coverage, Patient
from claims.practice.models import Payer
from claims.remittances.models import Remittance

RECOUPMENT_REASONS = ("WO",)  # PLB overpayment recovery


@dataclass(frozen=True, slots=True)
class CreditBalance:
    """One line's credit with one party (amount positive: what we hold beyond what was owed)."""

    charge_line_id: int
    account_id: int
    payee: Payee
    patient_id: int
    coverage_id: int | None
    payer_id: int | None
    payer_name: str | None
    service_date: date
    procedure_code: str
    amount_cents: int
    since: date  # the posting that took the line's balance below zero
    age_days: int

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "charge_line_id": self.charge_line_id,
            "account_id": self.account_id,
            "payee": self.payee.value,
            "patient_id": self.patient_id,
            "coverage_id": self.coverage_id,
            "payer_id": self.payer_id,
            "payer": self.payer_name,
            "service_date": self.service_date,
            "procedure_code": self.procedure_code,
            "credit": str(to_decimal(self.amount_cents)),
            "since": self.since,
            "age_days": self.age_days,
        }


def credit_balances(session: Session, *, practice_id: int, today: date) -> list[CreditBalance]:
    """Every open credit balance of the practice, oldest first."""
    debit, credit = aliased(Account), aliased(Account)
    sums: dict[tuple[int, int], int] = defaultdict(int)
    for side, sign, joined in (
        (Entry.debit_account_id, 1, debit),
        (Entry.credit_account_id, -1, credit),
    ):
        rows = session.execute(
            select(Entry.charge_line_id, side, func.sum(Entry.amount_cents))
            .join(joined, joined.id == side)
            .where(Entry.practice_id == practice_id, joined.kind.in_(list(AR_KINDS)))
            .group_by(Entry.charge_line_id, side)
        )
        for line_id, account_id, total in rows:
            sums[line_id, account_id] += sign * int(total)
    negative = {key: -cents for key, cents in sums.items() if cents < 0}
    if not negative:
        return []
    accounts = {
        a.id: a
        for a in session.scalars(
            select(Account).where(Account.id.in_(sorted({a for _, a in negative})))
        )
    }
    line_ids = sorted({line for line, _ in negative})
    lines = {
        row.id: row
        for row in session.execute(
            select(ChargeLine.id, ChargeLine.service_date, ChargeLine.procedure_code,
                   Encounter.patient_id)
            .join(Encounter, Encounter.id == ChargeLine.encounter_id)
            .where(ChargeLine.id.in_(line_ids))
        )
    }  # fmt: skip
    coverages = {
        cov_id: (payer_id, name)
        for cov_id, payer_id, name in session.execute(
            select(Coverage.id, Payer.id, Payer.name)
            .join(Payer, Payer.id == Coverage.payer_id)
            .where(Coverage.id.in_(sorted({a.coverage_id for a in accounts.values()
                                           if a.coverage_id})))
        )
    }  # fmt: skip
    out = []
    for (line_id, account_id), cents in negative.items():
        acct = accounts[account_id]
        row = lines[line_id]
        since = _went_negative(session, line_id, account_id)
        payer = coverages.get(acct.coverage_id) if acct.coverage_id else None
        out.append(
            CreditBalance(
                charge_line_id=line_id, account_id=account_id,
                payee=Payee.PAYER if acct.kind is AccountKind.INSURANCE_AR else Payee.PATIENT,
                patient_id=row.patient_id, coverage_id=acct.coverage_id,
                payer_id=payer[0] if payer else None, payer_name=payer[1] if payer else None,
                service_date=row.service_date, procedure_code=row.procedure_code,
                amount_cents=cents, since=since, age_days=(today - since).days,
            )
        )  # fmt: skip
    out.sort(key=lambda c: (c.since, c.charge_line_id, c.account_id))
    return out


def _went_negative(session: Session, charge_line_id: int, account_id: int) -> date:
    """The posting date of the entry after which the line's balance on the account has stayed
    below zero."""
    rows = session.execute(
        select(Entry.debit_account_id, Entry.amount_cents, Entry.posting_date)
        .where(
            Entry.charge_line_id == charge_line_id,
            (Entry.debit_account_id == account_id) | (Entry.credit_account_id == account_id),
        )
        .order_by(Entry.posting_date, Entry.id)
    )
    running = 0
    since: date | None = None
    for debit_id, amount, posted in rows:
        before = running
        running += amount if debit_id == account_id else -amount
        if running < 0 <= before:
            since = posted
    assert since is not None, "called for a balance below zero"
    return since


def _credit_on(
    session: Session, *, practice_id: int, charge_line_id: int, account_id: int | None, today: date
) -> CreditBalance:
    found = [
        c
        for c in credit_balances(session, practice_id=practice_id, today=today)
        if c.charge_line_id == charge_line_id and account_id in (None, c.account_id)
    ]
    if not found:
        raise InvalidInput(f"charge_line_id {charge_line_id}: no credit balance on this line")
    if len(found) > 1:
        accounts = ", ".join(str(c.account_id) for c in found)
        raise InvalidInput(
            f"account_id: the line has credit balances on accounts {accounts}; name one"
        )
    return found[0]


# ---------------------------------------------------------------------- refunds


@dataclass(frozen=True, slots=True)
class RefundView:
    """A refund or recoupment as reports show it."""

    refund_id: int
    kind: str
    status: str
    payee: str
    patient_id: int
    payer_id: int | None
    charge_line_id: int
    amount_cents: int
    recorded_on: date
    paid_on: date | None
    reference: str | None
    reason: str
    plb_entry_id: int | None
    age_days: int  # since it was recorded

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "refund_id": self.refund_id,
            "kind": self.kind,
            "status": self.status,
            "payee": self.payee,
            "patient_id": self.patient_id,
            "payer_id": self.payer_id,
            "charge_line_id": self.charge_line_id,
            "amount": str(to_decimal(self.amount_cents)),
            "recorded_on": self.recorded_on,
            "paid_on": self.paid_on,
            "reference": self.reference,
            "reason": self.reason,
            "plb_entry_id": self.plb_entry_id,
            "age_days": self.age_days,
        }


def view(refund: Refund, today: date) -> RefundView:
    """The refund as reports show it."""
    return RefundView(
        refund.id, refund.kind.value, refund.status.value, refund.payee.value, refund.patient_id,
        refund.payer_id, refund.charge_line_id, refund.amount_cents, refund.recorded_on,
        refund.paid_on, refund.reference, refund.reason, refund.plb_entry_id,
        (today - refund.recorded_on).days,
    )  # fmt: skip


def record_refund(
    session: Session,
    *,
    practice_id: int,
    charge_line_id: int,
    reason: str,
    today: date,
    actor: str,
    account_id: int | None = None,
    amount_cents: int | None = None,
) -> Refund:
    """Record a refund of a line's credit balance to whoever holds it (the patient, or the
    payer of the coverage): the credit moves from A/R to refunds payable."""
    if not reason or not reason.strip():
        raise InvalidInput("reason: say why the money goes back")
    _lock_line_patient(session, practice_id, charge_line_id)
    found = _credit_on(session, practice_id=practice_id, charge_line_id=charge_line_id,
                       account_id=account_id, today=today)  # fmt: skip
    amount = found.amount_cents if amount_cents is None else amount_cents
    if type(amount) is not int or amount <= 0:
        raise InvalidInput("amount: must be a positive number of cents")
    if amount > found.amount_cents:
        raise InvalidInput(
            f"amount: {to_decimal(amount)} is more than the credit balance "
            f"{to_decimal(found.amount_cents)}"
        )
    refund = Refund(
        practice_id=practice_id, kind=RefundKind.REFUND, charge_line_id=charge_line_id,
        account_id=found.account_id, payee=found.payee, patient_id=found.patient_id,
        payer_id=found.payer_id, amount_cents=amount, status=RefundStatus.PAYABLE,
        recorded_on=today, reason=reason.strip(), actor=actor,
    )  # fmt: skip
    session.add(refund)
    session.flush()
    payable = ledger.account(session, practice_id=practice_id, kind=AccountKind.REFUNDS_PAYABLE)
    (refund.recorded_entry_id,) = ledger.post(
        session,
        practice_id=practice_id,
        postings=[
            ledger.Posting(
                debit_account_id=found.account_id, credit_account_id=payable,
                amount_cents=amount, kind=EntryKind.REFUND, posting_date=today, actor=actor,
                charge_line_id=charge_line_id, service_date=found.service_date,
                external_id=f"refund:{refund.id}:recorded",
                memo=f"refund {refund.id} to the {found.payee.value} recorded: {refund.reason}",
            )
        ],
    )  # fmt: skip
    session.flush()
    return refund


def pay_refund(
    session: Session,
    *,
    practice_id: int,
    refund_id: int,
    reference: str,
    paid_on: date,
    actor: str,
) -> Refund:
    """Pay a recorded refund out of cash (refunds payable to cash), with our check or transfer
    number."""
    refund = session.scalar(
        select(Refund)
        .where(Refund.id == refund_id, Refund.practice_id == practice_id)
        .with_for_update()
    )
    if refund is None:
        raise NotFound(f"refund {refund_id} not found")
    reference = reference.strip()
    if not reference or len(reference) > 80:
        raise InvalidInput("reference: our check or transfer number, 1 to 80 characters")
    if refund.status is not RefundStatus.PAYABLE:
        when = f" on {refund.paid_on}" if refund.paid_on else ""
        raise StateError(f"refund {refund_id} is {refund.status.value}{when}: nothing to pay")
    if paid_on < refund.recorded_on:
        raise InvalidInput(f"date: before the refund was recorded ({refund.recorded_on})")
    payable = ledger.account(session, practice_id=practice_id, kind=AccountKind.REFUNDS_PAYABLE)
    cash = ledger.account(session, practice_id=practice_id, kind=AccountKind.CASH)
    service_date = session.scalar(
        select(ChargeLine.service_date).where(ChargeLine.id == refund.charge_line_id)
    )
    (refund.paid_entry_id,) = ledger.post(
        session,
        practice_id=practice_id,
        postings=[
            ledger.Posting(
                debit_account_id=payable, credit_account_id=cash, amount_cents=refund.amount_cents,
                kind=EntryKind.REFUND, posting_date=paid_on, actor=actor,
                charge_line_id=refund.charge_line_id, service_date=service_date,
                deposit_date=paid_on, external_id=f"refund:{refund.id}:paid",
                memo=f"refund {refund.id} paid to the {refund.payee.value} ({reference})",
            )
        ],
    )  # fmt: skip
    refund.status = RefundStatus.PAID
    refund.paid_on = paid_on
    refund.reference = reference
    session.flush()
    return refund


def open_refunds(session: Session, *, practice_id: int) -> list[Refund]:
    """Refunds recorded and not paid yet, oldest first."""
    return list(
        session.scalars(
            select(Refund)
            .where(Refund.practice_id == practice_id, Refund.status == RefundStatus.PAYABLE)
            .order_by(Refund.recorded_on, Refund.id)
        )
    )


def _lock_line_patient(session: Session, practice_id: int, charge_line_id: int) -> int:
    patient_id = session.scalar(
        select(Encounter.patient_id)
        .join(ChargeLine, ChargeLine.encounter_id == Encounter.id)
        .where(ChargeLine.id == charge_line_id, ChargeLine.practice_id == practice_id)
    )
    if patient_id is None:
        raise InvalidInput(f"charge_line_id {charge_line_id}: no such charge line here")
    session.scalar(select(Patient.id).where(Patient.id == patient_id).with_for_update())
    return patient_id


# ---------------------------------------------------------------------- recoupments


@dataclass(frozen=True, slots=True)
class Recoupment:
    """A payer's take-back (a PLB entry) and how much of it is not matched to a credit yet."""

    plb_entry_id: int
    remittance_id: int | None
    payer_id: int | None
    claim_id: int | None
    reason_code: str
    amount_cents: int
    unmatched_cents: int
    posted_on: date

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "plb_entry_id": self.plb_entry_id,
            "remittance_id": self.remittance_id,
            "payer_id": self.payer_id,
            "claim_id": self.claim_id,
            "reason_code": self.reason_code,
            "amount": str(to_decimal(self.amount_cents)),
            "unmatched": str(to_decimal(self.unmatched_cents)),
            "posted_on": self.posted_on,
        }


def recoupments(session: Session, *, practice_id: int) -> list[Recoupment]:
    """Every payer take-back (PLB WO) with an amount not yet matched to a credit balance."""
    plb = session.scalar(
        select(Account.id).where(Account.practice_id == practice_id,
                                 Account.kind == AccountKind.PLB)
    )  # fmt: skip
    if plb is None:
        return []
    reversed_ids = select(Entry.reverses_entry_id).where(Entry.reverses_entry_id.is_not(None))
    rows = session.execute(
        select(Entry, Remittance.payer_id)
        .outerjoin(Remittance, Remittance.id == Entry.remittance_id)
        .where(
            Entry.practice_id == practice_id,
            Entry.debit_account_id == plb,
            Entry.kind == EntryKind.PROVIDER_ADJUSTMENT,
            Entry.reason_code.in_(RECOUPMENT_REASONS),
            Entry.id.not_in(reversed_ids),
        )
        .order_by(Entry.posting_date, Entry.id)
    )
    entries = [(e, payer) for e, payer in rows]
    matched = {
        entry_id: int(total)
        for entry_id, total in session.execute(
            select(Refund.plb_entry_id, func.sum(Refund.amount_cents))
            .where(Refund.plb_entry_id.in_([e.id for e, _ in entries]))
            .group_by(Refund.plb_entry_id)
        )
    }
    out = []
    for e, payer in entries:
        left = e.amount_cents - matched.get(e.id, 0)
        if left > 0:
            out.append(
                Recoupment(e.id, e.remittance_id, payer, e.claim_id, e.reason_code or "",
                           e.amount_cents, left, e.posting_date)
            )  # fmt: skip
    return out


def match_recoupment(
    session: Session,
    *,
    practice_id: int,
    plb_entry_id: int,
    charge_line_id: int,
    today: date,
    actor: str,
    amount_cents: int | None = None,
) -> Refund:
    """Match a payer's take-back against a line's credit balance with that payer: the credit
    leaves insurance A/R for the PLB account, where the take-back put it."""
    _lock_plb(session, practice_id)
    _lock_line_patient(session, practice_id, charge_line_id)
    take_back = next(
        (
            r
            for r in recoupments(session, practice_id=practice_id)
            if r.plb_entry_id == plb_entry_id
        ),
        None,
    )
    if take_back is None:
        raise InvalidInput(
            f"plb_entry_id {plb_entry_id}: no payer recoupment (PLB WO) with an amount left to "
            "match"
        )
    credits = [
        c
        for c in credit_balances(session, practice_id=practice_id, today=today)
        if c.charge_line_id == charge_line_id and c.payee is Payee.PAYER
    ]
    if take_back.payer_id is not None:
        credits = [c for c in credits if c.payer_id == take_back.payer_id]
    if not credits:
        raise InvalidInput(
            f"charge_line_id {charge_line_id}: no credit balance with the payer that took the "
            "money back"
        )
    found = credits[0]
    most = min(found.amount_cents, take_back.unmatched_cents)
    amount = most if amount_cents is None else amount_cents
    if type(amount) is not int or amount <= 0:
        raise InvalidInput("amount: must be a positive number of cents")
    if amount > most:
        raise InvalidInput(
            f"amount: {to_decimal(amount)} is more than the credit "
            f"({to_decimal(found.amount_cents)}) or the recoupment left "
            f"({to_decimal(take_back.unmatched_cents)})"
        )
    return _post_recoupment(session, practice_id, take_back, found, amount, today, actor)


def match_recoupments(
    session: Session, *, practice_id: int, today: date, actor: str
) -> list[Refund]:
    """Match every payer take-back that names a claim (PLB03-2) against the credit balances
    with that payer on the claim's lines, oldest first; the rest wait for a person."""
    done: list[Refund] = []
    _lock_plb(session, practice_id)
    for take_back in recoupments(session, practice_id=practice_id):
        if take_back.claim_id is None:
            continue
        line_ids = set(
            session.scalars(
                select(ClaimLine.charge_line_id)
                .join(Claim, Claim.id == ClaimLine.claim_id)
                .where(Claim.id == take_back.claim_id)
            )
        )
        left = take_back.unmatched_cents
        for candidate in credit_balances(session, practice_id=practice_id, today=today):
            if left <= 0:
                break
            if (
                candidate.charge_line_id not in line_ids
                or candidate.payee is not Payee.PAYER
                or (take_back.payer_id is not None and candidate.payer_id != take_back.payer_id)
            ):
                continue
            # Read again under the patient's lock: a refund may have settled it in between.
            _lock_line_patient(session, practice_id, candidate.charge_line_id)
            try:
                found = _credit_on(
                    session, practice_id=practice_id, charge_line_id=candidate.charge_line_id,
                    account_id=candidate.account_id, today=today,
                )  # fmt: skip
            except InvalidInput:
                continue
            amount = min(left, found.amount_cents)
            done.append(_post_recoupment(session, practice_id, take_back, found, amount, today,
                                         actor))  # fmt: skip
            left -= amount
    return done


def _lock_plb(session: Session, practice_id: int) -> None:
    """Take the PLB account's row lock: matchers of take-backs go one at a time, so none is
    matched twice."""
    session.scalar(
        select(Account.id)
        .where(Account.practice_id == practice_id, Account.kind == AccountKind.PLB)
        .with_for_update()
    )


def _post_recoupment(
    session: Session,
    practice_id: int,
    take_back: Recoupment,
    found: CreditBalance,
    amount: int,
    today: date,
    actor: str,
) -> Refund:
    refund = Refund(
        practice_id=practice_id, kind=RefundKind.RECOUPMENT, charge_line_id=found.charge_line_id,
        account_id=found.account_id, payee=Payee.PAYER, patient_id=found.patient_id,
        payer_id=found.payer_id, amount_cents=amount, status=RefundStatus.RECOUPED,
        recorded_on=today, paid_on=take_back.posted_on,
        reason=f"payer recoupment {take_back.reason_code} on remittance {take_back.remittance_id}",
        plb_entry_id=take_back.plb_entry_id, actor=actor,
    )  # fmt: skip
    session.add(refund)
    session.flush()
    plb = ledger.account(session, practice_id=practice_id, kind=AccountKind.PLB)
    (refund.recorded_entry_id,) = ledger.post(
        session,
        practice_id=practice_id,
        postings=[
            ledger.Posting(
                debit_account_id=found.account_id, credit_account_id=plb, amount_cents=amount,
                kind=EntryKind.REFUND, posting_date=today, actor=actor,
                charge_line_id=found.charge_line_id, service_date=found.service_date,
                remittance_id=None, reason_code=take_back.reason_code[:5] or None,
                external_id=f"recoupment:{refund.id}",
                memo=f"recoupment {refund.id}: PLB entry {take_back.plb_entry_id} matched to the "
                "line's credit balance",
            )
        ],
    )  # fmt: skip
    session.flush()
    return refund
