"""`claims batches` after the demo practice's claims went out: the JSON shape, the text, the
filters and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claims.errors import InvalidInput
from tests.api.test_cli import claims_cli

BATCH_KEYS = {
    "batch_id", "kind", "trading_partner", "sent_at", "file_id", "file_name",
    "interchange_control_number", "group_control_number", "transaction_control_numbers",
    "interchange_rejected", "sent", "ack_999", "ack_277ca", "remitted", "rejected",
    "heard_nothing",
}  # fmt: skip


@pytest.fixture
def submitted(scratch_sqlite_url: str, tmp_path: Path) -> str:
    """The demo practice with every claim scrubbed and sent (two files: 837P and 837I)."""
    url = scratch_sqlite_url
    for args in (("db", "upgrade"), ("demo",), ("scrub",)):
        assert claims_cli(url, *args)[0] == 0
    code, out = claims_cli(url, "submit", "--out", str(tmp_path), "--no-pyx12", "--json")
    assert code == 0, out
    return url


def test_batches_json_lists_each_file_sent(submitted: str) -> None:
    code, out = claims_cli(submitted, "batches", "--json")
    assert code == 0, out
    payload = json.loads(out)
    assert set(payload) == {"as_of", "total", "batches"} and payload["total"] == 2
    assert sorted(b["kind"] for b in payload["batches"]) == ["837I", "837P"]
    assert sum(b["sent"]["claims"] for b in payload["batches"]) == 50
    for batch in payload["batches"]:
        assert set(batch) == BATCH_KEYS
        claims = batch["sent"]["claims"]
        assert batch["ack_999"] == {
            "accepted": 0, "accepted_with_errors": 0, "rejected": 0, "none": claims,
        }  # fmt: skip
        assert batch["ack_277ca"]["none"] == claims and batch["remitted"] == 0
        assert batch["rejected"] == {
            "claims": 0, "charge_total": "0.00", "by_999": 0, "by_277ca": 0, "items": [],
        }  # fmt: skip
        # Sent today: nobody has waited long enough to be silent yet.
        assert batch["heard_nothing"]["claims"] == 0
        assert isinstance(batch["sent"]["charge_total"], str)
        assert len(batch["transaction_control_numbers"]) == 1  # one ST per 5,000 claims
        assert batch["interchange_rejected"] is None


def test_batches_text_and_filters(submitted: str) -> None:
    code, out = claims_cli(submitted, "batches")
    assert code == 0, out
    assert "837P sent" in out and "999: 0 accepted (0 with errors), 0 rejected" in out
    assert "heard nothing: 0 claims, 0.00" in out
    code, out = claims_cli(submitted, "batches", "--payer", "DEMOACME1", "--json")
    assert code == 0, out
    acme = json.loads(out)["batches"]
    assert 0 < sum(b["sent"]["claims"] for b in acme) < 50
    code, out = claims_cli(submitted, "batches", "--since", "2999-01-01")
    assert (code, out.strip()) == (0, "no batches sent")
    code, out = claims_cli(submitted, "batches", "--limit", "1")
    assert code == 0 and "1 of 2 batches (see --limit)" in out
    with pytest.raises(InvalidInput, match="--since: not a date"):
        claims_cli(submitted, "batches", "--since", "yesterday")
    with pytest.raises(InvalidInput, match="no payer with code NOSUCH"):
        claims_cli(submitted, "batches", "--payer", "NOSUCH")
