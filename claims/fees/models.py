"""Tables of fee schedules (charge master, base and payer contract schedules) and their rates."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow


class ScheduleKind(enum.StrEnum):
    """What a schedule prices."""

    CHARGE_MASTER = "charge_master"  # what the practice charges (one per practice)
    BASE = "base"  # a reference schedule contracts are a percentage of (e.g. "medicare")
    CONTRACT = "contract"  # what one payer agreed to allow (one per payer)


class FeeSchedule(Base):
    """A named price list of a practice; a contract one belongs to a payer."""

    __tablename__ = "fee_schedules"
    __table_args__ = (
        UniqueConstraint("practice_id", "name"),
        UniqueConstraint("practice_id", "payer_id"),
        CheckConstraint("base_percent_hundredths > 0", name="base_percent_positive"),
        CheckConstraint("tolerance_cents >= 0", name="tolerance_not_negative"),
        CheckConstraint("tolerance_hundredths >= 0", name="tolerance_percent_not_negative"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[ScheduleKind] = mapped_column(str_enum(ScheduleKind, "schedule_kind"))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))  # contract only
    # A contract's rates given as a percentage are of this schedule; a code the contract does
    # not list is allowed at base_percent_hundredths of it (12000 = 120%) when that is set.
    base_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))
    base_percent_hundredths: Mapped[int | None]
    # A line is underpaid only when the shortfall exceeds both: whole cents and hundredths of a
    # percent of the expected allowed amount (100 = 1%).
    tolerance_cents: Mapped[Cents] = mapped_column(default=100)
    tolerance_hundredths: Mapped[int] = mapped_column(default=100)
    source: Mapped[str] = mapped_column(String(200))  # the file it was imported from
    actor: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeeRate(Base):
    """One procedure code (and modifier, '' for none) of a schedule: an amount per unit, or a
    percentage of the base schedule's rate for the same code."""

    __tablename__ = "fee_rates"
    __table_args__ = (
        UniqueConstraint("schedule_id", "procedure_code", "modifier"),
        CheckConstraint(
            "(amount_cents IS NULL) <> (percent_hundredths IS NULL)", name="amount_or_percent"
        ),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("percent_hundredths > 0", name="percent_positive"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(5))
    modifier: Mapped[str] = mapped_column(String(2), default="")
    amount_cents: Mapped[Cents | None]
    percent_hundredths: Mapped[int | None]
