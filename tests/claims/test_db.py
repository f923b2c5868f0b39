"""Configuration and the SQLite settings: URL resolution, foreign keys, WAL, BEGIN IMMEDIATE."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from claims.config import database_url
from claims.db import make_engine, session_factory, transaction
from claims.practice.models import Practice
from claims.schema import upgrade


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
