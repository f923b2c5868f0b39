"""The three balancing rules of an 835 (line, claim, transaction), as findings, never raised."""

# Line: SVC02 - sum(line CAS) = SVC03. Claim: CLP03 - sum(all CAS, claim and line) = CLP04.
# Transaction: BPR02 = sum(CLP04) - sum(PLB) (a positive PLB amount reduces the payment).
# A reversal (CLP02 22) carries every amount negated, so the same rules hold for it unchanged.

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from edi.x835.models import (
    ClaimPayment,
    Payment,
    Remittance,
    ServiceLine,
    TransactionEnd,
    TransactionStart,
)

LINE, CLAIM, TRANSACTION = "line", "claim", "transaction"


@dataclass(frozen=True, slots=True)
class Imbalance:
    """One rule that does not hold: where, and the figures (expected by the rule vs found)."""

    level: str  # line, claim or transaction
    segment: int  # position of the SVC, CLP or BPR
    expected: str  # what the rule gives, as a decimal string such as "143.00"
    found: str  # what the file states
    claim: str | None = None  # CLP01
    line: int | None = None  # 1-based line number within the claim
    transaction: str | None = None  # ST02

    @property
    def message(self) -> str:
        """A sentence naming the place and the figures (no patient data)."""
        if self.level == LINE:
            return (
                f"claim {self.claim} line {self.line}: SVC02 - line CAS = {self.expected}, "
                f"SVC03 is {self.found}"
            )
        if self.level == CLAIM:
            return f"claim {self.claim}: CLP03 - all CAS = {self.expected}, CLP04 is {self.found}"
        return (
            f"transaction {self.transaction}: sum CLP04 - sum PLB = {self.expected}, "
            f"BPR02 is {self.found}"
        )


def money(cents: int) -> str:
    """Cents as a decimal string with two places, such as "-1.27"."""
    return str(Decimal(cents).scaleb(-2).quantize(Decimal("0.01")))


def line_imbalance(claim: ClaimPayment, line: ServiceLine) -> Imbalance | None:
    """The line rule for one service line, or None when it holds."""
    adjusted = 0
    for a in line.adjustments:
        adjusted += a.amount_cents
    if line.charge_cents - adjusted == line.paid_cents:
        return None
    return _line_finding(claim, line, line.charge_cents - adjusted)


def claim_imbalance(claim: ClaimPayment) -> Imbalance | None:
    """The claim rule (claim and line CAS together), or None when it holds."""
    adjusted = 0
    for a in claim.adjustments:
        adjusted += a.amount_cents
    for line in claim.lines:
        for a in line.adjustments:
            adjusted += a.amount_cents
    if claim.charge_cents - adjusted == claim.paid_cents:
        return None
    return _claim_finding(claim, claim.charge_cents - adjusted)


def _line_finding(claim: ClaimPayment, line: ServiceLine, expected: int) -> Imbalance:
    return Imbalance(
        LINE,
        line.position,
        money(expected),
        money(line.paid_cents),
        claim.patient_control_number,
        line.number,
    )


def _claim_finding(claim: ClaimPayment, expected: int) -> Imbalance:
    return Imbalance(
        CLAIM,
        claim.position,
        money(expected),
        money(claim.paid_cents),
        claim.patient_control_number,
    )


def transaction_imbalance(remittance: Remittance) -> Imbalance | None:
    """The transaction rule (BPR02 against claims paid and PLB), or None when it holds."""
    return _transaction_rule(
        remittance.payment,
        remittance.control_number,
        remittance.claim_paid_cents,
        remittance.provider_adjustment_cents,
    )


def transaction_imbalance_of(start: TransactionStart, end: TransactionEnd) -> Imbalance | None:
    """The transaction rule from a stream's TransactionStart and TransactionEnd, or None."""
    return _transaction_rule(
        start.payment, start.control_number, end.claim_paid_cents, end.provider_adjustment_cents
    )


def _transaction_rule(
    payment: Payment, control_number: str, claim_paid_cents: int, plb_cents: int
) -> Imbalance | None:
    expected = claim_paid_cents - plb_cents
    found = payment.signed_cents
    if expected == found:
        return None
    return Imbalance(
        TRANSACTION, payment.position, money(expected), money(found), transaction=control_number
    )


def claim_findings(claim: ClaimPayment) -> list[Imbalance]:
    """Every line rule of a claim that fails, then its claim rule if it fails."""
    # The two rules in one pass: this runs once per claim of every 835 posted.
    found: list[Imbalance] = []
    adjusted = 0
    for a in claim.adjustments:
        adjusted += a.amount_cents
    for line in claim.lines:
        on_line = 0
        for a in line.adjustments:
            on_line += a.amount_cents
        adjusted += on_line
        if line.charge_cents - on_line != line.paid_cents:
            found.append(_line_finding(claim, line, line.charge_cents - on_line))
    if claim.charge_cents - adjusted != claim.paid_cents:
        found.append(_claim_finding(claim, claim.charge_cents - adjusted))
    return found


def balance(remittance: Remittance) -> list[Imbalance]:
    """Every rule that fails in one remittance, in file order (empty when it balances)."""
    found: list[Imbalance] = []
    for claim in remittance.claims:
        found += claim_findings(claim)
    whole = transaction_imbalance(remittance)
    if whole is not None:
        found.append(whole)
    return found
