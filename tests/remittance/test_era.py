"""Posting 835s end to end: golden files in, claims, adjudications, rework items and ledger out."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication
from claims.claim.models import Claim, ClaimTransition
from claims.claim.state import ClaimState
from claims.files.models import FileStatus, StoredFile
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.patients.models import CoverageOrder
from claims.remittances.models import Remittance, RemittanceStatus
from claims.rework.models import Category, ReworkItem, Source
from tests.claims.factories import make_coverage, make_payer
from tests.remittance.helpers import (
    GOLDEN,
    account_balance,
    assert_era_invariants,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database


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


def test_reversal_undoes_the_original_exactly_and_the_correction_posts(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    rev = golden_claim(session, office, "REV1", [("99213", 20000)])
    ovp = golden_claim(session, office, "OVP1", [("99212", 10000)])
    # The claim the payer recovers an overpayment on (PLB WO names its payer claim number).
    recovered = golden_claim(session, office, "OLD4", [("99211", 5000)], state=ClaimState.PAID)
    recovered.payer_claim_number = "PAYERCLM4"
    session.flush()
    first = ingest(session, office, (GOLDEN / "835_original_rev1.835").read_bytes())
    assert first.status == "posted" and _state(session, rev) is ClaimState.CLOSED
    original_entries = list(session.scalars(select(Entry).where(Entry.claim_id == rev.id)))

    report = ingest(session, office, (GOLDEN / "835_reversal_plb.835").read_bytes(), "rev.835")
    assert report.status == "posted", report.as_json()
    (t,) = report.transactions
    assert (t.claims, t.matched, t.unmatched) == (3, 3, 0)
    reversals = list(
        session.scalars(
            select(Entry).where(Entry.reverses_entry_id.in_([e.id for e in original_entries]))
        )
    )
    assert len(reversals) == len(original_entries)  # every entry of the original, exactly once
    practice = office.practice.id
    insurance = {"coverage_id": office.coverage.id}
    # OLD4's 50.00 was never paid, REV1 is re-paid 180 + 20 contractual, OVP1 80 + 20.
    assert account_balance(session, practice, AccountKind.INSURANCE_AR, **insurance) == 5000
    assert _state(session, rev) is ClaimState.CLOSED
    assert _state(session, ovp) is ClaimState.CLOSED
    steps = [
        t.trigger
        for t in session.scalars(
            select(ClaimTransition)
            .where(ClaimTransition.claim_id == rev.id)
            .order_by(ClaimTransition.id)
        )
    ]
    assert steps[-4:] == ["remit_paid", "settled", "remit_reversed", "remit_paid"][-4:] or steps[
        -3:
    ] == ["remit_reversed", "remit_paid", "settled"]
    assert rev.payer_claim_number == "PAYERCLM9"  # the correction's new CLP07

    remittance = session.scalars(select(Remittance).where(Remittance.id == t.remittance_id)).one()
    plb = {
        e.reason_code: e
        for e in session.scalars(
            select(Entry).where(
                Entry.remittance_id == remittance.id,
                Entry.kind.in_([EntryKind.PROVIDER_ADJUSTMENT, EntryKind.INTEREST]),
            )
        )
    }
    assert plb["L6"].amount_cents == 250 and plb["L6"].claim_id == rev.id  # allocated by AMT*I
    assert plb["WO"].amount_cents == 3000 and plb["WO"].claim_id == recovered.id
    assert plb["FB"].amount_cents == 500 and plb["FB"].claim_id is None
    assert account_balance(session, practice, AccountKind.INTEREST) == -250
    assert account_balance(session, practice, AccountKind.CASH) == 15000 + 7750
    assert_era_invariants(session, practice)


def test_crossover_forwards_the_claim_and_transfers_to_the_secondary(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    secondary_payer = make_payer(session, office.practice)
    secondary = make_coverage(
        session, office.patient, secondary_payer, order=CoverageOrder.SECONDARY
    )
    claim = golden_claim(
        session, office, "XOVER1", [("99214", 30000)], service_date=date(2025, 1, 1)
    )
    report = ingest(session, office, (GOLDEN / "835_crossover.835").read_bytes())
    assert report.status == "posted", report.as_json()
    assert _state(session, claim) is ClaimState.FORWARDED
    practice = office.practice.id
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=office.coverage.id)
        == 0
    )
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=secondary.id)
        == 4000
    )
    assert (
        account_balance(session, practice, AccountKind.PATIENT_AR, patient_id=office.patient.id)
        == 0
    )
    assert_era_invariants(session, practice)


def test_unmatched_and_unbalanced_claims_wait_in_unapplied_cash(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    paid = golden_claim(session, office, "PAID1", [("99213", 20000)])
    report = ingest(session, office, (GOLDEN / "835_unmatched_unbalanced.835").read_bytes())
    (t,) = report.transactions
    assert (t.status, t.matched, t.unmatched, t.unapplied_cents) == ("posted", 0, 2, 23000)
    practice = office.practice.id
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -23000
    assert account_balance(session, practice, AccountKind.CASH) == 23000
    assert _state(session, paid) is ClaimState.ACCEPTED
    items = {
        i.codes: i
        for i in session.scalars(
            select(ReworkItem).where(ReworkItem.remittance_id == t.remittance_id)
        )
    }
    ghost, unbalanced = items["CLP01 GHOST1"], items["CLP01 PAID1"]
    assert ghost.source is Source.UNMATCHED_REMITTANCE and ghost.amount_cents == 8000
    assert unbalanced.claim_id == paid.id and "160.00" in unbalanced.summary
    assert "SVC03 is 150.00" in unbalanced.summary
    assert_era_invariants(session, practice)


def test_fallbacks_match_only_when_exactly_one_claim_fits(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    claim = golden_claim(session, office, "OURS1", [("99214", 30000)])
    claim.payer_claim_number = "PAYERCLMX"
    session.flush()
    # The payer echoes a patient control number we never sent and drops REF*6R; its claim
    # number and the line's original procedure (SVC06, re-coded 99214 -> 99215) still fit.
    content = (GOLDEN / "835_crossover.835").read_text().replace("CLP*XOVER1*19", "CLP*UNKNOWN*1")
    content = content.replace("REF*6R*XOVER1-1~", "").replace(
        "NM1*TT*2*SECOND PAYER INC*****PI*99999~", ""
    )
    content = content.replace("SE*36*", "SE*34*")
    report = ingest(session, office, content)
    assert report.transactions[0].matched == 1, report.as_json()
    rules = {
        a.claim_line_id is None: a.match_rule
        for a in session.scalars(select(Adjudication).where(Adjudication.claim_id == claim.id))
    }
    assert rules == {True: "clp07", False: "svc06"}
    assert_era_invariants(session, office.practice.id)


def test_two_claims_that_fit_are_suggested_not_posted(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    first = golden_claim(session, office, "TWIN1", [("99213", 20000)])
    second = golden_claim(session, office, "TWIN2", [("99213", 20000)])
    for claim in (first, second):
        claim.payer_claim_number = "PAYERCLM1"
    session.flush()
    content = (GOLDEN / "835_original_rev1.835").read_text().replace("CLP*REV1*", "CLP*NOPE1*")
    report = ingest(session, office, content)
    assert report.transactions[0].unmatched == 1
    item = session.scalars(select(ReworkItem).where(ReworkItem.codes == "CLP01 NOPE1")).one()
    assert item.suggested_claim_ids == f"{first.id},{second.id}"
    assert session.scalars(select(Adjudication)).first() is None
    assert_era_invariants(session, office.practice.id)


def test_a_malformed_file_is_kept_refused_and_posts_nothing(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    golden_claim(session, office, "REV1", [("99213", 20000)])
    content = (
        (GOLDEN / "835_original_rev1.835")
        .read_text()
        .replace("CLP*REV1*1*200*150*", "CLP*REV1*1*200*1X0*")
    )
    report = ingest(session, office, content)
    assert report.status == "rejected"
    assert "segment 10 (CLP)" in (report.error or "") and "CLP04" in (report.error or "")
    assert session.scalars(select(Entry).where(Entry.remittance_id.is_not(None))).first() is None
    stored = session.get(StoredFile, report.file_id)
    assert stored is not None and stored.status is FileStatus.REFUSED


def test_cli_ingest_reports_each_file_and_check_finds_clearing_at_zero(
    tmp_path: Path, scratch_sqlite_url: str
) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    runner = CliRunner()
    base = ["--database-url", scratch_sqlite_url]
    assert runner.invoke(app, [*base, "db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, [*base, "demo"]).exit_code == 0
    good = GOLDEN / "835_paid_partial_denial.835"
    bad = tmp_path / "bad.835"
    bad.write_text(good.read_text().replace("SE*54*", "SE*50*"))
    result = runner.invoke(app, [*base, "ingest", str(good), str(good), str(bad), "--json"])
    assert result.exit_code == 1, result.output  # one file was rejected
    files = json.loads(result.output)["files"]
    assert [f["status"] for f in files] == ["posted", "duplicate", "rejected"]
    assert files[0]["sha256"] == hashlib.sha256(good.read_bytes()).hexdigest()
    assert files[0]["kind"] == "835" and files[0]["unmatched"] == 3  # demo claims differ
    assert files[0]["unapplied"] == "450.00"
    assert "SE01" in files[2]["error"]
    text = runner.invoke(app, [*base, "ingest", str(good)])
    assert "835 duplicate" in text.output
    checked = runner.invoke(app, [*base, "check", "--json"])
    assert checked.exit_code == 0 and json.loads(checked.output)["uncleared_remittances"] == []
