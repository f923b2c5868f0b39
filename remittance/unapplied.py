"""Unapplied cash worked by a person: the list of what waits, applying a claim payment to the
claim a person chose, and releasing a held remittance.

Both actions re-read the remittance's stored 835 (or paper EOB) and post through the normal path
(remittance.era.repost) into the same remittance, after reversing exactly the entry that put
the money in unapplied cash, so ERA clearing still nets to zero for the remittance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from claims.adjudications.models import Adjudication
from claims.base import utcnow
from claims.claim.models import Claim
from claims.errors import InvalidInput, NotFound, StateError
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.remittances.models import Remittance, RemittanceStatus
from claims.rework.models import Category, ItemStatus, ReworkItem, ReworkNote, Source
from claims.rework.service import priority
from edi.x835.balance import money
from remittance import era

APPLIED = "applied"  # closing action of an unapplied claim payment applied by hand
RELEASED = "released"  # closing action of a held remittance's item
HOLD_CODES = "BPR02"  # the codes of a hold item and of what a release leaves over
CLAIM_CODES_PREFIX = "CLP01 "  # the codes of an unapplied claim payment's item

# Kinds of unapplied cash in the list.
CLAIM_PAYMENT = "claim_payment"  # apply it: `claims unapplied apply ITEM --claim CLAIM`
HELD_REMITTANCE = "held_remittance"  # release it: `claims remittance release REMITTANCE`
LEFT_ON_RELEASE = "left_on_release"  # BPR02 against claims less PLB: settle with the payer

_CLAIM_SOURCES = frozenset({Source.UNMATCHED_REMITTANCE, Source.REMIT_835})
_OPEN = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class UnappliedItem:
    """An open rework item for money waiting in unapplied cash."""

    item_id: int
    kind: str
    remittance_id: int
    remittance_status: str
    trace_number: str
    segment_position: int | None
    amount_cents: int  # what waits in unapplied cash; negative when more was applied than paid
    claim_id: int | None
    suggested_claim_ids: tuple[int, ...]
    summary: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "item_id": self.item_id,
            "kind": self.kind,
            "remittance_id": self.remittance_id,
            "remittance_status": self.remittance_status,
            "trace_number": self.trace_number,
            "segment_position": self.segment_position,
            "amount": money(self.amount_cents),
            "claim_id": self.claim_id,
            "suggested_claim_ids": list(self.suggested_claim_ids),
            "summary": self.summary,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying an unapplied claim payment by hand did."""

    item_id: int
    claim_id: int
    remittance_id: int
    segment_position: int
    applied_cents: int
    reversal_entry_id: int | None  # reverses the entry that put the money in unapplied cash
    rework_items: int  # opened by the posting (a denial, an unexpected order)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "item_id": self.item_id,
            "claim_id": self.claim_id,
            "remittance_id": self.remittance_id,
            "segment_position": self.segment_position,
            "applied": money(self.applied_cents),
            "reversal_entry_id": self.reversal_entry_id,
            "rework_items": self.rework_items,
        }


@dataclass(frozen=True, slots=True)
class Released:
    """What releasing a held remittance did."""

    remittance_id: int
    claims: int
    matched: int
    unmatched: int
    applied_cents: int
    provider_adjustment_cents: int
    left_cents: int  # BPR02 - (claims - PLB), left in unapplied cash
    unapplied_cents: int  # everything of it in unapplied cash (unmatched claims + left)
    left_item_id: int | None  # the rework item for what was left, when anything was
    rework_items: int  # opened by posting the claims, plus the one for what was left

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "remittance_id": self.remittance_id,
            "status": RemittanceStatus.RELEASED.value,
            "claims": self.claims,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "applied": money(self.applied_cents),
            "provider_adjustments": money(self.provider_adjustment_cents),
            "left_in_unapplied": money(self.left_cents),
            "unapplied": money(self.unapplied_cents),
            "left_item_id": self.left_item_id,
            "rework_items": self.rework_items,
        }


# ---------------------------------------------------------------------- the list


def list_unapplied(session: Session, *, practice_id: int) -> list[UnappliedItem]:
    """Every open item for money in unapplied cash, highest priority first."""
    rows = list(
        session.execute(
            select(ReworkItem, Remittance)
            .join(Remittance, Remittance.id == ReworkItem.remittance_id)
            .where(
                ReworkItem.practice_id == practice_id,
                ReworkItem.status.in_(_OPEN),
                (ReworkItem.codes == HOLD_CODES) | ReworkItem.codes.startswith(CLAIM_CODES_PREFIX),
            )
            .order_by(ReworkItem.priority.desc(), ReworkItem.id)
        )
    )
    waiting = _waiting(session, practice_id, sorted({r.id for _, r in rows}))
    found = []
    for item, remittance in rows:
        if item.codes == HOLD_CODES:
            held = remittance.status is RemittanceStatus.HELD
            kind = HELD_REMITTANCE if held else LEFT_ON_RELEASE
        elif item.source in _CLAIM_SOURCES and item.segment_position is not None:
            kind = CLAIM_PAYMENT
        else:
            continue
        found.append(
            UnappliedItem(
                item_id=item.id,
                kind=kind,
                remittance_id=remittance.id,
                remittance_status=remittance.status.value,
                trace_number=remittance.trace_number,
                segment_position=item.segment_position,
                amount_cents=waiting.get((remittance.id, item.segment_position), 0),
                claim_id=item.claim_id,
                suggested_claim_ids=_ids(item.suggested_claim_ids),
                summary=item.summary,
                created_at=item.created_at,
            )
        )
    return found


def unapplied_balance(session: Session, *, practice_id: int) -> int:
    """What the practice's unapplied cash account holds (cents; positive: cash waiting)."""
    account = ledger.account(session, practice_id=practice_id, kind=AccountKind.UNAPPLIED_CASH)
    return -ledger.balance(session, account)


def _waiting(
    session: Session, practice_id: int, remittance_ids: list[int]
) -> dict[tuple[int, int | None], int]:
    """Unapplied cash by (remittance, segment position): UNAPPLIED entries not reversed."""
    if not remittance_ids:
        return {}
    account = ledger.account(session, practice_id=practice_id, kind=AccountKind.UNAPPLIED_CASH)
    reversal = aliased(Entry)
    not_reversed = ~select(reversal.id).where(reversal.reverses_entry_id == Entry.id).exists()
    found: dict[tuple[int, int | None], int] = {}
    for side, sign in ((Entry.credit_account_id, 1), (Entry.debit_account_id, -1)):
        rows = session.execute(
            select(Entry.remittance_id, Entry.segment_position, func.sum(Entry.amount_cents))
            .where(
                Entry.remittance_id.in_(remittance_ids),
                Entry.kind == EntryKind.UNAPPLIED,
                side == account,
                not_reversed,
            )
            .group_by(Entry.remittance_id, Entry.segment_position)
        )
        for remittance_id, position, total in rows:
            key = (remittance_id, position)
            found[key] = found.get(key, 0) + sign * int(total)
    return found


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in (text or "").split(",") if part.strip().isdigit())


# ---------------------------------------------------------------------- applying by hand


def apply_unapplied(
    session: Session, *, practice_id: int, item_id: int, claim_id: int, actor: str, today: date
) -> Applied:
    """Apply an unapplied claim payment to the claim a person chose: reverse its unapplied
    cash entry, post the claim payment through the normal path, close the item (all or
    nothing; InvalidInput or StateError says why not)."""
    item = session.scalar(
        select(ReworkItem)
        .where(ReworkItem.id == item_id, ReworkItem.practice_id == practice_id)
        .with_for_update()
    )
    if item is None:
        raise NotFound(f"rework item {item_id} not found")
    if item.status is ItemStatus.CLOSED:
        raise StateError(
            f"rework item {item_id} is closed ({item.closing_action or 'no action'}); "
            "nothing to apply"
        )
    position = item.segment_position
    remittance = (
        _remittance(session, practice_id, item.remittance_id) if item.remittance_id else None
    )
    if remittance is not None and remittance.status is RemittanceStatus.HELD:
        raise InvalidInput(
            f"rework item {item_id}: remittance {remittance.id} is held whole; release it "
            "(claims remittance release) instead"
        )
    if (
        remittance is None
        or position is None
        or item.source not in _CLAIM_SOURCES
        or not item.codes.startswith(CLAIM_CODES_PREFIX)
    ):
        raise InvalidInput(
            f"rework item {item_id}: not an unapplied claim payment (source {item.source.value}, "
            f"codes {item.codes.split(' ')[0]}); only those are applied by hand"
        )
    chosen = session.scalar(
        select(Claim.id).where(Claim.id == claim_id, Claim.practice_id == practice_id)
    )
    if chosen is None:
        raise InvalidInput(f"claim_id: claim {claim_id} is not in this practice")
    applied_before = session.scalar(
        select(Adjudication.claim_id).where(
            Adjudication.remittance_id == remittance.id,
            Adjudication.segment_position == position,
            Adjudication.claim_line_id.is_(None),
        )
    )
    if applied_before is not None:
        raise StateError(
            f"rework item {item_id}: this claim payment was already applied to claim "
            f"{applied_before}"
        )
    entries = _unapplied_entries(session, remittance.id, position)
    if len(entries) > 1:
        raise InvalidInput(
            f"rework item {item_id}: {len(entries)} unapplied cash entries at segment "
            f"{position}; expected one"
        )
    clearing = ledger.account(session, practice_id=practice_id, kind=AccountKind.ERA_CLEARING)
    expected = sum(e.amount_cents if e.debit_account_id == clearing else -e.amount_cents
                   for e in entries)  # fmt: skip
    place = f"rework item {item_id} (remittance {remittance.id}, segment {position})"
    savepoint = session.begin_nested()
    try:
        reversal_ids = [
            _reverse(session, practice_id, e, actor=actor, today=today,
                     memo=f"applied by hand to claim {claim_id} (rework item {item_id})")
            for e in entries
        ]  # fmt: skip
        totals, _ = era.repost(
            session, remittance=remittance, actor=actor, today=today, chosen={position: claim_id}
        )
        if totals.claims != 1:
            raise InvalidInput(f"{place}: no claim payment (CLP) there in the stored file")
        if totals.matched != 1:
            why = totals.exceptions[0] if totals.exceptions else "it does not fit"
            raise InvalidInput(
                f"{place}: cannot be applied to claim {claim_id}: {why}; nothing changed"
            )
        if totals.applied_cents != expected:
            raise InvalidInput(
                f"{place}: the claim payment pays {money(totals.applied_cents)} but "
                f"{money(expected)} is in unapplied cash for it; nothing changed"
            )
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    _close(
        session, item, action=APPLIED, actor=actor,
        text=f"applied {money(expected)} to claim {claim_id}"
        + (f"; unapplied cash entry {entries[0].id} reversed by entry {reversal_ids[0]}"
           if entries else ""),
    )  # fmt: skip
    if item.claim_id is None:
        item.claim_id = claim_id
    session.flush()
    result = Applied(
        item_id=item.id, claim_id=claim_id, remittance_id=remittance.id,
        segment_position=position, applied_cents=expected,
        reversal_entry_id=reversal_ids[0] if reversal_ids else None,
        rework_items=totals.rework_items,
    )  # fmt: skip
    session.expire_all()  # the posting moved claims with Core statements
    return result


# ---------------------------------------------------------------------- releasing a hold


def describe_held(session: Session, *, practice_id: int, remittance_id: int) -> str:
    """What a person confirms before releasing a held remittance (StateError if not held)."""
    remittance = _remittance(session, practice_id, remittance_id)
    _require_held(remittance)
    hold = _hold_items(session, remittance.id)
    why = hold[0].summary if hold else "it did not balance"
    return (
        f"remittance {remittance.id} (trace {remittance.trace_number}, "
        f"{remittance.claim_count} claims, payment {money(remittance.payment_cents)}, "
        f"provider adjustments {money(remittance.provider_adjustment_cents)}) is held: {why}"
    )


def release_remittance(
    session: Session, *, practice_id: int, remittance_id: int, actor: str, today: date
) -> Released:
    """Release a held remittance a person confirmed: reverse the hold, post its claims and PLB
    through the normal path, leave BPR02 - (claims - PLB) in unapplied cash with a rework
    item, and mark it released."""
    remittance = session.scalar(
        select(Remittance)
        .where(Remittance.id == remittance_id, Remittance.practice_id == practice_id)
        .with_for_update()
    )
    if remittance is None:
        raise NotFound(f"remittance {remittance_id} not found")
    _require_held(remittance)
    holds = _unapplied_entries(session, remittance.id, None)
    items = _hold_items(session, remittance.id)
    position = (
        holds[0].segment_position
        if holds
        else items[0].segment_position
        if items
        else remittance.position
    )
    for entry in holds:
        _reverse(session, practice_id, entry, actor=actor, today=today,
                 memo=f"held remittance {remittance.id} released")  # fmt: skip
    totals, end = era.repost(session, remittance=remittance, actor=actor, today=today)
    accounts = era.Accounts.of(session, practice_id)
    net = _clearing_net(session, accounts.clearing, remittance.id)
    left_item: ReworkItem | None = None
    if net:
        # Clearing holds what BPR02 does not explain: cash beyond the claims (net < 0) waits
        # in unapplied cash; claims beyond the cash (net > 0) leave unapplied cash owing.
        debit, credit = (
            (accounts.unapplied, accounts.clearing) if net > 0 else (accounts.clearing,
                                                                     accounts.unapplied)
        )  # fmt: skip
        ledger.post(
            session, practice_id=practice_id,
            postings=[
                ledger.Posting(
                    debit_account_id=debit, credit_account_id=credit, amount_cents=abs(net),
                    kind=EntryKind.UNAPPLIED, posting_date=today, actor=actor[:80],
                    deposit_date=remittance.payment_date,
                    source_file_id=remittance.source_file_id, remittance_id=remittance.id,
                    segment_position=position,
                    memo="BPR02 against claims less provider adjustments, left on release",
                )
            ],
        )  # fmt: skip
        left = -net
        summary = (
            f"remittance {remittance.id} (trace {remittance.trace_number}) released: payment "
            f"{money(remittance.payment_cents)} against claims paid "
            f"{money(end.claim_paid_cents)} less provider adjustments "
            f"{money(end.provider_adjustment_cents)}; {money(left)} is left in unapplied "
            + (
                "cash: refund it or ask the payer what it pays"
                if left > 0
                else "cash (more was applied than paid): ask the payer for the difference"
            )
        )
        left_item = ReworkItem(
            practice_id=practice_id, source_file_id=remittance.source_file_id,
            remittance_id=remittance.id, segment_position=position, source=Source.REMIT_835,
            category=Category.OTHER, codes=HOLD_CODES, summary=summary, amount_cents=abs(left),
            priority=priority(amount_cents=abs(left), deadline=None, today=today),
        )  # fmt: skip
        session.add(left_item)
    applied = f"released by a person; {totals.matched} of {totals.claims} claims applied"
    for item in items:
        _close(session, item, action=RELEASED, actor=actor, text=applied)
    remittance.status = RemittanceStatus.RELEASED
    remittance.applied_count = totals.matched
    remittance.unapplied_count = totals.unmatched
    remittance.applied_cents = totals.applied_cents
    remittance.unapplied_cents = totals.unapplied_cents - net
    session.flush()
    result = Released(
        remittance_id=remittance.id, claims=totals.claims, matched=totals.matched,
        unmatched=totals.unmatched, applied_cents=totals.applied_cents,
        provider_adjustment_cents=end.provider_adjustment_cents, left_cents=-net,
        unapplied_cents=totals.unapplied_cents - net,
        left_item_id=left_item.id if left_item else None,
        rework_items=totals.rework_items + (1 if left_item else 0),
    )  # fmt: skip
    session.expire_all()  # the posting moved claims with Core statements
    return result


# ---------------------------------------------------------------------- shared steps


def _remittance(session: Session, practice_id: int, remittance_id: int) -> Remittance:
    remittance = session.get(Remittance, remittance_id)
    if remittance is None or remittance.practice_id != practice_id:
        raise NotFound(f"remittance {remittance_id} not found")
    return remittance


def _require_held(remittance: Remittance) -> None:
    if remittance.status is not RemittanceStatus.HELD:
        raise StateError(
            f"remittance {remittance.id} is {remittance.status.value}: only a held remittance "
            "is released"
        )


def _hold_items(session: Session, remittance_id: int) -> list[ReworkItem]:
    return list(
        session.scalars(
            select(ReworkItem)
            .where(
                ReworkItem.remittance_id == remittance_id,
                ReworkItem.codes == HOLD_CODES,
                ReworkItem.status.in_(_OPEN),
            )
            .order_by(ReworkItem.id)
        )
    )


def _unapplied_entries(session: Session, remittance_id: int, position: int | None) -> list[Entry]:
    """The remittance's UNAPPLIED entries not reversed (at one segment, when given)."""
    reversal = aliased(Entry)
    query = select(Entry).where(
        Entry.remittance_id == remittance_id,
        Entry.kind == EntryKind.UNAPPLIED,
        ~select(reversal.id).where(reversal.reverses_entry_id == Entry.id).exists(),
    )
    if position is not None:
        query = query.where(Entry.segment_position == position)
    return list(session.scalars(query.order_by(Entry.id)))


def _reverse(
    session: Session, practice_id: int, entry: Entry, *, actor: str, today: date, memo: str
) -> int:
    """The entry that undoes this one exactly, kept on its remittance and segment."""
    return ledger.post(
        session, practice_id=practice_id,
        postings=[
            ledger.Posting(
                debit_account_id=entry.credit_account_id,
                credit_account_id=entry.debit_account_id, amount_cents=entry.amount_cents,
                kind=EntryKind.REVERSAL, posting_date=today, actor=actor[:80],
                charge_line_id=entry.charge_line_id, claim_id=entry.claim_id,
                service_date=entry.service_date, deposit_date=entry.deposit_date,
                source_file_id=entry.source_file_id, remittance_id=entry.remittance_id,
                segment_position=entry.segment_position, memo=memo,
                reverses_entry_id=entry.id,
            )
        ],
    )[0]  # fmt: skip


def _clearing_net(session: Session, clearing: int, remittance_id: int) -> int:
    """Debits minus credits of ERA clearing over the remittance's entries."""
    net = 0
    for side, sign in ((Entry.debit_account_id, 1), (Entry.credit_account_id, -1)):
        total = session.scalar(
            select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
                Entry.remittance_id == remittance_id, side == clearing
            )
        )
        net += sign * int(total or 0)
    return net


def _close(session: Session, item: ReworkItem, *, action: str, actor: str, text: str) -> None:
    item.status = ItemStatus.CLOSED
    item.closed_at = utcnow()
    item.closing_action = action
    session.add(ReworkNote(item_id=item.id, author=actor[:80], kind="action", text=text))


__all__ = [
    "Applied",
    "Released",
    "UnappliedItem",
    "apply_unapplied",
    "describe_held",
    "list_unapplied",
    "release_remittance",
    "unapplied_balance",
]
