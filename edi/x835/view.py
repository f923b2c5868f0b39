"""An 835 as a person reads it: a remittance advice laid out like a paper EOB.

Streams: each claim is written as the reader completes it, so a file of 200,000 claims is
shown without being held. Money is shown as decimal dollars; a line or claim that does not
balance is flagged where it is, and each transaction set ends with its totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from edi.x835.balance import claim_findings, money, transaction_imbalance_of
from edi.x835.models import (
    Adjustment,
    ClaimPayment,
    ClaimStatus,
    Party,
    Person,
    ServiceLine,
    TransactionEnd,
    TransactionStart,
)
from edi.x835.reader import stream_835

STATUS = {
    ClaimStatus.PRIMARY: "processed as primary",
    ClaimStatus.SECONDARY: "processed as secondary",
    ClaimStatus.TERTIARY: "processed as tertiary",
    ClaimStatus.DENIED: "denied",
    ClaimStatus.PRIMARY_FORWARDED: "processed as primary, forwarded to another payer",
    ClaimStatus.SECONDARY_FORWARDED: "processed as secondary, forwarded to another payer",
    ClaimStatus.TERTIARY_FORWARDED: "processed as tertiary, forwarded to another payer",
    ClaimStatus.REVERSAL: "reversal of an earlier payment",
    ClaimStatus.NOT_OUR_CLAIM: "not this payer's claim, forwarded",
    ClaimStatus.PREDETERMINATION: "predetermination, not a payment",
}
METHOD = {
    "ACH": "EFT",
    "CHK": "check",
    "BOP": "debit or credit",
    "FWT": "wire",
    "NON": "no payment",
}
PLB_REASON = {
    "L6": "interest",
    "WO": "overpayment recovery",
    "72": "authorized return",
    "FB": "forward balance",
    "CS": "adjustment",
    "J1": "non-reimbursable",
    "AP": "acceleration of benefits",
    "CV": "capital passthrough",
    "IR": "internal revenue service withholding",
    "LE": "levy",
}
_LINE_HEADER = (
    f"  {'line':<5}{'date':<11}{'procedure':<18}{'units':>6}{'billed':>11}{'allowed':>11}"
    f"{'paid':>11}  adjustments"
)


def render_835(data: str | bytes | Path | TextIO, *, name: str | None = None) -> Iterator[str]:
    """The text lines of the remittance advice, one transaction set after another; raises
    X12Error (naming the segment) where the file cannot be read."""
    start: TransactionStart | None = None
    billed = 0
    for event in stream_835(data, name=name):
        if isinstance(event, TransactionStart):
            start, billed = event, 0
            yield from _head(event)
        elif isinstance(event, ClaimPayment):
            billed += event.charge_cents
            yield from _claim(event)
        else:
            assert start is not None  # the reader yields a start first
            yield from _foot(start, event, billed)


def _head(start: TransactionStart) -> Iterator[str]:
    payment = start.payment
    yield "=" * 96
    yield f"REMITTANCE ADVICE  (transaction set {start.control_number}, segment {start.position})"
    yield f"Payer: {_party(start.payer)}"
    yield f"Payee: {_party(start.payee)}"
    how = METHOD.get(payment.method, payment.method)
    when = f" on {payment.date.isoformat()}" if payment.date else ""
    trace = f", trace {start.trace.number}" if start.trace else ""
    yield f"Payment: {how} {money(payment.signed_cents)}{when}{trace}"
    produced = next((d.value for d in start.dates if d.qualifier == "405"), None)
    if produced:
        yield f"Production date: {produced.isoformat()}"


def _claim(clp: ClaimPayment) -> Iterator[str]:
    yield ""
    status = STATUS.get(clp.status, clp.status.value)
    yield f"Claim {clp.patient_control_number}  ({status})"
    details = []
    if clp.payer_claim_number:
        details.append(f"payer claim number {clp.payer_claim_number}")
    patient = clp.person("QC")
    if patient is not None:
        details.append(f"patient {_name(patient)}")
    insured = clp.person("IL") or patient
    if insured is not None and insured.id:
        details.append(f"member {insured.id}")
    crossover = clp.person("TT")
    if crossover is not None:
        details.append(f"forwarded to {crossover.last_name}")
    if details:
        yield "  " + "; ".join(details)
    if clp.lines:
        yield _LINE_HEADER
        for line in clp.lines:
            yield _line(line)
    remarks = [r for a in clp.adjudications for r in a.remarks]
    remarks += [r.code for line in clp.lines for r in line.remarks]
    totals = f"  claim: billed {money(clp.charge_cents)}, paid {money(clp.paid_cents)}" + (
        f", patient responsibility {money(clp.patient_responsibility_cents)}"
        if clp.patient_responsibility_cents is not None
        else ""
    )
    yield totals
    if clp.adjustments:
        yield f"  claim adjustments: {_adjustments(clp.adjustments)}"
    interest = clp.amount("I")
    if interest:
        yield f"  interest {money(interest)}"
    if remarks:
        yield f"  remarks: {' '.join(dict.fromkeys(remarks))}"
    for finding in claim_findings(clp):
        yield f"  ** does not balance: {finding.message}"


def _line(line: ServiceLine) -> str:
    day = next((d.value.isoformat() for d in line.dates if d.qualifier in ("472", "150")), "")
    code = line.procedure.code + "".join(f"-{m}" for m in line.procedure.modifiers)
    if line.revenue_code:
        code = f"{line.revenue_code} {code}"
    units = "" if line.units is None else f"{line.units.normalize():f}"
    allowed = next((a.cents for a in line.amounts if a.qualifier == "B6"), None)
    return (
        f"  {line.number:<5}{day:<11}{code[:17]:<18}{units:>6}{money(line.charge_cents):>11}"
        f"{money(allowed) if allowed is not None else '':>11}{money(line.paid_cents):>11}  "
        f"{_adjustments(line.adjustments)}"
    )


def _foot(start: TransactionStart, end: TransactionEnd, billed: int) -> Iterator[str]:
    yield ""
    if end.provider_adjustments:
        yield "Provider adjustments (a positive amount is taken from the payment):"
        for adj in end.provider_adjustments:
            reason = PLB_REASON.get(adj.reason, "")
            reference = f" {adj.reference}" if adj.reference else ""
            yield (
                f"  {adj.reason}{reference}{f' ({reason})' if reason else ''}: "
                f"{money(adj.amount_cents)}"
            )
    yield (
        f"Totals: {end.claim_count} claim(s), billed {money(billed)}, claims paid "
        f"{money(end.claim_paid_cents)}, provider adjustments "
        f"{money(end.provider_adjustment_cents)}, payment {money(start.payment.signed_cents)}"
    )
    imbalance = transaction_imbalance_of(start, end)
    yield f"** does not balance: {imbalance.message}" if imbalance else "Balanced."


def _adjustments(adjustments: tuple[Adjustment, ...]) -> str:
    return ", ".join(f"{a.group.value}-{a.reason} {money(a.amount_cents)}" for a in adjustments)


def _party(party: Party) -> str:
    ident = f" ({party.id_qualifier} {party.id})" if party.id else ""
    return f"{party.name}{ident}"


def _name(person: Person) -> str:
    if person.is_organization or not person.first_name:
        return person.last_name
    return f"{person.last_name}, {person.first_name}"


__all__ = ["render_835"]
