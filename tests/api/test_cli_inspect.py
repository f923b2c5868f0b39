"""`claims inspect FILE [--json] [--pyx12]`: one JSON object or a short summary, exit codes,
and no database or web stack loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "edi" / "golden" / "837p_two_claims.x12"
NEVER = {"fastapi", "starlette", "uvicorn", "fhir", "fhir_core", "sqlalchemy"}

runner = CliRunner()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh interpreter, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_inspect_loads_no_database_and_no_web_stack() -> None:
    script = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from api.cli import main
        out = io.StringIO()
        for extra in ([], ["--pyx12"]):
            sys.argv = ["claims", "inspect", "--json", *extra, {str(GOLDEN)!r}]
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main()
        print("MODULES=" + json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
        print("OUT=" + json.dumps(out.getvalue()))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    loaded = set(json.loads(next(x for x in lines if x.startswith("MODULES="))[8:]))
    printed = json.loads(next(x for x in lines if x.startswith("OUT="))[4:])
    assert {"edi", "pyx12"} <= loaded  # the command really ran, pyx12 included
    assert '"claims": 2' in printed
    assert not loaded & NEVER, f"claims inspect loaded {sorted(loaded & NEVER)}"


def test_json_output_on_the_golden_file() -> None:
    result = runner.invoke(app, ["inspect", str(GOLDEN), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "kind": "837P",
        "version": "005010X222A1",
        "transactions": 1,
        "claims": 2,
        "charge_total": "643.00",
        "problems": [],
    }


def test_pyx12_on_the_golden_file() -> None:
    result = runner.invoke(app, ["inspect", str(GOLDEN), "--json", "--pyx12"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["problems"] == []


def test_a_wrong_clm02_is_a_problem_naming_the_claim_and_segment(tmp_path: Path) -> None:
    bad = tmp_path / "bad.x12"
    bad.write_text(GOLDEN.read_text().replace("CLM*CLAIMD1*150*", "CLM*CLAIMD1*151.5*"))
    result = runner.invoke(app, ["inspect", str(bad), "--json"])
    assert result.exit_code == 1  # the file has errors
    report = json.loads(result.stdout)
    assert report["charge_total"] == "644.50"
    assert report["problems"] == [
        {
            "severity": "error",
            "code": "CLM02-SUM",
            "message": (
                "claim CLAIMD1: CLM02 151.50 differs from the sum of its line charges 150.00"
            ),
            "segment": 51,
        }
    ]
    human = runner.invoke(app, ["inspect", str(bad)])
    assert human.exit_code == 1
    assert "error CLM02-SUM at segment 51: claim CLAIMD1" in human.stdout


def test_a_truncated_file_exits_2_with_one_line(tmp_path: Path) -> None:
    cut = tmp_path / "cut.x12"
    cut.write_text(GOLDEN.read_text()[:700])
    result = run_cli("inspect", str(cut), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {cut}, segment 21: ")
    assert "truncated" in result.stderr


def test_a_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path / "none.x12")])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"error: {tmp_path / 'none.x12'}: cannot read (No such file or directory)"
    )


def test_the_human_summary() -> None:
    result = runner.invoke(app, ["inspect", str(GOLDEN)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "837P 005010X222A1: 1 transaction set(s), 2 claim(s), charges 643.00",
        "  no problems",
    ]


@pytest.mark.parametrize(
    ("sample", "kind", "claims", "total", "exit_code"),
    [
        ("badx12_837P_X222A1_commercial-health-insurance.edi", "837P", 1, "100.00", 0),
        ("badx12_837P_X222A1_COB-to-payer-b.edi", "837P", 1, "79.04", 0),
        ("imsweb_837P_X222A1_many_claims.txt", "837P", 820, "410000.00", 1),
        ("imsweb_837I_X223A2_x223-test.txt", "837I", 1, "500.00", 1),
        ("badx12_835_X221A1_multiple-claims-single-check.edi", "835", 9, None, 0),
        ("imsweb_999_X231A1_rejected.txt", "999", 0, None, 0),
        ("imsweb_277CA_X214_accepted.txt", "277CA", 1, None, 0),
    ],
)
def test_shared_samples(
    x12_samples: Path, sample: str, kind: str, claims: int, total: str | None, exit_code: int
) -> None:
    result = runner.invoke(app, ["inspect", str(x12_samples / sample), "--json"])
    assert result.exit_code == exit_code, result.output
    report = json.loads(result.stdout)
    assert {"kind", "version", "transactions", "claims", "charge_total", "problems"} <= set(report)
    assert ("acknowledgments" in report) == (kind in ("999", "277CA"))
    assert (report["kind"], report["claims"], report["charge_total"]) == (kind, claims, total)
    for problem in report["problems"]:
        assert set(problem) == {"severity", "code", "message", "segment"}
