"""Test fixtures: one migrated database per run (SQLite by default, PostgreSQL when
CLAIMS_TEST_DATABASE_URL names one), each test inside a transaction rolled back at the end,
with the ledger's invariants checked before the rollback."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from claims.db import make_engine
from claims.ledger import service as ledger
from claims.schema import upgrade

TEST_DATABASE_ENV = "CLAIMS_TEST_DATABASE_URL"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
X12_SAMPLES = SHARED / "x12-samples"

DATABASE_FIXTURES = {"engine", "session", "database_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so a run can count them."""
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With a database named explicitly, a database test that skips is a failure."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get(TEST_DATABASE_ENV) and report.skipped and item.get_closest_marker("database"):
        report.outcome = "failed"
        report.longrepr = f"database test skipped while {TEST_DATABASE_ENV} is set"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database under test: CLAIMS_TEST_DATABASE_URL, else a fresh SQLite file."""
    explicit = os.environ.get(TEST_DATABASE_ENV)
    if explicit:
        return explicit
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database emptied and migrated to head once per run."""
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: its commits release savepoints inside the outer transaction.
    Before the rollback, the ledger's running totals must equal the sums of its entries and
    ERA clearing must net to zero for every remittance.
    """
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
            if outer.is_active:
                session.flush()
                problems = ledger.check(session)
                assert problems == [], f"ledger totals differ from entries: {problems}"
                uncleared = ledger.uncleared_remittances(session)
                assert uncleared == {}, f"ERA clearing does not net to zero: {uncleared}"
        finally:
            session.close()
            if outer.is_active:
                outer.rollback()


@pytest.fixture
def x12_samples() -> Path:
    """The shared public X12 samples; tests that need them skip where ../shared is absent."""
    if not X12_SAMPLES.is_dir():
        pytest.skip("../shared/x12-samples is not beside this checkout")
    return X12_SAMPLES


@pytest.fixture
def scratch_sqlite_url() -> Iterator[str]:
    """A URL of an empty SQLite file of the test's own."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'scratch.db'}"
