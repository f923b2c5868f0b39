"""The rework queue from the command line, as the billing guide walks it on demo data: a
paper EOB denies a line, the item is listed, taken, noted and appealed with a letter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from claims.errors import StateError
from tests.api.test_cli import claims_cli

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"


def test_a_denial_worked_from_the_queue_to_an_appeal_letter(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    url = scratch_sqlite_url
    for command in (["db", "upgrade"], ["demo"], ["scrub"], ["submit", "--out", str(tmp_path)]):
        code, out = claims_cli(url, *command)
        assert code == 0, out
    code, out = claims_cli(url, "ingest", str(EXAMPLES / "paper-eob-denial.json"))
    assert code == 0 and "1 denials" in out, out

    code, out = claims_cli(url, "rework", "list", "--category", "medical_necessity", "--json")
    assert code == 0, out
    listed = json.loads(out)
    (item,) = listed["items"]
    assert listed["total"] == 1
    assert (item["codes"], item["amount"], item["claim_id"]) == ("CO-50 N386", "65.00", 14)
    assert item["claim_state"] == "partially_paid" and item["payer"] == "DEMOACME1"
    number = str(item["item_id"])

    assert claims_cli(url, "rework", "assign", number, "--to", "dana")[0] == 0
    assert claims_cli(url, "rework", "note", number, "LCD needs COPD; chart has J44.9")[0] == 0
    code, out = claims_cli(url, "rework", "list", "--assignee", "dana", "--json")
    assert [i["item_id"] for i in json.loads(out)["items"]] == [item["item_id"]]

    code, out = claims_cli(
        url, "rework", "resolve", number, "--action", "appeal", "--out", str(tmp_path),
        "--reason", "Spirometry was medically necessary: COPD is documented.", "--json",
    )  # fmt: skip
    assert code == 0, out
    done = json.loads(out)
    assert (done["action"], done["amount"], done["claim_state"]) == (
        "appeal", "65.00", "partially_paid",
    )  # fmt: skip
    letter = PdfReader(done["letter_path"]).pages[0].extract_text()
    assert "Amount appealed: $65.00" in letter and "CO-50 N386" in letter

    code, out = claims_cli(url, "rework", "show", number, "--json")
    shown = json.loads(out)
    assert shown["status"] == "closed" and shown["closing_action"] == "appeal"
    assert [h["kind"] for h in shown["history"]] == ["assigned", "note", "action"]

    # Closed: a second action is refused with the reason, and changes nothing.
    with pytest.raises(StateError, match="is closed"):
        claims_cli(url, "rework", "resolve", number, "--action", "write_off", "--reason", "x")
    code, out = claims_cli(url, "check", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
