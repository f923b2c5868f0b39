"""Tables of claim versions, their lines and every state transition."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.base import Base, Cents, IdType, str_enum, utcnow
from claims.claim.state import ClaimState
from claims.encounters.models import ClaimKind


class Frequency(enum.StrEnum):
    """CLM05-3 claim frequency code."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


class Claim(Base):
    """One claim version as sent (original, corrected, void, split part or secondary).

    It points at charge lines and owns no money: A/R lives on the charge lines in the ledger,
    so several versions of one claim never double it.
    """

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("practice_id", "patient_control_number"),
        CheckConstraint("total_charge_cents >= 0", name="total_not_negative"),
        # 835 matching falls back to CLP07, and a PLB names claims by it.
        Index("ix_claims_practice_id_payer_claim_number", "practice_id", "payer_claim_number"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    coverage_id: Mapped[int] = mapped_column(ForeignKey("coverages.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(str_enum(ClaimKind, "claim_kind"))
    # CLM01: at most 17 letters and digits, since payers truncate longer ones.
    patient_control_number: Mapped[str] = mapped_column(String(17))
    frequency: Mapped[Frequency] = mapped_column(
        str_enum(Frequency, "frequency"), default=Frequency.ORIGINAL
    )
    state: Mapped[ClaimState] = mapped_column(
        str_enum(ClaimState, "claim_state"), default=ClaimState.DRAFT, index=True
    )
    previous_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    # A claim to a later payer (secondary, tertiary) names the claim to the payer before it,
    # whose adjudication it carries in loops 2320/2330/2430. One claim is made per prior claim;
    # its corrected versions find the prior claim through previous_claim_id.
    prior_payer_claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id"), index=True, unique=True
    )
    # The day the payer's timely-filing limit runs from when it is not the date of service:
    # for a claim to a later payer, the remittance date of the payer before it.
    filing_from: Mapped[date | None]
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))  # CLP07 / REF*1K
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    total_charge_cents: Mapped[Cents]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    # Loaded with the claims in one extra query: every use of a claim needs its lines.
    lines: Mapped[list[ClaimLine]] = relationship(order_by="ClaimLine.line_number", lazy="selectin")


class ClaimLine(Base):
    """A charge line as it appears on one claim version, with its line item control number."""

    __tablename__ = "claim_lines"
    __table_args__ = (
        UniqueConstraint("claim_id", "line_number"),
        UniqueConstraint("practice_id", "line_control_number"),
        CheckConstraint("charge_cents >= 0", name="charge_not_negative"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    charge_line_id: Mapped[int] = mapped_column(ForeignKey("charge_lines.id"), index=True)
    line_number: Mapped[int] = mapped_column(SmallInteger)
    line_control_number: Mapped[str] = mapped_column(String(30))  # REF*6R
    charge_cents: Mapped[Cents]


class ClaimTransition(Base):
    """One step of a claim's history: the command or event, the state it led to, who and why."""

    __tablename__ = "claim_transitions"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # a Command or Event value
    from_state: Mapped[ClaimState] = mapped_column(str_enum(ClaimState, "from_state"))
    to_state: Mapped[ClaimState] = mapped_column(str_enum(ClaimState, "to_state"))
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    attention: Mapped[str | None] = mapped_column(Text)  # unexpected order, for a person
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    segment_position: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
