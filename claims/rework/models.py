"""Tables of rework items and their history."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow
from coding.remit import Category  # the routing categories, shared with the scrubber


class Source(enum.StrEnum):
    """What raised the item."""

    SCRUBBER = "scrubber"
    ACK_999 = "999"
    ACK_277CA = "277CA"
    REMIT_835 = "835"
    UNMATCHED_REMITTANCE = "unmatched_remittance"
    FOLLOW_UP = "follow_up"
    STATE = "state"  # an event arrived in an unexpected order


class ItemStatus(enum.StrEnum):
    """Whether someone still has to act."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class ReworkItem(Base):
    """A problem on a claim or a remittance, with the codes, dollars and deadline."""

    __tablename__ = "rework_items"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # For remittance problems: the payment and the CLP (or BPR) the item is about, and the
    # claims a person is asked to choose from when matching found several or none for sure.
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittances.id"), index=True)
    segment_position: Mapped[int | None]
    suggested_claim_ids: Mapped[str | None] = mapped_column(String(200))  # "12,15"
    source: Mapped[Source] = mapped_column(str_enum(Source, "source"))
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    codes: Mapped[str] = mapped_column(String(200))  # edit ID, IK3/IK4, STC, CAS, RARC
    summary: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[Cents] = mapped_column(default=0)
    deadline: Mapped[date | None]
    priority: Mapped[int] = mapped_column(default=0)
    status: Mapped[ItemStatus] = mapped_column(
        str_enum(ItemStatus, "item_status"), default=ItemStatus.OPEN, index=True
    )
    assignee: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closing_action: Mapped[str | None] = mapped_column(String(40))


class ReworkNote(Base):
    """A note or history step on an item: who, when, what."""

    __tablename__ = "rework_notes"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rework_items.id"), index=True)
    author: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # note, assigned, action, ...
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appeal(Base):
    """An appeal filed for a denied or underpaid claim, with its letter and its dates."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rework_items.id"), index=True)
    level: Mapped[int] = mapped_column(SmallInteger)  # 1 for the first appeal of the claim
    filed_on: Mapped[date]
    deadline: Mapped[date | None]  # the last day the payer takes it (the item's deadline)
    answer_due: Mapped[date]  # when follow-up asks the payer for an answer
    amount_cents: Mapped[Cents]  # what is appealed
    reason: Mapped[str] = mapped_column(Text)
    letter_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
