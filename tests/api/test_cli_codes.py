"""claims codes import|list and scrub with imported tables, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.test_cli import claims_cli
from tests.coding.helpers import order_file
from tests.coding.test_ncci import MUE_FILE, PTP_ROWS, ptp_text


def test_an_icd10cm_release_imports_and_lists(scratch_sqlite_url: str, tmp_path: Path) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    release = tmp_path / "icd10cm-order-2026.txt"
    release.write_text(order_file([("I10", True, "Essential hypertension")]))
    code, out = claims_cli(url, "codes", "import", "icd10cm", str(release), "--effective",
                           "2025-10-01", "--json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out) == {"kind": "icd10cm", "effective_from": "2025-10-01", "entries": 1,
                               "source": release.name}  # fmt: skip
    code, out = claims_cli(url, "codes", "list", "--json")
    listed = [(r["kind"], r["effective_from"]) for r in json.loads(out)["code_sets"]]
    assert listed == [("icd10cm", "2025-10-01"), ("icd10cm", "2026-04-01")]


def test_a_bad_file_is_refused_naming_its_line(scratch_sqlite_url: str, tmp_path: Path) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    bad = tmp_path / "mue.csv"
    bad.write_text(MUE_FILE + "99213,two,1 Line Edit,Data\n")
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["--database-url", url, "codes", "import", "mue-professional",
                                      str(bad)])  # fmt: skip
    assert result.exit_code != 0
    assert "line 8" in str(result.exception) and "mue.csv" in str(result.exception)
    _code, out = claims_cli(url, "codes", "list", "--json")
    assert all(r["kind"] != "mue-professional" for r in json.loads(out)["code_sets"])


def test_a_ptp_setting_imports_from_its_parts(scratch_sqlite_url: str, tmp_path: Path) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    first, second = tmp_path / "f1.txt", tmp_path / "f2.txt"
    first.write_text(ptp_text(*PTP_ROWS[:2]))
    second.write_text(ptp_text(*PTP_ROWS[2:]))
    code, out = claims_cli(url, "codes", "import", "ptp-professional", str(first), str(second),
                           "--json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["entries"] == len(PTP_ROWS)


def test_scrub_uses_an_imported_ptp_table(scratch_sqlite_url: str, tmp_path: Path) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    # The demo bills 99213 with 36415 only on lab visits; make the pair an edit that bites.
    ptp = tmp_path / "ptp.txt"
    ptp.write_text(ptp_text("80053\t36415\t\t20100101\t*\t0\tMisuse of column two code"))
    assert claims_cli(url, "codes", "import", "ptp-professional", str(ptp))[0] == 0
    _code, out = claims_cli(url, "scrub", "--json")
    held = {c["claim_id"] for c in json.loads(out)["claims"]
            if any(f["edit_id"] == "NCCI-PTP" for f in c["findings"])}  # fmt: skip
    assert held, "a demo lab visit bills 80053 with 36415"
    states = {c["claim_id"]: c["state"] for c in json.loads(out)["claims"]}
    assert all(states[i] == "on_hold" for i in held)


def test_the_console_script_reports_a_bad_file_in_one_line(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    claims_cli(scratch_sqlite_url, "db", "upgrade")
    bad = tmp_path / "order.txt"
    bad.write_text("00001 I10     X Essential hypertension\n")
    script = Path(sys.executable).parent / "claims"
    done = subprocess.run(
        [str(script), "--database-url", scratch_sqlite_url, "codes", "import", "icd10cm",
         str(bad), "--effective", "2025-10-01"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "order.txt" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_payer_rules_are_loaded_and_applied_by_scrub(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.toml").write_text(
        'payer = "DEMOACME1"\n\n[[rule]]\nid = "auth-for-visits"\n'
        'check = "prior_authorization_required"\n\n[rule.when]\nprocedures = ["99213-99214"]\n'
    )
    _code, out = claims_cli(url, "scrub", "--rules", str(rules), "--json")
    wanted = "PAYER-PRIOR-AUTH-REQUIRED"
    flagged = [
        c for c in json.loads(out)["claims"] if any(f["edit_id"] == wanted for f in c["findings"])
    ]
    assert flagged and all(c["state"] == "on_hold" for c in flagged)


def test_a_broken_rule_file_stops_scrub_before_anything_changes(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.toml").write_text('payer = "X"\n\n[[rule]]\nid = "r1"\ncheck = "teleport"\n')
    result = CliRunner().invoke(app, ["--database-url", url, "scrub", "--rules", str(rules)])
    assert result.exit_code != 0 and "bad.toml" in str(result.exception)
    _code, out = claims_cli(url, "scrub", "--json")  # nothing was scrubbed by the failed run
    assert json.loads(out)["ready"] == 50


def test_carc_descriptions_and_nubc_tables_import(scratch_sqlite_url: str, tmp_path: Path) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    carc = tmp_path / "carc.csv"
    carc.write_text("45,Charge exceeds fee schedule,,\n")
    revenue = tmp_path / "revenue.csv"
    revenue.write_text("0450,Emergency room,,\n")
    for kind, path in (("carc", carc), ("nubc-revenue", revenue)):
        code, out = claims_cli(url, "codes", "import", kind, str(path), "--json")
        assert code == 0, out
        assert json.loads(out)["entries"] == 1
