"""The `claims` command line. Each command imports only what it needs, so that quick
commands never pay for FastAPI or FHIR."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from api.cli_billing import credits_app, patients_app, statements_app, writeoff_app
from api.cli_fees import fees_app
from api.cli_rework import rework_app

app = typer.Typer(
    help="Healthcare claims billing engine.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
codes_app = typer.Typer(help="Code sets (ICD-10-CM, HCPCS, CPT, NCCI).", no_args_is_help=True)
app.add_typer(codes_app, name="codes")

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


def _practice_id(session: Any, code: str | None) -> int:
    """The practice named by --practice, or the only one there is."""
    from sqlalchemy import select

    from claims.errors import InvalidInput
    from claims.practice.models import Practice

    practices = list(session.execute(select(Practice.id, Practice.code)))
    if code is not None:
        found = [pid for pid, pcode in practices if pcode == code]
        if not found:
            raise InvalidInput(f"--practice: no practice with code {code}")
        return int(found[0])
    if len(practices) != 1:
        raise InvalidInput(f"--practice: {len(practices)} practices here; name one by its code")
    return int(practices[0][0])


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
    """Verify the ledger: every account's totals equal the sums of its entries, and ERA
    clearing nets to zero for every remittance."""
    from claims.db import session_factory
    from claims.ledger import service as ledger
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    with session_factory(engine)() as session:
        problems = ledger.check(session)
        uncleared = ledger.uncleared_remittances(session)
    payload = {
        "ok": not problems and not uncleared,
        "imbalances": [asdict(p) for p in problems],
        "uncleared_remittances": [
            {"remittance_id": rid, "clearing_cents": cents} for rid, cents in uncleared.items()
        ],
    }
    lines = [
        f"account {p.account_id} ({p.key}): totals {p.projected_debits}/"
        f"{p.projected_credits} cents, entries {p.entry_debits}/{p.entry_credits} cents"
        for p in problems
    ] + [
        f"remittance {rid}: ERA clearing holds {cents} cents instead of 0"
        for rid, cents in uncleared.items()
    ]
    _emit(payload, as_json, "\n".join(lines) if lines else "ledger balances")
    if not payload["ok"]:
        raise typer.Exit(1)


@app.command()
def submit(
    out: Path = typer.Option(..., "--out", help="Folder to write the 837 files to."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    no_pyx12: bool = typer.Option(
        False, "--no-pyx12", help="Skip pyx12's check of each file (faster; not recommended)."
    ),
) -> None:
    """Send every ready claim: one 837 file per trading partner and claim kind, and a CMS-1500
    PDF per payer that takes no EDI."""
    from claims.db import session_factory
    from claims.money import to_decimal
    from claims.schema import require_current
    from claims.submission.service import submit_paper, submit_ready
    from edi.validate import pyx12_problems

    engine = _engine()
    require_current(engine)
    factory = session_factory(engine)
    with factory() as session:
        practice_id = _practice_id(session, practice)
    results = submit_ready(
        factory,
        practice_id=practice_id,
        actor="cli",
        out_dir=out,
        check=None if no_pyx12 else pyx12_problems,
    )
    paper = submit_paper(factory, practice_id=practice_id, actor="cli", out_dir=out)
    files = [
        {
            "path": str(p.path),
            "kind": "CMS1500",
            "claims": p.claims,
            "charge_total": str(to_decimal(p.charge_total_cents)),
            "payer": p.payer,
            "sha256": p.sha256,
        }
        for p in paper
    ] + [
        {
            "path": str(r.path),
            "kind": r.kind,
            "claims": r.claims,
            "charge_total": str(to_decimal(r.charge_total_cents)),
            "trading_partner": r.trading_partner,
            "batch_id": r.batch_id,
            "sha256": r.sha256,
        }
        for r in results
        if r.released
    ]
    held = [
        {"claim_id": h.claim_id, "patient_control_number": h.patient_control_number,
         "field": h.field, "message": h.message}
        for r in results
        for h in r.held
    ]  # fmt: skip
    lines = [f"{f['kind']} {f['path']}: {f['claims']} claims, {f['charge_total']}" for f in files]
    lines += [f"held: {h['message']}" for h in held]
    _emit({"files": files, "held": held}, as_json, "\n".join(lines) or "no claims ready")
    if held:
        raise typer.Exit(1)


def _correct_or_void(
    claim_id: int, reason: str, practice: str | None, as_json: bool, void: bool
) -> None:
    from datetime import date

    from claims.claim import service as claim_service
    from claims.db import session_factory, transaction
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice_id = _practice_id(session, practice)
        claim = claim_service.get_claim(session, practice_id=practice_id, claim_id=claim_id)
        action = claim_service.void_claim if void else claim_service.correct_claim
        outcome = action(session, claim=claim, actor="cli", reason=reason, today=date.today())
        new = outcome.new_claim
        payload = {
            "claim_id": claim.id,
            "state": claim.state.value,
            "new_claim_id": new.id if new else None,
            "new_patient_control_number": new.patient_control_number if new else None,
            "frequency": new.frequency.value if new else None,
            "task_id": outcome.task.id if outcome.task else None,
        }
    if new is not None:
        text = (
            f"claim {claim_id} is {payload['state']}; new version {new.id} "
            f"(frequency {payload['frequency']}) is {new.state.value}"
        )
    elif outcome.task is not None:
        text = f"the payer takes no frequency 7/8: reopening task {outcome.task.id} opened"
    else:
        text = f"claim {claim_id} is {payload['state']}; nothing to send"
    _emit(payload, as_json, text)


@app.command()
def correct(
    claim_id: int = typer.Argument(..., help="The claim version to correct."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the claim's history)."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Replace a claim by a corrected version (new original, frequency 7, or a reopening task)."""
    _correct_or_void(claim_id, reason, practice, as_json, void=False)


@app.command()
def void(
    claim_id: int = typer.Argument(..., help="The claim version to void."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the claim's history)."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Void a claim (frequency 8 where the payer takes it, else a reopening task)."""
    _correct_or_void(claim_id, reason, practice, as_json, void=True)


@app.command("inspect")
def inspect_command(
    file: Path = typer.Argument(..., help="An X12 file: 837P/837I, 835, 999, 277CA or TA1."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    with_pyx12: bool = typer.Option(False, "--pyx12", help="Also check the file with pyx12."),
) -> None:
    """Summarise an X12 file (kind, version, counts, charges, problems); needs no database."""
    # edi only: no database, no web stack. Exit 2 when the file cannot be read, 1 on errors.
    from edi.inspect import inspect_file
    from edi.x12 import X12Error

    try:
        summary = inspect_file(file, with_pyx12=with_pyx12)
    except X12Error as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"error: {file}: cannot read ({exc.strerror or type(exc).__name__})", err=True)
        raise typer.Exit(2) from None
    if summary.kind == "835" and not as_json:
        _show_remittance(file)
    counts = f"{summary.transactions} transaction set(s), {summary.claims} claim(s)"
    if summary.charge_total is not None:
        counts += f", charges {summary.charge_total:.2f}"
    lines = [f"{summary.kind} {summary.version or '(no GS08)'}: {counts}"]
    shown = 20
    for p in summary.problems[:shown]:
        place = f" at segment {p.segment}" if p.segment is not None else ""
        lines.append(f"  {p.severity} {p.code}{place}: {p.message}")
    if len(summary.problems) > shown:
        lines.append(f"  ... and {len(summary.problems) - shown} more (--json lists them all)")
    if not summary.problems:
        lines.append("  no problems")
    _emit(summary.as_json(), as_json, "\n".join(lines))
    if summary.errors:
        raise typer.Exit(1)


def _show_remittance(file: Path) -> None:
    """An 835 as a paper remittance advice, as far as it can be read (the summary after it
    names what stopped it)."""
    from edi.x12 import X12Error
    from edi.x835.view import render_835

    try:
        for line in render_835(file, name=str(file)):
            typer.echo(line)
    except X12Error:
        typer.echo("(the file cannot be read further: see the problems below)")
    typer.echo("")


@codes_app.command("import")
def codes_import(
    kind: str = typer.Argument(
        ...,
        help="icd10cm, hcpcs, cpt, ptp-professional, ptp-institutional, "
        "mue-professional, mue-institutional or mue-dme.",
    ),
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, help="The official file (a PTP setting: its parts)."
    ),
    effective: str | None = typer.Option(
        None, "--effective", help="Date the release takes effect (YYYY-MM-DD); ICD-10-CM needs it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import a code-set file (all or nothing: a bad line is named and nothing changes)."""
    from datetime import date

    from claims.codesets.service import import_file, import_ptp_parts
    from claims.db import session_factory, transaction
    from claims.errors import InvalidInput
    from claims.schema import require_current

    try:
        day = date.fromisoformat(effective) if effective else None
    except ValueError as exc:
        raise InvalidInput("--effective: a date as YYYY-MM-DD") from exc
    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        if len(files) > 1:
            row = import_ptp_parts(session, kind=kind, paths=files, effective_from=day, actor="cli")
        else:
            row = import_file(
                session, kind=kind, data=files[0].read_bytes(), name=files[0].name,
                effective_from=day, actor="cli",
            )  # fmt: skip
        payload = {"kind": row.kind, "effective_from": row.effective_from.isoformat(),
                   "entries": row.entries, "source": row.source}  # fmt: skip
    _emit(payload, as_json, f"{kind}: {payload['entries']} entries in force from "
          f"{payload['effective_from']}")  # fmt: skip


@codes_app.command("list")
def codes_list(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """The code sets loaded (the shipped ICD-10-CM release is stored on first use)."""
    from claims.codesets.service import ensure_default_icd10cm, summary
    from claims.db import session_factory, transaction
    from claims.schema import require_current

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        ensure_default_icd10cm(session)
        rows = summary(session)
    text = "\n".join(f"{r['kind']:<18} from {r['effective_from']}  {r['entries']:>8} "
                     f"entries  {r['source']}" for r in rows)  # fmt: skip
    _emit({"code_sets": rows}, as_json, text)


@app.command()
def scrub(
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    rules: Path | None = typer.Option(
        None,
        "--rules",
        help="Folder of payer rule files (*.toml); default: "
        "CLAIMS_PAYER_RULES_DIR, else payer-rules/ in the data folder.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run every edit on draft, on-hold and ready claims: clean ones become ready, the others
    go on hold with a rework item per error."""
    from datetime import date

    from claims.codesets.service import load_tables
    from claims.config import payer_rules_dir
    from claims.db import session_factory, transaction
    from claims.errors import InvalidInput
    from claims.schema import require_current
    from claims.scrubbing.service import scrub_claims
    from coding.payer_rules import load_rule_directory

    folder = payer_rules_dir(rules)
    if folder is not None and not folder.is_dir():
        raise InvalidInput(f"--rules: {folder} is not a folder")
    payer_rules = load_rule_directory(folder) if folder is not None else None  # validated now
    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice_id = _practice_id(session, practice)
        tables = load_tables(session)
        results = scrub_claims(
            session, practice_id=practice_id, tables=tables, today=date.today(), actor="cli",
            rules=payer_rules,
        )  # fmt: skip
        claims = [
            {
                "claim_id": r.claim_id,
                "patient_control_number": r.patient_control_number,
                "state": r.state.value,
                "findings": [
                    {
                        "edit_id": f.edit_id,
                        "severity": f.severity.value,
                        "place": f.place,
                        "field": f.field,
                        "message": f.message,
                        "hint": f.hint,
                    }
                    for f in r.findings
                ],
            }
            for r in results
        ]
    ready = sum(1 for c in claims if c["state"] == "ready")
    held = len(claims) - ready
    lines = [f"{len(claims)} claims scrubbed: {ready} ready, {held} on hold"]
    lines += [
        f"  claim {r.claim_id} {f.severity.value} {f.edit_id} ({f.place}, {f.field}): {f.message}"
        for r in results
        for f in r.findings
    ]
    _emit({"claims": claims, "ready": ready, "on_hold": held}, as_json, "\n".join(lines))


@app.command("print")
def print_claim(
    claim_id: int = typer.Argument(..., help="A professional claim version."),
    out: Path = typer.Option(..., "--out", help="The PDF file to write."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
) -> None:
    """Print a professional claim on a CMS-1500 (02/12) form, as a PDF; nothing changes."""
    from claims.claim import service as claim_service
    from claims.db import session_factory
    from claims.errors import InvalidInput
    from claims.practice.models import Payer
    from claims.schema import require_current
    from claims.submission.assemble import assemble
    from edi.cms1500 import render_cms1500
    from edi.x837.models import Address

    engine = _engine()
    require_current(engine)
    with session_factory(engine)() as session:
        practice_id = _practice_id(session, practice)
        claim = claim_service.get_claim(session, practice_id=practice_id, claim_id=claim_id)
        if claim.kind.value != "professional":
            raise InvalidInput(f"claim_id: claim {claim_id} is institutional; the CMS-1500 is "
                               "for professional claims")  # fmt: skip
        payer = session.get(Payer, claim.payer_id)
        assert payer is not None
        (value,) = assemble(session, [claim])
        address = Address(payer.address1, payer.city, payer.state, payer.postal_code,
                          payer.address2)  # fmt: skip
        pdf = render_cms1500([value], payer_address=address)
    out.write_bytes(pdf)
    typer.echo(f"claim {claim_id}: {out} ({len(pdf)} bytes)")


@app.command("import")
def import_command(
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, help="837P/837I files from a practice-management system."
    ),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    rules: Path | None = typer.Option(
        None, "--rules", help="Folder of payer rule files, as for scrub (same default)."
    ),
    acks: Path | None = typer.Option(
        None,
        "--acks",
        file_okay=False,
        help="Folder to write our 999 and 277CA for each file into (they are kept either way).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import 837P/837I files (one transaction each): claims recorded, scrubbed and queued for
    the next submit, or rejected with the reason; the sender gets our 999 for the file and a
    277CA for its claims. Exit 1 when a file is refused or a claim rejected."""
    from datetime import date

    from claims.config import payer_rules_dir
    from claims.db import session_factory, transaction
    from claims.errors import InvalidInput
    from claims.intake.service import IntakeStatus, import_837
    from claims.schema import require_current
    from coding.payer_rules import load_rule_directory

    folder = payer_rules_dir(rules)
    if folder is not None and not folder.is_dir():
        raise InvalidInput(f"--rules: {folder} is not a folder")
    payer_rules = load_rule_directory(folder) if folder is not None else None
    if acks is not None:
        try:
            acks.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"--acks: cannot make folder {acks} ({exc.strerror})") from exc
    engine = _engine()
    require_current(engine)
    factory = session_factory(engine)
    reports: list[dict[str, Any]] = []
    lines: list[str] = []
    failed = False
    for path in files:
        with transaction(factory) as session:
            practice_id = _practice_id(session, practice)
            result = import_837(
                session, practice_id=practice_id, data=path.read_bytes(), name=path.name,
                actor="cli", today=date.today(), rules=payer_rules,
            )  # fmt: skip
        failed = failed or not result.ok
        claims = [
            {"clm01": c.clm01, "claim_id": v.claim_id,
             "patient_control_number": v.patient_control_number, "state": v.state,
             "scrub_errors": list(v.scrub_errors), "warnings": list(c.warnings)}
            for c in result.imported
            for v in c.claims
        ]  # fmt: skip
        rejected = [{"clm01": c.clm01, "reason": c.rejected} for c in result.rejected]
        answers = []
        for ack in result.acknowledgments:
            written = None
            if acks is not None:
                written = acks / ack.name
                written.write_text(ack.text, encoding="utf-8", newline="")
            answers.append({"kind": ack.kind, "file_id": ack.file_id, "name": ack.name,
                            "path": None if written is None else str(written)})  # fmt: skip
        reports.append(
            {"path": str(path), "file_id": result.file_id, "sha256": result.sha256,
             "kind": result.kind, "status": result.status.value, "claims": claims,
             "rejected": rejected, "error": result.error,
             "skipped_segments": result.skipped_segments, "acknowledgments": answers}
        )  # fmt: skip
        answered = ", ".join(
            f"{a['kind']} {a['path'] or 'kept as file ' + str(a['file_id'])}" for a in answers
        )
        answered = f" (answered: {answered})" if answered else ""
        duplicate = f"{path}: duplicate of stored file {result.file_id}, nothing changed; it"
        if result.error is not None:
            head = f"{duplicate} was" if result.status is IntakeStatus.DUPLICATE else f"{path}:"
            lines.append(f"{head} refused: {result.error}{answered}")
            continue
        ready = sum(1 for c in claims if c["state"] == "ready")
        summary = (
            f"{len(result.imported)} claims as {len(claims)} claim versions ({ready} ready), "
            f"{len(rejected)} rejected, {result.skipped_segments} segments skipped"
        )
        if result.status is IntakeStatus.DUPLICATE:
            lines.append(f"{duplicate} imported {summary}{answered}")
        else:
            lines.append(f"{path}: {result.kind} imported: {summary}{answered}")
        lines += [f"  rejected {r['clm01']}: {r['reason']}" for r in rejected]
        lines += [
            f"  claim {v.claim_id} ({c.clm01}) {v.state}: {', '.join(v.scrub_errors)}"
            for c in result.imported
            for v in c.claims
            if v.scrub_errors
        ]
    _emit({"files": reports}, as_json, "\n".join(lines))
    if failed:
        raise typer.Exit(1)


@app.command()
def ingest(
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, help="835, 999, 277CA or TA1 files, in any order."
    ),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Take in files that came back: each is recognised by its content, kept, and applied
    (835s posted, acknowledgments applied to claims). Exit 1 when a file is rejected or a
    transaction set is a conflict."""
    from datetime import date

    from claims.db import session_factory
    from claims.schema import require_current
    from remittance.ingest import ingest_file
    from remittance.report import CONFLICT, REJECTED

    engine = _engine()
    require_current(engine)
    factory = session_factory(engine)
    reports = []
    for path in files:
        with factory() as session:
            practice_id = _practice_id(session, practice)
            session.rollback()  # ingest_file owns its transactions from here
            reports.append(
                ingest_file(
                    session, practice_id=practice_id, content=path.read_bytes(),
                    name=path.name, actor="cli", today=date.today(),
                )
            )  # fmt: skip
    lines = []
    for r in reports:
        figures = r.as_json()
        if r.error is not None:
            lines.append(f"{r.name}: {r.kind} rejected: {r.error}")
            continue
        lines.append(
            f"{r.name}: {r.kind} {r.status}: {figures['claims']} claims, {figures['matched']} "
            f"matched, {figures['unmatched']} unmatched, {figures['posted']} posted, "
            f"{figures['unapplied']} unapplied, {figures['denials']} denials"
        )
        lines += [f"  {e}" for e in figures["exceptions"]]
    _emit({"files": [r.as_json() for r in reports]}, as_json, "\n".join(lines))
    statuses = {t.status for r in reports for t in r.transactions} | {r.status for r in reports}
    if statuses & {REJECTED, CONFLICT}:
        raise typer.Exit(1)


@app.command("batches")
def batches_command(
    payer: str | None = typer.Option(None, "--payer", help="Only this payer's claims (code)."),
    since: str | None = typer.Option(
        None, "--since", help="Only batches sent on or after this day (YYYY-MM-DD, UTC)."
    ),
    batch: int | None = typer.Option(None, "--batch", help="Only this batch (its ID)."),
    limit: int = typer.Option(20, "--limit", help="At most this many batches, newest first."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Per 837 file sent: its claims and charges, what the 999, 277CA and 835 said about them,
    the rejected claims, and the claims that heard nothing for longer than their payer waits."""
    from datetime import UTC, date, datetime

    from claims.db import session_factory
    from claims.errors import InvalidInput
    from claims.schema import require_current
    from remittance.batches import batch_report

    try:
        since_day = date.fromisoformat(since) if since is not None else None
    except ValueError:
        raise InvalidInput("--since: not a date (YYYY-MM-DD)") from None
    engine = _engine()
    require_current(engine)
    with session_factory(engine)() as session:
        practice_id = _practice_id(session, practice)
        report = batch_report(
            session, practice_id=practice_id, today=datetime.now(UTC).date(), payer_code=payer,
            since=since_day, batch_id=batch, limit=limit,
        )  # fmt: skip
    payload = report.as_json()
    _emit(payload, as_json, _batches_text(payload))


def _batches_text(payload: dict[str, Any]) -> str:
    """The batch view for a person: one block per batch, at most 20 claims listed per list."""
    shown = 20
    lines: list[str] = []
    for b in payload["batches"]:
        sets = ",".join(f"{n:04d}" for n in b["transaction_control_numbers"])
        sent, a999, a277 = b["sent"], b["ack_999"], b["ack_277ca"]
        rejected, silent = b["rejected"], b["heard_nothing"]
        lines += [
            f"batch {b['batch_id']} {b['kind']} sent {b['sent_at'][:16].replace('T', ' ')} UTC to "
            f"{b['trading_partner']} (ISA13 {b['interchange_control_number']}, GS06 "
            f"{b['group_control_number']}, ST02 {sets}): {_claims(sent['claims'])}, "
            f"{sent['charge_total']}",
            f"  999: {a999['accepted']} accepted ({a999['accepted_with_errors']} with errors), "
            f"{a999['rejected']} rejected, {a999['none']} no answer",
            f"  277CA: {a277['accepted']} accepted, {a277['received']} received, "
            f"{a277['rejected']} rejected, {a277['flagged']} flagged, {a277['none']} no answer",
            f"  835: {b['remitted']} remitted",
        ]
        if b["interchange_rejected"]:
            lines.append(f"  the whole interchange was rejected: {b['interchange_rejected']}")
        lines.append(
            f"  rejected: {_claims(rejected['claims'])}, {rejected['charge_total']}"
            + "".join(
                f"\n    claim {c['claim_id']} {c['patient_control_number']} by {c['by']} "
                f"{c['charge']}: {c['codes'] or 'no codes kept'}"
                for c in rejected["items"][:shown]
            )
        )
        lines.append(
            f"  heard nothing: {_claims(silent['claims'])}, {silent['charge_total']}"
            + "".join(
                f"\n    claim {c['claim_id']} {c['patient_control_number']} ({c['payer_code']}) "
                f"{c['charge']}: no {c['waiting_for']} after {c['days']} days (the payer's wait "
                f"is {c['wait_days']})"
                for c in silent["items"][:shown]
            )
        )
        hidden = max(0, rejected["claims"] - shown) + max(0, silent["claims"] - shown)
        if hidden:
            lines.append(f"  ... and {_claims(hidden)} more (--json lists them all)")
    if payload["total"] > len(payload["batches"]):
        lines.append(f"{len(payload['batches'])} of {payload['total']} batches (see --limit)")
    return "\n".join(lines) or "no batches sent"


def _claims(count: int) -> str:
    return f"{count} claim" + ("" if count == 1 else "s")


# Deposits, reconciliation and unapplied cash (issue 5, item 7).

deposits_app = typer.Typer(help="Bank deposits.", no_args_is_help=True)
app.add_typer(deposits_app, name="deposits")
unapplied_app = typer.Typer(help="Money waiting in unapplied cash.", no_args_is_help=True)
app.add_typer(unapplied_app, name="unapplied")
remittance_app = typer.Typer(help="Remittances already received.", no_args_is_help=True)
app.add_typer(remittance_app, name="remittance")


@deposits_app.command("import")
def deposits_import(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="The bank's CSV: date, amount, reference[, description].",
    ),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import a bank deposit CSV (all or nothing: a bad row is named and nothing changes; rows
    imported before are not added again), then match deposits to remittances."""
    from claims.db import session_factory, transaction
    from claims.schema import require_current
    from remittance.deposits import MATCHED, import_deposits

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice_id = _practice_id(session, practice)
        result = import_deposits(
            session, practice_id=practice_id, data=file.read_bytes(), name=file.name, actor="cli"
        )
    payload = result.as_json()
    lines = [
        f"{file}: {result.rows} rows: {result.added} deposits added, {result.already_present} "
        f"already present; {payload['matched']} deposits matched to remittances"
    ]
    lines += [f"  deposit {m.deposit_id} {m.status}: {m.reason}" for m in result.matches
              if m.status != MATCHED]  # fmt: skip
    _emit(payload, as_json, "\n".join(lines))


@app.command()
def reconcile(
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Match deposits to remittances (trace number and amount), then show cash posted against
    deposits and what is unreconciled either way."""
    from claims.db import session_factory, transaction
    from claims.schema import require_current
    from remittance.deposits import match_deposits, reconciliation

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice_id = _practice_id(session, practice)
        match_deposits(session, practice_id=practice_id)
        payload = reconciliation(session, practice_id=practice_id).as_json()
    t = payload["totals"]
    lines = [
        f"deposited {t['deposited']}, cash posted {t['cash_posted']}, difference {t['difference']}",
        f"{t['deposits']} deposits ({t['unmatched_deposits']} unmatched), {t['remittances']} "
        f"remittances ({t['unmatched_remittances']} unmatched)",
    ]
    lines += [
        f"  deposit {d['deposit_id']} {d['deposit_date']} reference {d['reference']}: "
        f"{d['amount']}, cash posted {d['cash_posted']}"
        for d in payload["unreconciled"]["deposits"]
    ]
    lines += [
        f"  remittance {r['remittance_id']} {r['payment_date']} trace {r['trace_number']}: "
        f"cash posted {r['cash_posted']}, in no deposit"
        if r["deposit_id"] is None
        else f"  remittance {r['remittance_id']}: cash posted {r['cash_posted']}, payment "
        f"{r['payment']}"
        for r in payload["unreconciled"]["remittances"]
    ]
    lines.append("reconciled" if payload["reconciled"] else "not reconciled")
    _emit(payload, as_json, "\n".join(lines))


@unapplied_app.command("list")
def unapplied_list(
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """What waits in unapplied cash: claim payments to apply, held remittances to release, and
    what releases left over."""
    from claims.db import session_factory, transaction
    from claims.money import to_decimal
    from claims.schema import require_current
    from remittance.unapplied import list_unapplied, unapplied_balance

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice_id = _practice_id(session, practice)
        items = list_unapplied(session, practice_id=practice_id)
        balance = unapplied_balance(session, practice_id=practice_id)
    payload = {"balance": str(to_decimal(balance)), "items": [i.as_json() for i in items]}
    lines = [f"unapplied cash {payload['balance']}; {len(items)} open item(s)"]
    for i in items:
        suggested = ", ".join(map(str, i.suggested_claim_ids))
        lines.append(
            f"  item {i.item_id} {i.kind} {to_decimal(i.amount_cents)} remittance "
            f"{i.remittance_id} (trace {i.trace_number})"
            + (f", suggested claims {suggested}" if suggested else "")
        )
        lines.append(f"    {i.summary}")
    _emit(payload, as_json, "\n".join(lines))


@unapplied_app.command("apply")
def unapplied_apply(
    item_id: int = typer.Argument(..., help="The rework item of the unapplied claim payment."),
    claim: int = typer.Option(..., "--claim", help="The claim (ID) it pays."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Apply an unapplied claim payment to the claim you chose, through the normal posting
    rules, and close its item."""
    from datetime import date

    from claims.db import session_factory, transaction
    from claims.schema import require_current
    from remittance.unapplied import apply_unapplied

    engine = _engine()
    require_current(engine)
    with transaction(session_factory(engine)) as session:
        practice_id = _practice_id(session, practice)
        result = apply_unapplied(
            session, practice_id=practice_id, item_id=item_id, claim_id=claim, actor="cli",
            today=date.today(),
        )  # fmt: skip
    payload = result.as_json()
    _emit(payload, as_json, f"item {item_id}: {payload['applied']} applied to claim {claim}; "
          f"item closed")  # fmt: skip


@remittance_app.command("release")
def remittance_release(
    remittance_id: int = typer.Argument(..., help="The held remittance."),
    yes: bool = typer.Option(False, "--yes", help="Release without asking."),
    practice: str | None = typer.Option(None, "--practice", help="Practice code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Release a held remittance once you have checked it: its claims and PLB post, and what
    its payment does not explain stays in unapplied cash with a rework item."""
    from datetime import date

    from claims.db import session_factory, transaction
    from claims.schema import require_current
    from remittance.unapplied import describe_held, release_remittance

    engine = _engine()
    require_current(engine)
    factory = session_factory(engine)
    with factory() as session:
        practice_id = _practice_id(session, practice)
        shown = describe_held(session, practice_id=practice_id, remittance_id=remittance_id)
    if not yes:
        typer.confirm(f"{shown}\nRelease it and post its claims?", abort=True, err=True)
    with transaction(factory) as session:
        result = release_remittance(
            session, practice_id=practice_id, remittance_id=remittance_id, actor="cli",
            today=date.today(),
        )  # fmt: skip
    payload = result.as_json()
    _emit(payload, as_json, f"remittance {remittance_id} released: {result.matched} of "
          f"{result.claims} claims applied ({payload['applied']}), {payload['unapplied']} in "
          f"unapplied cash")  # fmt: skip


app.add_typer(rework_app, name="rework")
app.add_typer(fees_app, name="fees")
app.add_typer(patients_app, name="patients")
app.add_typer(statements_app, name="statements")
app.add_typer(writeoff_app, name="writeoff")
app.add_typer(credits_app, name="credits")


def main() -> None:
    """Entry point of the `claims` console script."""
    try:
        app()
    except Exception as exc:  # our own errors become one clear line, not a traceback
        from claims.errors import ClaimsError
        from coding.errors import CodingError
        from edi.x12 import X12Error

        if isinstance(exc, ClaimsError | CodingError | X12Error):
            typer.echo(f"error: {exc}", err=True)
            sys.exit(2)
        if isinstance(exc, OSError):  # a file or folder named on the command line
            typer.echo(f"error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        raise
