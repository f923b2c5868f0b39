"""Bank deposits: importing the bank's CSV, matching deposits to remittances by trace number
and amount, and the reconciliation of cash posted against deposits.

A deposit is matched to the remittances whose trace number (TRN02: the EFT trace or check
number) is its reference and whose payments (BPR02) add up to exactly its amount: one
deposit may pay several ERAs that share a trace. Cash posted is what the ledger says: the
DEPOSIT entries on the cash account made by each remittance's posting.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.errors import InvalidInput
from claims.files.models import Direction, FileKind, FileStatus
from claims.files.service import store_file
from claims.ledger.models import Account, AccountKind, Entry, EntryKind
from claims.money import to_cents, to_decimal
from claims.remittances.models import Deposit, Remittance

COLUMNS = ("date", "amount", "reference", "description")
REQUIRED = ("date", "amount", "reference")
MAX_REFERENCE = 80
MAX_DESCRIPTION = 200
# Subsets of same-trace remittances tried when their total is not the deposit's amount;
# beyond this many candidates only the whole set and single remittances are tried.
MAX_SUBSET_CANDIDATES = 12
_IN = 500

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\Z")
_AMOUNT = re.compile(r"[+-]?\d+(?:\.\d+)?\Z")

# Statuses in the reconciliation.
MATCHED = "matched"
UNMATCHED = "unmatched"
AMBIGUOUS = "ambiguous"  # several sets of remittances add up to the deposit: a person picks
NO_CASH = "no_cash"  # a remittance that paid nothing (BPR02 0): no deposit to expect


@dataclass(frozen=True, slots=True)
class DepositRow:
    """One deposit line read from a bank CSV."""

    line: int
    deposit_date: date
    amount_cents: int
    reference: str
    description: str | None


@dataclass(frozen=True, slots=True)
class DepositMatch:
    """What matching did for one deposit that had no remittances."""

    deposit_id: int
    status: str  # matched, unmatched or ambiguous
    remittance_ids: tuple[int, ...] = ()
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "deposit_id": self.deposit_id,
            "status": self.status,
            "remittance_ids": list(self.remittance_ids),
            "reason": self.reason,
        }


@dataclass(slots=True)
class ImportResult:
    """What importing one bank CSV did."""

    file_id: int
    sha256: str
    rows: int
    added: int
    already_present: int
    matches: list[DepositMatch] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "file_id": self.file_id,
            "sha256": self.sha256,
            "rows": self.rows,
            "added": self.added,
            "already_present": self.already_present,
            "matched": sum(1 for m in self.matches if m.status == MATCHED),
            "matches": [m.as_json() for m in self.matches],
        }


def parse_deposits_csv(data: bytes, *, name: str | None = None) -> list[DepositRow]:
    """The deposit rows of a bank CSV (header row: date, amount, reference[, description]);
    InvalidInput naming the line and column of the first bad one."""
    where = name or "the deposits file"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what spreadsheet programs on Windows save
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{where}: not UTF-8 or Windows-1252 text") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise InvalidInput(
                f"{where}: empty; a header row is required ({', '.join(REQUIRED)}[, description])"
            )
        columns = _columns(header, where, reader.line_num)
        rows: list[DepositRow] = []
        seen: dict[tuple[date, int, str], int] = {}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            row = _row(cells, columns, where, reader.line_num)
            key = (row.deposit_date, row.amount_cents, row.reference)
            if key in seen:
                raise InvalidInput(
                    f"{where}: line {row.line}: the same date, amount and reference as line "
                    f"{seen[key]}"
                )
            seen[key] = row.line
            rows.append(row)
    except csv.Error as exc:
        raise InvalidInput(f"{where}: line {reader.line_num}: not valid CSV ({exc})") from exc
    return rows


def _columns(header: list[str], where: str, line: int) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    columns: dict[str, int] = {}
    for index, column in enumerate(names):
        if column not in COLUMNS:
            raise InvalidInput(
                f"{where}: line {line}, column {index + 1}: unknown column {column!r}; the "
                f"columns are {', '.join(COLUMNS)} (description optional)"
            )
        if column in columns:
            raise InvalidInput(f"{where}: line {line}: column {column} appears twice")
        columns[column] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput(
            f"{where}: line {line}: the header lacks {', '.join(missing)}; a header row is "
            f"required ({', '.join(REQUIRED)}[, description])"
        )
    return columns


def _row(cells: list[str], columns: dict[str, int], where: str, line: int) -> DepositRow:
    if len(cells) != len(columns):
        raise InvalidInput(
            f"{where}: line {line}: {len(cells)} columns where the header has {len(columns)}"
        )

    def place(column: str) -> str:
        return f"{where}: line {line}, column {column}"

    raw_date = cells[columns["date"]].strip()
    day = _date(raw_date)
    if day is None:
        raise InvalidInput(f"{place('date')}: not a date (YYYY-MM-DD or MM/DD/YYYY)")
    raw_amount = cells[columns["amount"]].strip()
    if not _AMOUNT.match(raw_amount):
        raise InvalidInput(f"{place('amount')}: not a decimal amount such as 1234.56")
    try:
        cents = to_cents(raw_amount, field="amount")
    except ValueError as exc:
        raise InvalidInput(f"{place('amount')}: {str(exc).removeprefix('amount: ')}") from exc
    if cents == 0:
        raise InvalidInput(f"{place('amount')}: zero")
    reference = cells[columns["reference"]].strip()
    if not reference:
        raise InvalidInput(f"{place('reference')}: empty (the EFT trace or check number)")
    if len(reference) > MAX_REFERENCE:
        raise InvalidInput(f"{place('reference')}: longer than {MAX_REFERENCE} characters")
    description = None
    if "description" in columns:
        description = cells[columns["description"]].strip()[:MAX_DESCRIPTION] or None
    return DepositRow(line, day, cents, reference, description)


def _date(value: str) -> date | None:
    try:
        if _ISO.match(value):
            return date.fromisoformat(value)
        us = _US.match(value)
        if us:
            return date(int(us.group(3)), int(us.group(1)), int(us.group(2)))
    except ValueError:
        return None
    return None


def import_deposits(
    session: Session, *, practice_id: int, data: bytes, name: str | None, actor: str
) -> ImportResult:
    """Import a bank deposit CSV (all or nothing), keep the file, and match the deposits that
    have no remittances yet; rows already imported are counted, not added again."""
    rows = parse_deposits_csv(data, name=name)
    stored, _ = store_file(
        session, practice_id=practice_id, content=data, direction=Direction.INBOUND,
        kind=FileKind.OTHER, name=name, actor=actor, status=FileStatus.PROCESSED,
    )  # fmt: skip
    present = _present(session, practice_id, rows)
    fresh = [r for r in rows if (r.deposit_date, r.amount_cents, r.reference) not in present]
    try:
        with session.begin_nested():
            session.add_all(
                Deposit(
                    practice_id=practice_id,
                    deposit_date=r.deposit_date,
                    amount_cents=r.amount_cents,
                    reference=r.reference,
                    description=r.description,
                    source_file_id=stored.id,
                )
                for r in fresh
            )
            session.flush()
    except IntegrityError as exc:  # a concurrent import added some of the same rows
        raise InvalidInput(
            f"{name or 'the deposits file'}: deposits were imported at the same time by "
            "someone else; run the import again"
        ) from exc
    result = ImportResult(
        file_id=stored.id, sha256=stored.sha256, rows=len(rows), added=len(fresh),
        already_present=len(rows) - len(fresh),
    )  # fmt: skip
    result.matches = match_deposits(session, practice_id=practice_id)
    return result


def _present(
    session: Session, practice_id: int, rows: Sequence[DepositRow]
) -> set[tuple[date, int, str]]:
    references = sorted({r.reference for r in rows})
    found: set[tuple[date, int, str]] = set()
    for start in range(0, len(references), _IN):
        found.update(
            (day, cents, reference)
            for day, cents, reference in session.execute(
                select(Deposit.deposit_date, Deposit.amount_cents, Deposit.reference).where(
                    Deposit.practice_id == practice_id,
                    Deposit.reference.in_(references[start : start + _IN]),
                )
            )
        )
    return found


def match_deposits(session: Session, *, practice_id: int) -> list[DepositMatch]:
    """Match every deposit that has no remittances to the unmatched remittances with its
    reference as trace number whose payments add up to its amount (oldest deposits first)."""
    has_remittance = exists().where(Remittance.deposit_id == Deposit.id)
    deposits = list(
        session.execute(
            select(Deposit.id, Deposit.amount_cents, Deposit.reference)
            .where(Deposit.practice_id == practice_id, ~has_remittance)
            .order_by(Deposit.deposit_date, Deposit.id)
        )
    )
    if not deposits:
        return []
    candidates: dict[str, list[tuple[int, int]]] = defaultdict(list)
    references = sorted({reference for _, _, reference in deposits})
    for start in range(0, len(references), _IN):
        rows = session.execute(
            select(Remittance.trace_number, Remittance.id, Remittance.payment_cents)
            .where(
                Remittance.practice_id == practice_id,
                Remittance.deposit_id.is_(None),
                Remittance.payment_cents != 0,
                Remittance.trace_number.in_(references[start : start + _IN]),
            )
            .order_by(Remittance.payment_date, Remittance.id)
        )
        for trace, remittance_id, cents in rows:
            candidates[trace].append((remittance_id, cents))
    taken: set[int] = set()
    results: list[DepositMatch] = []
    for deposit_id, amount, reference in deposits:
        free = [c for c in candidates.get(reference, []) if c[0] not in taken]
        if not free:
            results.append(
                DepositMatch(deposit_id, UNMATCHED, reason="no unmatched remittance has this "
                             "reference as its trace number")
            )  # fmt: skip
            continue
        fits = _subsets(free, amount)
        if len(fits) != 1:
            total = sum(cents for _, cents in free)
            reason = (
                f"{len(fits)} sets of remittances with this trace number add up to "
                f"{to_decimal(amount)}: a person chooses"
                if fits
                else f"{len(free)} remittance(s) with this trace number pay "
                f"{to_decimal(total)} in all, and none of them add up to {to_decimal(amount)}"
            )
            results.append(
                DepositMatch(deposit_id, AMBIGUOUS if fits else UNMATCHED, reason=reason)
            )
            continue
        chosen = fits[0]
        taken.update(chosen)
        session.execute(
            update(Remittance).where(Remittance.id.in_(chosen)).values(deposit_id=deposit_id)
        )
        results.append(DepositMatch(deposit_id, MATCHED, tuple(chosen)))
    session.flush()
    return results


def _subsets(free: list[tuple[int, int]], amount: int) -> list[tuple[int, ...]]:
    """The sets of these remittances whose payments add up to amount: the whole set when it
    does, else every smaller combination that does (few candidates) or single ones."""
    if sum(cents for _, cents in free) == amount:
        return [tuple(rid for rid, _ in free)]
    sizes = range(1, len(free)) if len(free) <= MAX_SUBSET_CANDIDATES else range(1, 2)
    return [
        tuple(rid for rid, _ in combo)
        for size in sizes
        for combo in itertools.combinations(free, size)
        if sum(cents for _, cents in combo) == amount
    ]


# ---------------------------------------------------------------------- the reconciliation


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One remittance: its payment, the cash its posting put in the bank account, its deposit."""

    remittance_id: int
    kind: str
    status: str  # the remittance's own: posted, held, released
    trace_number: str
    payer_identifier: str
    payment_date: date
    payment_cents: int  # BPR02
    cash_posted_cents: int  # DEPOSIT entries on the cash account
    deposit_id: int | None
    reconciliation: str  # matched, unmatched or no_cash

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "remittance_id": self.remittance_id,
            "kind": self.kind,
            "status": self.status,
            "trace_number": self.trace_number,
            "payer_identifier": self.payer_identifier,
            "payment_date": self.payment_date.isoformat(),
            "payment": str(to_decimal(self.payment_cents)),
            "cash_posted": str(to_decimal(self.cash_posted_cents)),
            "deposit_id": self.deposit_id,
            "reconciliation": self.reconciliation,
        }


@dataclass(frozen=True, slots=True)
class DepositLine:
    """One deposit: its amount against the cash posted by the remittances matched to it."""

    deposit_id: int
    deposit_date: date
    reference: str
    amount_cents: int
    cash_posted_cents: int
    remittance_ids: tuple[int, ...]
    reconciliation: str  # matched or unmatched

    @property
    def difference_cents(self) -> int:
        """The deposit less the cash posted for it (0 when reconciled)."""
        return self.amount_cents - self.cash_posted_cents

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "deposit_id": self.deposit_id,
            "deposit_date": self.deposit_date.isoformat(),
            "reference": self.reference,
            "amount": str(to_decimal(self.amount_cents)),
            "cash_posted": str(to_decimal(self.cash_posted_cents)),
            "difference": str(to_decimal(self.difference_cents)),
            "remittance_ids": list(self.remittance_ids),
            "reconciliation": self.reconciliation,
        }


@dataclass(slots=True)
class Reconciliation:
    """Cash posted against deposits, both ways, with totals and what is unreconciled."""

    deposits: list[DepositLine]
    remittances: list[RemittanceLine]

    @property
    def unreconciled_deposits(self) -> list[DepositLine]:
        """Deposits with no remittances, or whose remittances posted another amount."""
        return [d for d in self.deposits if d.reconciliation != MATCHED or d.difference_cents]

    @property
    def unreconciled_remittances(self) -> list[RemittanceLine]:
        """Remittances whose cash is in no deposit, or whose cash posted is not BPR02."""
        return [
            r
            for r in self.remittances
            if r.reconciliation == UNMATCHED or r.cash_posted_cents != r.payment_cents
        ]

    @property
    def reconciled(self) -> bool:
        """True when every deposit and every remittance's cash is accounted for."""
        return not self.unreconciled_deposits and not self.unreconciled_remittances

    def totals(self) -> dict[str, int]:
        """Sums in cents."""
        deposits = sum(d.amount_cents for d in self.deposits)
        cash = sum(r.cash_posted_cents for r in self.remittances)
        return {
            "deposited_cents": deposits,
            "cash_posted_cents": cash,
            "difference_cents": deposits - cash,
            "deposited_matched_cents": sum(
                d.amount_cents for d in self.deposits if d.reconciliation == MATCHED
            ),
            "deposited_unmatched_cents": sum(
                d.amount_cents for d in self.deposits if d.reconciliation != MATCHED
            ),
            "cash_matched_cents": sum(
                r.cash_posted_cents for r in self.remittances if r.deposit_id is not None
            ),
            "cash_unmatched_cents": sum(
                r.cash_posted_cents for r in self.remittances if r.deposit_id is None
            ),
        }

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        totals = {
            name.removesuffix("_cents"): str(to_decimal(cents))
            for name, cents in self.totals().items()
        }
        return {
            "reconciled": self.reconciled,
            "totals": {
                **totals,
                "deposits": len(self.deposits),
                "remittances": len(self.remittances),
                "unmatched_deposits": sum(1 for d in self.deposits if d.reconciliation != MATCHED),
                "unmatched_remittances": sum(
                    1 for r in self.remittances if r.reconciliation == UNMATCHED
                ),
            },
            "unreconciled": {
                "deposits": [d.as_json() for d in self.unreconciled_deposits],
                "remittances": [r.as_json() for r in self.unreconciled_remittances],
            },
            "deposits": [d.as_json() for d in self.deposits],
            "remittances": [r.as_json() for r in self.remittances],
        }


def reconciliation(session: Session, *, practice_id: int) -> Reconciliation:
    """Every deposit and every remittance of the practice, cash posted against deposits."""
    cash = _cash_posted(session, practice_id)
    remittances = [
        RemittanceLine(
            remittance_id=r.id,
            kind=r.kind.value,
            status=r.status.value,
            trace_number=r.trace_number,
            payer_identifier=r.payer_identifier,
            payment_date=r.payment_date,
            payment_cents=r.payment_cents,
            cash_posted_cents=cash.get(r.id, 0),
            deposit_id=r.deposit_id,
            reconciliation=_reconciliation_of(r, cash.get(r.id, 0)),
        )
        for r in session.scalars(
            select(Remittance)
            .where(Remittance.practice_id == practice_id)
            .order_by(Remittance.payment_date, Remittance.id)
        )
    ]
    by_deposit: dict[int, list[RemittanceLine]] = defaultdict(list)
    for line in remittances:
        if line.deposit_id is not None:
            by_deposit[line.deposit_id].append(line)
    deposits = [
        DepositLine(
            deposit_id=d.id,
            deposit_date=d.deposit_date,
            reference=d.reference,
            amount_cents=d.amount_cents,
            cash_posted_cents=sum(r.cash_posted_cents for r in by_deposit.get(d.id, [])),
            remittance_ids=tuple(r.remittance_id for r in by_deposit.get(d.id, [])),
            reconciliation=MATCHED if d.id in by_deposit else UNMATCHED,
        )
        for d in session.scalars(
            select(Deposit)
            .where(Deposit.practice_id == practice_id)
            .order_by(Deposit.deposit_date, Deposit.id)
        )
    ]
    return Reconciliation(deposits, remittances)


def _reconciliation_of(remittance: Remittance, cash_cents: int) -> str:
    if remittance.deposit_id is not None:
        return MATCHED
    if remittance.payment_cents == 0 and cash_cents == 0:
        return NO_CASH
    return UNMATCHED


def _cash_posted(session: Session, practice_id: int) -> dict[int, int]:
    """Per remittance, its DEPOSIT entries' net on the practice's cash account (cents)."""
    cash_account = session.scalar(
        select(Account.id).where(
            Account.practice_id == practice_id, Account.kind == AccountKind.CASH
        )
    )
    if cash_account is None:
        return {}
    posted: dict[int, int] = defaultdict(int)
    for side, sign in ((Entry.debit_account_id, 1), (Entry.credit_account_id, -1)):
        rows = session.execute(
            select(Entry.remittance_id, func.sum(Entry.amount_cents))
            .where(
                side == cash_account,
                Entry.kind == EntryKind.DEPOSIT,
                Entry.remittance_id.is_not(None),
            )
            .group_by(Entry.remittance_id)
        )
        for remittance_id, total in rows:
            posted[remittance_id] += sign * int(total)
    return dict(posted)


__all__ = [
    "DepositRow",
    "ImportResult",
    "Reconciliation",
    "import_deposits",
    "match_deposits",
    "parse_deposits_csv",
    "reconciliation",
]
