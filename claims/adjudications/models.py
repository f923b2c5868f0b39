"""Tables of adjudications and their adjustments (filled from 835s by remittance/)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.base import Base, Cents, IdType, str_enum, utcnow
from coding.remit import GroupCode  # CAS01 group codes, shared with coding/


class Adjudication(Base):
    """A payer's decision on one claim version (claim_line_id empty) or one of its lines."""

    __tablename__ = "adjudications"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    coverage_id: Mapped[int] = mapped_column(ForeignKey("coverages.id"))
    status_code: Mapped[str] = mapped_column(String(2))  # CLP02
    charge_cents: Mapped[Cents]
    paid_cents: Mapped[Cents]
    allowed_cents: Mapped[Cents | None]
    patient_responsibility_cents: Mapped[Cents | None]
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))  # CLP07
    adjudicated_on: Mapped[date]  # DTM*405 or BPR16
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittances.id"), index=True)
    segment_position: Mapped[int | None]
    # How the remittance found the claim (CLP01, payer claim number, patient and service...)
    # and, for a line, the line (REF*6R, procedure, SVC06, allocated from the claim).
    match_rule: Mapped[str | None] = mapped_column(String(30))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("adjudications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    adjustments: Mapped[list[Adjustment]] = relationship(order_by="Adjustment.id")


class Adjustment(Base):
    """One CAS reason and amount of an adjudication."""

    __tablename__ = "adjustments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    adjudication_id: Mapped[int] = mapped_column(ForeignKey("adjudications.id"), index=True)
    group_code: Mapped[GroupCode] = mapped_column(str_enum(GroupCode, "group_code"))
    reason_code: Mapped[str] = mapped_column(String(5))  # CARC
    amount_cents: Mapped[Cents]
    quantity_thousandths: Mapped[int | None]
