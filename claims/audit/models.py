"""The audit log table. It names records by ID and never holds PHI values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, IdType, utcnow


class AuditEvent(Base):
    """One read or write of a record, by a person, a key or the engine itself."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))  # read, create, update, post, ...
    entity: Mapped[str] = mapped_column(String(40))  # table name
    entity_id: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(80))  # IP address, "cli", "job"
    detail: Mapped[str | None] = mapped_column(String(500))  # IDs and codes only, no PHI
