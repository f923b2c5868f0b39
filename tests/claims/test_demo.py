"""The demo practice (claims.demo.seed): what it creates, that it posts its charges, and that a
second run adds nothing."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims import demo
from claims.base import Base
from claims.claim.models import Claim, ClaimLine
from claims.claim.state import ClaimState
from claims.encounters.models import ChargeLine, ClaimKind, Diagnosis, Encounter
from claims.ledger import service as ledger
from claims.ledger.models import Account, AccountKind, Entry, EntryKind
from claims.patients.models import Coverage, CoverageOrder, Patient, Relationship
from claims.practice.models import BillingProvider, Payer, Practice, Provider
from coding.npi import is_valid

POSTING_DATE = date(2026, 10, 15)
FIRST_DOS = date(2026, 4, 1)
LAST_DOS = date(2026, 9, 30)
CLIA = re.compile(r"^\d{2}D\d{7}$")


def age(patient: Patient, on: date) -> int:
    born = patient.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_lab(code: str) -> bool:
    """CPT pathology and laboratory (80047-89398)."""
    return code.isdigit() and 80047 <= int(code) <= 89398


@pytest.fixture
def practice(session: Session) -> Practice:
    created = demo.seed(session)
    assert created is not None
    return created


def _all(session: Session, model: type, practice: Practice) -> list:
    return list(session.scalars(select(model).where(model.practice_id == practice.id)))


def test_master_data(session: Session, practice: Practice) -> None:
    assert session.scalar(select(func.count()).select_from(Practice)) == 1
    assert practice.code == demo.PRACTICE_CODE

    billers = _all(session, BillingProvider, practice)
    assert len(billers) == 2  # the practice, and a hospital's outpatient department (837I)
    for billing in billers:
        assert is_valid(billing.npi), billing.npi
        assert len(billing.tin) == 9 and billing.tin.isdigit()
        assert len(billing.postal_code) == 9  # 5010 wants ZIP+4 for the billing provider

    providers = {p.id: p for p in _all(session, Provider, practice)}
    assert all(is_valid(p.npi) for p in providers.values())
    rendering = {
        e.rendering_provider_id
        for e in _all(session, Encounter, practice)
        if e.rendering_provider_id
    }
    assert len(rendering) == 3 and rendering <= providers.keys()

    payers = _all(session, Payer, practice)
    assert len(payers) == 3
    no_replacement = [p for p in payers if not p.accepts_replacement]
    assert len(no_replacement) == 1
    assert no_replacement[0].claim_filing_indicator == "MB"  # Medicare Part B reopens instead


def test_patients_and_coverages(session: Session, practice: Practice) -> None:
    patients = {p.id: p for p in _all(session, Patient, practice)}
    assert len(patients) == 20
    coverages = _all(session, Coverage, practice)
    by_order = defaultdict(list)
    for c in coverages:
        by_order[c.order].append(c)

    primaries = Counter(c.patient_id for c in by_order[CoverageOrder.PRIMARY])
    assert set(primaries) == set(patients) and set(primaries.values()) == {1}
    secondaries = by_order[CoverageOrder.SECONDARY]
    assert secondaries
    primary_payer = {c.patient_id: c.payer_id for c in by_order[CoverageOrder.PRIMARY]}
    assert all(c.payer_id != primary_payer[c.patient_id] for c in secondaries)

    dependents = [c for c in coverages if c.relationship is Relationship.CHILD]
    assert {c.patient_has_own_member_id for c in dependents} == {True, False}
    for c in dependents:
        child = patients[c.patient_id]
        assert c.subscriber_last_name and c.subscriber_first_name
        assert c.subscriber_birth_date is not None and c.subscriber_birth_date < child.birth_date
        assert c.subscriber_sex is not None
        assert age(child, LAST_DOS) < 26  # a dependent on a parent's plan
    for c in coverages:
        if c.relationship is Relationship.SELF:
            assert c.subscriber_last_name is None  # the patient is the subscriber

    medicare = {p.id for p in _all(session, Payer, practice) if p.claim_filing_indicator == "MB"}
    on_medicare = [patients[c.patient_id] for c in coverages if c.payer_id in medicare]
    assert on_medicare
    for patient in on_medicare:  # the demo has no disability or ESRD entitlement
        assert age(patient, FIRST_DOS) >= 65, f"patient {patient.id} on Medicare under 65"


def test_encounters_and_lines(session: Session, practice: Practice) -> None:
    encounters = _all(session, Encounter, practice)
    assert len(encounters) == 50
    assert len({e.external_ref for e in encounters}) == 50
    lines = _all(session, ChargeLine, practice)
    by_encounter = defaultdict(list)
    for line in lines:
        by_encounter[line.encounter_id].append(line)

    institutional = [e for e in encounters if e.kind is ClaimKind.INSTITUTIONAL]
    assert len(institutional) == 4
    for e in institutional:
        assert e.type_of_bill == "131" and e.attending_provider_id is not None
        assert all(line.revenue_code for line in by_encounter[e.id])
    for e in encounters:
        assert FIRST_DOS <= e.service_date <= LAST_DOS
        assert by_encounter[e.id], f"encounter {e.id} has no lines"
        assert all(line.service_date == e.service_date for line in by_encounter[e.id])
        if e.kind is ClaimKind.INSTITUTIONAL:
            continue  # a hospital's lab is certified through the hospital, not a CLIA REF
        lab = any(is_lab(line.procedure_code) for line in by_encounter[e.id])
        if lab:
            assert e.clia_number is not None and CLIA.match(e.clia_number)
        else:
            assert e.clia_number is None, f"encounter {e.id}: CLIA on a visit without lab work"
    assert any(e.clia_number for e in encounters)
    assert any(line.modifiers for line in lines)
    assert any(line.units_thousandths > 1000 for line in lines)

    diagnoses = session.scalars(
        select(Diagnosis).join(Encounter).where(Encounter.practice_id == practice.id)
    ).all()
    count = Counter(d.encounter_id for d in diagnoses)
    professional = {e.id for e in encounters if e.kind is ClaimKind.PROFESSIONAL}
    for line in lines:
        if line.encounter_id not in professional:
            assert not line.pointers  # 837I lines carry no diagnosis pointers
            continue
        assert line.pointers and all(1 <= p <= count[line.encounter_id] for p in line.pointers)


def test_every_charge_is_posted_to_the_ledger(session: Session, practice: Practice) -> None:
    lines = {line.id: line for line in _all(session, ChargeLine, practice)}
    total = sum(line.charge_cents for line in lines.values())
    assert total > 0
    charges = session.scalars(
        select(Entry).where(Entry.practice_id == practice.id, Entry.kind == EntryKind.CHARGE)
    ).all()
    assert sum(e.amount_cents for e in charges) == total
    posted = Counter(e.charge_line_id for e in charges)
    assert posted == Counter({i: 1 for i, line in lines.items() if line.charge_cents > 0})

    gross = ledger.account(session, practice_id=practice.id, kind=AccountKind.GROSS_CHARGES)
    assert ledger.balance(session, gross) == -total
    accounts = {a.id: a for a in _all(session, Account, practice)}
    assert accounts[gross].balance_cents == -total  # the projection agrees
    assert sum(a.balance_cents for a in accounts.values()) == 0

    encounters = {e.id: e for e in _all(session, Encounter, practice)}
    primary = {
        c.patient_id: c.id
        for c in _all(session, Coverage, practice)
        if c.order is CoverageOrder.PRIMARY
    }
    for e in charges:
        line = lines[e.charge_line_id]
        debit = accounts[e.debit_account_id]
        assert e.credit_account_id == gross and e.amount_cents == line.charge_cents
        assert debit.kind is AccountKind.INSURANCE_AR
        assert debit.coverage_id == primary[encounters[line.encounter_id].patient_id]
        assert e.posting_date == line.service_date + demo.CHARGE_ENTRY_LAG
        assert e.service_date == line.service_date
    assert ledger.check(session, practice_id=practice.id) == []


def test_one_draft_claim_per_encounter(session: Session, practice: Practice) -> None:
    encounters = {e.id: e for e in _all(session, Encounter, practice)}
    claims = _all(session, Claim, practice)
    assert sorted(c.encounter_id for c in claims) == sorted(encounters)
    lines = defaultdict(list)
    for line in _all(session, ChargeLine, practice):
        lines[line.encounter_id].append(line)
    coverages = {c.id: c for c in _all(session, Coverage, practice)}
    for claim in claims:
        assert claim.state is ClaimState.DRAFT
        coverage = coverages[claim.coverage_id]
        assert coverage.order is CoverageOrder.PRIMARY
        assert coverage.patient_id == claim.patient_id == encounters[claim.encounter_id].patient_id
        assert claim.payer_id == coverage.payer_id
        assert claim.total_charge_cents == sum(x.charge_cents for x in lines[claim.encounter_id])
        assert claim.total_charge_cents == sum(x.charge_cents for x in claim.lines)
        assert {x.charge_line_id for x in claim.lines} == {x.id for x in lines[claim.encounter_id]}
        assert len(claim.patient_control_number) <= 17 and claim.patient_control_number.isalnum()
    controls = [x.line_control_number for x in _all(session, ClaimLine, practice)]
    assert len(controls) == len(set(controls))


def _row_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def test_a_second_seed_adds_nothing(session: Session, practice: Practice) -> None:
    session.flush()
    before = _row_counts(session)
    assert before["claims"] == 50 and before["ledger_entries"] > 0

    assert demo.seed(session) is None
    session.flush()
    assert _row_counts(session) == before


def test_demo_diagnoses_are_billable_in_the_shipped_release() -> None:
    try:
        import simple_icd_10_cm as icd  # type: ignore[import-untyped]
    except ImportError:
        pytest.skip("simple_icd_10_cm (the shipped ICD-10-CM release) is not installed")
    codes = sorted({code for visit in demo.VISITS for code in visit.diagnoses})
    assert len(codes) > 10
    unknown = [code for code in codes if not icd.is_valid_item(code)]
    assert unknown == [], f"not ICD-10-CM codes: {unknown}"
    not_billable = [code for code in codes if not icd.is_leaf(code)]
    assert not_billable == [], f"not billable (not leaf) codes: {not_billable}"
