"""An 835 shown as a paper remittance advice (`claims inspect FILE` without --json)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from edi.x12 import X12Error
from edi.x835.view import render_835

GOLDEN = Path(__file__).parent / "golden"


def _view(name: str, change: tuple[str, str] | None = None) -> list[str]:
    text = (GOLDEN / name).read_text()
    if change is not None:
        assert change[0] in text
        text = text.replace(*change)
    return list(render_835(text))


def test_paid_partial_and_denied_claims_read_like_a_paper_eob() -> None:
    lines = _view("835_paid_partial_denial.835")

    assert "Payment: EFT 450.00 on 2025-01-15, trace EFT0001" in lines
    assert "Payer: ACME HEALTH PLAN (XV 12345)" in lines
    assert "Claim DENY1  (denied)" in lines
    part = lines.index("Claim PART1  (processed as primary)")
    first_line = lines[part + 3].split()
    assert first_line[:7] == ["1", "2025-01-02", "99214-25", "1", "300.00", "250.00", "200.00"]
    assert " ".join(first_line[7:]) == "CO-45 50.00, PR-1 30.00, PR-2 20.00"
    assert lines[part + 5] == "  claim: billed 500.00, paid 300.00, patient responsibility 100.00"
    assert "  remarks: MA130 M51 N286" in lines
    assert lines[-2:] == [
        "Totals: 3 claim(s), billed 825.00, claims paid 450.00, provider adjustments 0.00, "
        "payment 450.00",
        "Balanced.",
    ]
    assert not any("does not balance" in line for line in lines)


def test_reversals_interest_and_provider_adjustments_are_named() -> None:
    lines = _view("835_reversal_plb.835")

    assert "Claim REV1  (reversal of an earlier payment)" in lines
    assert "  interest 2.50" in lines
    assert "  L6 (interest): -2.50" in lines
    assert "  WO PAYERCLM4 (overpayment recovery): 30.00" in lines
    assert "  FB FB20250101 (forward balance): 5.00" in lines


def test_what_does_not_balance_is_flagged_where_it_is() -> None:
    lines = _view("835_unmatched_unbalanced.835")
    paid = lines.index("Claim PAID1  (processed as primary)")
    flagged = [i for i, line in enumerate(lines) if line.startswith("  ** does not balance")]
    assert flagged and all(i > paid for i in flagged)
    assert "claim PAID1: CLP03 - all CAS = 160.00, CLP04 is 150.00" in lines[flagged[-1]]

    payment = _view("835_paid_partial_denial.835", ("BPR*I*450*", "BPR*I*451*"))
    assert payment[-1].startswith("** does not balance:") and "451.00" in payment[-1]


def test_a_broken_file_raises_naming_the_segment() -> None:
    text = (
        (GOLDEN / "835_paid_partial_denial.835")
        .read_text()
        .replace("CLP*PART1*1*500", "CLP*PART1*1*5X0")
    )
    with pytest.raises(X12Error, match=r"segment \d+"):
        list(render_835(text))


def test_inspect_without_json_shows_the_remittance_then_the_summary() -> None:
    result = CliRunner().invoke(app, ["inspect", str(GOLDEN / "835_paid_partial_denial.835")])

    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("REMITTANCE ADVICE") < out.index("Claim PAID1") < out.index("835 005010X221A1")
    assert "no problems" in out
