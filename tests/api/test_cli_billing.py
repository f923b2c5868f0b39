"""The patient billing and credit commands on the demo practice, as the billing guide runs them:
a paper EOB leaves the patient a share, a statement goes out, the patient overpays, the
credit is refunded and paid, and the ledger still balances."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from claims.errors import InvalidInput
from tests.api.test_cli import claims_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def billed_url(scratch_sqlite_url: str, tmp_path: Path) -> str:
    """The demo practice with its claims sent and the patient-share EOB posted."""
    url = scratch_sqlite_url
    for args in (
        ("db", "upgrade"),
        ("demo",),
        ("scrub",),
        ("submit", "--out", str(tmp_path / "outbox"), "--no-pyx12"),
        ("ingest", str(EXAMPLES / "paper-eob-patient-share.json")),
    ):
        code, out = claims_cli(url, *args)
        assert code == 0, out
    return url


def run(url: str, *args: str) -> dict:  # type: ignore[type-arg]
    code, out = claims_cli(url, *args, "--json")
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def test_statement_payment_refund_on_the_demo(billed_url: str, tmp_path: Path) -> None:
    url = billed_url
    (patient,) = run(url, "patients", "balances")["patients"]
    assert (patient["balance"], patient["aging"]["0-30"]) == ("64.00", "64.00")
    older, newer = patient["lines"]
    assert (older["service_date"], older["patient_balance"]) == ("2026-04-09", "40.00")
    assert (newer["service_date"], newer["patient_balance"]) == ("2026-04-13", "24.00")

    out = tmp_path / "statements"
    made = run(url, "statements", "run", "--out", str(out), "--date", "2026-11-23")
    (statement,) = made["statements"]
    assert (statement["amount_due"], statement["sequence"]) == ("64.00", 1)
    text = PdfReader(BytesIO(Path(statement["path"]).read_bytes())).pages[0].extract_text()
    assert "04/09/2026 99213 150.00 80.00 30.00 0.00 0.00 40.00" in text
    assert "Total 300.00 176.00 60.00 0.00 0.00 64.00" in text
    assert "AMOUNT DUE: $64.00" in text
    assert run(url, "statements", "run", "--date", "2026-11-24")["statements"] == []
    (listed,) = run(url, "statements", "list")["statements"]
    assert listed["sent_on"] == "2026-11-23"

    pid = str(patient["patient_id"])
    paid = run(
        url,
        "patients",
        "pay",
        pid,
        "--amount",
        "70.00",
        "--reference",
        "RCPT-1001",
        "--method",
        "cash",
        "--date",
        "2026-11-25",
    )
    assert [a["amount"] for a in paid["applied"]] == ["40.00", "30.00"]
    assert paid["credit"] == "6.00"

    listing = run(url, "credits", "list", "--date", "2026-12-05")
    (credit,) = listing["credit_balances"]
    assert (credit["payee"], credit["credit"], credit["since"], credit["age_days"]) == (
        "patient",
        "6.00",
        "2026-11-25",
        10,
    )
    refund = run(
        url,
        "credits",
        "refund",
        str(credit["charge_line_id"]),
        "--reason",
        "paid more than owed",
        "--date",
        "2026-12-05",
    )
    assert (refund["status"], refund["amount"]) == ("payable", "6.00")
    assert run(url, "credits", "list")["credit_balances"] == []
    paid_out = run(
        url,
        "credits",
        "pay",
        str(refund["refund_id"]),
        "--reference",
        "CHK-2001",
        "--date",
        "2026-12-06",
    )
    assert paid_out["status"] == "paid"
    assert run(url, "credits", "list")["refunds_payable"] == []

    assert run(url, "check")["ok"] is True
    assert run(url, "patients", "balances")["patients"] == []


def test_bad_input_names_the_option(billed_url: str) -> None:
    with pytest.raises(InvalidInput, match="--amount: more than two decimal places"):
        claims_cli(billed_url, "patients", "pay", "3", "--amount", "1.234", "--reference", "R1")
    with pytest.raises(InvalidInput, match="--line and --plb-entry"):
        claims_cli(billed_url, "credits", "recoup", "--line", "6")
    with pytest.raises(InvalidInput, match="--date"):
        claims_cli(billed_url, "statements", "run", "--date", "tomorrow")
    code, out = claims_cli(billed_url, "writeoff", "small-balances", "--json", "--below", "5.00")
    assert code == 0 and json.loads(out)["written_off"] == []
