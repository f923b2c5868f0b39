"""A/R by charge line and responsible party, read from the ledger: what each line was charged,
what insurance and the patient paid and adjusted, what each party still owes, and its age.

Read-only. Every A/R movement has a counter-account, and its kind says what the movement was:
gross charges (a charge), cash-like accounts (a payment, or a refund or recoupment of one),
adjustment accounts (a write-off), or another A/R account (a transfer between parties). So
for every line, charge = paid + adjusted + balances, for insurance and patient together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from claims.encounters.models import ChargeLine, Encounter
from claims.ledger.models import AR_KINDS, Account, AccountKind, Entry

# Money that left (or came back to) A/R as cash: payments, refunds of them, recoupments.
PAID_KINDS = frozenset(
    {
        AccountKind.CASH,
        AccountKind.ERA_CLEARING,
        AccountKind.UNAPPLIED_CASH,
        AccountKind.REFUNDS_PAYABLE,
        AccountKind.PLB,
        AccountKind.INTEREST,
    }
)
ADJUSTED_KINDS = frozenset(
    {AccountKind.CONTRACTUAL, AccountKind.OTHER_ADJUSTMENT, AccountKind.WRITE_OFF}
)
# Aging buckets (REFERENCE.md): upper bounds in days, the last open-ended.
BUCKETS = ("0-30", "31-60", "61-90", "91-120", "121+")
_BOUNDS = (30, 60, 90, 120)
_IN = 5000


@dataclass(slots=True)
class Party:
    """One responsible party's money on one line (positive balance: owed to us)."""

    paid_cents: int = 0
    adjusted_cents: int = 0
    balance_cents: int = 0


@dataclass(slots=True)
class LineMoney:
    """A charge line's money as the ledger has it."""

    charge_line_id: int
    patient_id: int
    service_date: date
    procedure_code: str
    charge_cents: int = 0  # posted to A/R (a charge reversed comes off)
    insurance: Party = field(default_factory=Party)
    patient: Party = field(default_factory=Party)
    # Balance by A/R account (insurance per coverage, the patient's), non-zero ones only.
    by_account: dict[int, int] = field(default_factory=dict)
    patient_since: date | None = None  # first posting that made the patient owe on the line

    @property
    def patient_owes_cents(self) -> int:
        """The patient's balance on the line (negative: a credit)."""
        return self.patient.balance_cents


def bucket(days: int) -> str:
    """The aging bucket a balance of this many days falls in."""
    for bound, name in zip(_BOUNDS, BUCKETS, strict=False):
        if days <= bound:
            return name
    return BUCKETS[-1]


def line_money(
    session: Session,
    *,
    practice_id: int,
    patient_ids: Iterable[int] | None = None,
    charge_line_ids: Iterable[int] | None = None,
) -> dict[int, LineMoney]:
    """Every charge line of these patients (or these lines; all of the practice when neither
    is given) with its money, by charge line ID."""
    lines = _lines(session, practice_id, patient_ids, charge_line_ids)
    if not lines:
        return {}
    kinds = {
        account_id: kind
        for account_id, kind in session.execute(
            select(Account.id, Account.kind).where(Account.practice_id == practice_id)
        )
    }
    debit, credit = aliased(Account), aliased(Account)
    ids = sorted(lines)
    for start in range(0, len(ids), _IN):
        rows = session.execute(
            select(
                Entry.charge_line_id,
                Entry.debit_account_id,
                Entry.credit_account_id,
                func.sum(Entry.amount_cents),
                func.min(Entry.posting_date),
            )
            .join(debit, debit.id == Entry.debit_account_id)
            .join(credit, credit.id == Entry.credit_account_id)
            .where(
                Entry.charge_line_id.in_(ids[start : start + _IN]),
                (debit.kind.in_(list(AR_KINDS))) | (credit.kind.in_(list(AR_KINDS))),
            )
            .group_by(Entry.charge_line_id, Entry.debit_account_id, Entry.credit_account_id)
        )
        for line_id, debit_id, credit_id, total, first in rows:
            _apply(lines[line_id], kinds, debit_id, credit_id, int(total), first)
    for line in lines.values():
        line.by_account = {a: cents for a, cents in line.by_account.items() if cents}
    return lines


def _apply(
    line: LineMoney,
    kinds: dict[int, AccountKind],
    debit_id: int,
    credit_id: int,
    amount: int,
    first: date,
) -> None:
    """Add one (debit account, credit account) sum of a line's entries to its figures."""
    for account_id, other_id, sign in ((debit_id, credit_id, 1), (credit_id, debit_id, -1)):
        kind = kinds[account_id]
        if kind not in AR_KINDS:
            continue
        party = line.insurance if kind is AccountKind.INSURANCE_AR else line.patient
        signed = sign * amount
        party.balance_cents += signed
        line.by_account[account_id] = line.by_account.get(account_id, 0) + signed
        if kind is AccountKind.PATIENT_AR and sign > 0:
            line.patient_since = (
                first if line.patient_since is None else min(line.patient_since, first)
            )
        other = kinds[other_id]
        if other is AccountKind.GROSS_CHARGES:
            line.charge_cents += signed
        elif other in PAID_KINDS:
            party.paid_cents -= signed  # money leaving A/R for cash is a payment
        elif other in ADJUSTED_KINDS:
            party.adjusted_cents -= signed


def _lines(
    session: Session,
    practice_id: int,
    patient_ids: Iterable[int] | None,
    charge_line_ids: Iterable[int] | None,
) -> dict[int, LineMoney]:
    query = (
        select(
            ChargeLine.id,
            Encounter.patient_id,
            ChargeLine.service_date,
            ChargeLine.procedure_code,
        )
        .join(Encounter, Encounter.id == ChargeLine.encounter_id)
        .where(ChargeLine.practice_id == practice_id)
    )
    wanted: Sequence[int] | None = None
    column = None
    if charge_line_ids is not None:
        wanted, column = sorted(set(charge_line_ids)), ChargeLine.id
    elif patient_ids is not None:
        wanted, column = sorted(set(patient_ids)), Encounter.patient_id
    if wanted is None or column is None:
        chunks = [query]
    else:
        chunks = [
            query.where(column.in_(wanted[start : start + _IN]))
            for start in range(0, len(wanted), _IN)
        ]
    found: dict[int, LineMoney] = {}
    for chunk in chunks:
        for line_id, patient_id, service_date, code in session.execute(chunk):
            found[line_id] = LineMoney(line_id, patient_id, service_date, code)
    return found


def patients_with_balances(session: Session, *, practice_id: int) -> list[int]:
    """Patients whose patient A/R account is not at zero (or who have any line not at zero on
    it: a credit on one line and a debt on another net out on the account)."""
    debit, credit = aliased(Account), aliased(Account)
    rows = session.execute(
        select(Entry.charge_line_id, Entry.debit_account_id, Entry.credit_account_id,
               func.sum(Entry.amount_cents))
        .join(debit, debit.id == Entry.debit_account_id)
        .join(credit, credit.id == Entry.credit_account_id)
        .where(
            Entry.practice_id == practice_id,
            (debit.kind == AccountKind.PATIENT_AR) | (credit.kind == AccountKind.PATIENT_AR),
        )
        .group_by(Entry.charge_line_id, Entry.debit_account_id, Entry.credit_account_id)
    )  # fmt: skip
    owners = {
        account_id: patient_id
        for account_id, patient_id in session.execute(
            select(Account.id, Account.patient_id).where(
                Account.practice_id == practice_id, Account.kind == AccountKind.PATIENT_AR
            )
        )
        if patient_id is not None
    }
    sums: dict[tuple[int, int], int] = defaultdict(int)
    for line_id, debit_id, credit_id, total in rows:
        if debit_id in owners:
            sums[line_id, owners[debit_id]] += int(total)
        if credit_id in owners:
            sums[line_id, owners[credit_id]] -= int(total)
    return sorted({patient for (_, patient), cents in sums.items() if cents})
