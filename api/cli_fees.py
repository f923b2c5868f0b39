"""`claims fees ...`: the charge master and payer contract schedules from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli_common import ACTOR, JSON, PRACTICE, unit_of_work

fees_app = typer.Typer(
    help="Fee schedules: the charge master and payer contracts (expected payment).",
    no_args_is_help=True,
)


@fees_app.command("import")
def fees_import(
    kind: str = typer.Argument(..., help="charge-master, base or contract."),
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV: code, modifier (optional), amount, percent."
    ),
    name: str | None = typer.Option(
        None, "--name", help="The schedule's name (a base schedule needs one, e.g. medicare)."
    ),
    payer: str | None = typer.Option(None, "--payer", help="Contract: the payer's code."),
    base: str | None = typer.Option(
        None, "--base", help="Contract: the base schedule its percentages are of."
    ),
    percent: str | None = typer.Option(
        None, "--percent", help="Contract: percent of the base for codes it does not list."
    ),
    tolerance: str | None = typer.Option(
        None, "--tolerance", help="Contract: dollars a line may be short (default 1.00)."
    ),
    tolerance_percent: str | None = typer.Option(
        None, "--tolerance-percent", help="Contract: percent a line may be short (default 1)."
    ),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Import a fee schedule (all or nothing: a bad row is named by line and column)."""
    from api.cli import _emit, _practice_id
    from claims.fees.service import ScheduleTerms, import_schedule, list_schedules

    terms = ScheduleTerms(
        kind=kind, name=name, payer_code=payer, base_name=base, base_percent=percent,
        tolerance=tolerance, tolerance_percent=tolerance_percent,
    )  # fmt: skip
    with unit_of_work() as session:
        practice_id = _practice_id(session, practice)
        schedule = import_schedule(
            session, practice_id=practice_id, terms=terms, data=file.read_bytes(),
            source=file.name, actor=ACTOR,
        )  # fmt: skip
        shown = next(s for s in list_schedules(session, practice_id=practice_id)
                     if s["name"] == schedule.name)  # fmt: skip
    _emit(shown, as_json, f"{shown['kind']} {shown['name']}: {shown['rates']} rates from "
          f"{shown['source']}")  # fmt: skip


@fees_app.command("list")
def fees_list(practice: str | None = PRACTICE, as_json: bool = JSON) -> None:
    """The practice's fee schedules: kind, payer, base and percent, tolerance, rates."""
    from api.cli import _emit, _practice_id
    from claims.fees.service import list_schedules

    with unit_of_work() as session:
        rows = list_schedules(session, practice_id=_practice_id(session, practice))
    lines = []
    for r in rows:
        terms = [f"payer {r['payer']}"] if r["payer"] else []
        if r["base"]:
            terms.append(f"base {r['base']}" + (f" at {r['base_percent']}%" if r["base_percent"]
                                               else ""))  # fmt: skip
        if r["kind"] == "contract":
            terms.append(f"tolerance {r['tolerance']} or {r['tolerance_percent']}%")
        lines.append(f"{r['kind']:<13} {r['name']:<20} {r['rates']:>6} rates  "
                     f"{', '.join(terms)}".rstrip())  # fmt: skip
    _emit({"schedules": rows}, as_json, "\n".join(lines) or "no fee schedules")
