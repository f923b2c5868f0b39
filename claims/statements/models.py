"""Tables of patient statements, the lines each carried, and collections flags."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.base import Base, Cents, IdType, str_enum, utcnow


class PatientStatement(Base):
    """One statement sent to a patient: what it said they owe, aged, and the PDF sent."""

    __tablename__ = "patient_statements"
    __table_args__ = (
        UniqueConstraint("patient_id", "statement_date"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    statement_date: Mapped[date]
    sent_on: Mapped[date | None]  # the day it went out (the run that made it)
    due_on: Mapped[date]
    sequence: Mapped[int]  # the patient's first, second, ... statement
    amount_due_cents: Mapped[Cents]
    insurance_pending_cents: Mapped[Cents]  # still with insurance on the same lines: not due
    aged_0_30_cents: Mapped[Cents]
    aged_31_60_cents: Mapped[Cents]
    aged_61_90_cents: Mapped[Cents]
    aged_91_120_cents: Mapped[Cents]
    aged_121_plus_cents: Mapped[Cents]
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[StatementLine]] = relationship(order_by="StatementLine.id")


class StatementLine(Base):
    """A charge line as one statement showed it (how many statements a balance has been on
    is counted from these rows)."""

    __tablename__ = "patient_statement_lines"
    __table_args__ = (UniqueConstraint("statement_id", "charge_line_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("patient_statements.id"), index=True)
    charge_line_id: Mapped[int] = mapped_column(ForeignKey("charge_lines.id"), index=True)
    charge_cents: Mapped[Cents]
    insurance_paid_cents: Mapped[Cents]
    insurance_adjusted_cents: Mapped[Cents]
    patient_paid_cents: Mapped[Cents]
    patient_adjusted_cents: Mapped[Cents]
    patient_balance_cents: Mapped[Cents]


class FlagStatus(enum.StrEnum):
    """Whether the account is still with collections."""

    OPEN = "open"
    CLOSED = "closed"  # the balance it was raised for is paid, written off or refunded


class CollectionFlag(Base):
    """A patient account flagged for collections: unpaid after the last statement cycle."""

    __tablename__ = "collection_flags"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    flagged_on: Mapped[date]
    amount_cents: Mapped[Cents]  # the balance past the last cycle when it was flagged
    statements: Mapped[int]  # statements its oldest line had been on
    first_statement_on: Mapped[date]
    rework_item_id: Mapped[int | None] = mapped_column(ForeignKey("rework_items.id"))
    status: Mapped[FlagStatus] = mapped_column(
        str_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN
    )
    closed_on: Mapped[date | None]
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
