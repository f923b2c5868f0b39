"""Posting 835s end to end: golden files in, claims, adjudications, rework items and ledger out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication
from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.remittances.models import Remittance, RemittanceStatus
from claims.rework.models import Category, ReworkItem, Source
from tests.claims.factories import make_office
from tests.remittance.helpers import (
    GOLDEN,
    PAYER_CODE,
    account_balance,
    assert_era_invariants,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database


@pytest.fixture
def office(session: Session):  # type: ignore[no-untyped-def]
    office = make_office(session)
    office.payer.payer_code = PAYER_CODE
    session.flush()
    return office


def _state(session: Session, claim: Claim) -> ClaimState:
    session.refresh(claim)
    return claim.state


def test_paid_partial_and_denied_claims_post_exactly(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    paid = golden_claim(session, office, "PAID1", [("99213", 20000)])
    part = golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    deny = golden_claim(session, office, "DENY1", [("97110", 12500)])
    report = ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes())

    assert report.status == "posted", report.as_json()
    (t,) = report.transactions
    assert (t.claims, t.matched, t.unmatched, t.denials) == (3, 3, 0, 1)
    assert t.posted_cents == 45000
    practice = office.practice.id
    insurance = {"coverage_id": office.coverage.id}
    # PAID1 and PART1 are settled with the payer; DENY1's 125.00 stays open on it.
    assert account_balance(session, practice, AccountKind.INSURANCE_AR, **insurance) == 12500
    # PART1's deductible and coinsurance (100.00) moved to the patient: no secondary coverage.
    patient = {"patient_id": office.patient.id}
    assert account_balance(session, practice, AccountKind.PATIENT_AR, **patient) == 10000
    assert account_balance(session, practice, AccountKind.CONTRACTUAL) == 15000  # written off
    assert account_balance(session, practice, AccountKind.CASH) == 45000
    assert _state(session, paid) is ClaimState.CLOSED
    assert _state(session, part) is ClaimState.PAID
    assert _state(session, deny) is ClaimState.DENIED
    assert paid.payer_claim_number == "PAYERCLM1"

    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.claim_id == deny.id))
    assert item.source is Source.REMIT_835
    assert item.category is Category.MISSING_INFORMATION  # CARC 16
    assert item.codes.split() == ["CO-16", "M51", "MA130", "N286"]
    assert item.amount_cents == 12500
    assert item.deadline == date(2025, 1, 14) + timedelta(days=office.payer.appeal_days)

    rules = set(
        session.scalars(select(Adjudication.match_rule).where(Adjudication.claim_id == part.id))
    )
    assert rules == {"clp01", "ref_6r"}
    # Every entry names its file and segment; the contractual one its CAS codes.
    entries = list(session.scalars(select(Entry).where(Entry.claim_id == paid.id)))
    assert all(e.source_file_id == report.file_id and e.segment_position for e in entries)
    (contractual,) = [e for e in entries if e.kind is EntryKind.ADJUSTMENT]
    assert (contractual.group_code, contractual.reason_code, contractual.amount_cents) == (
        "CO",
        "45",
        5000,
    )
    assert_era_invariants(session, practice)


def test_the_same_file_again_is_a_duplicate_and_changes_nothing(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    golden_claim(session, office, "PAID1", [("99213", 20000)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    golden_claim(session, office, "DENY1", [("97110", 12500)])
    content = (GOLDEN / "835_paid_partial_denial.835").read_text()
    ingest(session, office, content)
    entries = len(list(session.scalars(select(Entry.id))))
    # Re-enveloped with other control numbers: still the same payment.
    again = ingest(session, office, content.replace("000000101", "000000909"), name="again.835")
    assert again.status == "duplicate"
    assert len(list(session.scalars(select(Entry.id)))) == entries
    # The same trace with other content is a conflict for a person, and posts nothing.
    changed = content.replace("000000101", "000000910").replace("CAS*CO*16*125", "CAS*CO*50*125")
    conflict = ingest(session, office, changed, name="changed.835")
    assert conflict.status == "conflict"
    assert len(list(session.scalars(select(Entry.id)))) == entries
    item = session.scalars(
        select(ReworkItem).where(ReworkItem.category == Category.DUPLICATE)
    ).one()
    assert "other content" in item.summary
    assert_era_invariants(session, office.practice.id)


def test_unbalanced_transaction_is_held_whole_in_unapplied_cash(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    paid = golden_claim(session, office, "PAID1", [("99213", 20000)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    golden_claim(session, office, "DENY1", [("97110", 12500)])
    content = (
        (GOLDEN / "835_paid_partial_denial.835").read_text().replace("BPR*I*450*", "BPR*I*460*")
    )
    report = ingest(session, office, content)
    assert report.status == "held"
    remittance = session.scalars(select(Remittance)).one()
    assert remittance.status is RemittanceStatus.HELD
    practice = office.practice.id
    assert account_balance(session, practice, AccountKind.CASH) == 46000
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -46000
    assert _state(session, paid) is ClaimState.ACCEPTED  # nothing applied
    assert session.scalars(select(Adjudication)).first() is None
    item = session.scalars(
        select(ReworkItem).where(ReworkItem.remittance_id == remittance.id)
    ).one()
    assert "460.00" in item.summary and "450.00" in item.summary
    assert_era_invariants(session, practice)
