"""Table of patient payments (the ledger entries carry the money, allocated per line)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow


class Method(enum.StrEnum):
    """How the patient paid."""

    CASH = "cash"
    CHECK = "check"
    CARD = "card"
    OTHER = "other"


class PatientPayment(Base):
    """Money a patient paid, known by its reference (receipt or check number): the same
    reference with the same figures is the same payment, posted once."""

    __tablename__ = "patient_payments"
    __table_args__ = (
        UniqueConstraint("practice_id", "reference"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    amount_cents: Mapped[Cents]
    received_on: Mapped[date]
    method: Mapped[Method] = mapped_column(str_enum(Method, "payment_method"))
    reference: Mapped[str] = mapped_column(String(80))
    request_hash: Mapped[str] = mapped_column(String(64))  # of what was asked: a replay check
    applied_cents: Mapped[Cents]  # to open balances
    credit_cents: Mapped[Cents]  # more than the patient owed: a credit balance to refund
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
