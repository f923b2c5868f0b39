"""What the command groups share: the practice and --json options, the actor, and a unit of
work on the current database (opened when a command runs, so that importing a group is free)."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

ACTOR = "cli"
PRACTICE = typer.Option(None, "--practice", help="Practice code.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")
DATE = typer.Option(None, "--date", help="The day it happens (YYYY-MM-DD; default today).")


def unit_of_work() -> Any:
    """A transaction on the database named by --database-url, checked to be at the newest
    schema revision; commits when the block ends without an error."""
    from api.cli import _engine
    from claims.db import session_factory, transaction
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    return transaction(session_factory(engine))


def day(value: str | None) -> date:
    """The day given as --date, or today."""
    from claims.errors import InvalidInput

    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("--date: a date as YYYY-MM-DD") from None


def cents(value: str | None, option: str) -> int | None:
    """Dollars given on the command line (such as 12.50) as cents, naming the option."""
    from claims.errors import InvalidInput
    from claims.money import to_cents

    if value is None:
        return None
    try:
        return to_cents(value, field=option)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
