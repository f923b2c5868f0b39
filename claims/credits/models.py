"""Table of refunds and payer recoupments that settle credit balances."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow


class RefundKind(enum.StrEnum):
    """How a credit balance is settled."""

    REFUND = "refund"  # we pay it back: refunds payable, then cash
    RECOUPMENT = "recoupment"  # the payer took it back on a remittance (PLB WO)


class Payee(enum.StrEnum):
    """Who the money goes back to: the party whose A/R holds the credit."""

    PATIENT = "patient"
    PAYER = "payer"


class RefundStatus(enum.StrEnum):
    """Where a refund stands."""

    PAYABLE = "payable"  # recorded: the credit is in refunds payable
    PAID = "paid"  # paid out of cash
    RECOUPED = "recouped"  # a recoupment: settled when it was matched


class Refund(Base):
    """A credit balance on one charge line settled by a refund or a payer recoupment."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    kind: Mapped[RefundKind] = mapped_column(str_enum(RefundKind, "refund_kind"))
    charge_line_id: Mapped[int] = mapped_column(ForeignKey("charge_lines.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))  # A/R in credit
    payee: Mapped[Payee] = mapped_column(str_enum(Payee, "payee"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    amount_cents: Mapped[Cents]
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus, "refund_status"))
    recorded_on: Mapped[date]
    paid_on: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(String(80))  # our check or transfer number
    reason: Mapped[str] = mapped_column(Text)
    # Ledger entry IDs, without foreign keys: a table referencing ledger_entries would make
    # PostgreSQL refuse a TRUNCATE for that reason before the append-only trigger could.
    # A recoupment: the PLB entry (payer's take-back) it was matched against.
    plb_entry_id: Mapped[int | None] = mapped_column(IdType, index=True)
    recorded_entry_id: Mapped[int | None] = mapped_column(IdType)  # to refunds payable / PLB
    paid_entry_id: Mapped[int | None] = mapped_column(IdType)  # refunds payable to cash
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
