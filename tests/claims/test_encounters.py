"""Tests of claims/encounters/service.py: recording encounters, their checks and charge postings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.encounters.models import ChargeLine, ClaimKind, Diagnosis, Encounter
from claims.encounters.service import create_encounter
from claims.errors import ClaimsError, InvalidInput, NotFound
from claims.ledger import service as ledger
from claims.ledger.models import Account, AccountKind, Entry, EntryKind
from claims.patients.models import CoverageOrder, Patient
from tests.claims import factories as f

WRITTEN = (Encounter, Diagnosis, ChargeLine, Entry, Account)
DAY = timedelta(days=1)


@pytest.fixture
def office(session: Session) -> f.Office:
    return f.make_office(session)


def _record(session: Session, office: f.Office, **overrides: Any) -> Encounter:
    return f.make_encounter(session, office.patient, office.billing, **overrides)


def _ar_key(session: Session, charge_line_id: int) -> set[str]:
    """The keys of the accounts debited for a charge line."""
    return {debit for _, debit, _ in ledger.entries_for_charge_lines(session, [charge_line_id])}


def _insurance(coverage_id: int) -> str:
    return f"insurance_ar:coverage:{coverage_id}"


def _patient(patient: Patient) -> str:
    return f"patient_ar:patient:{patient.id}"


# --- what gets recorded and posted ------------------------------------------------------------


def test_encounter_lines_and_diagnoses_are_stored_as_given(
    session: Session, office: f.Office
) -> None:
    encounter = _record(
        session,
        office,
        diagnoses=("e11.65", "I10", "Z79.4"),
        charges=(
            f.charge("99214", 22500, modifiers=("25",), pointers=(1, 2, 3)),
            f.charge("j3301", 4800, units_thousandths=4000, service_date=f.SERVICE_DATE + DAY),
            f.charge("97110", 4500, units_thousandths=500, modifiers=("GP", "59", "KX", "XU")),
        ),
    )
    session.expire_all()
    stored = session.get(Encounter, encounter.id)
    assert stored is not None
    assert [(d.position, d.code) for d in stored.diagnoses] == [
        (1, "E1165"),
        (2, "I10"),
        (3, "Z794"),
    ]
    lines = [
        (
            line.line_number,
            line.procedure_code,
            line.charge_cents,
            line.units_thousandths,
            line.modifiers,
            line.pointers,
            line.service_date,
        )
        for line in stored.lines
    ]
    assert lines == [
        (1, "99214", 22500, 1000, ["25"], [1, 2, 3], f.SERVICE_DATE),
        (2, "J3301", 4800, 4000, [], [1], f.SERVICE_DATE + DAY),
        (3, "97110", 4500, 500, ["GP", "59", "KX", "XU"], [1], f.SERVICE_DATE),
    ]


def test_each_charge_posts_one_entry_to_the_primary_coverage(
    session: Session, office: f.Office
) -> None:
    encounter = _record(
        session,
        office,
        charges=(
            f.charge("99213", 15000),
            f.charge("3074F", 0),  # a quality code: no money
            f.charge("93000", 7501, service_date=f.SERVICE_DATE + DAY),
        ),
        posting_date=date(2026, 4, 30),
    )
    first, zero, third = encounter.lines
    rows = ledger.entries_for_charge_lines(session, [first.id, zero.id, third.id])
    posted = [
        (
            e.charge_line_id,
            debit,
            credit,
            e.amount_cents,
            e.kind,
            e.posting_date,
            e.service_date,
            e.actor,
        )
        for e, debit, credit in rows
    ]
    insurance = _insurance(office.coverage.id)
    assert posted == [
        (
            first.id,
            insurance,
            "gross_charges",
            15000,
            EntryKind.CHARGE,
            date(2026, 4, 30),
            f.SERVICE_DATE,
            f.ACTOR,
        ),
        (
            third.id,
            insurance,
            "gross_charges",
            7501,
            EntryKind.CHARGE,
            date(2026, 4, 30),
            f.SERVICE_DATE + DAY,
            f.ACTOR,
        ),
    ]
    assert all(e.memo for e, _, _ in rows)  # every entry says why
    assert ledger.line_balances(session, zero.id) == {}
    receivable = ledger.account(
        session,
        practice_id=office.practice.id,
        kind=AccountKind.INSURANCE_AR,
        coverage_id=office.coverage.id,
    )
    gross = ledger.account(session, practice_id=office.practice.id, kind=AccountKind.GROSS_CHARGES)
    assert ledger.balance(session, receivable) == 22501
    assert ledger.balance(session, gross) == -22501
    assert ledger.line_balances(session, first.id) == {receivable: 15000}


def test_an_encounter_of_zero_charge_lines_posts_nothing(
    session: Session, office: f.Office
) -> None:
    before = f.count_rows(session, Entry)
    encounter = _record(session, office, charges=(f.charge("3074F", 0), f.charge("1036F", 0)))
    assert len(encounter.lines) == 2
    assert f.count_rows(session, Entry) == before


def test_charges_go_to_patient_ar_without_a_coverage(session: Session) -> None:
    practice = f.make_practice(session)
    billing = f.make_billing_provider(session, practice)
    patient = f.make_patient(session, practice)
    encounter = f.make_encounter(session, patient, billing)
    for line in encounter.lines:
        assert _ar_key(session, line.id) == {_patient(patient)}


@pytest.mark.parametrize(
    ("coverage", "insured"),
    [
        ({"effective_from": f.SERVICE_DATE, "effective_to": f.SERVICE_DATE}, True),  # inclusive
        ({"effective_from": f.SERVICE_DATE - 400 * DAY}, True),
        ({"effective_to": f.SERVICE_DATE + DAY}, True),
        ({"effective_to": f.SERVICE_DATE - DAY}, False),  # ended the day before
        ({"effective_from": f.SERVICE_DATE + DAY}, False),  # starts the day after
        ({"active": False}, False),
        ({"order": CoverageOrder.SECONDARY}, False),
        ({"order": CoverageOrder.TERTIARY}, False),
    ],
)
def test_charges_go_to_the_primary_coverage_in_force_on_the_date_of_service(
    session: Session, coverage: dict[str, Any], insured: bool
) -> None:
    practice = f.make_practice(session)
    billing = f.make_billing_provider(session, practice)
    payer = f.make_payer(session, practice)
    patient = f.make_patient(session, practice)
    cover = f.make_coverage(session, patient, payer, **coverage)
    encounter = f.make_encounter(session, patient, billing)
    expected = _insurance(cover.id) if insured else _patient(patient)
    for line in encounter.lines:
        assert _ar_key(session, line.id) == {expected}


def test_a_new_primary_coverage_takes_over_from_its_start_date(session: Session) -> None:
    practice = f.make_practice(session)
    billing = f.make_billing_provider(session, practice)
    payer = f.make_payer(session, practice)
    patient = f.make_patient(session, practice)
    old = f.make_coverage(session, patient, payer, effective_to=f.SERVICE_DATE - DAY)
    new = f.make_coverage(session, patient, payer, effective_from=f.SERVICE_DATE)
    before = f.make_encounter(session, patient, billing, service_date=f.SERVICE_DATE - DAY)
    after = f.make_encounter(session, patient, billing, service_date=f.SERVICE_DATE)
    assert _ar_key(session, before.lines[0].id) == {_insurance(old.id)}
    assert _ar_key(session, after.lines[0].id) == {_insurance(new.id)}


def test_another_patients_coverage_is_never_billed(session: Session, office: f.Office) -> None:
    patient = f.make_patient(session, office.practice)
    encounter = f.make_encounter(session, patient, office.billing)
    assert _ar_key(session, encounter.lines[0].id) == {_patient(patient)}


def test_accepted_limits(session: Session, office: f.Office) -> None:
    """The edges that must still pass: 12 diagnoses, 4 pointers, 4 modifiers, half a unit."""
    encounter = _record(
        session,
        office,
        diagnoses=[f"R{n:02d}" for n in range(12)],
        charges=(
            f.charge(pointers=(12, 11, 10, 9), modifiers=("25", "59", "GT", "95")),
            f.charge("97110", 0, units_thousandths=500),
        ),
    )
    assert len(encounter.diagnoses) == 12
    institutional = _record(
        session,
        office,
        kind=ClaimKind.INSTITUTIONAL,
        diagnoses=[f"R{n:02d}" for n in range(25)],
        charges=(f.charge("99284", 90000, revenue_code="0450", pointers=()),),
    )
    assert len(institutional.diagnoses) == 25


# --- refusals: a clear error that names the field, and nothing written -------------------------

LINE = f.charge("99213", 15000)

REFUSALS: list[tuple[str, dict[str, Any], type[ClaimsError], str]] = [
    ("no diagnoses", {"diagnoses": ()}, InvalidInput, "diagnoses"),
    ("13 diagnoses", {"diagnoses": [f"R{n:02d}" for n in range(13)]}, InvalidInput, "diagnoses"),
    (
        "26 diagnoses on an institutional claim",
        {
            "kind": ClaimKind.INSTITUTIONAL,
            "diagnoses": [f"R{n:02d}" for n in range(26)],
            "charges": (f.charge(revenue_code="0450"),),
        },
        InvalidInput,
        "diagnoses",
    ),
    ("no charges", {"charges": ()}, InvalidInput, "charges"),
    (
        "pointer to a missing diagnosis",
        {"charges": (LINE, f.charge(pointers=(1, 3)))},
        InvalidInput,
        "charges[2].pointers",
    ),
    ("bad dx shape", {"diagnoses": ["I10", "10I"]}, InvalidInput, "diagnoses[2]"),
    (
        "long procedure",
        {"charges": (f.charge(procedure_code="992133"),)},
        InvalidInput,
        "charges[1].procedure_code",
    ),
    (
        "long modifier",
        {"charges": (f.charge(modifiers=("255",)),)},
        InvalidInput,
        "charges[1].modifiers",
    ),
    ("bad place", {"place_of_service": "Office"}, InvalidInput, "place_of_service"),
    ("bad ndc", {"charges": (f.charge(ndc="1234"),)}, InvalidInput, "charges[1].ndc"),
    ("pointer 0", {"charges": (f.charge(pointers=(0,)),)}, InvalidInput, "charges[1].pointers"),
    ("no pointers", {"charges": (f.charge(pointers=()),)}, InvalidInput, "charges[1].pointers"),
    (
        "five pointers",
        {
            "diagnoses": ["I10", "E785", "J069", "R05.9", "Z23"],
            "charges": (f.charge(pointers=(1, 2, 3, 4, 5)),),
        },
        InvalidInput,
        "charges[1].pointers",
    ),
    (
        "five modifiers",
        {"charges": (LINE, f.charge(modifiers=("25", "59", "GT", "95", "XU")))},
        InvalidInput,
        "charges[2].modifiers",
    ),
    (
        "negative charge",
        {"charges": (f.charge(charge_cents=-1),)},
        InvalidInput,
        "charges[1].charge_cents",
    ),
    (
        "charge in float dollars",
        {"charges": (f.charge(charge_cents=150.0),)},
        InvalidInput,
        "charges[1].charge_cents",
    ),
    (
        "zero units",
        {"charges": (LINE, LINE, f.charge(units_thousandths=0))},
        InvalidInput,
        "charges[3].units_thousandths",
    ),
    (
        "negative units",
        {"charges": (f.charge(units_thousandths=-1000),)},
        InvalidInput,
        "charges[1].units_thousandths",
    ),
    (
        "institutional line without revenue code",
        {
            "kind": ClaimKind.INSTITUTIONAL,
            "charges": (f.charge(revenue_code="0450"), f.charge("85025", 3000)),
        },
        InvalidInput,
        "charges[2].revenue_code",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [pytest.param(o, e, fld, id=name) for name, o, e, fld in REFUSALS],
)
def test_refused_input_names_the_field_and_writes_nothing(
    session: Session,
    office: f.Office,
    overrides: dict[str, Any],
    error: type[ClaimsError],
    field: str,
) -> None:
    before = f.count_rows(session, *WRITTEN)
    with pytest.raises(error) as refused:
        _record(session, office, **overrides)
    assert str(refused.value).startswith(f"{field}:")
    assert f.count_rows(session, *WRITTEN) == before
    # the session is still usable: nothing half-flushed
    _record(session, office)


@pytest.mark.parametrize(
    "field", ["patient_id", "billing_provider_id", "rendering_provider_id", "referring_provider_id"]
)
def test_records_of_another_practice_are_not_found(
    session: Session, office: f.Office, field: str
) -> None:
    elsewhere = f.make_office(session)
    foreign = {
        "patient_id": elsewhere.patient.id,
        "billing_provider_id": elsewhere.billing.id,
        "rendering_provider_id": f.make_provider(session, elsewhere.practice).id,
        "referring_provider_id": f.make_provider(session, elsewhere.practice).id,
    }[field]
    data = replace(f.encounter_input(office.patient, office.billing), **{field: foreign})
    before = f.count_rows(session, *WRITTEN)
    with pytest.raises(NotFound) as refused:
        create_encounter(
            session,
            practice_id=office.practice.id,
            data=data,
            actor=f.ACTOR,
            posting_date=f.POSTING_DATE,
        )
    assert str(refused.value).startswith(f"{field}:")
    assert f.count_rows(session, *WRITTEN) == before


def test_unknown_patient_is_not_found(session: Session, office: f.Office) -> None:
    missing = (session.scalar(select(Patient.id).order_by(Patient.id.desc())) or 0) + 1000
    data = replace(f.encounter_input(office.patient, office.billing), patient_id=missing)
    with pytest.raises(NotFound, match=r"^patient_id:"):
        create_encounter(
            session,
            practice_id=office.practice.id,
            data=data,
            actor=f.ACTOR,
            posting_date=f.POSTING_DATE,
        )


def test_providers_of_the_same_practice_are_accepted(session: Session, office: f.Office) -> None:
    rendering = f.make_provider(session, office.practice)
    referring = f.make_provider(session, office.practice)
    encounter = _record(
        session, office, rendering_provider_id=rendering.id, referring_provider_id=referring.id
    )
    assert (encounter.rendering_provider_id, encounter.referring_provider_id) == (
        rendering.id,
        referring.id,
    )


def test_a_repeated_external_reference_is_refused_by_name(session: Session) -> None:
    office = f.make_office(session)
    data = f.encounter_input(office.patient, office.billing, external_ref="PM-42")
    create_encounter(
        session,
        practice_id=office.practice.id,
        data=data,
        actor=f.ACTOR,
        posting_date=f.POSTING_DATE,
    )
    with pytest.raises(InvalidInput, match=r"^external_ref:"):
        create_encounter(
            session,
            practice_id=office.practice.id,
            data=data,
            actor=f.ACTOR,
            posting_date=f.POSTING_DATE,
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ndc_unit": "MLX"}, "ndc_unit"),
        ({"ndc_unit": None}, "ndc_unit"),
        ({"ndc_quantity_thousandths": 0}, "ndc_quantity_thousandths"),
        ({"ndc_quantity_thousandths": -1000}, "ndc_quantity_thousandths"),
    ],
)
def test_a_drug_needs_a_known_unit_and_a_positive_quantity(
    session: Session, changes: dict[str, Any], field: str
) -> None:
    office = f.make_office(session)
    drug = {"ndc": "00003029305", "ndc_unit": "ML", "ndc_quantity_thousandths": 1000, **changes}
    data = f.encounter_input(
        office.patient, office.billing, charges=(f.charge("J3301", 4800, **drug),)
    )
    with pytest.raises(InvalidInput, match=rf"^charges\[1\]\.{field}:"):
        create_encounter(
            session, practice_id=office.practice.id, data=data, actor=f.ACTOR,
            posting_date=f.POSTING_DATE,
        )  # fmt: skip
