"""Opening rework items and their priority (the queue and its actions: queue.py, actions.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from claims.rework.models import Category, ReworkItem, Source

REOPENING = "REOPENING"  # the codes of a task opened where the payer takes no frequency 7/8


def priority(*, amount_cents: int, deadline: date | None, today: date) -> int:
    """Higher for more dollars and fewer days left: dollars at stake weighted by urgency."""
    dollars = max(amount_cents, 0) // 100
    if deadline is None:
        return dollars
    days_left = (deadline - today).days
    urgency = 4 if days_left <= 7 else 3 if days_left <= 30 else 2 if days_left <= 90 else 1
    return dollars * urgency


def open_item(
    session: Session,
    *,
    practice_id: int,
    source: Source,
    category: Category,
    codes: str,
    summary: str,
    amount_cents: int,
    today: date,
    claim_id: int | None = None,
    deadline: date | None = None,
    source_file_id: int | None = None,
) -> ReworkItem:
    """A new open rework item with its priority computed."""
    item = ReworkItem(
        practice_id=practice_id,
        claim_id=claim_id,
        source_file_id=source_file_id,
        source=source,
        category=category,
        codes=codes,
        summary=summary,
        amount_cents=amount_cents,
        deadline=deadline,
        priority=priority(amount_cents=amount_cents, deadline=deadline, today=today),
    )
    session.add(item)
    session.flush()
    return item
