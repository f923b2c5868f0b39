"""Configuration and the SQLite settings: URL resolution, foreign keys, WAL, BEGIN IMMEDIATE;
bulk inserts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from claims.base import table_of
from claims.config import database_url
from claims.db import insert_rows, make_engine, session_factory, transaction
from claims.practice.models import Practice
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.schema import upgrade
from tests.claims.factories import make_practice


def test_explicit_url_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_DATABASE_URL", "sqlite:////tmp/from-env.db")
    assert database_url("sqlite:////tmp/explicit.db") == "sqlite:////tmp/explicit.db"
    assert database_url() == "sqlite:////tmp/from-env.db"


def test_plain_postgres_scheme_gets_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMS_DATABASE_URL", raising=False)
    assert database_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_default_is_a_sqlite_file_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CLAIMS_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLAIMS_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'claims.db'}"
    assert (tmp_path / "data").is_dir()


def test_sqlite_runs_with_foreign_keys_and_wal(scratch_sqlite_url: str) -> None:
    engine = make_engine(scratch_sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_sqlite_refuses_a_dangling_foreign_key(scratch_sqlite_url: str) -> None:
    engine = make_engine(scratch_sqlite_url)
    upgrade(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO providers (practice_id, npi, last_name) "
                "VALUES (4242, '1234567893', 'X')"
            )
        )
    engine.dispose()


def test_sqlite_writers_take_the_write_lock_when_they_begin(scratch_sqlite_url: str) -> None:
    """A second writer waits at BEGIN (and times out there), never half-way through its work."""
    engine = make_engine(scratch_sqlite_url)
    upgrade(engine)
    impatient = make_engine(scratch_sqlite_url, connect_args={"timeout": 0.1})
    impatient_conn = impatient.connect()
    impatient_conn.exec_driver_sql("PRAGMA busy_timeout=100")
    impatient_conn.commit()
    with engine.begin() as holder:
        holder.execute(text("SELECT 1"))  # no write yet: only BEGIN IMMEDIATE holds the lock
        with pytest.raises(OperationalError, match="locked"):
            impatient_conn.begin()
    impatient_conn.close()
    # Readers asking for a deferred transaction are not blocked by a writer.
    with engine.begin() as holder, impatient.connect() as reader:
        holder.execute(text("SELECT 1"))
        reader = reader.execution_options(readonly=True)
        with reader.begin():
            assert reader.execute(text("SELECT count(*) FROM practices")).scalar() == 0
    impatient.dispose()
    engine.dispose()


def test_transaction_commits_on_success_and_rolls_back_on_error(scratch_sqlite_url: str) -> None:
    engine = make_engine(scratch_sqlite_url)
    upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        session.add(Practice(code="KEEP", name="kept"))
    with pytest.raises(RuntimeError), transaction(factory) as session:
        session.add(Practice(code="DROP", name="dropped"))
        session.flush()
        raise RuntimeError("boom")
    with factory() as session:
        codes = session.scalars(text("SELECT code FROM practices")).all()
    assert codes == ["KEEP"]
    engine.dispose()


def test_insert_rows_stores_what_a_core_insert_stores(session: Session) -> None:
    """Dates, timestamps (whole seconds too), code-table enums, strings and NULLs read back
    the same whichever way they were written."""
    practice = make_practice(session)
    items = table_of(ReworkItem)
    at = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    columns = ("practice_id", "source", "category", "codes", "summary", "amount_cents",
               "deadline", "priority", "status", "assignee", "created_at")  # fmt: skip
    rows = [
        (practice.id, Source.REMIT_835, Category.OTHER, "CO-45", "a", 1250, date(2024, 4, 1),
         3, ItemStatus.OPEN, None, at),
        (practice.id, "state", "other", "B", "b", 0, None, 0, "open", "ann",
         at.replace(microsecond=123456)),
    ]  # fmt: skip
    session.execute(insert(items), [dict(zip(columns, row, strict=True)) for row in rows])
    insert_rows(session, items, columns, rows)
    read = session.execute(
        select(*(items.c[name] for name in columns))
        .where(items.c.practice_id == practice.id)
        .order_by(items.c.id)
    ).all()
    assert [tuple(r) for r in read[2:]] == [tuple(r) for r in read[:2]]
    assert read[2].created_at == at and read[2].deadline == date(2024, 4, 1)
    assert read[3].source == Source.STATE and read[3].assignee == "ann"


def test_insert_rows_refuses_a_value_outside_a_code_table(session: Session) -> None:
    practice = make_practice(session)
    columns = ("practice_id", "source", "category", "codes", "summary", "created_at")
    row = (practice.id, "nonsense", "other", "X", "x", datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(LookupError):
        insert_rows(session, table_of(ReworkItem), columns, [row])
