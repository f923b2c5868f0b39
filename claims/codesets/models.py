"""The table of stored code sets: one row per imported release or file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, IdType, utcnow


class CodeTable(Base):
    """A code set as coding/ packs it (to_bytes), with where it came from.

    Code sets are public or licensed to the user, not a practice's data: they are shared by
    every practice. Re-importing a kind for the same effective date replaces the row.
    """

    __tablename__ = "code_tables"
    __table_args__ = (UniqueConstraint("kind", "effective_from"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # see claims.codesets.service.KINDS
    effective_from: Mapped[date]
    source: Mapped[str] = mapped_column(String(255))  # file name or package
    source_sha256: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
