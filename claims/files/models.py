"""Tables of stored files and control-number counters."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow


class Direction(enum.StrEnum):
    """Whether we received or sent the file."""

    INBOUND = "in"
    OUTBOUND = "out"


class FileKind(enum.StrEnum):
    """What a stored file holds."""

    X837P = "837P"
    X837I = "837I"
    X835 = "835"
    X999 = "999"
    X277CA = "277CA"
    TA1 = "TA1"
    CMS1500 = "CMS1500"  # paper claims (PDF) for payers without EDI
    OTHER = "other"


class FileStatus(enum.StrEnum):
    """How far processing of a file got."""

    RECEIVED = "received"
    PROCESSED = "processed"
    REFUSED = "refused"  # malformed: nothing of it was applied
    DUPLICATE = "duplicate"
    SENT = "sent"


class StoredFile(Base):
    """A file exactly as it came or went, addressed by its SHA-256. Holds PHI."""

    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("practice_id", "direction", "sha256"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"))
    kind: Mapped[FileKind] = mapped_column(str_enum(FileKind, "file_kind"))
    name: Mapped[str | None] = mapped_column(String(255))  # the name it arrived or left with
    size_bytes: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[FileStatus] = mapped_column(str_enum(FileStatus, "file_status"))
    error: Mapped[str | None] = mapped_column(Text)  # why it was refused, naming the place
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class TransactionKind(enum.StrEnum):
    """What an inbound transaction is (its idempotency key is unique per kind)."""

    X835 = "835"
    X999 = "999"
    X277CA = "277CA"
    EOB = "EOB"  # a paper EOB or check entered by a person


class InboundTransaction(Base):
    """One transaction set we received and applied (835, 999, 277CA, paper EOB), by its
    idempotency key: the same key and content again is a duplicate, other content a conflict.

    A transaction refused as malformed is not recorded, so it does not count as seen.
    """

    __tablename__ = "inbound_transactions"
    __table_args__ = (UniqueConstraint("practice_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    kind: Mapped[TransactionKind] = mapped_column(str_enum(TransactionKind, "transaction_kind"))
    key: Mapped[str] = mapped_column(String(200))  # 835: TRN03|TRN02|payee
    content_sha256: Mapped[str] = mapped_column(String(64))
    source_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    position: Mapped[int]  # of its ST in the file
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CounterKind(enum.StrEnum):
    """Which envelope control number a counter issues."""

    INTERCHANGE = "ISA13"
    GROUP = "GS06"
    TRANSACTION = "ST02"


class ControlCounter(Base):
    """The next control number per trading partner; taken under a row lock, never reused."""

    __tablename__ = "control_counters"
    __table_args__ = (
        UniqueConstraint("trading_partner_id", "kind"),
        CheckConstraint("next_value BETWEEN 1 AND 999999999", name="next_value_range"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    trading_partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"))
    kind: Mapped[CounterKind] = mapped_column(str_enum(CounterKind, "counter_kind"))
    next_value: Mapped[int] = mapped_column(default=1)


class Batch(Base):
    """One 837 file we sent: its partner, envelope control numbers and totals.

    The 999 and TA1 that come back name these control numbers.
    """

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("trading_partner_id", "interchange_control_number"),
        CheckConstraint("claim_count > 0", name="claims_positive"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    trading_partner_id: Mapped[int] = mapped_column(ForeignKey("trading_partners.id"))
    kind: Mapped[FileKind] = mapped_column(str_enum(FileKind, "file_kind"))
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    interchange_control_number: Mapped[int]
    group_control_number: Mapped[int]
    transaction_control_numbers: Mapped[str] = mapped_column(Text)  # "1,2": one per ST
    claim_count: Mapped[int]
    charge_total_cents: Mapped[Cents]
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
