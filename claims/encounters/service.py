"""Recording encounters and their charge lines; each charge is posted to the ledger at once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.encounters.models import ChargeLine, ClaimKind, Diagnosis, Encounter
from claims.errors import InvalidInput, NotFound
from claims.fees import service as fees
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, EntryKind
from claims.patients.models import Coverage, CoverageOrder, Patient
from claims.practice.models import BillingProvider, Facility, Provider

MAX_PROFESSIONAL_DIAGNOSES = 12
NDC_UNITS = frozenset({"F2", "GR", "ME", "ML", "UN"})  # CTP05-1: international unit, gram, ...
MAX_DIAGNOSES = 25  # 837I: principal + 24 others; the diagnoses table holds positions 1-25


@dataclass(frozen=True, slots=True)
class ChargeInput:
    """One service to bill."""

    procedure_code: str
    charge_cents: int | None  # None: priced from the practice's charge master
    units_thousandths: int = 1000
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = (1,)
    service_date: date | None = None  # defaults to the encounter's
    place_of_service: str | None = None
    revenue_code: str | None = None
    ndc: str | None = None
    ndc_quantity_thousandths: int | None = None
    ndc_unit: str | None = None


@dataclass(frozen=True, slots=True)
class EncounterInput:
    """A visit to record: who, by whom, where, when, what was found and what was done."""

    patient_id: int
    billing_provider_id: int
    service_date: date
    place_of_service: str
    diagnoses: Sequence[str]
    charges: Sequence[ChargeInput]
    rendering_provider_id: int | None = None
    referring_provider_id: int | None = None
    kind: ClaimKind = ClaimKind.PROFESSIONAL
    external_ref: str | None = None
    prior_authorization: str | None = None
    clia_number: str | None = None
    present_on_admission: Sequence[str | None] = field(default_factory=tuple)
    facility_id: int | None = None
    # Institutional (837I) only.
    attending_provider_id: int | None = None
    type_of_bill: str | None = None
    statement_to: date | None = None
    admission_at: datetime | None = None
    admission_type: str | None = None
    admission_source: str | None = None
    patient_status: str | None = None
    admitting_diagnosis: str | None = None
    reason_for_visit: Sequence[str] = ()  # 837I outpatient: up to 3 ICD-10-CM codes


def create_encounter(
    session: Session, *, practice_id: int, data: EncounterInput, actor: str, posting_date: date
) -> Encounter:
    """Record an encounter and post each line's charge to its responsible party's A/R."""
    _check_references(session, practice_id, data)
    data = _priced(session, practice_id, data)
    _check_lines(data)
    if data.external_ref is not None and session.scalar(
        select(Encounter.id).where(
            Encounter.practice_id == practice_id, Encounter.external_ref == data.external_ref
        )
    ):
        raise InvalidInput("external_ref: an encounter with this reference already exists")
    encounter = Encounter(
        practice_id=practice_id,
        external_ref=data.external_ref,
        patient_id=data.patient_id,
        billing_provider_id=data.billing_provider_id,
        rendering_provider_id=data.rendering_provider_id,
        referring_provider_id=data.referring_provider_id,
        kind=data.kind,
        place_of_service=data.place_of_service,
        service_date=data.service_date,
        prior_authorization=data.prior_authorization,
        clia_number=data.clia_number,
        facility_id=data.facility_id,
        attending_provider_id=data.attending_provider_id,
        type_of_bill=data.type_of_bill,
        statement_to=data.statement_to,
        admission_at=data.admission_at,
        admission_type=data.admission_type,
        admission_source=data.admission_source,
        patient_status=data.patient_status,
        admitting_diagnosis=(
            data.admitting_diagnosis.replace(".", "").upper() if data.admitting_diagnosis else None
        ),
        reason_for_visit=",".join(c.replace(".", "").upper() for c in data.reason_for_visit)
        or None,
    )
    poa = list(data.present_on_admission) + [None] * len(data.diagnoses)
    encounter.diagnoses = [
        Diagnosis(position=i, code=code.replace(".", "").upper(), present_on_admission=poa[i - 1])
        for i, code in enumerate(data.diagnoses, start=1)
    ]
    session.add(encounter)
    session.flush()
    lines = [
        _charge_line(practice_id, encounter, number, charge)
        for number, charge in enumerate(data.charges, start=1)
    ]
    session.add_all(lines)
    session.flush()
    _post_charges(session, practice_id, encounter, lines, actor=actor, posting_date=posting_date)
    return encounter


def responsible_account(session: Session, *, practice_id: int, patient_id: int, on: date) -> int:
    """The A/R account a new charge goes to: the primary coverage in force, else the patient."""
    coverage_id = session.scalar(
        select(Coverage.id)
        .where(
            Coverage.patient_id == patient_id,
            Coverage.order == CoverageOrder.PRIMARY,
            Coverage.active.is_(True),
            (Coverage.effective_from.is_(None)) | (Coverage.effective_from <= on),
            (Coverage.effective_to.is_(None)) | (Coverage.effective_to >= on),
        )
        .order_by(Coverage.id)
    )
    if coverage_id is not None:
        return ledger.account(
            session, practice_id=practice_id, kind=AccountKind.INSURANCE_AR, coverage_id=coverage_id
        )
    return ledger.account(
        session, practice_id=practice_id, kind=AccountKind.PATIENT_AR, patient_id=patient_id
    )


def _post_charges(
    session: Session,
    practice_id: int,
    encounter: Encounter,
    lines: Sequence[ChargeLine],
    *,
    actor: str,
    posting_date: date,
) -> None:
    gross = ledger.account(session, practice_id=practice_id, kind=AccountKind.GROSS_CHARGES)
    receivable = responsible_account(
        session, practice_id=practice_id, patient_id=encounter.patient_id, on=encounter.service_date
    )
    postings = [
        ledger.Posting(
            debit_account_id=receivable,
            credit_account_id=gross,
            amount_cents=line.charge_cents,
            kind=EntryKind.CHARGE,
            posting_date=posting_date,
            service_date=line.service_date,
            charge_line_id=line.id,
            actor=actor,
            memo=f"charge for encounter {encounter.id} line {line.line_number}",
        )
        for line in lines
        if line.charge_cents > 0  # zero-charge lines (quality codes) move no money
    ]
    ledger.post(session, practice_id=practice_id, postings=postings)


def _charge_line(practice_id: int, encounter: Encounter, number: int, c: ChargeInput) -> ChargeLine:
    modifiers = [*c.modifiers, None, None, None, None]
    pointers: list[int | None] = [*c.pointers, None, None, None, None]
    return ChargeLine(
        practice_id=practice_id,
        encounter_id=encounter.id,
        line_number=number,
        service_date=c.service_date or encounter.service_date,
        place_of_service=c.place_of_service,
        procedure_code=c.procedure_code.upper(),
        modifier1=modifiers[0],
        modifier2=modifiers[1],
        modifier3=modifiers[2],
        modifier4=modifiers[3],
        revenue_code=c.revenue_code,
        units_thousandths=c.units_thousandths,
        charge_cents=c.charge_cents,
        pointer1=pointers[0],
        pointer2=pointers[1],
        pointer3=pointers[2],
        pointer4=pointers[3],
        ndc=c.ndc,
        ndc_quantity_thousandths=c.ndc_quantity_thousandths,
        ndc_unit=c.ndc_unit,
    )


def _priced(session: Session, practice_id: int, data: EncounterInput) -> EncounterInput:
    """The encounter with each charge that came without an amount priced from the charge master
    (price per unit times units); InvalidInput names the first line it has no price for."""
    missing = [(i, c) for i, c in enumerate(data.charges, start=1) if c.charge_cents is None]
    if not missing:
        return data
    prices = fees.charge_master_prices(
        session, practice_id=practice_id,
        lines=[(c.procedure_code.upper(), c.modifiers, c.units_thousandths) for _, c in missing],
    )  # fmt: skip
    charges = list(data.charges)
    for (number, charge), price in zip(missing, prices, strict=True):
        if price is None:
            raise InvalidInput(
                f"charges[{number}].charge_cents: no amount given and the charge master has no "
                f"price for procedure {charge.procedure_code}"
            )
        charges[number - 1] = replace(charge, charge_cents=price)
    return replace(data, charges=tuple(charges))


def _check_references(session: Session, practice_id: int, data: EncounterInput) -> None:
    wanted: list[tuple[str, type, int | None]] = [
        ("patient_id", Patient, data.patient_id),
        ("billing_provider_id", BillingProvider, data.billing_provider_id),
        ("rendering_provider_id", Provider, data.rendering_provider_id),
        ("referring_provider_id", Provider, data.referring_provider_id),
        ("attending_provider_id", Provider, data.attending_provider_id),
        ("facility_id", Facility, data.facility_id),
    ]
    for name, model, ident in wanted:
        if ident is None:
            continue
        row = session.get(model, ident)
        if row is None or row.practice_id != practice_id:
            raise NotFound(f"{name}: no such record in this practice")


# Shapes only (what a column can hold); whether a code is valid is the scrubber's question.
_SHAPES = {
    "place_of_service": (re.compile(r"\d{2}"), "2 digits"),
    "procedure_code": (re.compile(r"[A-Za-z0-9]{5}"), "5 letters or digits"),
    "modifier": (re.compile(r"[A-Za-z0-9]{2}"), "2 letters or digits"),
    "revenue_code": (re.compile(r"\d{4}"), "4 digits"),
    "diagnosis": (re.compile(r"[A-Za-z][A-Za-z0-9]{2}\.?[A-Za-z0-9]{0,4}"), "an ICD-10-CM code"),
    "ndc": (re.compile(r"\d{11}"), "11 digits"),
    "clia_number": (re.compile(r"[A-Za-z0-9]{10}"), "10 letters or digits"),
    "present_on_admission": (re.compile(r"[YNUW1]"), "Y, N, U, W or 1"),
    "type_of_bill": (re.compile(r"\d{3}"), "3 digits (facility type and classification)"),
    "one_character": (re.compile(r"[A-Za-z0-9]"), "one letter or digit"),
    "patient_status": (re.compile(r"\d{2}"), "2 digits"),
}


def _shape(field: str, kind: str, value: str | None) -> None:
    if value is None:
        return
    pattern, wanted = _SHAPES[kind]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(f"{field}: must be {wanted}")


def _check_header(data: EncounterInput) -> None:
    _shape("place_of_service", "place_of_service", data.place_of_service)
    _shape("clia_number", "clia_number", data.clia_number)
    for name, value, limit in (
        ("external_ref", data.external_ref, 50),
        ("prior_authorization", data.prior_authorization, 50),
    ):
        if value is not None and not 0 < len(value) <= limit:
            raise InvalidInput(f"{name}: 1 to {limit} characters")
    for n, code in enumerate(data.diagnoses, start=1):
        _shape(f"diagnoses[{n}]", "diagnosis", code)
    for n, poa in enumerate(data.present_on_admission, start=1):
        _shape(f"present_on_admission[{n}]", "present_on_admission", poa)
    _shape("type_of_bill", "type_of_bill", data.type_of_bill)
    _shape("admission_type", "one_character", data.admission_type)
    _shape("admission_source", "one_character", data.admission_source)
    _shape("patient_status", "patient_status", data.patient_status)
    _shape("admitting_diagnosis", "diagnosis", data.admitting_diagnosis)
    if len(data.reason_for_visit) > 3:
        raise InvalidInput("reason_for_visit: at most 3 codes")
    for n, code in enumerate(data.reason_for_visit, start=1):
        _shape(f"reason_for_visit[{n}]", "diagnosis", code)
    if data.kind is ClaimKind.INSTITUTIONAL and data.type_of_bill is None:
        raise InvalidInput("type_of_bill: required on an institutional encounter")


def _check_lines(data: EncounterInput) -> None:
    _check_header(data)
    if not data.diagnoses:
        raise InvalidInput("diagnoses: at least one diagnosis is required")
    if data.kind is ClaimKind.PROFESSIONAL and len(data.diagnoses) > MAX_PROFESSIONAL_DIAGNOSES:
        raise InvalidInput(
            f"diagnoses: at most {MAX_PROFESSIONAL_DIAGNOSES} on a professional claim"
        )
    if len(data.diagnoses) > MAX_DIAGNOSES:
        raise InvalidInput(f"diagnoses: at most {MAX_DIAGNOSES} on a claim")
    if not data.charges:
        raise InvalidInput("charges: at least one charge line is required")
    for number, c in enumerate(data.charges, start=1):
        place = f"charges[{number}]"
        if type(c.charge_cents) is not int or c.charge_cents < 0:
            raise InvalidInput(f"{place}.charge_cents: must be whole cents, 0 or more")
        if type(c.units_thousandths) is not int or c.units_thousandths <= 0:
            raise InvalidInput(f"{place}.units_thousandths: must be a positive whole number")
        _shape(f"{place}.procedure_code", "procedure_code", c.procedure_code)
        _shape(f"{place}.place_of_service", "place_of_service", c.place_of_service)
        _shape(f"{place}.revenue_code", "revenue_code", c.revenue_code)
        _shape(f"{place}.ndc", "ndc", c.ndc)
        if len(c.modifiers) > 4:
            raise InvalidInput(f"{place}.modifiers: at most 4")
        for modifier in c.modifiers:
            _shape(f"{place}.modifiers", "modifier", modifier)
        if c.ndc is not None:
            if c.ndc_unit not in NDC_UNITS:
                raise InvalidInput(f"{place}.ndc_unit: one of {', '.join(sorted(NDC_UNITS))}")
            quantity = c.ndc_quantity_thousandths
            if type(quantity) is not int or quantity <= 0:
                raise InvalidInput(f"{place}.ndc_quantity_thousandths: a positive whole number")
        if data.kind is ClaimKind.PROFESSIONAL and not 1 <= len(c.pointers) <= 4:
            raise InvalidInput(f"{place}.pointers: 1 to 4 diagnosis pointers")
        for pointer in c.pointers:
            if not 1 <= pointer <= len(data.diagnoses):
                raise InvalidInput(f"{place}.pointers: {pointer} points at no diagnosis")
        if data.kind is ClaimKind.INSTITUTIONAL and not c.revenue_code:
            raise InvalidInput(f"{place}.revenue_code: required on an institutional claim")
