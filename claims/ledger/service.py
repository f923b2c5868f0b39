"""Posting, reversing and reading the ledger. Services flush; their caller commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from claims.base import table_of, utcnow
from claims.claim.models import Claim
from claims.db import insert_rows, reserve_ids
from claims.encounters.models import ChargeLine
from claims.errors import LedgerError, NotFound
from claims.files.models import StoredFile
from claims.ledger.models import AR_KINDS, Account, AccountKind, Entry, EntryKind
from claims.patients.models import Coverage, Patient

# Far above any real posting, far below where 64-bit running totals could overflow.
MAX_AMOUNT_CENTS = 10**13
_IN_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Posting:
    """One entry to post: amount moves from the credit account to the debit account."""

    debit_account_id: int
    credit_account_id: int
    amount_cents: int
    kind: EntryKind
    posting_date: date
    actor: str
    charge_line_id: int | None = None
    claim_id: int | None = None
    service_date: date | None = None
    deposit_date: date | None = None
    external_id: str | None = None
    source_file_id: int | None = None
    remittance_id: int | None = None
    adjudication_id: int | None = None
    segment_position: int | None = None
    group_code: str | None = None
    reason_code: str | None = None
    remark_codes: str | None = None
    memo: str | None = None
    reverses_entry_id: int | None = None


def account_key(kind: AccountKind, *, coverage_id: int | None, patient_id: int | None) -> str:
    """The stable key of an account within its practice."""
    if kind is AccountKind.INSURANCE_AR:
        if coverage_id is None or patient_id is not None:
            raise LedgerError("insurance A/R account: needs coverage_id and no patient_id")
        return f"{kind.value}:coverage:{coverage_id}"
    if kind is AccountKind.PATIENT_AR:
        if patient_id is None or coverage_id is not None:
            raise LedgerError("patient A/R account: needs patient_id and no coverage_id")
        return f"{kind.value}:patient:{patient_id}"
    if coverage_id is not None or patient_id is not None:
        raise LedgerError(f"{kind.value} account: takes no coverage_id or patient_id")
    return kind.value


def account(
    session: Session,
    *,
    practice_id: int,
    kind: AccountKind,
    coverage_id: int | None = None,
    patient_id: int | None = None,
) -> int:
    """The ID of the practice's account of this kind (and scope), created on first use."""
    key = account_key(kind, coverage_id=coverage_id, patient_id=patient_id)
    lookup = select(Account.id).where(Account.practice_id == practice_id, Account.key == key)
    found = session.scalar(lookup)
    if found is not None:
        return found
    _check_scope(session, practice_id, coverage_id=coverage_id, patient_id=patient_id)
    try:
        # A concurrent writer may create the same account; the savepoint keeps our work.
        with session.begin_nested():
            session.execute(
                insert(Account).values(
                    practice_id=practice_id,
                    key=key,
                    kind=kind,
                    coverage_id=coverage_id,
                    patient_id=patient_id,
                    debits_posted_cents=0,
                    credits_posted_cents=0,
                )
            )
    except IntegrityError:
        pass
    created = session.scalar(lookup)
    if created is None:  # pragma: no cover - the insert either worked or raced a winner
        raise LedgerError(f"account {key} could not be created")
    return created


def scoped_accounts(
    session: Session, *, practice_id: int, kind: AccountKind, scope_ids: Sequence[int]
) -> dict[int, int]:
    """A/R account IDs by coverage (insurance A/R) or patient (patient A/R), created on first
    use, in a few queries however many are asked for."""
    if kind not in AR_KINDS:
        raise LedgerError(f"{kind.value} accounts are not scoped to a coverage or patient")
    column = Account.coverage_id if kind is AccountKind.INSURANCE_AR else Account.patient_id
    wanted = sorted(set(scope_ids))
    found: dict[int, int] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.update(
            (scope, account_id)
            for scope, account_id in session.execute(
                select(column, Account.id).where(
                    Account.practice_id == practice_id,
                    Account.kind == kind,
                    column.in_(bindparam(None, chunk, expanding=True)),
                )
            )
        )
    for scope in wanted:
        if scope not in found:  # rare: the first posting to a coverage or patient
            coverage, patient = (scope, None) if kind is AccountKind.INSURANCE_AR else (None, scope)
            found[scope] = account(
                session, practice_id=practice_id, kind=kind, coverage_id=coverage,
                patient_id=patient,
            )  # fmt: skip
    return found


def post(
    session: Session,
    *,
    practice_id: int,
    postings: Sequence[Posting],
    references_checked: bool = False,
) -> list[int]:
    """Append entries (all or none) and update account totals; returns the entry IDs in order.

    A posting whose external_id was already posted with the same content is not posted again
    (its existing ID is returned); the same external_id with other content is refused.
    references_checked: the caller read every charge line, claim and file the postings name
    from this practice's own rows (a bulk poster), so they are not looked up again.
    """
    if not postings:
        return []
    _validate_shape(postings)
    accounts = _load_accounts(session, practice_id, postings)
    for index, p in enumerate(postings):
        place = f"posting {index + 1}"
        touches_ar = {accounts[p.debit_account_id], accounts[p.credit_account_id]} & AR_KINDS
        if touches_ar and p.charge_line_id is None:
            raise LedgerError(f"{place}: charge_line_id is required for an A/R account")
    if not references_checked:
        _check_references(session, practice_id, postings)

    existing = _existing_by_external_id(session, practice_id, postings)
    ids: list[int | None] = [None] * len(postings)
    fresh: list[tuple[int, Posting]] = []
    for index, p in enumerate(postings):
        prior = existing.get(p.external_id) if p.external_id else None
        if prior is None:
            fresh.append((index, p))
        elif _same_content(prior, p):
            ids[index] = prior.id
        else:
            raise LedgerError(
                f"posting {index + 1}: external_id was already used for a different entry "
                f"(entry {prior.id})"
            )

    _check_reversals(session, practice_id, fresh)
    if fresh:
        table = table_of(Entry)
        new_ids = reserve_ids(session, table, len(fresh))
        now = utcnow()
        insert_rows(
            session, table, ("id", "practice_id", "created_at", *_FIELDS),
            [
                (new_id, practice_id, now, *_values(p))
                for (_, p), new_id in zip(fresh, new_ids, strict=True)
            ],
        )  # fmt: skip
        for (index, _), new_id in zip(fresh, new_ids, strict=True):
            ids[index] = new_id
        _add_to_totals(session, [p for _, p in fresh])
    return [i for i in ids if i is not None]


def reverse(
    session: Session,
    *,
    practice_id: int,
    entry_id: int,
    posting_date: date,
    actor: str,
    memo: str,
    external_id: str | None = None,
) -> int:
    """Post the entry that undoes entry_id (allowed once; a reversal is not reversed)."""
    original = session.get(Entry, entry_id)
    if original is None or original.practice_id != practice_id:
        raise NotFound(f"ledger entry {entry_id} not found")
    reversal = Posting(
        debit_account_id=original.credit_account_id,
        credit_account_id=original.debit_account_id,
        amount_cents=original.amount_cents,
        kind=EntryKind.REVERSAL,
        posting_date=posting_date,
        actor=actor,
        memo=memo,
        charge_line_id=original.charge_line_id,
        claim_id=original.claim_id,
        service_date=original.service_date,
        deposit_date=original.deposit_date,
        external_id=external_id,
        reverses_entry_id=entry_id,
    )
    return post(session, practice_id=practice_id, postings=[reversal])[0]


def balance(session: Session, account_id: int, *, charge_line_id: int | None = None) -> int:
    """An account's balance (debits minus credits) summed from its entries, optionally for one
    charge line."""
    debits = select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
        Entry.debit_account_id == account_id
    )
    credits = select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
        Entry.credit_account_id == account_id
    )
    if charge_line_id is not None:
        debits = debits.where(Entry.charge_line_id == charge_line_id)
        credits = credits.where(Entry.charge_line_id == charge_line_id)
    return int(session.scalar(debits) or 0) - int(session.scalar(credits) or 0)


def line_balances(session: Session, charge_line_id: int) -> dict[int, int]:
    """Every non-zero balance a charge line holds, by A/R account (its responsible parties)."""
    sums: dict[int, int] = defaultdict(int)
    rows = session.execute(
        select(Entry.debit_account_id, Entry.credit_account_id, Entry.amount_cents).where(
            Entry.charge_line_id == charge_line_id
        )
    )
    for debit, credit, amount in rows:
        sums[debit] += amount
        sums[credit] -= amount
    ar_ids = set(
        session.scalars(
            select(Account.id).where(Account.id.in_(sums), Account.kind.in_(list(AR_KINDS)))
        )
    )
    return {acc: cents for acc, cents in sums.items() if acc in ar_ids and cents != 0}


def entries_for_charge_lines(
    session: Session, charge_line_ids: Sequence[int]
) -> list[tuple[Entry, str, str]]:
    """Every entry on these charge lines, oldest first, with its debit and credit account keys."""
    debit = aliased(Account)
    credit = aliased(Account)
    rows = session.execute(
        select(Entry, debit.key, credit.key)
        .join(debit, Entry.debit_account_id == debit.id)
        .join(credit, Entry.credit_account_id == credit.id)
        .where(Entry.charge_line_id.in_(list(charge_line_ids)))
        .order_by(Entry.id)
    )
    return [(entry, debit_key, credit_key) for entry, debit_key, credit_key in rows]


@dataclass(frozen=True, slots=True)
class Imbalance:
    """An account whose running totals differ from the sum of its entries."""

    account_id: int
    key: str
    projected_debits: int
    projected_credits: int
    entry_debits: int
    entry_credits: int


def check(session: Session, *, practice_id: int | None = None) -> list[Imbalance]:
    """Every account whose totals do not equal the sums of its entries (empty when sound)."""
    debit_sums = _sums_by(session, Entry.debit_account_id)
    credit_sums = _sums_by(session, Entry.credit_account_id)
    query = select(Account)
    if practice_id is not None:
        query = query.where(Account.practice_id == practice_id)
    problems = []
    for acc in session.scalars(query):
        debits = int(debit_sums.get(acc.id, 0))
        credits = int(credit_sums.get(acc.id, 0))
        if (debits, credits) != (acc.debits_posted_cents, acc.credits_posted_cents):
            problems.append(
                Imbalance(
                    acc.id,
                    acc.key,
                    acc.debits_posted_cents,
                    acc.credits_posted_cents,
                    debits,
                    credits,
                )
            )
    return problems


def uncleared_remittances(session: Session, *, practice_id: int | None = None) -> dict[int, int]:
    """Remittances whose entries do not net ERA clearing to zero, with what is left (cents):
    every remittance moves its claims, PLB and deposit through clearing, so this is empty
    when every posting is sound."""
    query = select(Account.id).where(Account.kind == AccountKind.ERA_CLEARING)
    if practice_id is not None:
        query = query.where(Account.practice_id == practice_id)
    clearing = list(session.scalars(query))
    if not clearing:
        return {}
    net: dict[int, int] = defaultdict(int)
    for side, sign in ((Entry.debit_account_id, 1), (Entry.credit_account_id, -1)):
        rows = session.execute(
            select(Entry.remittance_id, func.sum(Entry.amount_cents))
            .where(side.in_(clearing), Entry.remittance_id.is_not(None))
            .group_by(Entry.remittance_id)
        )
        for remittance_id, total in rows:
            net[remittance_id] += sign * int(total)
    return {rid: cents for rid, cents in net.items() if cents != 0}


def _sums_by(session: Session, column: Any) -> dict[int, int]:
    rows = session.execute(select(column, func.sum(Entry.amount_cents)).group_by(column))
    return {account_id: int(total) for account_id, total in rows}


def _validate_shape(postings: Sequence[Posting]) -> None:
    for index, p in enumerate(postings):
        place = f"posting {index + 1}"
        if type(p.amount_cents) is not int:
            raise LedgerError(f"{place}: amount_cents must be an integer number of cents")
        if p.amount_cents <= 0:
            raise LedgerError(f"{place}: amount_cents must be positive (swap the accounts)")
        if p.amount_cents > MAX_AMOUNT_CENTS:
            raise LedgerError(f"{place}: amount_cents is larger than any real posting")
        if p.debit_account_id == p.credit_account_id:
            raise LedgerError(f"{place}: debit and credit account are the same")
        if not p.actor or not p.actor.strip():
            raise LedgerError(f"{place}: actor is required (who or what posted it)")
        if p.source_file_id is None and (not p.memo or not p.memo.strip()):
            raise LedgerError(f"{place}: a reason is required (source_file_id or memo)")


def _check_scope(
    session: Session, practice_id: int, *, coverage_id: int | None, patient_id: int | None
) -> None:
    for name, model, ident in (
        ("coverage_id", Coverage, coverage_id),
        ("patient_id", Patient, patient_id),
    ):
        if ident is None:
            continue
        owner = session.scalar(select(model.practice_id).where(model.id == ident))
        if owner != practice_id:
            raise LedgerError(f"{name} {ident}: not in this practice")


def _check_references(session: Session, practice_id: int, postings: Sequence[Posting]) -> None:
    """Every charge line, claim and file an entry names belongs to the practice."""
    for field, model in (
        ("charge_line_id", ChargeLine),
        ("claim_id", Claim),
        ("source_file_id", StoredFile),
    ):
        wanted = {getattr(p, field) for p in postings} - {None}
        if not wanted:
            continue
        found: set[int] = set()
        ids = sorted(wanted)
        for start in range(0, len(ids), _IN_CHUNK):  # SQLite caps bound parameters
            found.update(
                session.scalars(
                    select(model.id).where(
                        model.id.in_(ids[start : start + _IN_CHUNK]),
                        model.practice_id == practice_id,
                    )
                )
            )
        for index, p in enumerate(postings):
            value = getattr(p, field)
            if value is not None and value not in found:
                raise LedgerError(f"posting {index + 1}: {field} {value}: not in this practice")


def _check_reversals(
    session: Session, practice_id: int, fresh: Sequence[tuple[int, Posting]]
) -> None:
    """A reversal undoes exactly one earlier entry, once: swapped accounts, same amount and
    charge line, and never a reversal itself."""
    wanted = {p.reverses_entry_id: index for index, p in fresh if p.reverses_entry_id}
    if not wanted:
        return
    if len(wanted) != sum(1 for _, p in fresh if p.reverses_entry_id):
        raise LedgerError("the same entry is reversed twice in one posting call")
    originals = {
        e.id: e
        for e in session.scalars(
            select(Entry).where(Entry.id.in_(list(wanted)), Entry.practice_id == practice_id)
        )
    }
    done = {
        reversed_id: reversal_id
        for reversed_id, reversal_id in session.execute(
            select(Entry.reverses_entry_id, Entry.id).where(
                Entry.reverses_entry_id.in_(list(wanted))
            )
        )
    }
    for index, p in fresh:
        if p.reverses_entry_id is None:
            continue
        place, target = f"posting {index + 1}", p.reverses_entry_id
        original = originals.get(target)
        if original is None:
            raise LedgerError(f"{place}: reverses_entry_id {target}: no such entry here")
        if original.reverses_entry_id is not None:
            raise LedgerError(
                f"{place}: entry {target} is itself a reversal; post a new entry instead"
            )
        if target in done:
            raise LedgerError(
                f"{place}: entry {target} was already reversed by entry {done[target]}"
            )
        mirrors = (
            p.debit_account_id == original.credit_account_id
            and p.credit_account_id == original.debit_account_id
            and p.amount_cents == original.amount_cents
            and p.charge_line_id == original.charge_line_id
        )
        if not mirrors:
            raise LedgerError(
                f"{place}: a reversal must swap the accounts of entry {target} and keep its "
                "amount and charge line"
            )


def _load_accounts(
    session: Session, practice_id: int, postings: Sequence[Posting]
) -> dict[int, AccountKind]:
    wanted = {p.debit_account_id for p in postings} | {p.credit_account_id for p in postings}
    rows = session.execute(
        select(Account.id, Account.kind).where(
            Account.id.in_(wanted), Account.practice_id == practice_id
        )
    )
    found = {account_id: kind for account_id, kind in rows}
    for index, p in enumerate(postings):
        for account_id in (p.debit_account_id, p.credit_account_id):
            if account_id not in found:
                raise LedgerError(
                    f"posting {index + 1}: account_id {account_id}: "
                    "no such account in this practice"
                )
    return found


def _existing_by_external_id(
    session: Session, practice_id: int, postings: Sequence[Posting]
) -> dict[str, Entry]:
    keys = [p.external_id for p in postings if p.external_id]
    if len(keys) != len(set(keys)):
        raise LedgerError("external_id repeats within one posting call")
    if not keys:
        return {}
    rows = session.scalars(
        select(Entry).where(Entry.practice_id == practice_id, Entry.external_id.in_(keys))
    )
    return {e.external_id: e for e in rows if e.external_id}


_FIELDS = tuple(f.name for f in fields(Posting))
# A posting's field values in the order of _FIELDS (dataclasses.astuple deep-copies).
_values = attrgetter(*_FIELDS)


def _fields(p: Posting) -> dict[str, Any]:
    """A posting's fields as a dict."""
    return dict(zip(_FIELDS, _values(p), strict=True))


def _same_content(entry: Entry, p: Posting) -> bool:
    return all(getattr(entry, name) == value for name, value in _fields(p).items())


def _add_to_totals(session: Session, postings: Sequence[Posting]) -> None:
    debits: dict[int, int] = defaultdict(int)
    credits: dict[int, int] = defaultdict(int)
    for p in postings:
        debits[p.debit_account_id] += p.amount_cents
        credits[p.credit_account_id] += p.amount_cents
    # The increment happens in the database, under each row's lock, so concurrent posters
    # never lose each other's amounts; one executemany, in account order (so two posters
    # take the locks in the same order).
    accounts = table_of(Account)
    session.execute(
        update(accounts)
        .where(accounts.c.id == bindparam("account_id"))
        .values(
            debits_posted_cents=(
                accounts.c.debits_posted_cents + bindparam("add_debits", BigInteger)
            ),
            credits_posted_cents=(
                accounts.c.credits_posted_cents + bindparam("add_credits", BigInteger)
            ),
        ),
        [
            {"account_id": account_id, "add_debits": debits.get(account_id, 0),
             "add_credits": credits.get(account_id, 0)}
            for account_id in sorted(debits.keys() | credits.keys())
        ],
    )  # fmt: skip
