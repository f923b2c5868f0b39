"""Building the 837 value objects (edi.x837.models) for claim versions from the database.

Loads everything a set of claims needs in a fixed number of queries, then maps rows to value
objects: the subscriber/patient split (loop 2000C only for a dependent with no member ID of
their own), re-pointed diagnoses for split claims, and providers only where the guide wants
them (rendering when it differs from the billing provider).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, selectinload

from claims.claim.models import Claim
from claims.encounters.models import ChargeLine, ClaimKind, Encounter
from claims.patients.models import Coverage, Patient, Relationship
from claims.practice.models import (
    BillingProvider,
    Facility,
    PartnerPayerId,
    Payer,
    Provider,
)
from claims.secondary.cob import Cob, cob_for
from edi.x837 import models as x837

MAX_PROFESSIONAL_DIAGNOSES = 12
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Rows:
    """Every row the claims refer to, by ID."""

    encounters: dict[int, Encounter]
    line_counts: dict[int, int]  # encounter ID -> how many charge lines it has
    charge_lines: dict[int, ChargeLine]
    patients: dict[int, Patient]
    coverages: dict[int, Coverage]
    payers: dict[int, Payer]
    billing: dict[int, BillingProvider]
    providers: dict[int, Provider]
    facilities: dict[int, Facility]
    partner_codes: dict[int, str]  # payer ID -> the code the partner knows it by


def assemble(
    session: Session, claims: Sequence[Claim], *, trading_partner_id: int | None = None
) -> list[x837.Claim]:
    """The 837 value objects for these claim versions, in the same order."""
    rows = _load(session, claims, trading_partner_id)
    cob = cob_for(session, claims, partner_codes=rows.partner_codes)
    return [_with_cob(_claim(claim, rows), claim, cob.get(claim.id)) for claim in claims]


def _with_cob(value: x837.Claim, claim: Claim, cob: Cob | None) -> x837.Claim:
    """A claim to a later payer with the payers before it (loops 2320/2330, and 2430 on the
    lines they reported)."""
    if cob is None:
        return value
    lines = tuple(
        replace(line, adjudications=cob.lines.get(claim_line.charge_line_id, ()))
        for line, claim_line in zip(value.lines, claim.lines, strict=True)
    )
    return replace(value, other_payers=cob.other_payers, lines=lines)


def _by_id(session: Session, model: type[T], ids: Iterable[int | None]) -> dict[int, T]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    id_column = inspect(model, raiseerr=True).primary_key[0]
    rows = session.scalars(select(model).where(id_column.in_(wanted)))
    return {row.id: row for row in rows}  # type: ignore[attr-defined]


def _load(session: Session, claims: Sequence[Claim], trading_partner_id: int | None) -> _Rows:
    encounter_ids = {c.encounter_id for c in claims}
    encounters = {
        e.id: e
        for e in session.scalars(
            select(Encounter)
            .where(Encounter.id.in_(encounter_ids))
            .options(selectinload(Encounter.diagnoses))
        )
    }
    line_ids = [line.charge_line_id for c in claims for line in c.lines]
    providers = _by_id(
        session,
        Provider,
        [
            pid
            for e in encounters.values()
            for pid in (e.rendering_provider_id, e.referring_provider_id, e.attending_provider_id)
        ],
    )
    partner_codes: dict[int, str] = {}
    if trading_partner_id is not None:
        partner_codes = {
            row.payer_id: row.payer_code
            for row in session.scalars(
                select(PartnerPayerId).where(
                    PartnerPayerId.trading_partner_id == trading_partner_id
                )
            )
        }
    line_counts = {
        encounter_id: count
        for encounter_id, count in session.execute(
            select(ChargeLine.encounter_id, func.count())
            .where(ChargeLine.encounter_id.in_(encounter_ids))
            .group_by(ChargeLine.encounter_id)
        )
    }
    return _Rows(
        encounters=encounters,
        line_counts=line_counts,
        charge_lines=_by_id(session, ChargeLine, line_ids),
        patients=_by_id(session, Patient, [c.patient_id for c in claims]),
        coverages=_by_id(session, Coverage, [c.coverage_id for c in claims]),
        payers=_by_id(session, Payer, [c.payer_id for c in claims]),
        billing=_by_id(
            session, BillingProvider, [e.billing_provider_id for e in encounters.values()]
        ),
        providers=providers,
        facilities=_by_id(session, Facility, [e.facility_id for e in encounters.values()]),
        partner_codes=partner_codes,
    )


def _address(row: Patient | BillingProvider | Facility) -> x837.Address:
    return x837.Address(row.address1, row.city, row.state, row.postal_code, row.address2)


def _provider(row: Provider | None) -> x837.Provider | None:
    if row is None:
        return None
    return x837.Provider(x837.Person(row.last_name, row.first_name), row.npi, row.taxonomy)


def _claim(claim: Claim, rows: _Rows) -> x837.Claim:
    encounter = rows.encounters[claim.encounter_id]
    coverage = rows.coverages[claim.coverage_id]
    patient = rows.patients[claim.patient_id]
    payer = rows.payers[claim.payer_id]
    bp = rows.billing[encounter.billing_provider_id]
    billing = x837.BillingProvider(
        x837.Person(bp.name, is_organization=bp.is_organization), bp.npi, bp.tin, _address(bp),
        bp.taxonomy,
    )  # fmt: skip
    subscriber, dependent = _subscriber_and_patient(coverage, patient, payer, rows)
    charge_lines = [rows.charge_lines[line.charge_line_id] for line in claim.lines]
    diagnoses, remap = _diagnoses(
        encounter,
        charge_lines,
        claim.kind,
        whole=len(charge_lines) == rows.line_counts[encounter.id],
    )
    lines = tuple(
        x837.ServiceLine(
            control_number=claim_line.line_control_number,
            procedure_code=charge.procedure_code,
            charge_cents=claim_line.charge_cents,
            units_thousandths=charge.units_thousandths,
            service_date=charge.service_date,
            modifiers=tuple(charge.modifiers),
            pointers=tuple(remap[p] for p in charge.pointers if p in remap),
            place_of_service=charge.place_of_service,
            revenue_code=charge.revenue_code,
            drug=(
                x837.Drug(charge.ndc, charge.ndc_quantity_thousandths or 0, charge.ndc_unit or "UN")
                if charge.ndc
                else None
            ),
        )
        for claim_line, charge in zip(claim.lines, charge_lines, strict=True)
    )
    rendering = rows.providers.get(encounter.rendering_provider_id or 0)
    facility = rows.facilities.get(encounter.facility_id or 0)
    return x837.Claim(
        patient_control_number=claim.patient_control_number,
        total_charge_cents=claim.total_charge_cents,
        frequency=claim.frequency.value,
        billing_provider=billing,
        subscriber=subscriber,
        diagnoses=diagnoses,
        lines=lines,
        place_of_service=encounter.place_of_service,
        patient=dependent,
        payer_claim_number=claim.payer_claim_number,
        prior_authorization=encounter.prior_authorization,
        clia_number=encounter.clia_number,
        referring=_provider(rows.providers.get(encounter.referring_provider_id or 0)),
        # Loop 2310B only when someone other than the billing provider rendered the service.
        rendering=_provider(rendering) if rendering and rendering.npi != bp.npi else None,
        service_facility=(
            x837.Provider(
                x837.Person(facility.name, is_organization=True),
                facility.npi or "",
                address=_address(facility),
            )
            if facility is not None
            else None
        ),
        institutional=_institutional(encounter, rows)
        if claim.kind is ClaimKind.INSTITUTIONAL
        else None,
    )


def _subscriber_and_patient(
    coverage: Coverage, patient: Patient, payer: Payer, rows: _Rows
) -> tuple[x837.Subscriber, x837.Patient | None]:
    payer_code = rows.partner_codes.get(payer.id, payer.payer_code)
    # A dependent with a member ID of their own is sent as the subscriber (SBR02 = 18).
    if coverage.relationship is Relationship.SELF or coverage.patient_has_own_member_id:
        return (
            x837.Subscriber(
                coverage.order.value,
                x837.Person(patient.last_name, patient.first_name, patient.middle_name),
                coverage.member_id, payer.name, payer_code, payer.claim_filing_indicator,
                coverage.group_number, True, _address(patient), patient.birth_date,
                patient.sex.value,
            ),
            None,
        )  # fmt: skip
    subscriber = x837.Subscriber(
        coverage.order.value,
        x837.Person(coverage.subscriber_last_name or "", coverage.subscriber_first_name),
        coverage.member_id, payer.name, payer_code, payer.claim_filing_indicator,
        coverage.group_number, False,
    )  # fmt: skip
    dependent = x837.Patient(
        coverage.relationship.value,
        x837.Person(patient.last_name, patient.first_name, patient.middle_name),
        _address(patient), patient.birth_date, patient.sex.value,
    )  # fmt: skip
    return subscriber, dependent


def _diagnoses(
    encounter: Encounter, lines: Sequence[ChargeLine], kind: ClaimKind, *, whole: bool
) -> tuple[tuple[x837.Diagnosis, ...], dict[int, int]]:
    """The claim's diagnoses and how encounter positions map to claim pointers.

    A professional claim that carries every line of an encounter with at most 12 diagnoses
    sends them all as they are; a split part (or a longer list) sends only the diagnoses its
    lines point at, in the encounter's order, and re-points the lines.
    """
    every = list(encounter.diagnoses)
    if kind is ClaimKind.INSTITUTIONAL:
        dx = tuple(x837.Diagnosis(d.code, d.present_on_admission) for d in every)
        return dx, {}
    pointed = {p for line in lines for p in line.pointers}
    whole = whole and len(every) <= MAX_PROFESSIONAL_DIAGNOSES
    kept = every if whole else [d for d in every if d.position in pointed]
    remap = {d.position: n for n, d in enumerate(kept, start=1)}
    return tuple(x837.Diagnosis(d.code) for d in kept), remap


def _institutional(encounter: Encounter, rows: _Rows) -> x837.Institutional:
    return x837.Institutional(
        type_of_bill=encounter.type_of_bill or "",
        statement_from=encounter.service_date,
        statement_to=encounter.statement_to or encounter.service_date,
        admission_type=encounter.admission_type,
        admission_source=encounter.admission_source,
        patient_status=encounter.patient_status or "01",
        admission_at=encounter.admission_at,
        admitting_diagnosis=encounter.admitting_diagnosis,
        reason_for_visit=tuple(encounter.reason_for_visit.split(","))
        if encounter.reason_for_visit
        else (),
        attending=_provider(rows.providers.get(encounter.attending_provider_id or 0)),
    )
