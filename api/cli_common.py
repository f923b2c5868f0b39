"""What the command groups share: the practice and --json options, the actor, and a unit of
work on the current database (opened when a command runs, so that importing a group is free)."""

from __future__ import annotations

from typing import Any

import typer

ACTOR = "cli"
PRACTICE = typer.Option(None, "--practice", help="Practice code.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")


def unit_of_work() -> Any:
    """A transaction on the database named by --database-url, checked to be at the newest
    schema revision; commits when the block ends without an error."""
    from api.cli import _engine
    from claims.db import session_factory, transaction
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    return transaction(session_factory(engine))
