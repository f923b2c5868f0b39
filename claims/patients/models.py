"""Tables of patients and coverages. Every column here but IDs and codes is PHI."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, IdType, str_enum, utcnow
from claims.practice.models import Address


class Sex(enum.StrEnum):
    """DMG03 administrative sex."""

    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class CoverageOrder(enum.StrEnum):
    """Which payer is billed first; SBR01 P, S, T."""

    PRIMARY = "P"
    SECONDARY = "S"
    TERTIARY = "T"


class Relationship(enum.StrEnum):
    """Patient to subscriber: the X12 individual relationship code (SBR02 / PAT01)."""

    SELF = "18"
    SPOUSE = "01"
    CHILD = "19"
    OTHER = "G8"


class Patient(Address, Base):
    """A person who receives care."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("practice_id", "account_number"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    account_number: Mapped[str] = mapped_column(String(20))  # the practice's own patient number
    last_name: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str] = mapped_column(String(35))
    middle_name: Mapped[str | None] = mapped_column(String(25))
    birth_date: Mapped[date]
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Coverage(Base):
    """A patient's insurance with one payer, in a coordination-of-benefits order."""

    __tablename__ = "coverages"
    __table_args__ = (
        CheckConstraint(
            "relationship = '18' OR subscriber_last_name IS NOT NULL", name="subscriber_named"
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    order: Mapped[CoverageOrder] = mapped_column(str_enum(CoverageOrder, "coverage_order"))
    member_id: Mapped[str] = mapped_column(String(80))  # the subscriber's ID card number
    group_number: Mapped[str | None] = mapped_column(String(50))
    relationship: Mapped[Relationship] = mapped_column(
        str_enum(Relationship, "relationship"), default=Relationship.SELF
    )
    # A dependent with a member ID of their own is billed as the subscriber (no loop 2000C).
    # Off unless said: sending a dependent as the subscriber under a parent's ID is rejected
    # by payers as "member not found", while the 2000C loop is always accepted.
    patient_has_own_member_id: Mapped[bool] = mapped_column(default=False)
    subscriber_last_name: Mapped[str | None] = mapped_column(String(60))
    subscriber_first_name: Mapped[str | None] = mapped_column(String(35))
    subscriber_birth_date: Mapped[date | None]
    subscriber_sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, "subscriber_sex"))
    effective_from: Mapped[date | None]
    effective_to: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
