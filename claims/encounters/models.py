"""Tables of encounters, diagnoses and charge lines."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from claims.base import Base, Cents, IdType, str_enum, utcnow


class ClaimKind(enum.StrEnum):
    """Professional (837P) or institutional (837I)."""

    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"


class Encounter(Base):
    """A visit or stay: who was seen, by whom, where, and what was found and done."""

    __tablename__ = "encounters"
    __table_args__ = (UniqueConstraint("practice_id", "external_ref"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(50))  # the source system's key
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    billing_provider_id: Mapped[int] = mapped_column(ForeignKey("billing_providers.id"))
    rendering_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    referring_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    kind: Mapped[ClaimKind] = mapped_column(
        str_enum(ClaimKind, "claim_kind"), default=ClaimKind.PROFESSIONAL
    )
    place_of_service: Mapped[str] = mapped_column(String(2))
    service_date: Mapped[date]
    prior_authorization: Mapped[str | None] = mapped_column(String(50))  # REF*G1
    clia_number: Mapped[str | None] = mapped_column(String(10))  # REF*X4 for lab work
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))  # 2310C/E
    # Institutional (837I) only.
    attending_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    type_of_bill: Mapped[str | None] = mapped_column(String(3))  # e.g. 131; frequency comes later
    statement_to: Mapped[date | None]  # statement period ends (starts at service_date)
    admission_at: Mapped[datetime | None]  # DTP*435, inpatient
    admission_type: Mapped[str | None] = mapped_column(String(1))  # CL101
    admission_source: Mapped[str | None] = mapped_column(String(1))  # CL102
    patient_status: Mapped[str | None] = mapped_column(String(2))  # CL103 discharge status
    admitting_diagnosis: Mapped[str | None] = mapped_column(String(8))  # HI*ABJ
    # HI*APR, up to 3 codes without dots, comma-separated; required on outpatient 837Is.
    reason_for_visit: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    diagnoses: Mapped[list[Diagnosis]] = relationship(
        order_by="Diagnosis.position", cascade="all, delete-orphan"
    )
    lines: Mapped[list[ChargeLine]] = relationship(order_by="ChargeLine.line_number")


class Diagnosis(Base):
    """An ICD-10-CM code of an encounter, in order (position 1 is the principal)."""

    __tablename__ = "diagnoses"
    __table_args__ = (
        UniqueConstraint("encounter_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 25", name="position_range"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(8))  # stored without the dot
    present_on_admission: Mapped[str | None] = mapped_column(String(1))  # 837I only


class ChargeLine(Base):
    """One service billed: the unit of A/R, shared by every claim that carries it."""

    __tablename__ = "charge_lines"
    __table_args__ = (
        UniqueConstraint("encounter_id", "line_number"),
        CheckConstraint("charge_cents >= 0", name="charge_not_negative"),
        CheckConstraint("units_thousandths > 0", name="units_positive"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    line_number: Mapped[int] = mapped_column(SmallInteger)
    service_date: Mapped[date]
    place_of_service: Mapped[str | None] = mapped_column(String(2))  # when it differs
    procedure_code: Mapped[str] = mapped_column(String(5))  # CPT or HCPCS
    modifier1: Mapped[str | None] = mapped_column(String(2))
    modifier2: Mapped[str | None] = mapped_column(String(2))
    modifier3: Mapped[str | None] = mapped_column(String(2))
    modifier4: Mapped[str | None] = mapped_column(String(2))
    revenue_code: Mapped[str | None] = mapped_column(String(4))  # 837I
    units_thousandths: Mapped[int] = mapped_column(default=1000)
    charge_cents: Mapped[Cents]
    # Pointers into the encounter's diagnoses (837P: 1 to 4 of them, first is primary).
    pointer1: Mapped[int | None] = mapped_column(SmallInteger)
    pointer2: Mapped[int | None] = mapped_column(SmallInteger)
    pointer3: Mapped[int | None] = mapped_column(SmallInteger)
    pointer4: Mapped[int | None] = mapped_column(SmallInteger)
    ndc: Mapped[str | None] = mapped_column(String(11))  # LIN/CTP for drugs
    ndc_quantity_thousandths: Mapped[int | None]
    ndc_unit: Mapped[str | None] = mapped_column(String(2))  # F2, GR, ME, ML, UN
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def modifiers(self) -> list[str]:
        """The modifiers in order, without the empty slots."""
        return [m for m in (self.modifier1, self.modifier2, self.modifier3, self.modifier4) if m]

    @property
    def pointers(self) -> list[int]:
        """The diagnosis pointers in order, without the empty slots."""
        slots = (self.pointer1, self.pointer2, self.pointer3, self.pointer4)
        return [p for p in slots if p is not None]
