"""The `claims` command line on a scratch SQLite database: upgrade, demo, check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from api.cli import app, main
from claims.claim.models import Claim
from claims.db import make_engine
from claims.errors import InvalidInput
from claims.ledger.models import Account

runner = CliRunner()


def claims_cli(url: str, *args: str) -> tuple[int, str]:
    """Run one command in-process; its exit code and what it printed."""
    result = runner.invoke(app, ["--database-url", url, *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def demo_url(scratch_sqlite_url: str) -> str:
    """A scratch SQLite database brought to head and filled with the demo practice."""
    code, out = claims_cli(scratch_sqlite_url, "db", "upgrade")
    assert code == 0, out
    code, out = claims_cli(scratch_sqlite_url, "demo", "--json")
    assert code == 0, out
    assert json.loads(out) == {"created": True, "practice_code": "DEMO"}
    return scratch_sqlite_url


def test_upgrade_demo_check(demo_url: str) -> None:
    engine = make_engine(demo_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Claim)) == 50
    finally:
        engine.dispose()

    code, out = claims_cli(demo_url, "demo", "--json")
    assert code == 0
    assert json.loads(out) == {"created": False, "practice_code": "DEMO"}
    code, out = claims_cli(demo_url, "demo")
    assert code == 0 and "already present" in out

    code, out = claims_cli(demo_url, "check", "--json")
    assert code == 0, out
    assert json.loads(out) == {"ok": True, "imbalances": [], "uncleared_remittances": []}
    code, out = claims_cli(demo_url, "check")
    assert code == 0 and out.strip() == "ledger balances"


def test_check_names_a_tampered_account(demo_url: str) -> None:
    engine = make_engine(demo_url)
    try:
        with engine.begin() as conn:
            account_id = conn.scalar(select(Account.id).where(Account.key == "gross_charges"))
            conn.execute(
                text(
                    "UPDATE ledger_accounts SET debits_posted_cents = debits_posted_cents + 1 "
                    "WHERE id = :id"
                ),
                {"id": account_id},
            )
    finally:
        engine.dispose()

    code, out = claims_cli(demo_url, "check", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    [problem] = report["imbalances"]
    assert problem["account_id"] == account_id and problem["key"] == "gross_charges"
    assert problem["projected_debits"] == problem["entry_debits"] + 1
    assert problem["projected_credits"] == problem["entry_credits"]

    code, out = claims_cli(demo_url, "check")
    assert code == 1
    assert f"account {account_id} (gross_charges)" in out


def test_downgrade_to_base_then_upgrade(scratch_sqlite_url: str) -> None:
    assert claims_cli(scratch_sqlite_url, "db", "upgrade")[0] == 0
    code, out = claims_cli(scratch_sqlite_url, "db", "downgrade", "base")
    assert code == 0 and "base" in out
    engine = make_engine(scratch_sqlite_url)
    try:
        with engine.connect() as conn:
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
            assert set(names.scalars()) <= {"alembic_version"}
    finally:
        engine.dispose()
    assert claims_cli(scratch_sqlite_url, "db", "upgrade")[0] == 0


def test_the_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "claims"
    assert script.is_file(), f"console script missing: {script} (pip install -e .)"
    url = f"sqlite:///{tmp_path / 'script.db'}"
    help_run = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert help_run.returncode == 0, help_run.stderr
    for command in ("demo", "check", "db", "serve"):
        assert command in help_run.stdout
    upgrade_run = subprocess.run(
        [str(script), "--database-url", url, "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert upgrade_run.returncode == 0, upgrade_run.stderr
    check_run = subprocess.run(
        [str(script), "--database-url", url, "check", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check_run.returncode == 0, check_run.stderr
    assert json.loads(check_run.stdout) == {
        "ok": True,
        "imbalances": [],
        "uncleared_remittances": [],
    }


def test_serve_runs_the_app_on_the_given_database(
    scratch_sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from fastapi import FastAPI

    served: dict[str, Any] = {}

    def fake_run(app: FastAPI, *, host: str, port: int) -> None:
        served.update(app=app, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    assert claims_cli(scratch_sqlite_url, "db", "upgrade")[0] == 0
    code, out = claims_cli(scratch_sqlite_url, "serve", "--port", "8123")
    assert code == 0, out
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)  # never all interfaces
    engine = served["app"].state.engine
    assert str(engine.url) == scratch_sqlite_url
    engine.dispose()


def test_commands_refuse_a_database_without_the_schema(
    scratch_sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["claims", "--database-url", scratch_sqlite_url, "demo"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "has no schema" in err and "claims db upgrade" in err


def test_an_engine_error_is_one_line_and_exit_2(
    scratch_sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from claims import demo as demo_data

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InvalidInput("patients[3].birth_date: in the future")

    assert claims_cli(scratch_sqlite_url, "db", "upgrade")[0] == 0
    monkeypatch.setattr(demo_data, "seed", refuse)
    monkeypatch.setattr(sys, "argv", ["claims", "--database-url", scratch_sqlite_url, "demo"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err == "error: patients[3].birth_date: in the future\n"
