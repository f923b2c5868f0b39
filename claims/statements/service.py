"""Patient balances after insurance, statements in cycles, small-balance write-offs and
collections flags. Services flush; their caller commits.

A statement cycle is a number of days (30 unless told): a patient whose balance is at or over
the threshold gets a statement when they had none in the last cycle, so at most one per cycle,
and a run repeated on the same day makes none. A balance ages from the first posting that
made the patient owe on its line (the 835's transfer, or the charge of a self-pay visit).
How many statements a balance has been on is counted per charge line, so a new visit starts
its own count and a line paid off stops counting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.base import utcnow
from claims.encounters.models import ChargeLine, Encounter
from claims.errors import InvalidInput
from claims.files.models import Direction, FileKind, FileStatus
from claims.files.service import store_file
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, EntryKind
from claims.money import to_decimal
from claims.patients.models import Patient
from claims.practice.models import BillingProvider, Practice
from claims.receivables.service import BUCKETS, LineMoney, bucket, line_money
from claims.receivables.service import patients_with_balances as _patients_with_balances
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.rework.service import open_item
from claims.statements.models import CollectionFlag, FlagStatus, PatientStatement, StatementLine
from claims.statements.pdf import DocLine, StatementDoc, render_statement

COLLECTIONS_CODES = "COLLECTIONS"
SETTLED = "balance_settled"  # closing action of a collections item whose balance is gone


@dataclass(frozen=True, slots=True)
class StatementRules:
    """When statements go out, when small balances are written off, when an account goes to
    collections (amounts in cents)."""

    threshold_cents: int = 100  # a statement only for a balance of at least this
    cycle_days: int = 30  # at most one statement per patient per this many days
    due_days: int = 21  # "please pay by" this many days after the statement date
    small_balance_cents: int = 500  # write off balances under this ...
    small_balance_statements: int = 2  # ... once every line of them was on this many statements
    collections_statements: int = 3  # flag for collections after this many statements ...
    collections_days: int = 90  # ... when the first of them is at least this many days old

    def check(self) -> None:
        """Refuse rules that make no sense, naming the setting."""
        for name in ("threshold_cents", "small_balance_cents"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{name}: must not be negative")
        for name in ("cycle_days", "due_days", "collections_statements"):
            if getattr(self, name) < 1:
                raise InvalidInput(f"{name}: must be at least 1")
        for name in ("small_balance_statements", "collections_days"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{name}: must not be negative")


# ---------------------------------------------------------------------- balances


@dataclass(slots=True)
class PatientBalance:
    """What one patient owes after insurance, aged, with the lines behind it."""

    patient_id: int
    account_number: str
    balance_cents: int  # net: debts less credits
    credit_cents: int  # lines on which the patient paid more than owed (positive)
    insurance_pending_cents: int  # on the patient's lines, still with insurance
    aging_cents: dict[str, int]
    lines: list[LineMoney] = field(default_factory=list)  # non-zero patient balance
    statements: int = 0  # sent so far
    last_statement_on: date | None = None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "patient_id": self.patient_id,
            "account_number": self.account_number,
            "balance": str(to_decimal(self.balance_cents)),
            "credit": str(to_decimal(self.credit_cents)),
            "insurance_pending": str(to_decimal(self.insurance_pending_cents)),
            "aging": {k: str(to_decimal(v)) for k, v in self.aging_cents.items()},
            "statements": self.statements,
            "last_statement_on": self.last_statement_on,
            "lines": [
                {
                    "charge_line_id": line.charge_line_id,
                    "service_date": line.service_date,
                    "procedure_code": line.procedure_code,
                    "charge": str(to_decimal(line.charge_cents)),
                    "insurance_paid": str(to_decimal(line.insurance.paid_cents)),
                    "insurance_adjusted": str(to_decimal(line.insurance.adjusted_cents)),
                    "patient_paid": str(to_decimal(line.patient.paid_cents)),
                    "patient_adjusted": str(to_decimal(line.patient.adjusted_cents)),
                    "patient_balance": str(to_decimal(line.patient.balance_cents)),
                    "patient_since": line.patient_since,
                }
                for line in self.lines
            ],
        }


def patient_balances(
    session: Session, *, practice_id: int, today: date, patient_ids: Iterable[int] | None = None
) -> list[PatientBalance]:
    """Every patient who owes (or is owed) something after insurance, by patient ID."""
    wanted = (
        sorted(set(patient_ids))
        if patient_ids is not None
        else _patients_with_balances(session, practice_id=practice_id)
    )
    if not wanted:
        return []
    lines = line_money(session, practice_id=practice_id, patient_ids=wanted)
    by_patient: dict[int, list[LineMoney]] = defaultdict(list)
    for line in sorted(lines.values(), key=lambda m: (m.service_date, m.charge_line_id)):
        by_patient[line.patient_id].append(line)
    numbers = {
        patient_id: number
        for patient_id, number in session.execute(
            select(Patient.id, Patient.account_number).where(Patient.id.in_(wanted))
        )
    }
    history = _statement_history(session, wanted)
    out = []
    for patient_id in wanted:
        if patient_id not in numbers:
            raise InvalidInput(f"patient_id {patient_id}: no such patient here")
        owed = [m for m in by_patient.get(patient_id, []) if m.patient.balance_cents]
        aging = dict.fromkeys(BUCKETS, 0)
        for m in owed:
            if m.patient.balance_cents > 0:
                since = m.patient_since or m.service_date
                aging[bucket((today - since).days)] += m.patient.balance_cents
        count, last = history.get(patient_id, (0, None))
        out.append(
            PatientBalance(
                patient_id=patient_id,
                account_number=numbers[patient_id],
                balance_cents=sum(m.patient.balance_cents for m in owed),
                credit_cents=-sum(
                    m.patient.balance_cents for m in owed if m.patient_owes_cents < 0
                ),
                insurance_pending_cents=sum(
                    max(m.insurance.balance_cents, 0) for m in by_patient.get(patient_id, [])
                ),
                aging_cents=aging,
                lines=owed,
                statements=count,
                last_statement_on=last,
            )
        )
    return out


def _statement_history(
    session: Session, patient_ids: Sequence[int]
) -> dict[int, tuple[int, date | None]]:
    rows = session.execute(
        select(
            PatientStatement.patient_id,
            func.count(PatientStatement.id),
            func.max(PatientStatement.statement_date),
        )
        .where(PatientStatement.patient_id.in_(list(patient_ids)))
        .group_by(PatientStatement.patient_id)
    )
    return {patient: (int(count), last) for patient, count, last in rows}


def times_stated(session: Session, charge_line_ids: Iterable[int]) -> dict[int, tuple[int, date]]:
    """How many statements each charge line has been on, and the date of the first."""
    ids = sorted(set(charge_line_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            StatementLine.charge_line_id,
            func.count(StatementLine.id),
            func.min(PatientStatement.statement_date),
        )
        .join(PatientStatement, PatientStatement.id == StatementLine.statement_id)
        .where(StatementLine.charge_line_id.in_(ids))
        .group_by(StatementLine.charge_line_id)
    )
    return {line: (int(count), first) for line, count, first in rows}


# ---------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class StatementMade:
    """One statement a run made."""

    statement_id: int
    patient_id: int
    sequence: int
    amount_due_cents: int
    lines: int
    stored_file_id: int
    path: Path | None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "statement_id": self.statement_id,
            "patient_id": self.patient_id,
            "sequence": self.sequence,
            "amount_due": str(to_decimal(self.amount_due_cents)),
            "lines": self.lines,
            "stored_file_id": self.stored_file_id,
            "path": None if self.path is None else str(self.path),
        }


@dataclass(slots=True)
class StatementRun:
    """What a statement run did: statements made, and patients it passed over and why."""

    made: list[StatementMade] = field(default_factory=list)
    under_threshold: int = 0
    sent_this_cycle: int = 0

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "statements": [m.as_json() for m in self.made],
            "total_due": str(to_decimal(sum(m.amount_due_cents for m in self.made))),
            "under_threshold": self.under_threshold,
            "sent_this_cycle": self.sent_this_cycle,
        }


def run_statements(
    session: Session,
    *,
    practice_id: int,
    today: date,
    actor: str,
    rules: StatementRules | None = None,
    out_dir: Path | None = None,
) -> StatementRun:
    """A statement for every patient whose balance is at or over the threshold and who had
    none this cycle: recorded as sent today, its PDF kept (and written to out_dir)."""
    rules = rules or StatementRules()
    rules.check()
    if out_dir is not None and not out_dir.is_dir():
        raise InvalidInput(f"--out: {out_dir} is not a folder")
    run = StatementRun()
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise InvalidInput(f"practice_id {practice_id}: no such practice")
    cycle_start = today - timedelta(days=rules.cycle_days)
    for balance in patient_balances(session, practice_id=practice_id, today=today):
        if balance.balance_cents < max(rules.threshold_cents, 1):
            run.under_threshold += 1
            continue
        if balance.last_statement_on is not None and balance.last_statement_on > cycle_start:
            run.sent_this_cycle += 1
            continue
        run.made.append(
            _make_statement(session, practice, balance, today=today, actor=actor, rules=rules,
                            out_dir=out_dir)
        )  # fmt: skip
    return run


def _make_statement(
    session: Session,
    practice: Practice,
    balance: PatientBalance,
    *,
    today: date,
    actor: str,
    rules: StatementRules,
    out_dir: Path | None,
) -> StatementMade:
    patient = _locked_patient(session, practice.id, balance.patient_id)
    statement = PatientStatement(
        practice_id=practice.id,
        patient_id=patient.id,
        statement_date=today,
        sent_on=today,
        due_on=today + timedelta(days=rules.due_days),
        sequence=balance.statements + 1,
        amount_due_cents=balance.balance_cents,
        insurance_pending_cents=balance.insurance_pending_cents,
        aged_0_30_cents=balance.aging_cents[BUCKETS[0]],
        aged_31_60_cents=balance.aging_cents[BUCKETS[1]],
        aged_61_90_cents=balance.aging_cents[BUCKETS[2]],
        aged_91_120_cents=balance.aging_cents[BUCKETS[3]],
        aged_121_plus_cents=balance.aging_cents[BUCKETS[4]],
        actor=actor,
    )
    session.add(statement)
    session.flush()
    session.add_all(
        StatementLine(
            statement_id=statement.id,
            charge_line_id=m.charge_line_id,
            charge_cents=m.charge_cents,
            insurance_paid_cents=m.insurance.paid_cents,
            insurance_adjusted_cents=m.insurance.adjusted_cents,
            patient_paid_cents=m.patient.paid_cents,
            patient_adjusted_cents=m.patient.adjusted_cents,
            patient_balance_cents=m.patient.balance_cents,
        )
        for m in balance.lines
    )
    pdf = render_statement(_document(session, practice, patient, statement, balance))
    stored, _ = store_file(
        session, practice_id=practice.id, content=pdf, direction=Direction.OUTBOUND,
        kind=FileKind.OTHER, name=f"statement-{statement.id}.pdf", actor=actor,
        status=FileStatus.SENT,
    )  # fmt: skip
    statement.stored_file_id = stored.id
    session.flush()
    path = None
    if out_dir is not None:
        path = out_dir / f"statement-{statement.id}-patient-{patient.id}.pdf"
        path.write_bytes(pdf)
    return StatementMade(
        statement.id, patient.id, statement.sequence, statement.amount_due_cents,
        len(balance.lines), stored.id, path,
    )  # fmt: skip


def _locked_patient(session: Session, practice_id: int, patient_id: int) -> Patient:
    """The patient's row under a lock, so two writers of one patient's money take turns."""
    patient = session.scalar(
        select(Patient)
        .where(Patient.id == patient_id, Patient.practice_id == practice_id)
        .with_for_update()
    )
    if patient is None:
        raise InvalidInput(f"patient_id {patient_id}: no such patient here")
    return patient


def _document(
    session: Session,
    practice: Practice,
    patient: Patient,
    statement: PatientStatement,
    balance: PatientBalance,
) -> StatementDoc:
    provider = _billing_provider(session, [m.charge_line_id for m in balance.lines])
    remit_to: tuple[str, ...] = ()
    phone = None
    if provider is not None:
        remit_to = tuple(
            part
            for part in (
                provider.name, provider.address1, provider.address2,
                f"{provider.city}, {provider.state} {_zip(provider.postal_code)}",
            )
            if part
        )  # fmt: skip
        phone = provider.contact_phone
    name = " ".join(p for p in (patient.first_name, patient.middle_name, patient.last_name) if p)
    return StatementDoc(
        practice_name=practice.name,
        remit_to=remit_to,
        phone=phone,
        patient_name=name,
        patient_address=tuple(
            part
            for part in (
                patient.address1,
                patient.address2,
                f"{patient.city}, {patient.state} {_zip(patient.postal_code)}",
            )
            if part
        ),
        account_number=patient.account_number,
        statement_number=statement.id,
        statement_date=statement.statement_date,
        due_on=statement.due_on,
        lines=tuple(
            DocLine(
                m.service_date,
                m.procedure_code,
                m.charge_cents,
                m.insurance.paid_cents,
                m.insurance.adjusted_cents,
                m.patient.paid_cents,
                m.patient.adjusted_cents,
                m.patient.balance_cents,
            )
            for m in balance.lines
        ),
        aging_cents=(
            statement.aged_0_30_cents,
            statement.aged_31_60_cents,
            statement.aged_61_90_cents,
            statement.aged_91_120_cents,
            statement.aged_121_plus_cents,
        ),
        amount_due_cents=statement.amount_due_cents,
        insurance_pending_cents=statement.insurance_pending_cents,
    )


def _billing_provider(session: Session, charge_line_ids: Sequence[int]) -> BillingProvider | None:
    """The billing provider of the oldest line on the statement: where the patient pays."""
    if not charge_line_ids:
        return None
    return session.scalar(
        select(BillingProvider)
        .join(Encounter, Encounter.billing_provider_id == BillingProvider.id)
        .join(ChargeLine, ChargeLine.encounter_id == Encounter.id)
        .where(ChargeLine.id.in_(list(charge_line_ids)))
        .order_by(ChargeLine.service_date, ChargeLine.id)
        .limit(1)
    )


def _zip(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == 9 else code


def list_statements(
    session: Session, *, practice_id: int, patient_id: int | None = None
) -> list[PatientStatement]:
    """Statements sent, newest first (one patient's when patient_id is given)."""
    query = select(PatientStatement).where(PatientStatement.practice_id == practice_id)
    if patient_id is not None:
        query = query.where(PatientStatement.patient_id == patient_id)
    return list(
        session.scalars(
            query.order_by(PatientStatement.statement_date.desc(), PatientStatement.id.desc())
        )
    )


# ---------------------------------------------------------------------- small balances


@dataclass(frozen=True, slots=True)
class WrittenOff:
    """A patient's small balance written off."""

    patient_id: int
    amount_cents: int
    entry_ids: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "patient_id": self.patient_id,
            "amount": str(to_decimal(self.amount_cents)),
            "entry_ids": list(self.entry_ids),
        }


def write_off_small_balances(
    session: Session,
    *,
    practice_id: int,
    today: date,
    actor: str,
    rules: StatementRules | None = None,
) -> list[WrittenOff]:
    """Write off every patient balance under the small-balance amount whose lines have each
    been on enough statements: patient A/R to write-off, line by line, with the rule as the
    reason. A patient with a credit on any line is left alone (the credit is refunded first)."""
    rules = rules or StatementRules()
    rules.check()
    done = []
    write_off_account = None
    for candidate in patient_balances(session, practice_id=practice_id, today=today):
        if _small(session, candidate, rules, today) is None:
            continue
        # Checked again under the patient's lock: a payment may have landed in between.
        _locked_patient(session, practice_id, candidate.patient_id)
        (balance,) = patient_balances(
            session, practice_id=practice_id, today=today, patient_ids=[candidate.patient_id]
        )
        owed = _small(session, balance, rules, today)
        if owed is None:
            continue
        total = sum(m.patient.balance_cents for m in owed)
        if write_off_account is None:
            write_off_account = ledger.account(
                session, practice_id=practice_id, kind=AccountKind.WRITE_OFF
            )
        patient_ar = ledger.account(
            session, practice_id=practice_id, kind=AccountKind.PATIENT_AR,
            patient_id=balance.patient_id,
        )  # fmt: skip
        reason = (
            f"small balance: {to_decimal(total)} is under {to_decimal(rules.small_balance_cents)}"
            f" after {rules.small_balance_statements} statements"
        )
        ids = ledger.post(
            session,
            practice_id=practice_id,
            postings=[
                ledger.Posting(
                    debit_account_id=write_off_account,
                    credit_account_id=patient_ar,
                    amount_cents=m.patient.balance_cents,
                    kind=EntryKind.WRITE_OFF,
                    posting_date=today,
                    actor=actor,
                    charge_line_id=m.charge_line_id,
                    service_date=m.service_date,
                    reason_code="SMALL",
                    memo=reason,
                )
                for m in owed
            ],
        )
        done.append(WrittenOff(balance.patient_id, total, tuple(ids)))
    return done


def _small(
    session: Session, balance: PatientBalance, rules: StatementRules, today: date
) -> list[LineMoney] | None:
    """The lines to write off when the patient's balance is a small one by the rules."""
    owed = [m for m in balance.lines if m.patient.balance_cents > 0]
    total = sum(m.patient.balance_cents for m in owed)
    if not owed or balance.credit_cents or total >= rules.small_balance_cents:
        return None
    stated = times_stated(session, [m.charge_line_id for m in owed])
    if any(
        stated.get(m.charge_line_id, (0, today))[0] < rules.small_balance_statements for m in owed
    ):
        return None
    return owed


# ---------------------------------------------------------------------- collections


@dataclass(frozen=True, slots=True)
class Flagged:
    """A patient account flagged for collections (or a flag closed)."""

    flag_id: int
    patient_id: int
    amount_cents: int
    statements: int
    first_statement_on: date
    rework_item_id: int | None
    status: str

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "flag_id": self.flag_id,
            "patient_id": self.patient_id,
            "amount": str(to_decimal(self.amount_cents)),
            "statements": self.statements,
            "first_statement_on": self.first_statement_on,
            "rework_item_id": self.rework_item_id,
            "status": self.status,
        }


def flag_collections(
    session: Session,
    *,
    practice_id: int,
    today: date,
    actor: str,
    rules: StatementRules | None = None,
) -> tuple[list[Flagged], list[Flagged]]:
    """Flag every patient with a balance past the last statement cycle (on the collections
    number of statements, the first of them at least the collections days old) with a rework
    item; close the open flags whose balance is gone. Safe to repeat: an open flag is not
    raised twice. Returns (flagged, closed)."""
    rules = rules or StatementRules()
    rules.check()
    open_flags = {
        f.patient_id: f
        for f in session.scalars(
            select(CollectionFlag).where(
                CollectionFlag.practice_id == practice_id,
                CollectionFlag.status == FlagStatus.OPEN,
            )
        )
    }
    flagged: list[Flagged] = []
    owing: set[int] = set()
    for balance in patient_balances(session, practice_id=practice_id, today=today):
        owed = [m for m in balance.lines if m.patient.balance_cents > 0]
        if owed:
            owing.add(balance.patient_id)
        if balance.patient_id in open_flags or not owed:
            continue
        stated = times_stated(session, [m.charge_line_id for m in owed])
        past = [
            (m, stated[m.charge_line_id])
            for m in owed
            if m.charge_line_id in stated
            and stated[m.charge_line_id][0] >= rules.collections_statements
            and (today - stated[m.charge_line_id][1]).days >= rules.collections_days
        ]
        if not past:
            continue
        amount = sum(m.patient.balance_cents for m, _ in past)
        count = max(n for _, (n, _) in past)
        first = min(d for _, (_, d) in past)
        item = open_item(
            session, practice_id=practice_id, source=Source.FOLLOW_UP, category=Category.OTHER,
            codes=COLLECTIONS_CODES, amount_cents=amount, today=today,
            summary=(
                f"patient {balance.patient_id}: {to_decimal(amount)} unpaid after {count} "
                f"statements (the first on {first}, {(today - first).days} days ago): send the "
                "account to collections, set up a payment plan or write it off"
            ),
        )  # fmt: skip
        flag = CollectionFlag(
            practice_id=practice_id, patient_id=balance.patient_id, flagged_on=today,
            amount_cents=amount, statements=count, first_statement_on=first,
            rework_item_id=item.id, status=FlagStatus.OPEN, actor=actor,
        )  # fmt: skip
        session.add(flag)
        session.flush()
        flagged.append(_flagged(flag))
    closed: list[Flagged] = []
    for patient_id, flag in open_flags.items():
        if patient_id in owing:
            continue
        flag.status = FlagStatus.CLOSED
        flag.closed_on = today
        if flag.rework_item_id is not None:
            raised = session.get(ReworkItem, flag.rework_item_id)
            if raised is not None and raised.status is not ItemStatus.CLOSED:
                raised.status = ItemStatus.CLOSED
                raised.closed_at = utcnow()
                raised.closing_action = SETTLED
        closed.append(_flagged(flag))
    session.flush()
    return flagged, closed


def _flagged(flag: CollectionFlag) -> Flagged:
    return Flagged(
        flag.id, flag.patient_id, flag.amount_cents, flag.statements, flag.first_statement_on,
        flag.rework_item_id, flag.status.value,
    )  # fmt: skip
