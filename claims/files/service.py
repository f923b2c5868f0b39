"""Keeping files (content-addressed by SHA-256) and issuing envelope control numbers."""

from __future__ import annotations

import hashlib

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.base import utcnow
from claims.files.models import (
    ControlCounter,
    CounterKind,
    Direction,
    FileKind,
    FileStatus,
    StoredFile,
)

MAX_CONTROL_NUMBER = 999_999_999  # ISA13 is nine digits; GS06 and ST02 are kept to the same


def take_control_numbers(
    session: Session, *, trading_partner_id: int, kind: CounterKind, count: int = 1
) -> list[int]:
    """Reserve the next control numbers for a partner under a row lock (wrapping after nine
    digits). The caller commits before writing a file with them, so none is ever reused."""
    if count < 1:
        raise ValueError("count: at least 1")
    counter = _locked_counter(session, trading_partner_id, kind)
    start = counter.next_value
    numbers = [(start - 1 + i) % MAX_CONTROL_NUMBER + 1 for i in range(count)]
    counter.next_value = numbers[-1] % MAX_CONTROL_NUMBER + 1
    session.flush()
    return numbers


def _locked_counter(session: Session, trading_partner_id: int, kind: CounterKind) -> ControlCounter:
    query = (
        select(ControlCounter)
        .where(ControlCounter.trading_partner_id == trading_partner_id, ControlCounter.kind == kind)
        .with_for_update()
    )
    counter = session.scalar(query)
    if counter is not None:
        return counter
    try:
        with session.begin_nested():  # a concurrent first use may create it too
            session.execute(
                insert(ControlCounter).values(
                    trading_partner_id=trading_partner_id, kind=kind, next_value=1
                )
            )
    except IntegrityError:
        pass
    counter = session.scalar(query.execution_options(populate_existing=True))
    assert counter is not None
    return counter


def store_file(
    session: Session,
    *,
    practice_id: int,
    content: bytes,
    direction: Direction,
    kind: FileKind,
    name: str | None,
    actor: str,
    status: FileStatus,
    error: str | None = None,
) -> tuple[StoredFile, bool]:
    """Keep a file exactly as it is; returns it and whether it is new (the same bytes in the
    same direction are kept once)."""
    digest = hashlib.sha256(content).hexdigest()
    existing = session.scalar(
        select(StoredFile).where(
            StoredFile.practice_id == practice_id,
            StoredFile.direction == direction,
            StoredFile.sha256 == digest,
        )
    )
    if existing is not None:
        return existing, False
    stored = StoredFile(
        practice_id=practice_id,
        sha256=digest,
        direction=direction,
        kind=kind,
        name=name,
        size_bytes=len(content),
        content=content,
        status=status,
        error=error,
        actor=actor,
        processed_at=utcnow() if status is not FileStatus.RECEIVED else None,
    )
    session.add(stored)
    session.flush()
    return stored, True
