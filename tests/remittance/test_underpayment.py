"""Underpayments: a golden 835 posted against a payer's contract opens an item per short line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim.service import create_claim
from claims.claim.state import ClaimState
from claims.fees.service import ScheduleTerms, import_schedule
from claims.remittances.models import Remittance
from claims.rework.models import Category, ReworkItem, Source
from remittance.underpayment import open_underpayments
from tests.claims.factories import ACTOR, Office, charge, make_encounter
from tests.remittance.helpers import GOLDEN, TODAY, assert_era_invariants, ingest

ERA = GOLDEN / "835_underpaid_contract.835"
# What the payer's contract allows: 99213 at 100.00; 99214 at 120% of the base (125.00); 71046
# at 80.00, of which the professional component (26) is 40%: 32.00; 97110 at 30.00 a unit.
BASE = b"code,amount\n99214,125.00\n"
CONTRACT = b"code,modifier,amount,percent\n99213,,100.00,\n71046,,80.00,\n97110,,30.00,\n"


def _contract(session: Session, office: Office, **terms: str) -> None:
    pid = office.practice.id
    import_schedule(session, practice_id=pid, terms=ScheduleTerms(kind="base", name="medicare"),
                    data=BASE, source="medicare.csv", actor=ACTOR)  # fmt: skip
    import_schedule(
        session, practice_id=pid, data=CONTRACT, source="acme.csv", actor=ACTOR,
        terms=ScheduleTerms(kind="contract", payer_code=office.payer.payer_code,
                            base_name="medicare", base_percent="120", **terms),
    )  # fmt: skip


def _claim(session: Session, office: Office) -> int:
    encounter = make_encounter(
        session, office.patient, office.billing,
        charges=[charge("99213", 20000), charge("99214", 30000),
                 charge("71046", 9000, modifiers=("26",)),
                 charge("97110", 9000, units_thousandths=2000)],
    )  # fmt: skip
    claim = create_claim(session, practice_id=office.practice.id, encounter_id=encounter.id,
                         coverage_id=office.coverage.id, actor=ACTOR)  # fmt: skip
    claim.patient_control_number = "UNDER1"
    claim.state = ClaimState.ACCEPTED  # as the payer has it
    for number, line in enumerate(claim.lines, 1):
        line.line_control_number = f"UNDER1-{number}"
    session.flush()
    return claim.id


def _items(session: Session) -> list[ReworkItem]:
    return list(
        session.scalars(select(ReworkItem).where(ReworkItem.category == Category.UNDERPAYMENT))
    )


def test_an_underpaid_line_opens_an_item_with_the_exact_shortfall(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    _contract(session, office)
    claim_id = _claim(session, office)
    report = ingest(session, office, ERA.read_bytes())

    assert report.status == "posted", report.as_json()
    assert_era_invariants(session, office.practice.id)
    # 99213: AMT*B6 95.00 against 100.00 (5.00 short, over the 1.00 tolerance). 99214: paid at
    # 120% of the base. 71046-26: no AMT*B6; 25.00 paid + 6.40 PR + 0.60 CO-253 = 32.00, the
    # contract's 40%, so sequestration does not count. 97110 x 2: 59.50 of 60.00 is inside the
    # tolerance.
    (item,) = _items(session)
    assert (item.claim_id, item.source, item.codes, item.amount_cents) == (
        claim_id,
        Source.REMIT_835,
        "UNDERPAID 99213",
        500,
    )
    assert item.deadline == report_date(session) + timedelta(days=office.payer.appeal_days)
    assert "allowed 95.00 (AMT*B6)" in item.summary and "expects 100.00" in item.summary
    assert report.transactions[0].rework_items == 1


def report_date(session: Session):  # type: ignore[no-untyped-def]
    from claims.adjudications.models import Adjudication

    return session.scalar(select(Adjudication.adjudicated_on).limit(1))


def test_opening_again_adds_nothing(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    _contract(session, office)
    _claim(session, office)
    ingest(session, office, ERA.read_bytes())
    remittance_id = session.scalar(select(Remittance.id))
    assert remittance_id is not None
    assert open_underpayments(session, remittance_id=remittance_id, today=TODAY) == 0
    assert len(_items(session)) == 1


def test_the_tolerance_is_respected(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    _contract(session, office, tolerance="5.00")  # 5.00 short is not above 5.00
    _claim(session, office)
    ingest(session, office, ERA.read_bytes())
    assert _items(session) == []


def test_a_lower_tolerance_flags_the_small_shortfall_too(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    _contract(session, office, tolerance="0.25", tolerance_percent="0")
    _claim(session, office)
    ingest(session, office, ERA.read_bytes())
    found = sorted((i.codes, i.amount_cents) for i in _items(session))
    assert found == [("UNDERPAID 97110", 50), ("UNDERPAID 99213", 500)]


def test_without_a_contract_nothing_is_compared(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    _claim(session, office)
    report = ingest(session, office, ERA.read_bytes())
    assert report.status == "posted"
    assert _items(session) == []
