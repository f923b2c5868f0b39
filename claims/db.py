"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Engine, Table, create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

import claims.models  # noqa: F401  (every table mapped before the first session)
from claims.config import database_url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for the configured database, with our SQLite settings applied."""
    url = database_url(url)
    # Database errors would otherwise quote the bound values: names, birth dates, member IDs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, and BEGIN IMMEDIATE so a writer never fails half-way on a lock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred BEGIN that later writes can fail with SQLITE_BUSY; IMMEDIATE waits instead.
        mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine; objects stay usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows (value tuples in the order of columns) with one executemany, each value
    converted by its column's type as a Core insert converts it; columns left out get NULL
    (Python-side defaults are not applied).

    For bulk paths: a Core insert builds and processes a dict per row, which costs more than
    the database's own work for narrow rows such as ledger entries; here each column's
    converter runs once per distinct value (a chunk has few distinct dates, codes and times;
    values equal in Python, such as 1 and True, are converted once).
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    if dialect.paramstyle not in ("qmark", "format", "pyformat"):  # pragma: no cover
        raise NotImplementedError(f"insert_rows: paramstyle {dialect.paramstyle}")
    quote = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {quote.format_table(table)} "
        f"({', '.join(quote.format_column(table.c[name]) for name in columns)}) "
        f"VALUES ({', '.join([placeholder] * len(columns))})"
    )
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converters.append((index, process))
    params: Sequence[Sequence[Any]] = rows
    if converters:
        by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for index, convert in converters:
            values = by_column[index]
            try:
                converted = {value: convert(value) for value in set(values)}
            except TypeError:  # unhashable values (JSON): each converted on its own
                by_column[index] = [convert(value) for value in values]
            else:
                by_column[index] = list(map(converted.__getitem__, values))
        params = list(zip(*by_column, strict=True))
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_rows(session, table, columns, params)
        return
    session.connection().exec_driver_sql(sql, params)


def _copy_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """PostgreSQL: the rows through COPY, which the server takes at about twice the rate of
    one INSERT per row (constraints and triggers apply all the same)."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer
    sql = (
        f"COPY {quote.format_table(table)} "
        f"({', '.join(quote.format_column(table.c[name]) for name in columns)}) FROM STDIN"
    )
    import psycopg  # only here: SQLite installs never need it

    raw = cast(psycopg.Connection[Any], connection.connection.dbapi_connection)
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as exc:
        # As a Core statement would fail: the SQLAlchemy exception for the driver's error.
        raise DBAPIError.instance(
            sql, None, exc, connection.dialect.loaded_dbapi.Error, hide_parameters=True
        ) from exc


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """Primary keys for rows about to be bulk-inserted, so that a plain executemany can write
    them (RETURNING in executemany goes row by row on SQLite).

    PostgreSQL takes them from the table's sequence. SQLite has one writer at a time (every
    write transaction begins IMMEDIATE), so the next keys after the largest are ours.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        rows = session.execute(
            text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": count}
        )
        return sorted(int(value) for (value,) in rows)
    top = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(top + 1, top + 1 + count))
