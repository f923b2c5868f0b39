"""Posting a patient's payment: cash against the patient's A/R, allocated to the lines named
or to the oldest balances first. Services flush; their caller commits.

What is paid beyond what the patient owes stays on the patient's account as a credit balance
on the last line paid (the newest line when nothing was owed), where the credit-balance report
finds it for a refund. A payment is known by its reference: the same reference with the same
figures returns the payment already posted, with other figures it is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.errors import InvalidInput
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.money import to_decimal
from claims.patients.models import Patient
from claims.payments.models import Method, PatientPayment
from claims.receivables.service import line_money

EXTERNAL_PREFIX = "patient-payment"


@dataclass(frozen=True, slots=True)
class PaymentPosted:
    """A patient payment and where its money went, line by line."""

    payment_id: int
    patient_id: int
    amount_cents: int
    applied: tuple[tuple[int, int], ...]  # (charge line ID, cents), credit included
    credit_cents: int  # beyond what was owed: a credit balance on the last line
    duplicate: bool  # the same payment was already posted; nothing changed

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "payment_id": self.payment_id,
            "patient_id": self.patient_id,
            "amount": str(to_decimal(self.amount_cents)),
            "applied": [
                {"charge_line_id": line, "amount": str(to_decimal(cents))}
                for line, cents in self.applied
            ],
            "credit": str(to_decimal(self.credit_cents)),
            "duplicate": self.duplicate,
        }


def post_patient_payment(
    session: Session,
    *,
    practice_id: int,
    patient_id: int,
    amount_cents: int,
    reference: str,
    received_on: date,
    actor: str,
    method: Method = Method.CHECK,
    charge_line_ids: Sequence[int] = (),
) -> PaymentPosted:
    """Post a patient payment (all or nothing): to the lines named, in the order named, else
    to the patient's balances oldest first; any excess is a credit balance."""
    if type(amount_cents) is not int or amount_cents <= 0:
        raise InvalidInput("amount: must be a positive number of cents")
    reference = reference.strip()
    if not reference or len(reference) > 80:
        raise InvalidInput("reference: a receipt or check number of 1 to 80 characters")
    if len(set(charge_line_ids)) != len(charge_line_ids):
        raise InvalidInput("lines: a charge line is named twice")
    patient = session.scalar(
        select(Patient)
        .where(Patient.id == patient_id, Patient.practice_id == practice_id)
        .with_for_update()  # one writer of a patient's money at a time
    )
    if patient is None:
        raise InvalidInput(f"patient_id {patient_id}: no such patient here")
    digest = _request_hash(patient_id, amount_cents, received_on, method, charge_line_ids)
    prior = session.scalar(
        select(PatientPayment).where(
            PatientPayment.practice_id == practice_id, PatientPayment.reference == reference
        )
    )
    if prior is not None:
        if prior.request_hash != digest:
            raise InvalidInput(
                f"reference: already used for payment {prior.id} with other figures; "
                "give this payment its own reference"
            )
        return _replayed(session, practice_id, prior)

    lines = line_money(session, practice_id=practice_id, patient_ids=[patient_id])
    if not lines:
        raise InvalidInput(f"patient_id {patient_id}: the patient has no charge lines to pay")
    if charge_line_ids:
        for line_id in charge_line_ids:
            if line_id not in lines:
                raise InvalidInput(f"lines: charge line {line_id} is not one of this patient's")
        targets = [lines[i] for i in charge_line_ids]
    else:
        targets = sorted(
            (m for m in lines.values() if m.patient.balance_cents > 0),
            key=lambda m: (m.service_date, m.charge_line_id),
        )
    allocation: list[tuple[int, int]] = []
    left = amount_cents
    for m in targets:
        share = min(max(m.patient.balance_cents, 0), left)
        if share:
            allocation.append((m.charge_line_id, share))
            left -= share
    credit = left
    if credit:
        last = (
            targets[-1]
            if targets
            else max(lines.values(), key=lambda m: (m.service_date, m.charge_line_id))
        )
        allocation = _add(allocation, last.charge_line_id, credit)

    payment = PatientPayment(
        practice_id=practice_id, patient_id=patient_id, amount_cents=amount_cents,
        received_on=received_on, method=method, reference=reference, request_hash=digest,
        applied_cents=amount_cents - credit, credit_cents=credit, actor=actor,
    )  # fmt: skip
    session.add(payment)
    session.flush()
    cash = ledger.account(session, practice_id=practice_id, kind=AccountKind.CASH)
    receivable = ledger.account(
        session, practice_id=practice_id, kind=AccountKind.PATIENT_AR, patient_id=patient_id
    )
    memo = f"patient payment {payment.id} ({method.value} {reference})"
    ledger.post(
        session,
        practice_id=practice_id,
        postings=[
            ledger.Posting(
                debit_account_id=cash,
                credit_account_id=receivable,
                amount_cents=cents,
                kind=EntryKind.PAYMENT,
                posting_date=received_on,
                actor=actor,
                charge_line_id=line_id,
                service_date=lines[line_id].service_date,
                deposit_date=received_on,
                external_id=f"{EXTERNAL_PREFIX}:{payment.id}:{n}",
                memo=memo
                if cents <= lines[line_id].patient.balance_cents
                else f"{memo}; more than owed: a credit balance",
            )
            for n, (line_id, cents) in enumerate(allocation, 1)
        ],
    )
    return PaymentPosted(payment.id, patient_id, amount_cents, tuple(allocation), credit, False)


def _add(allocation: list[tuple[int, int]], line_id: int, cents: int) -> list[tuple[int, int]]:
    if allocation and allocation[-1][0] == line_id:
        return [*allocation[:-1], (line_id, allocation[-1][1] + cents)]
    return [*allocation, (line_id, cents)]


def _request_hash(
    patient_id: int, amount_cents: int, received_on: date, method: Method, lines: Sequence[int]
) -> str:
    body = json.dumps(
        [patient_id, amount_cents, received_on.isoformat(), method.value, list(lines)]
    ).encode()
    return hashlib.sha256(body).hexdigest()


def _replayed(session: Session, practice_id: int, payment: PatientPayment) -> PaymentPosted:
    prefix = f"{EXTERNAL_PREFIX}:{payment.id}:"
    entries = session.scalars(
        select(Entry)
        .where(Entry.practice_id == practice_id, Entry.external_id.startswith(prefix))
        .order_by(Entry.id)
    )
    applied = tuple((e.charge_line_id or 0, e.amount_cents) for e in entries)
    return PaymentPosted(
        payment.id, payment.patient_id, payment.amount_cents, applied, payment.credit_cents, True
    )
