"""claims fees import|list from the command line, on the demo practice."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.api.test_cli import claims_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_the_guide_schedules_import_and_list(scratch_sqlite_url: str) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    code, out = claims_cli(url, "fees", "import", "charge-master",
                           str(EXAMPLES / "fees-charge-master.csv"), "--json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["rates"] == 7
    claims_cli(url, "fees", "import", "base", str(EXAMPLES / "fees-medicare.csv"), "--name",
               "medicare")  # fmt: skip
    code, out = claims_cli(url, "fees", "import", "contract",
                           str(EXAMPLES / "fees-acme-contract.csv"), "--payer", "DEMOACME1",
                           "--base", "medicare", "--percent", "120")  # fmt: skip
    assert code == 0, out
    code, out = claims_cli(url, "fees", "list", "--json")
    listed = {s["name"]: (s["kind"], s["payer"], s["base"], s["rates"])
              for s in json.loads(out)["schedules"]}  # fmt: skip
    assert listed == {
        "charge master": ("charge_master", None, None, 7),
        "medicare": ("base", None, None, 5),
        "DEMOACME1": ("contract", "DEMOACME1", "medicare", 3),
    }


def test_a_bad_row_is_named_and_nothing_changes(scratch_sqlite_url: str, tmp_path: Path) -> None:
    url = scratch_sqlite_url
    claims_cli(url, "db", "upgrade")
    claims_cli(url, "demo")
    bad = tmp_path / "prices.csv"
    bad.write_text("code,amount\n99213,150.00\n99214,2x5\n")
    result = CliRunner().invoke(app, ["--database-url", url, "fees", "import", "charge-master",
                                      str(bad)])  # fmt: skip
    assert result.exit_code != 0
    assert "prices.csv line 3, column 2 (amount)" in str(result.exception)
    _code, out = claims_cli(url, "fees", "list", "--json")
    assert json.loads(out) == {"schedules": []}
