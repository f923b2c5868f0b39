"""The other-payer loops of a claim to a later payer (2320, 2330A, 2330B, and 2430 per line),
built from the adjudication records that posting stored for the claims before it.

A claim made for the secondary names the primary's claim (prior_payer_claim_id); a tertiary's
names the secondary's, and so on; a corrected version of any of them finds the claim that
was made through previous_claim_id. Each prior claim gives one other payer: its live
adjudication (not a reversal, not reversed) by its own coverage, with the claim-level CAS in
2320, what it paid in AMT*D, and per line (when the payer reported lines) the SVD, line CAS
and DTP*573 of loop 2430. The remaining patient liability (AMT*EAF: the payer's PR
adjustments) goes on the lines when the payer reported lines and put no PR at claim level,
otherwise once at claim level, never both (X12 RFI 1391, 1517).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claims.adjudications.models import Adjudication
from claims.claim.models import Claim
from claims.patients.models import Coverage, Patient, Relationship
from claims.practice.models import Payer
from coding.remit import GroupCode
from edi.x837 import models as x837

REVERSAL = "22"  # CLP02 of a reversal
CROSSOVER = frozenset({"19", "20", "21"})  # CLP02: processed and forwarded to another payer
ALLOCATED = "allocated"  # posting's match rule for a line the payer did not report (no SVC)
_ORDER = {"P": 1, "S": 2, "T": 3}
T = TypeVar("T", Coverage, Payer, Patient)


@dataclass(frozen=True, slots=True)
class Cob:
    """What a claim to a later payer carries about the payers before it."""

    other_payers: tuple[x837.OtherPayer, ...]
    # Loop 2430 of each line, by charge line (the lines of every version are the same ones).
    lines: Mapping[int, tuple[x837.LineAdjudication, ...]] = field(default_factory=dict)


def live_adjudications(session: Session, claims: Iterable[Claim]) -> dict[int, list[Adjudication]]:
    """Each claim's claim-level adjudications by its own coverage that still stand (neither a
    reversal nor reversed), oldest first, with their adjustments."""
    by_id = {c.id: c for c in claims}
    if not by_id:
        return {}
    reversed_ids = select(Adjudication.reverses_id).where(Adjudication.reverses_id.is_not(None))
    rows = session.scalars(
        select(Adjudication)
        .where(
            Adjudication.claim_id.in_(list(by_id)),
            Adjudication.claim_line_id.is_(None),
            Adjudication.status_code != REVERSAL,
            Adjudication.reverses_id.is_(None),
            Adjudication.id.not_in(reversed_ids),
        )
        .options(selectinload(Adjudication.adjustments))
        .order_by(Adjudication.id)
    )
    found: dict[int, list[Adjudication]] = defaultdict(list)
    for row in rows:
        if row.coverage_id == by_id[row.claim_id].coverage_id:
            found[row.claim_id].append(row)
    return found


def cob_for(
    session: Session, claims: Sequence[Claim], *, partner_codes: Mapping[int, str]
) -> dict[int, Cob]:
    """The other-payer loops of each claim that is billed to a later payer, by claim ID
    (claims to a first payer are left out)."""
    priors = _prior_chains(session, claims)
    if not priors:
        return {}
    prior_claims = {c.id: c for chain in priors.values() for c in chain}
    live = live_adjudications(session, prior_claims.values())
    chosen = {cid: rows[-1] for cid, rows in live.items() if len(rows) == 1}
    line_rows = _line_adjudications(session, list(chosen.values()))
    coverages = _by_id(session, Coverage, [c.coverage_id for c in prior_claims.values()])
    payers = _by_id(session, Payer, [c.payer_id for c in prior_claims.values()])
    patients = _by_id(session, Patient, [c.patient_id for c in prior_claims.values()])
    out: dict[int, Cob] = {}
    for claim_id, chain in priors.items():
        others: list[x837.OtherPayer] = []
        lines: dict[int, list[x837.LineAdjudication]] = defaultdict(list)
        for prior in chain:
            coverage = coverages[prior.coverage_id]
            payer = payers[prior.payer_id]
            code = partner_codes.get(payer.id, payer.payer_code)
            other = _other_payer(coverage, payer, patients[prior.patient_id], code)
            adjudication = chosen.get(prior.id)
            if adjudication is not None:
                other, by_line = _adjudicated(
                    other, adjudication, line_rows.get(adjudication.id, []), prior
                )
                for charge_line_id, adj in by_line.items():
                    lines[charge_line_id].append(adj)
            others.append(other)
        others.sort(key=lambda o: _ORDER.get(o.payer_responsibility, 9))
        out[claim_id] = Cob(tuple(others), {k: tuple(v) for k, v in lines.items()})
    return out


def _prior_chains(session: Session, claims: Sequence[Claim]) -> dict[int, list[Claim]]:
    """For each claim to a later payer, the claims to the payers before it, nearest first."""
    # The version that was made for the later payer: the claim itself, or the one its
    # corrections descend from.
    origin: dict[int, Claim] = {}
    pending = {c.id: c for c in claims if c.prior_payer_claim_id or c.previous_claim_id}
    seen: dict[int, Claim] = {c.id: c for c in claims}
    walking = dict(pending)
    for _ in range(20):  # a correction chain is short; the bound only guards a cycle
        for cid, current in list(walking.items()):
            if current.prior_payer_claim_id is not None:
                origin[cid] = current
                del walking[cid]
            elif current.previous_claim_id is None:
                del walking[cid]
        wanted = {c.previous_claim_id for c in walking.values()} - set(seen)
        seen.update(_claims(session, wanted))
        if not walking:
            break
        walking = {
            cid: seen[c.previous_claim_id]
            for cid, c in walking.items()
            if c.previous_claim_id in seen
        }
    chains: dict[int, list[Claim]] = {cid: [] for cid in origin}
    step = {cid: claim.prior_payer_claim_id for cid, claim in origin.items()}
    for _ in range(5):  # primary, secondary, tertiary and a little more
        seen.update(_claims(session, {p for p in step.values() if p is not None} - set(seen)))
        nxt: dict[int, int | None] = {}
        for cid, prior_id in step.items():
            if prior_id is None or prior_id not in seen:
                continue
            prior = seen[prior_id]
            chains[cid].append(prior)
            nxt[cid] = prior.prior_payer_claim_id
        step = nxt
        if not step:
            break
    return {cid: chain for cid, chain in chains.items() if chain}


def _claims(session: Session, ids: Iterable[int | None]) -> dict[int, Claim]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Claim).where(Claim.id.in_(wanted)))}


def _by_id(session: Session, model: type[T], ids: Iterable[int]) -> dict[int, T]:
    wanted = sorted(set(ids))
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}


def _line_adjudications(
    session: Session, claim_rows: list[Adjudication]
) -> dict[int, list[Adjudication]]:
    """The line adjudications of each claim adjudication: the lines of the same claim in the
    same remittance that lie between its CLP and the next claim payment of that claim."""
    if not claim_rows:
        return {}
    claim_ids = sorted({a.claim_id for a in claim_rows})
    remittances = sorted({a.remittance_id for a in claim_rows if a.remittance_id is not None})
    rows = list(
        session.scalars(
            select(Adjudication)
            .where(
                Adjudication.claim_id.in_(claim_ids),
                Adjudication.remittance_id.in_(remittances),
            )
            .options(selectinload(Adjudication.adjustments))
            .order_by(Adjudication.id)
        )
    )
    starts: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    lines: dict[tuple[int, int | None], list[Adjudication]] = defaultdict(list)
    for row in rows:
        key = (row.claim_id, row.remittance_id)
        if row.claim_line_id is not None:
            lines[key].append(row)
        elif row.segment_position is not None:
            starts[key].append(row.segment_position)
    out: dict[int, list[Adjudication]] = {}
    for parent in claim_rows:
        key = (parent.claim_id, parent.remittance_id)
        start = parent.segment_position or 0
        later = [p for p in starts.get(key, []) if p > start]
        end = min(later) if later else None
        out[parent.id] = [
            row
            for row in lines.get(key, [])
            if row.coverage_id == parent.coverage_id
            and (row.segment_position or 0) >= start
            and (end is None or (row.segment_position or 0) < end)
        ]
    return out


def _other_payer(coverage: Coverage, payer: Payer, patient: Patient, code: str) -> x837.OtherPayer:
    """Loops 2320/2330A/2330B of a coverage, before any adjudication is added."""
    is_patient = coverage.relationship is Relationship.SELF or coverage.patient_has_own_member_id
    if is_patient:
        person = x837.Person(patient.last_name, patient.first_name, patient.middle_name)
        address: x837.Address | None = x837.Address(
            patient.address1, patient.city, patient.state, patient.postal_code, patient.address2
        )
    else:
        person = x837.Person(coverage.subscriber_last_name or "", coverage.subscriber_first_name)
        address = None
    return x837.OtherPayer(
        payer_responsibility=coverage.order.value,
        relationship=Relationship.SELF.value if is_patient else coverage.relationship.value,
        claim_filing_indicator=payer.claim_filing_indicator,
        subscriber=person,
        member_id=coverage.member_id,
        payer_name=payer.name,
        payer_id=code,
        group_number=coverage.group_number,
        subscriber_address=address,
    )


def _cas(adjudication: Adjudication) -> tuple[x837.ClaimAdjustment, ...]:
    return tuple(
        x837.ClaimAdjustment(
            a.group_code.value, a.reason_code, a.amount_cents, a.quantity_thousandths
        )
        for a in adjudication.adjustments
    )


def _patient_share(adjustments: Iterable[x837.ClaimAdjustment]) -> int:
    return sum(a.amount_cents for a in adjustments if a.group == GroupCode.PATIENT)


def _adjudicated(
    other: x837.OtherPayer, claim_row: Adjudication, line_rows: list[Adjudication], prior: Claim
) -> tuple[x837.OtherPayer, dict[int, x837.LineAdjudication]]:
    """The payer's claim-level figures, and its loop 2430 per charge line."""
    charge_line = {line.id: line.charge_line_id for line in prior.lines}
    claim_cas = _cas(claim_row)
    reported = [row for row in line_rows if row.match_rule != ALLOCATED]
    on_lines = bool(reported) and _patient_share(claim_cas) == 0
    by_line: dict[int, x837.LineAdjudication] = {}
    patient_total = _patient_share(claim_cas)
    for row in reported:
        cas = _cas(row)
        patient_total += _patient_share(cas)
        # SVD02 is what the payer paid on the line (SVC03): its charge less its adjustments.
        # The stored paid amount also holds a share of any claim-level money, which the
        # 837 reports at claim level instead.
        by_line[charge_line[row.claim_line_id or 0]] = x837.LineAdjudication(
            payer_id=other.payer_id,
            paid_cents=row.charge_cents - sum(a.amount_cents for a in cas),
            adjudicated_on=row.adjudicated_on,
            adjustments=cas,
            remaining_patient_liability_cents=_patient_share(cas) if on_lines else None,
        )
    other = replace(
        other,
        paid_cents=claim_row.paid_cents,
        adjustments=claim_cas,
        remaining_patient_liability_cents=None if on_lines else patient_total,
        adjudicated_on=claim_row.adjudicated_on,
    )
    return other, by_line
