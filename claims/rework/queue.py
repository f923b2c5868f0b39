"""The rework queue as people work it: filtered lists, one item with its history, assignment
and notes. Closing an item is an action (claims.rework.actions), never a note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.errors import InvalidInput, NotFound, StateError
from claims.money import to_decimal
from claims.practice.models import Payer
from claims.rework.models import Category, ItemStatus, ReworkItem, ReworkNote, Source

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
UNASSIGNED = "-"  # the assignee filter for items nobody has taken

# History kinds of an item's notes.
NOTE = "note"
ASSIGNED = "assigned"
ACTION = "action"


@dataclass(frozen=True, slots=True)
class Filters:
    """What a person narrows the queue to; every field is optional."""

    category: Category | None = None
    source: Source | None = None
    statuses: tuple[ItemStatus, ...] = OPEN_STATUSES
    payer_code: str | None = None
    assignee: str | None = None  # a name, or UNASSIGNED
    claim_id: int | None = None
    min_age_days: int | None = None
    min_amount_cents: int | None = None
    max_amount_cents: int | None = None
    deadline_before: date | None = None  # due on or before this day


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One item as the queue lists it."""

    item_id: int
    status: str
    category: str
    source: str
    codes: str
    summary: str
    amount_cents: int
    priority: int
    deadline: date | None
    days_left: int | None
    age_days: int
    assignee: str | None
    claim_id: int | None
    patient_control_number: str | None
    claim_state: str | None
    payer_code: str | None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings, dates ISO."""
        return {
            "item_id": self.item_id,
            "status": self.status,
            "category": self.category,
            "source": self.source,
            "codes": self.codes,
            "summary": self.summary,
            "amount": str(to_decimal(self.amount_cents)),
            "priority": self.priority,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "days_left": self.days_left,
            "age_days": self.age_days,
            "assignee": self.assignee,
            "claim_id": self.claim_id,
            "patient_control_number": self.patient_control_number,
            "claim_state": self.claim_state,
            "payer": self.payer_code,
        }


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """A note, an assignment or an action on an item."""

    kind: str
    author: str
    text: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"kind": self.kind, "author": self.author, "text": self.text, "at": self.at}


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """One item with its history."""

    row: QueueRow
    closing_action: str | None
    closed_at: datetime | None
    remittance_id: int | None
    history: list[HistoryStep] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            **self.row.as_json(),
            "closing_action": self.closing_action,
            "closed_at": self.closed_at,
            "remittance_id": self.remittance_id,
            "history": [h.as_json() for h in self.history],
        }


def list_items(
    session: Session,
    *,
    practice_id: int,
    filters: Filters,
    today: date,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[QueueRow]]:
    """The items that pass the filters, most urgent first (priority, then deadline), and how
    many there are in all."""
    query = _filtered(practice_id, filters, today)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(
        ReworkItem.priority.desc(),
        ReworkItem.deadline.is_(None),
        ReworkItem.deadline,
        ReworkItem.id,
    )
    rows = session.execute(ordered.limit(limit).offset(offset))
    return total, [_row(item, pcn, state, payer, today) for item, pcn, state, payer in rows]


def item_detail(session: Session, *, practice_id: int, item_id: int, today: date) -> ItemDetail:
    """One item with its notes, assignments and actions, oldest first."""
    found = session.execute(_base(practice_id).where(ReworkItem.id == item_id)).one_or_none()
    if found is None:
        raise NotFound(f"rework item {item_id} not found")
    item, pcn, state, payer = found
    notes = session.scalars(
        select(ReworkNote).where(ReworkNote.item_id == item_id).order_by(ReworkNote.id)
    )
    return ItemDetail(
        row=_row(item, pcn, state, payer, today),
        closing_action=item.closing_action,
        closed_at=item.closed_at,
        remittance_id=item.remittance_id,
        history=[HistoryStep(n.kind, n.author, n.text, n.created_at) for n in notes],
    )


def assign(
    session: Session, *, practice_id: int, item_id: int, assignee: str | None, actor: str
) -> ReworkItem:
    """Give an open item to someone (in progress), or back to the queue (None)."""
    item = open_item_for_update(session, practice_id=practice_id, item_id=item_id)
    name = (assignee or "").strip() or None
    if name is not None and (len(name) > 80 or name == UNASSIGNED):
        raise InvalidInput("assignee: a name of 1 to 80 characters")
    before = item.assignee
    item.assignee = name
    item.status = ItemStatus.IN_PROGRESS if name else ItemStatus.OPEN
    text = f"assigned to {name}" if name else "returned to the queue"
    if before:
        text += f" (was {before})"
    session.add(ReworkNote(item_id=item.id, author=actor, kind=ASSIGNED, text=text))
    session.flush()
    return item


def add_note(
    session: Session, *, practice_id: int, item_id: int, text: str, actor: str
) -> ReworkNote:
    """A note on an item (open or closed); it never closes the item."""
    item = session.scalar(
        select(ReworkItem).where(ReworkItem.id == item_id, ReworkItem.practice_id == practice_id)
    )
    if item is None:
        raise NotFound(f"rework item {item_id} not found")
    body = text.strip()
    if not body:
        raise InvalidInput("text: a note needs some text")
    note = ReworkNote(item_id=item.id, author=actor, kind=NOTE, text=body[:4000])
    session.add(note)
    session.flush()
    return note


def open_item_for_update(session: Session, *, practice_id: int, item_id: int) -> ReworkItem:
    """An item still to be worked, locked for the caller's change; StateError when closed."""
    item = session.scalar(
        select(ReworkItem)
        .where(ReworkItem.id == item_id, ReworkItem.practice_id == practice_id)
        .with_for_update()
    )
    if item is None:
        raise NotFound(f"rework item {item_id} not found")
    if item.status not in OPEN_STATUSES:
        raise StateError(
            f"rework item {item_id} is closed ({item.closing_action or 'no action'}); nothing to do"
        )
    return item


def _base(practice_id: int) -> Select[tuple[ReworkItem, str, ClaimState, str]]:
    return (
        select(ReworkItem, Claim.patient_control_number, Claim.state, Payer.payer_code)
        .outerjoin(Claim, Claim.id == ReworkItem.claim_id)
        .outerjoin(Payer, Payer.id == Claim.payer_id)
        .where(ReworkItem.practice_id == practice_id)
    )


def _filtered(
    practice_id: int, f: Filters, today: date
) -> Select[tuple[ReworkItem, str, ClaimState, str]]:
    query = _base(practice_id)
    if f.statuses:
        query = query.where(ReworkItem.status.in_([s.value for s in f.statuses]))
    if f.category is not None:
        query = query.where(ReworkItem.category == f.category)
    if f.source is not None:
        query = query.where(ReworkItem.source == f.source)
    if f.payer_code is not None:
        query = query.where(Payer.payer_code == f.payer_code)
    if f.assignee == UNASSIGNED:
        query = query.where(ReworkItem.assignee.is_(None))
    elif f.assignee is not None:
        query = query.where(ReworkItem.assignee == f.assignee)
    if f.claim_id is not None:
        query = query.where(ReworkItem.claim_id == f.claim_id)
    if f.min_age_days is not None:
        cutoff = datetime.combine(
            today - timedelta(days=f.min_age_days), datetime.max.time(), tzinfo=UTC
        )
        query = query.where(ReworkItem.created_at <= cutoff)
    if f.min_amount_cents is not None:
        query = query.where(ReworkItem.amount_cents >= f.min_amount_cents)
    if f.max_amount_cents is not None:
        query = query.where(ReworkItem.amount_cents <= f.max_amount_cents)
    if f.deadline_before is not None:
        query = query.where(ReworkItem.deadline <= f.deadline_before)
    return query


def _row(
    item: ReworkItem,
    pcn: str | None,
    state: ClaimState | None,
    payer: str | None,
    today: date,
) -> QueueRow:
    return QueueRow(
        item_id=item.id,
        status=item.status.value,
        category=item.category.value,
        source=item.source.value,
        codes=item.codes,
        summary=item.summary,
        amount_cents=item.amount_cents,
        priority=item.priority,
        deadline=item.deadline,
        days_left=(item.deadline - today).days if item.deadline else None,
        age_days=max((today - item.created_at.astimezone(UTC).date()).days, 0),
        assignee=item.assignee,
        claim_id=item.claim_id,
        patient_control_number=pcn,
        claim_state=state.value if state else None,
        payer_code=payer,
    )


__all__ = [
    "ASSIGNED",
    "NOTE",
    "OPEN_STATUSES",
    "UNASSIGNED",
    "Filters",
    "HistoryStep",
    "ItemDetail",
    "QueueRow",
    "add_note",
    "assign",
    "item_detail",
    "list_items",
    "open_item_for_update",
]
