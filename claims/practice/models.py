"""Tables of a practice's master data."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, IdType, str_enum, utcnow


class ClaimKinds(enum.StrEnum):
    """Which 837 kinds a payer takes."""

    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"
    BOTH = "both"


class Usage(enum.StrEnum):
    """ISA15: test or production interchange."""

    TEST = "T"
    PRODUCTION = "P"


class Practice(Base):
    """A practice the engine bills for; a billing company serves several, and every record
    belongs to one."""

    __tablename__ = "practices"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Address:
    """Columns of a postal address (mixin)."""

    address1: Mapped[str] = mapped_column(String(55))
    address2: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(15))


class BillingProvider(Address, Base):
    """The organization (or person) that bills: loop 2010AA."""

    __tablename__ = "billing_providers"
    __table_args__ = (
        UniqueConstraint("practice_id", "npi"),
        CheckConstraint("length(npi) = 10", name="npi_length"),
        CheckConstraint("length(tin) = 9", name="tin_length"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    is_organization: Mapped[bool] = mapped_column(default=True)
    npi: Mapped[str] = mapped_column(String(10))
    tin: Mapped[str] = mapped_column(String(9))
    taxonomy: Mapped[str | None] = mapped_column(String(10))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(10))


class Provider(Base):
    """A rendering, referring or attending person, identified by NPI."""

    __tablename__ = "providers"
    __table_args__ = (
        UniqueConstraint("practice_id", "npi"),
        CheckConstraint("length(npi) = 10", name="npi_length"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    npi: Mapped[str] = mapped_column(String(10))
    last_name: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str | None] = mapped_column(String(35))
    taxonomy: Mapped[str | None] = mapped_column(String(10))


class Payer(Address, Base):
    """A health plan: its X12 payer ID and the rules that shape claims and deadlines."""

    __tablename__ = "payers"
    __table_args__ = (
        UniqueConstraint("practice_id", "payer_code"),
        CheckConstraint("timely_filing_days > 0", name="timely_filing_positive"),
        CheckConstraint("appeal_days > 0", name="appeal_days_positive"),
        CheckConstraint("wait_999_days > 0", name="wait_999_days_positive"),
        CheckConstraint("wait_277ca_days > 0", name="wait_277ca_days_positive"),
        CheckConstraint("follow_up_days > 0", name="follow_up_days_positive"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    payer_code: Mapped[str] = mapped_column(String(80))  # NM109 of loop 2010BB
    name: Mapped[str] = mapped_column(String(60))
    claim_kinds: Mapped[ClaimKinds] = mapped_column(
        str_enum(ClaimKinds, "claim_kinds"), default=ClaimKinds.BOTH
    )
    claim_filing_indicator: Mapped[str] = mapped_column(String(2))  # SBR09: MB, MC, CI, BL, ...
    timely_filing_days: Mapped[int] = mapped_column(default=365)
    appeal_days: Mapped[int] = mapped_column(default=120)
    accepts_replacement: Mapped[bool] = mapped_column(default=True)  # frequency 7 and 8
    accepts_edi: Mapped[bool] = mapped_column(default=True)  # else claims go on paper (CMS-1500)
    # Whole days after sending before a claim with no answer shows as heard nothing (the batch
    # view): a 999 comes from the clearinghouse's translator within a day or two, a 277CA once
    # the payer's front end has looked at the claim, within about a week.
    wait_999_days: Mapped[int] = mapped_column(default=2, server_default="2")
    wait_277ca_days: Mapped[int] = mapped_column(default=7, server_default="7")
    # Whole days after the payer acknowledged a claim before follow-up asks for its status
    # when no payment or denial came (most commercial payers adjudicate within 30 days).
    follow_up_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # The clearinghouse its claims go through (may be empty while the practice has only one).
    trading_partner_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))


class TradingPartner(Base):
    """A clearinghouse or payer we exchange files with: envelope identities and usage."""

    __tablename__ = "trading_partners"
    __table_args__ = (UniqueConstraint("practice_id", "name"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    sender_qualifier: Mapped[str] = mapped_column(String(2), default="ZZ")  # ISA05
    sender_id: Mapped[str] = mapped_column(String(15))  # ISA06
    receiver_qualifier: Mapped[str] = mapped_column(String(2), default="ZZ")  # ISA07
    receiver_id: Mapped[str] = mapped_column(String(15))  # ISA08
    application_sender: Mapped[str] = mapped_column(String(15))  # GS02
    application_receiver: Mapped[str] = mapped_column(String(15))  # GS03
    submitter_name: Mapped[str] = mapped_column(String(60))  # 1000A NM103
    submitter_id: Mapped[str] = mapped_column(String(80))  # 1000A NM109
    submitter_contact: Mapped[str] = mapped_column(String(60))  # PER02
    submitter_phone: Mapped[str] = mapped_column(String(10))  # PER04
    receiver_name: Mapped[str] = mapped_column(String(60))  # 1000B NM103
    receiver_code: Mapped[str] = mapped_column(String(80))  # 1000B NM109
    usage: Mapped[Usage] = mapped_column(str_enum(Usage, "usage"), default=Usage.TEST)
    # The separators this partner wants in the files we send (ISA16, ISA11, and the rest).
    element_separator: Mapped[str] = mapped_column(String(1), default="*", server_default="*")
    component_separator: Mapped[str] = mapped_column(String(1), default=":", server_default=":")
    repetition_separator: Mapped[str] = mapped_column(String(1), default="^", server_default="^")
    segment_terminator: Mapped[str] = mapped_column(String(1), default="~", server_default="~")
    line_per_segment: Mapped[bool] = mapped_column(default=True, server_default=true())


class PartnerPayerId(Base):
    """The payer ID a clearinghouse knows a payer by, when it differs from payers.payer_code."""

    __tablename__ = "partner_payer_ids"
    __table_args__ = (UniqueConstraint("trading_partner_id", "payer_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    trading_partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    payer_code: Mapped[str] = mapped_column(String(80))


class Facility(Address, Base):
    """A place where services are given, when it is not the billing provider's address."""

    __tablename__ = "facilities"
    __table_args__ = (CheckConstraint("npi IS NULL OR length(npi) = 10", name="npi_length"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str | None] = mapped_column(String(10))
