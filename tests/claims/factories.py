"""Builders of practices, providers, payers, patients, coverages and encounters for tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.encounters.models import ClaimKind, Encounter
from claims.encounters.service import ChargeInput, EncounterInput, create_encounter
from claims.patients.models import Coverage, CoverageOrder, Patient, Sex
from claims.practice.models import BillingProvider, ClaimKinds, Payer, Practice, Provider
from coding.npi import check_digit

ACTOR = "tester"
SERVICE_DATE = date(2026, 4, 15)
POSTING_DATE = date(2026, 4, 20)

# Unique codes and NPIs across every builder call of a run (tests roll back, but a test may
# build two practices, and the same NPI twice in one practice breaks a unique constraint).
_sequence = itertools.count(1)


def npi(first_nine: str) -> str:
    """A valid NPI from nine digits."""
    return first_nine + check_digit(first_nine)


def _next() -> int:
    return next(_sequence)


def _address() -> dict[str, Any]:
    return {
        "address1": "1 MAIN STREET",
        "city": "PORTLAND",
        "state": "OR",
        "postal_code": "972011234",
    }


def make_practice(session: Session, *, name: str = "Test Practice") -> Practice:
    """A practice with a unique code."""
    practice = Practice(code=f"TEST{_next():06d}", name=name)
    session.add(practice)
    session.flush()
    return practice


def make_billing_provider(
    session: Session, practice: Practice, **overrides: Any
) -> BillingProvider:
    """An organization billing provider with a valid NPI."""
    values: dict[str, Any] = {
        "practice_id": practice.id,
        "name": "TEST CLINIC",
        "npi": npi(f"{100000000 + _next():09d}"),
        "tin": "841234567",
        "taxonomy": "207Q00000X",
        **_address(),
    }
    values.update(overrides)
    billing = BillingProvider(**values)
    session.add(billing)
    session.flush()
    return billing


def make_provider(session: Session, practice: Practice, **overrides: Any) -> Provider:
    """A rendering or referring person with a valid NPI."""
    values: dict[str, Any] = {
        "practice_id": practice.id,
        "npi": npi(f"{200000000 + _next():09d}"),
        "last_name": "OSEI",
        "first_name": "AMARA",
    }
    values.update(overrides)
    provider = Provider(**values)
    session.add(provider)
    session.flush()
    return provider


def make_payer(
    session: Session, practice: Practice, *, accepts_replacement: bool = True, **overrides: Any
) -> Payer:
    """A commercial payer (or, with accepts_replacement=False, one like Medicare Part B)."""
    values: dict[str, Any] = {
        "practice_id": practice.id,
        "payer_code": f"PAYER{_next():06d}",
        "name": "ACME HEALTH PLAN",
        "claim_kinds": ClaimKinds.BOTH,
        "claim_filing_indicator": "CI" if accepts_replacement else "MB",
        "accepts_replacement": accepts_replacement,
        **_address(),
    }
    values.update(overrides)
    payer = Payer(**values)
    session.add(payer)
    session.flush()
    return payer


def make_patient(session: Session, practice: Practice, **overrides: Any) -> Patient:
    """A fictional patient with a unique account number."""
    values: dict[str, Any] = {
        "practice_id": practice.id,
        "account_number": f"ACC{_next():08d}",
        "last_name": "ALDER",
        "first_name": "AVA",
        "birth_date": date(1980, 1, 31),
        "sex": Sex.FEMALE,
        **_address(),
    }
    values.update(overrides)
    patient = Patient(**values)
    session.add(patient)
    session.flush()
    return patient


def make_coverage(
    session: Session,
    patient: Patient,
    payer: Payer,
    *,
    order: CoverageOrder = CoverageOrder.PRIMARY,
    effective_from: date | None = None,
    effective_to: date | None = None,
    active: bool = True,
    **overrides: Any,
) -> Coverage:
    """The patient's own coverage with a payer (the patient is the subscriber)."""
    values: dict[str, Any] = {
        "practice_id": patient.practice_id,
        "patient_id": patient.id,
        "payer_id": payer.id,
        "order": order,
        "member_id": f"M{_next():09d}",
        "effective_from": effective_from,
        "effective_to": effective_to,
        "active": active,
    }
    values.update(overrides)
    coverage = Coverage(**values)
    session.add(coverage)
    session.flush()
    return coverage


def charge(
    procedure_code: str = "99213", charge_cents: int = 15000, **overrides: Any
) -> ChargeInput:
    """One charge line to bill (one unit, pointing at the first diagnosis unless told)."""
    return ChargeInput(procedure_code=procedure_code, charge_cents=charge_cents, **overrides)


def encounter_input(
    patient: Patient,
    billing: BillingProvider,
    *,
    charges: Sequence[ChargeInput] | None = None,
    diagnoses: Sequence[str] = ("I10", "E78.5"),
    kind: ClaimKind = ClaimKind.PROFESSIONAL,
    service_date: date = SERVICE_DATE,
    **overrides: Any,
) -> EncounterInput:
    """An office visit: by default a 99213 and a 93000, both pointing at the first diagnosis."""
    if charges is None:
        charges = (charge("99213", 15000, pointers=(1, 2)), charge("93000", 7500))
    fields: dict[str, Any] = {"place_of_service": "11", **overrides}
    if kind is ClaimKind.INSTITUTIONAL:
        fields.setdefault("type_of_bill", "131")
    return EncounterInput(
        patient_id=patient.id,
        billing_provider_id=billing.id,
        service_date=service_date,
        diagnoses=tuple(diagnoses),
        charges=tuple(charges),
        kind=kind,
        **fields,
    )


def make_encounter(
    session: Session,
    patient: Patient,
    billing: BillingProvider,
    *,
    posting_date: date = POSTING_DATE,
    **input_overrides: Any,
) -> Encounter:
    """An encounter recorded through the service, so its charges are posted to the ledger."""
    return create_encounter(
        session,
        practice_id=patient.practice_id,
        data=encounter_input(patient, billing, **input_overrides),
        actor=ACTOR,
        posting_date=posting_date,
    )


@dataclass(frozen=True, slots=True)
class Office:
    """A practice with one billing provider, one payer and one patient covered by it."""

    practice: Practice
    billing: BillingProvider
    payer: Payer
    patient: Patient
    coverage: Coverage


def make_office(session: Session, *, accepts_replacement: bool = True) -> Office:
    """A practice ready to bill: billing provider, payer, patient and primary coverage."""
    practice = make_practice(session)
    billing = make_billing_provider(session, practice)
    payer = make_payer(session, practice, accepts_replacement=accepts_replacement)
    patient = make_patient(session, practice)
    coverage = make_coverage(session, patient, payer)
    return Office(practice, billing, payer, patient, coverage)


def count_rows(session: Session, *models: type) -> dict[str, int]:
    """How many rows each model's table holds (to show that a refusal wrote nothing)."""
    session.flush()
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in models
    }
