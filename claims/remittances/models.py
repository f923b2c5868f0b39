"""Tables of remittances (one per 835 transaction set or paper EOB) and bank deposits."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow


class RemittanceKind(enum.StrEnum):
    """Where the remittance came from."""

    ERA = "era"  # an 835 transaction set
    MANUAL = "manual"  # a paper EOB or a check, entered by a person


class RemittanceStatus(enum.StrEnum):
    """What posting did with it."""

    POSTED = "posted"  # every claim it could apply is applied; the rest is in unapplied cash
    HELD = "held"  # BPR02 did not balance: the whole payment waits in unapplied cash
    RELEASED = "released"  # a person released a held payment and it was posted


class Remittance(Base):
    """One payment to one payee (an 835 ST..SE, or a paper EOB) and what its posting did."""

    __tablename__ = "remittances"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    kind: Mapped[RemittanceKind] = mapped_column(str_enum(RemittanceKind, "remittance_kind"))
    # Its idempotency record (TRN03 + TRN02 + payee): the same payment is posted once.
    inbound_transaction_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_transactions.id"), unique=True
    )
    source_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    position: Mapped[int]  # of the ST in its file (1 for a paper EOB)
    control_number: Mapped[str] = mapped_column(String(9))  # ST02
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    payer_identifier: Mapped[str] = mapped_column(String(80))  # TRN03 (or N1*PR N104)
    trace_number: Mapped[str] = mapped_column(String(80), index=True)  # TRN02: check / EFT
    payee_identifier: Mapped[str] = mapped_column(String(80))  # N1*PE N104
    method: Mapped[str] = mapped_column(String(3))  # BPR04: ACH, CHK, NON, ...
    payment_cents: Mapped[Cents]  # BPR02, negative for a debit
    payment_date: Mapped[date]  # BPR16
    status: Mapped[RemittanceStatus] = mapped_column(
        str_enum(RemittanceStatus, "remittance_status")
    )
    claim_count: Mapped[int]
    applied_count: Mapped[int]
    unapplied_count: Mapped[int]
    applied_cents: Mapped[Cents]  # claim payments applied to claims
    unapplied_cents: Mapped[Cents]  # left in unapplied cash
    provider_adjustment_cents: Mapped[Cents]  # sum of PLB
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposits.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Deposit(Base):
    """A bank deposit line (from the bank's CSV), reconciled to the remittances it pays."""

    __tablename__ = "deposits"
    __table_args__ = (UniqueConstraint("practice_id", "deposit_date", "amount_cents", "reference"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    deposit_date: Mapped[date]
    amount_cents: Mapped[Cents]
    reference: Mapped[str] = mapped_column(String(80))  # the EFT trace or check number
    description: Mapped[str | None] = mapped_column(String(200))
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
