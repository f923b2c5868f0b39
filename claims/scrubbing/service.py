"""Scrubbing claims from the database with coding/'s edits.

A claim with no error moves to ready; one with errors goes on hold, and each error opens a
rework item (source: scrubber) routed by the edit's category. Scrubbing a claim again closes
its earlier scrubber items, since the claim was changed to fix them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from claims.base import utcnow
from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimLine
from claims.claim.state import ClaimState, Command
from claims.encounters.models import ChargeLine, ClaimKind, Encounter
from claims.practice.models import BillingProvider, Payer
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.rework.service import open_item
from claims.submission.assemble import assemble
from coding import scrub as scrubber
from coding.payer_rules import PayerRules
from edi.x837 import models as x837

SCRUBBABLE = (ClaimState.DRAFT, ClaimState.ON_HOLD, ClaimState.READY)


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """One claim's verdict: its findings and the state it moved to."""

    claim_id: int
    patient_control_number: str
    state: ClaimState
    findings: tuple[scrubber.Finding, ...]

    @property
    def errors(self) -> tuple[scrubber.Finding, ...]:
        """The findings that block submission."""
        return tuple(f for f in self.findings if f.severity is scrubber.Severity.ERROR)


class DatabaseHistory:
    """Other live claims' lines for the patients being scrubbed, read in one query."""

    def __init__(self, session: Session, patient_ids: Sequence[int]) -> None:
        self._lines: dict[tuple[str, date], list[scrubber.HistoryLine]] = defaultdict(list)
        if not patient_ids:
            return
        rows = session.execute(
            select(
                Claim.id, ClaimLine.line_number, Claim.patient_id, ChargeLine.service_date,
                ChargeLine.procedure_code, ChargeLine.modifier1, ChargeLine.modifier2,
                ChargeLine.modifier3, ChargeLine.modifier4, ChargeLine.units_thousandths,
                BillingProvider.npi, Payer.payer_code,
            )
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
            .join(Encounter, Encounter.id == Claim.encounter_id)
            .join(BillingProvider, BillingProvider.id == Encounter.billing_provider_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .where(
                Claim.patient_id.in_(list(set(patient_ids))),
                Claim.state.not_in([ClaimState.REPLACED, ClaimState.VOIDED]),
            )
        )  # fmt: skip
        for row in rows:
            (claim_id, number, patient_id, day, code, m1, m2, m3, m4, units, npi, payer) = row
            self._lines[(str(patient_id), day)].append(
                scrubber.HistoryLine(
                    str(claim_id),
                    number,
                    str(patient_id),
                    day,
                    code,
                    tuple(m for m in (m1, m2, m3, m4) if m),
                    units,
                    npi,
                    payer,
                )
            )

    def other_lines(self, patient_key: str, service_date: date) -> Sequence[scrubber.HistoryLine]:
        """The patient's lines on that date (the scrubber drops the claim's own)."""
        return self._lines.get((patient_key, service_date), ())


def scrub_claims(
    session: Session,
    *,
    practice_id: int,
    tables: scrubber.CodeTables,
    today: date,
    actor: str,
    claim_ids: Sequence[int] | None = None,
    rules: Mapping[str, PayerRules] | None = None,
) -> list[Scrubbed]:
    """Scrub the practice's draft, on-hold and ready claims (or the ones named)."""
    query = (
        select(Claim)
        .where(Claim.practice_id == practice_id, Claim.state.in_(SCRUBBABLE))
        .order_by(Claim.id)
    )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    claims = list(session.scalars(query))
    if not claims:
        return []
    values = assemble(session, claims)
    payers = {
        p.id: p for p in session.scalars(select(Payer).where(Payer.practice_id == practice_id))
    }
    history = DatabaseHistory(session, [c.patient_id for c in claims])
    results = []
    for claim, value in zip(claims, values, strict=True):
        facts = scrub_view(claim, value, payers[claim.payer_id])
        findings = tuple(
            scrubber.scrub(facts, tables=tables, history=history, today=today, rules=rules)
        )
        _settle(session, claim, findings, actor=actor, today=today)
        results.append(Scrubbed(claim.id, claim.patient_control_number, claim.state, findings))
    return results


def scrub_view(claim: Claim, value: x837.Claim, payer: Payer) -> scrubber.ScrubClaim:
    """What the scrubber reads of a claim: codes, amounts, identifiers and the presence of
    demographics (never their values)."""
    sub = value.subscriber
    providers = [scrubber.ScrubProvider(scrubber.ProviderRole.BILLING, value.billing_provider.npi)]
    for role, provider in (
        (scrubber.ProviderRole.RENDERING, value.rendering),
        (scrubber.ProviderRole.REFERRING, value.referring),
        (scrubber.ProviderRole.SERVICE_FACILITY, value.service_facility),
        (
            scrubber.ProviderRole.ATTENDING,
            value.institutional.attending if value.institutional else None,
        ),
    ):
        if provider is not None:
            providers.append(scrubber.ScrubProvider(role, provider.npi or None))
    subscriber = scrubber.Demographics(
        name=bool(sub.name.last_name and (sub.name.first_name or sub.name.is_organization)),
        birth_date=sub.birth_date is not None or not sub.is_patient,
        sex=bool(sub.sex) or not sub.is_patient,
        address=sub.address is not None or not sub.is_patient,
        member_id=bool(sub.member_id),
    )
    patient = None
    if value.patient is not None:
        p = value.patient
        patient = scrubber.Demographics(
            name=bool(p.name.last_name and p.name.first_name), birth_date=True, sex=bool(p.sex),
            address=bool(p.address.line1 and p.address.city), member_id=True,
        )  # fmt: skip
    inst = value.institutional
    lines = tuple(
        scrubber.ScrubLine(
            line_number=n,
            procedure_code=line.procedure_code,
            charge_cents=line.charge_cents,
            units_thousandths=line.units_thousandths,
            modifiers=line.modifiers,
            pointers=line.pointers,
            service_date=line.service_date,
            place_of_service=line.place_of_service,
            revenue_code=line.revenue_code,
            ndc=line.drug.ndc if line.drug else None,
        )
        for n, line in enumerate(value.lines, start=1)
    )
    return scrubber.ScrubClaim(
        claim_key=str(claim.id),
        kind=scrubber.ClaimKind(claim.kind.value),
        patient_key=str(claim.patient_id),
        payer_code=payer.payer_code,
        service_date=inst.statement_from
        if inst
        else min(line.service_date for line in value.lines),
        diagnoses=tuple(d.code for d in value.diagnoses),
        lines=lines,
        providers=tuple(providers),
        billing_tin=value.billing_provider.tin,
        subscriber=subscriber,
        patient=patient,
        timely_filing_days=payer.timely_filing_days,
        filing_from=claim.filing_from,
        frequency=value.frequency,
        payer_claim_number_present=bool(value.payer_claim_number),
        payer_accepts_replacement=payer.accepts_replacement,
        place_of_service=value.place_of_service if claim.kind is ClaimKind.PROFESSIONAL else None,
        present_on_admission=tuple(d.present_on_admission for d in value.diagnoses) if inst else (),
        total_charge_cents=value.total_charge_cents,
        clia_number=value.clia_number,
        prior_authorization_present=bool(value.prior_authorization),
        statement_to=inst.statement_to if inst else None,
        type_of_bill=inst.type_of_bill if inst else None,
        reason_for_visit=inst.reason_for_visit if inst else (),
        admission_type=inst.admission_type if inst else None,
        admission_source=inst.admission_source if inst else None,
        patient_status=inst.patient_status if inst else None,
    )


def _settle(
    session: Session,
    claim: Claim,
    findings: tuple[scrubber.Finding, ...],
    *,
    actor: str,
    today: date,
) -> None:
    # The claim was changed (or is being checked again): its earlier scrubber items are done.
    session.execute(
        update(ReworkItem)
        .where(
            ReworkItem.claim_id == claim.id,
            ReworkItem.source == Source.SCRUBBER,
            ReworkItem.status != ItemStatus.CLOSED,
        )
        .values(status=ItemStatus.CLOSED, closed_at=utcnow(), closing_action="rescrubbed")
    )
    errors = [f for f in findings if f.severity is scrubber.Severity.ERROR]
    if not errors:
        if claim.state is not ClaimState.READY:
            claim_service.run_command(
                session, claim=claim, command=Command.RELEASE, actor=actor, reason="scrub passed"
            )
        return
    reason = "; ".join(f"{f.edit_id} ({f.place})" for f in errors)
    if claim.state is not ClaimState.ON_HOLD:
        claim_service.run_command(
            session, claim=claim, command=Command.HOLD, actor=actor, reason=reason[:1000]
        )
    for finding in errors:
        open_item(
            session,
            practice_id=claim.practice_id,
            claim_id=claim.id,
            source=Source.SCRUBBER,
            category=Category(scrubber.edit_category(finding.edit_id).value),
            codes=finding.edit_id,
            summary=f"{finding.place}, {finding.field}: {finding.message} {finding.hint}".strip(),
            amount_cents=claim.total_charge_cents,
            today=today,
        )
