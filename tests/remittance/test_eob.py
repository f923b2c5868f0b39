"""Paper EOBs and checks entered by a person: read, checked whole, posted as an 835 would be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication
from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.db import make_engine, session_factory
from claims.errors import InvalidInput
from claims.files.models import FileStatus, StoredFile
from claims.ledger.models import AccountKind, Entry
from claims.remittances.models import Remittance, RemittanceKind, RemittanceStatus
from claims.rework.models import Category, ReworkItem
from remittance.eob import read_eob
from remittance.unapplied import apply_unapplied, list_unapplied
from tests.api.test_cli import claims_cli
from tests.claims.factories import ACTOR
from tests.remittance.helpers import (
    PAYER_CODE,
    TODAY,
    account_balance,
    assert_era_invariants,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database


def _eob(**changes: Any) -> dict[str, Any]:
    """A check of 170.00 for two claims: one paid with a contractual write-off and a
    deductible, one denied (CO-16 with a remark)."""
    document: dict[str, Any] = {
        "kind": "eob",
        "payer": PAYER_CODE,
        "payment": {
            "method": "CHK",
            "number": "CHK-5501",
            "date": "2025-01-15",
            "amount": "170.00",
        },
        "claims": [
            {
                "claim": "EOB1",
                "charge": "200.00",
                "paid": "170.00",
                "payer_claim_number": "PAPER-1",
                "lines": [
                    {
                        "procedure": "99213",
                        "charge": "200.00",
                        "paid": "170.00",
                        "adjustments": [
                            {"group": "CO", "reason": "45", "amount": "20.00"},
                            {"group": "PR", "reason": "1", "amount": "10.00"},
                        ],
                    }
                ],
            },
            {
                "claim": "EOB2",
                "status": "4",
                "charge": "125.00",
                "paid": "0.00",
                "adjustments": [{"group": "CO", "reason": "16", "amount": "125.00"}],
                "remarks": ["M51"],
            },
        ],
    }
    document.update(changes)
    return document


def _post(session: Session, office, document: dict[str, Any] | str, name: str = "eob.json"):  # type: ignore[no-untyped-def]
    content = document if isinstance(document, str) else json.dumps(document)
    return ingest(session, office, content, name=name)


def _remittances(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Remittance)) or 0


def test_a_paper_eob_posts_through_the_835_rules(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    paid = golden_claim(session, office, "EOB1", [("99213", 20000)])
    denied = golden_claim(session, office, "EOB2", [("97110", 12500)])

    report = _post(session, office, _eob())

    assert (report.kind, report.status) == ("EOB", "posted"), report.as_json()
    (t,) = report.transactions
    assert (t.claims, t.matched, t.unmatched, t.denials, t.posted_cents) == (2, 2, 0, 1, 17000)
    (remittance,) = session.scalars(select(Remittance))
    assert remittance.kind is RemittanceKind.MANUAL
    assert (remittance.trace_number, remittance.payment_cents) == ("CHK-5501", 17000)
    assert remittance.payer_id == office.payer.id
    assert_era_invariants(session, office.practice.id)
    practice = office.practice.id
    assert account_balance(session, practice, AccountKind.CASH) == 17000
    assert account_balance(session, practice, AccountKind.CONTRACTUAL) == 2000
    assert (
        account_balance(session, practice, AccountKind.PATIENT_AR, patient_id=office.patient.id)
        == 1000
    )
    session.refresh(paid)
    session.refresh(denied)
    assert paid.state is ClaimState.PAID and paid.payer_claim_number == "PAPER-1"
    assert denied.state is ClaimState.DENIED
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.claim_id == denied.id))
    assert item.category is Category.MISSING_INFORMATION
    assert item.codes.split() == ["CO-16", "M51"]
    rules = set(session.scalars(select(Adjudication.match_rule)))
    # No line control number on paper: lines by procedure; EOB2 without lines is allocated.
    assert rules == {"clp01", "procedure", "allocated"}
    entries = list(session.scalars(select(Entry).where(Entry.claim_id == paid.id)))
    assert entries and all(e.actor.startswith("eob:") for e in entries)


def test_the_same_eob_again_is_a_duplicate_and_other_content_a_conflict(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    golden_claim(session, office, "EOB1", [("99213", 20000)])
    golden_claim(session, office, "EOB2", [("97110", 12500)])
    first = _post(session, office, _eob())
    entries = session.scalar(select(func.count()).select_from(Entry))

    # Typed again with other spacing, key order and amounts written without cents: the same.
    retyped = json.dumps(_eob(), indent=2, sort_keys=True).replace('"170.00"', "170")
    again = _post(session, office, retyped, name="again.json")
    changed = _eob()
    changed["claims"][0]["payer_claim_number"] = "PAPER-9"
    conflict = _post(session, office, changed, name="changed.json")

    assert first.status == "posted"
    assert again.status == "duplicate", again.as_json()
    assert conflict.status == "conflict", conflict.as_json()
    assert session.scalar(select(func.count()).select_from(Entry)) == entries
    assert _remittances(session) == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"payer": "NOBODY"}, "payer: 'NOBODY' is not the code"),
        (
            {"payment": {"number": "1", "date": "2025-01-15", "amount": "12.345"}},
            "payment.amount: Decimal input should have no more than 2 decimal places",
        ),
        (
            {"payment": {"number": "1", "date": "2025-01-15", "amount": "171.00"}},
            "payment.amount: 171.00 but claims paid 170.00 less provider adjustments 0.00",
        ),
        ({"claims": []}, "claims: List should have at least 1 item"),
        ({"refund": True}, "refund: Extra inputs are not permitted"),
    ],
)
def test_a_bad_eob_is_refused_whole_naming_the_field(
    session: Session,
    office,  # type: ignore[no-untyped-def]
    change: dict[str, Any],
    named: str,
) -> None:
    golden_claim(session, office, "EOB1", [("99213", 20000)])
    golden_claim(session, office, "EOB2", [("97110", 12500)])

    report = _post(session, office, _eob(**change))

    assert report.status == "rejected"
    assert report.error is not None and named in report.error, report.error
    assert report.error.startswith("eob.json: ")
    assert _remittances(session) == 0
    assert session.scalar(select(func.count()).select_from(Entry)) == 2  # the two charges only
    stored = session.get(StoredFile, report.file_id)
    assert stored is not None and stored.status is FileStatus.REFUSED  # kept, not lost


def test_a_claim_that_does_not_balance_is_named_with_its_figures(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    document = _eob()
    document["claims"][0]["lines"][0]["paid"] = "160.00"

    report = _post(session, office, document)

    assert report.status == "rejected"
    assert "claims[0].lines[0]: charge less adjustments is 170.00 but paid is 160.00" in (
        report.error or ""
    )
    assert _remittances(session) == 0


def test_not_json_and_amounts_as_numbers(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    report = _post(session, office, '{"kind": "eob", "payer": ')
    assert report.status == "rejected" and "not a JSON document" in (report.error or "")

    # JSON numbers are read exactly (never through a float).
    text = json.dumps(_eob()).replace('"170.00"', "170.10").replace('"20.00"', "19.90")
    eob = read_eob(text.encode())
    assert str(eob.payment.amount) == "170.10"
    with pytest.raises(InvalidInput, match=r"claims\[0\]\.charge"):
        read_eob(json.dumps(_eob()).replace('"200.00"', '"2OO.00"', 1).encode())


def test_numbers_json_or_the_model_cannot_hold_are_refused_naming_the_field(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    """A quantity finer than a thousandth or too large for its column, and an integer longer
    than Python converts (4300 digits), are bad input: refused whole, not a crash."""
    golden_claim(session, office, "EOB1", [("99213", 20000)])
    golden_claim(session, office, "EOB2", [("97110", 12500)])
    for quantity, named in (
        (
            "0.0001",
            "claims[0].lines[0].adjustments[0].quantity: Decimal input should have no "
            "more than 3 decimal places",
        ),
        (
            "1e30",
            "claims[0].lines[0].adjustments[0].quantity: Decimal input should have no "
            "more than 15 digits",
        ),
    ):
        document = _eob()
        document["claims"][0]["lines"][0]["adjustments"][0]["quantity"] = quantity
        report = _post(session, office, document)
        assert report.status == "rejected", report.as_json()
        assert named in (report.error or ""), report.error
    huge = json.dumps(_eob()).replace('"170.00"', "1" + "0" * 5000, 1)
    report = _post(session, office, huge)
    assert report.status == "rejected"
    assert "not a JSON document" in (report.error or ""), report.error
    assert _remittances(session) == 0


def test_an_unmatched_eob_claim_waits_in_unapplied_cash_and_is_applied_by_hand(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    golden_claim(session, office, "EOB2", [("97110", 12500)])
    elsewhere = golden_claim(session, office, "OTHER-PCN", [("99213", 20000)])

    report = _post(session, office, _eob())

    (t,) = report.transactions
    assert (t.matched, t.unmatched, t.unapplied_cents) == (1, 1, 17000)
    assert_era_invariants(session, office.practice.id)
    (waiting,) = list_unapplied(session, practice_id=office.practice.id)
    assert waiting.amount_cents == 17000

    apply_unapplied(
        session, practice_id=office.practice.id, item_id=waiting.item_id, claim_id=elsewhere.id,
        actor=ACTOR, today=TODAY,
    )  # fmt: skip

    session.refresh(elsewhere)
    assert elsewhere.state is ClaimState.PAID
    assert list_unapplied(session, practice_id=office.practice.id) == []
    assert account_balance(session, office.practice.id, AccountKind.UNAPPLIED_CASH) == 0
    assert_era_invariants(session, office.practice.id)
    remittance = session.scalars(select(Remittance)).one()
    assert remittance.status is RemittanceStatus.POSTED
    assert session.get(Claim, elsewhere.id) is not None


def test_the_guides_example_eob_pays_demo_claim_10(scratch_sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """docs/examples/paper-eob.json, as the billing guide runs it on demo data."""
    example = Path(__file__).parents[2] / "docs" / "examples" / "paper-eob.json"
    for command in (["db", "upgrade"], ["demo"], ["scrub"], ["submit", "--out", str(tmp_path)]):
        code, out = claims_cli(scratch_sqlite_url, *command)
        assert code == 0, out

    code, out = claims_cli(scratch_sqlite_url, "ingest", str(example), "--json")

    assert code == 0, out
    (posted,) = json.loads(out)["files"]
    assert (posted["kind"], posted["status"], posted["matched"], posted["posted"]) == (
        "EOB", "posted", 1, "96.00",
    )  # fmt: skip
    engine = make_engine(scratch_sqlite_url)
    with session_factory(engine)() as session:
        claim = session.get(Claim, 10)
        assert claim is not None and claim.state is ClaimState.PAID
        assert claim.payer_claim_number == "ACME-26-118822"
    engine.dispose()
    code, out = claims_cli(scratch_sqlite_url, "check", "--json")
    assert code == 0 and json.loads(out)["uncleared_remittances"] == []


@pytest.mark.parametrize("document", ['[{"kind": "eob"}]', '"eob"', "\ufeff [1, 2]"])
def test_json_that_is_not_an_object_is_refused_as_an_eob(
    session: Session, office, document: str
) -> None:  # type: ignore[no-untyped-def]
    """A list or a string typed for an EOB is told so, not that it lacks an ISA segment."""
    report = _post(session, office, document)

    assert (report.kind, report.status) == ("EOB", "rejected"), report.as_json()
    assert "eob.json: document: Input should be a valid dictionary" in (report.error or "")
