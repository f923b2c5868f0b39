"""The 835 balancing rules: line, claim and transaction findings with places and figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from edi.x835.balance import (
    Imbalance,
    balance,
    claim_findings,
    claim_imbalance,
    money,
    transaction_imbalance,
)
from edi.x835.models import Remittance
from edi.x835.reader import read_835

GOLDEN = Path(__file__).parent / "golden"
PAID = (GOLDEN / "835_paid_partial_denial.835").read_text()
REVERSAL = (GOLDEN / "835_reversal_plb.835").read_text()


def only(text: str) -> Remittance:
    [remittance] = list(read_835(text))
    return remittance


@pytest.mark.parametrize(
    "name", sorted(p.name for p in GOLDEN.glob("*.835") if "unbalanced" not in p.name)
)
def test_our_golden_files_balance(name: str) -> None:
    assert balance(only((GOLDEN / name).read_text())) == []


def test_the_golden_file_meant_not_to_balance_names_its_line_and_claim() -> None:
    found = balance(only((GOLDEN / "835_unmatched_unbalanced.835").read_text()))
    assert [(f.level, f.claim, f.expected, f.found) for f in found] == [
        ("line", "PAID1", "160.00", "150.00"),
        ("claim", "PAID1", "160.00", "150.00"),
    ]


def test_a_line_that_does_not_balance() -> None:
    text = PAID.replace("SVC*HC:99214:25*300*200**1", "SVC*HC:99214:25*300*210**1")
    [finding] = balance(only(text))
    assert finding == Imbalance("line", 34, "200.00", "210.00", claim="PART1", line=1)
    assert finding.message == "claim PART1 line 1: SVC02 - line CAS = 200.00, SVC03 is 210.00"


def test_a_claim_that_does_not_balance_counts_claim_and_line_cas() -> None:
    text = PAID.replace("CLP*PART1*1*500*300*", "CLP*PART1*1*500*290*").replace(
        "BPR*I*450*", "BPR*I*440*"
    )
    [finding] = balance(only(text))
    assert finding == Imbalance("claim", 30, "300.00", "290.00", claim="PART1")
    assert "DOE" not in finding.message and "ROE" not in finding.message


def test_a_transaction_that_does_not_balance() -> None:
    [finding] = balance(only(PAID.replace("BPR*I*450*", "BPR*I*450.01*")))
    assert finding == Imbalance("transaction", 4, "450.00", "450.01", transaction="0001")
    assert finding.message == ("transaction 0001: sum CLP04 - sum PLB = 450.00, BPR02 is 450.01")


def test_positive_plb_reduces_the_payment() -> None:
    r = only(REVERSAL)
    assert r.claim_paid_cents - r.provider_adjustment_cents == r.payment.amount_cents
    flipped = only(REVERSAL.replace("WO:PAYERCLM4*30", "WO:PAYERCLM4*-30"))
    finding = transaction_imbalance(flipped)
    assert finding is not None and (finding.expected, finding.found) == ("137.50", "77.50")


def test_a_debit_bpr_counts_negative() -> None:
    r = only(PAID.replace("BPR*I*450*C*", "BPR*I*450*D*"))
    finding = transaction_imbalance(r)
    assert finding is not None and finding.found == "-450.00"


def test_a_reversal_balances_with_every_amount_negated() -> None:
    reversal = only(REVERSAL).claims[0]
    assert reversal.is_reversal and claim_findings(reversal) == []
    # A reversal whose adjustment kept its sign no longer balances, at line and claim level.
    broken = only(REVERSAL.replace("CAS*CO*45*-50", "CAS*CO*45*50")).claims[0]
    line, claim = claim_findings(broken)
    assert (line.level, line.expected, line.found) == ("line", "-250.00", "-150.00")
    assert (claim.level, claim.claim, claim.expected) == ("claim", "REV1", "-250.00")


def test_claim_level_cas_counts_in_the_claim_rule_only() -> None:
    text = (GOLDEN / "835_crossover.835").read_text()
    claim = only(text).claims[0]
    assert claim_imbalance(claim) is None  # 300 - (40 claim PR + 50 line CO) = 210
    unbalanced = only(text.replace("CAS*PR*1*40", "CAS*PR*1*41")).claims[0]
    finding = claim_imbalance(unbalanced)
    assert finding is not None and (finding.expected, finding.found) == ("209.00", "210.00")


def test_money_as_decimal_strings() -> None:
    assert [money(c) for c in (0, 5, -127, 15000000)] == ["0.00", "0.05", "-1.27", "150000.00"]
