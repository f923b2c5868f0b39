"""The `claims` command line. Each command imports only what it needs, so that quick
commands never pay for FastAPI or FHIR."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import typer

app = typer.Typer(
    help="Healthcare claims billing engine.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

_state: dict[str, Any] = {"database_url": None}


@app.callback()
def _options(
    database_url: str | None = typer.Option(
        None, "--database-url", help="Database URL (default: CLAIMS_DATABASE_URL, else SQLite)."
    ),
) -> None:
    _state["database_url"] = database_url


def _engine() -> Any:
    from claims.db import make_engine

    return make_engine(_state["database_url"])


def _emit(payload: dict[str, Any], as_json: bool, text: str) -> None:
    typer.echo(json.dumps(payload, default=str, sort_keys=True) if as_json else text)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply schema migrations (to the newest by default)."""
    from claims.schema import upgrade

    upgrade(_engine(), revision)
    typer.echo(f"database at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Undo schema migrations down to a revision."""
    from claims.schema import downgrade

    downgrade(_engine(), revision)
    typer.echo(f"database at revision {revision}")


@app.command()
def demo(as_json: bool = typer.Option(False, "--json", help="Print a JSON summary.")) -> None:
    """Fill the database with the demo practice (adds nothing when it is already there)."""
    from claims import demo as demo_data
    from claims.db import session_factory, transaction
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice = demo_data.seed(session)
        created = practice is not None
    text = "demo practice created" if created else "demo practice already present; nothing added"
    _emit({"created": created, "practice_code": demo_data.PRACTICE_CODE}, as_json, text)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Run the HTTP API and web pages."""
    import uvicorn

    from api.app import create_app
    from claims.schema import require_current

    require_current(_engine())
    uvicorn.run(create_app(_state["database_url"]), host=host, port=port)


@app.command()
def check(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Verify the ledger: every account's totals equal the sums of its entries."""
    from claims.db import session_factory
    from claims.ledger import service as ledger
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    with session_factory(engine)() as session:
        problems = ledger.check(session)
    payload = {"ok": not problems, "imbalances": [asdict(p) for p in problems]}
    lines = [
        f"account {p.account_id} ({p.key}): totals {p.projected_debits}/"
        f"{p.projected_credits} cents, entries {p.entry_debits}/{p.entry_credits} cents"
        for p in problems
    ]
    _emit(payload, as_json, "\n".join(lines) if lines else "ledger balances")
    if problems:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `claims` console script."""
    try:
        app()
    except Exception as exc:  # our own errors become one clear line, not a traceback
        from claims.errors import ClaimsError

        if isinstance(exc, ClaimsError):
            typer.echo(f"error: {exc}", err=True)
            sys.exit(2)
        raise
