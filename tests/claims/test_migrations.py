"""The Alembic migrations: up, down and up again on a scratch database of the dialect under test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from claims.base import Base
from claims.config import database_url as resolve_url
from claims.db import make_engine
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.practice.models import Practice
from claims.schema import MIGRATIONS, downgrade, upgrade

OUR_TABLES = frozenset(Base.metadata.tables)


@pytest.fixture
def scratch_engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty database of the dialect under test, never the one other tests share.

    SQLite: a file of the test's own. PostgreSQL: a schema of its own on the test database
    (public belongs to the other tests), dropped afterwards.
    """
    url = resolve_url(database_url)
    if make_url(url).get_backend_name() != "postgresql":
        engine = make_engine(request.getfixturevalue("scratch_sqlite_url"))
        yield engine
        engine.dispose()
        return
    schema = f"migration_check_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_schema()")).scalar() == schema
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def schema_differences(engine: Engine) -> list[object]:
    """What autogenerate would change to make the live schema match the models."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def check_constraints(engine: Engine) -> dict[str, set[str]]:
    """The named CHECK constraints of each of our tables (autogenerate does not compare them)."""
    found = inspect(engine)
    return {table: {c["name"] for c in found.get_check_constraints(table)} for table in OUR_TABLES}


def model_check_constraints() -> dict[str, set[str]]:
    return {
        table.name: {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
        for table in Base.metadata.sorted_tables
    }


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def leftover_routines(engine: Engine) -> set[str]:
    """Triggers (SQLite) or functions (PostgreSQL) left in the scratch database."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            query = (
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema()"
            )
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return set(conn.execute(text(query)).scalars())


def scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head() -> str:
    heads = scripts().get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return heads[0]


def test_one_linear_history() -> None:
    revisions = list(scripts().walk_revisions())
    assert [r.down_revision for r in revisions][-1] is None
    assert all(not r.is_merge_point and not r.is_branch_point for r in revisions)
    assert head() == revisions[0].revision


def test_upgrade_downgrade_upgrade(scratch_engine: Engine) -> None:
    assert tables(scratch_engine) == set()

    upgrade(scratch_engine)
    assert current_revision(scratch_engine) == head()
    assert tables(scratch_engine) == OUR_TABLES | {"alembic_version"}
    assert schema_differences(scratch_engine) == []
    assert check_constraints(scratch_engine) == model_check_constraints()
    assert "ck_ledger_entries_amount_positive" in model_check_constraints()["ledger_entries"]

    downgrade(scratch_engine, "base")
    assert current_revision(scratch_engine) is None
    assert tables(scratch_engine) & OUR_TABLES == set()
    assert tables(scratch_engine) <= {"alembic_version"}
    assert leftover_routines(scratch_engine) == set()

    upgrade(scratch_engine)
    assert current_revision(scratch_engine) == head()
    assert schema_differences(scratch_engine) == []


def test_every_revision_steps_up_and_down_alone(scratch_engine: Engine) -> None:
    order = [r.revision for r in reversed(list(scripts().walk_revisions()))]
    for revision in order:
        upgrade(scratch_engine, "+1")
        assert current_revision(scratch_engine) == revision
    for previous in [*reversed(order[:-1]), None]:
        downgrade(scratch_engine, "-1")
        assert current_revision(scratch_engine) == previous
    assert tables(scratch_engine) & OUR_TABLES == set()


def _post_one_entry(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        practice = Practice(code="MIG", name="Migration check")
        session.add(practice)
        session.flush()
        cash = ledger.account(session, practice_id=practice.id, kind=AccountKind.CASH)
        clearing = ledger.account(session, practice_id=practice.id, kind=AccountKind.ERA_CLEARING)
        [entry_id] = ledger.post(
            session,
            practice_id=practice.id,
            postings=[
                ledger.Posting(
                    debit_account_id=cash,
                    credit_account_id=clearing,
                    amount_cents=15000,
                    kind=EntryKind.DEPOSIT,
                    posting_date=date(2026, 5, 1),
                    actor="test",
                    memo="migration check",
                )
            ],
        )
        return entry_id


def _refused(engine: Engine, statement: str) -> str:
    with engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text(statement))
    return str(caught.value)


def test_ledger_entries_are_append_only_after_upgrade(scratch_engine: Engine) -> None:
    upgrade(scratch_engine)
    entry_id = _post_one_entry(scratch_engine)

    message = _refused(
        scratch_engine, f"UPDATE ledger_entries SET amount_cents = 1 WHERE id = {entry_id}"
    )
    assert "append-only" in message
    assert "append-only" in _refused(scratch_engine, "DELETE FROM ledger_entries")
    if scratch_engine.dialect.name == "postgresql":
        assert "append-only" in _refused(scratch_engine, "TRUNCATE ledger_entries CASCADE")
    with Session(scratch_engine) as session:
        assert session.get_one(Entry, entry_id).amount_cents == 15000

    # Downgrading the trigger revision lifts the guard (so its downgrade really drops it).
    trigger_revision = next(
        r for r in scripts().walk_revisions() if "CREATE TRIGGER" in Path(r.path).read_text()
    )
    downgrade(scratch_engine, trigger_revision.down_revision)
    with scratch_engine.begin() as conn:
        conn.execute(text(f"UPDATE ledger_entries SET memo = 'x' WHERE id = {entry_id}"))
    upgrade(scratch_engine)
    assert "append-only" in _refused(scratch_engine, "DELETE FROM ledger_entries")
