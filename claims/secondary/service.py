"""Making claims to the next payer: which adjudicated claims are due for one, and the claim
versions made for them (ready to send, or on hold when past the payer's timely filing).

A claim is due when its own payer adjudicated it (paid, partly paid or denied) and did not
forward it (a crossover: CLP02 19/20/21 or NM1*TT, which posting records as forwarded; the
payer sent it on itself), the patient's next coverage in force on the date of service holds a
balance on its lines (posting transferred the patient-responsibility amounts there), and no
claim names it as its prior payer's claim yet. The claim made points at the same charge lines,
so no money moves: the balance is already on the next coverage. Its timely-filing limit runs
from the prior payer's remittance date. A claim that is due but cannot be built (its payer
adjudicated it more than once without a reversal) gets one rework item instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication
from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimLine, ClaimTransition
from claims.claim.state import ClaimState, Command, Event
from claims.encounters.models import ChargeLine
from claims.ledger.models import Account, AccountKind, Entry
from claims.patients.models import Coverage, CoverageOrder
from claims.practice.models import Payer
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.rework.service import open_item
from claims.secondary.cob import CROSSOVER, live_adjudications

# Adjudicated by their payer with a balance possibly left for the next one (a closed claim
# has none; a forwarded one went on by itself).
DUE_STATES = (ClaimState.PAID, ClaimState.PARTIALLY_PAID, ClaimState.DENIED)
NOTE_TRIGGER = "secondary"  # the prior claim's history step that names the claim made
REWORK_CODES = "SECONDARY"
_RANK = {CoverageOrder.PRIMARY: 1, CoverageOrder.SECONDARY: 2, CoverageOrder.TERTIARY: 3}


@dataclass(frozen=True, slots=True)
class Made:
    """A claim made for the next payer: the new claim, the claim before it, the coverage
    billed, the balance that coverage holds on the lines, and where the new claim stands."""

    claim_id: int
    patient_control_number: str
    prior_claim_id: int
    coverage_id: int
    payer: str
    balance_cents: int
    filing_from: date
    state: ClaimState
    reason: str | None = None  # why it is on hold


@dataclass(frozen=True, slots=True)
class Blocked:
    """A claim due for the next payer that could not be made, and why (a rework item says it
    to a person)."""

    prior_claim_id: int
    patient_control_number: str
    reason: str


@dataclass(slots=True)
class Outcome:
    """What one run made and what it could not."""

    made: list[Made]
    blocked: list[Blocked]


def make_secondary_claims(
    session: Session,
    *,
    practice_id: int,
    today: date,
    actor: str,
    claim_ids: Sequence[int] | None = None,
) -> Outcome:
    """Claims to the next payer for every due claim of the practice (or of those named);
    safe to repeat: a claim that has one already is left alone."""
    query = (
        select(Claim)
        .where(
            Claim.practice_id == practice_id,
            Claim.state.in_(DUE_STATES),
            ~select(ClaimTransition.id)
            .where(
                ClaimTransition.claim_id == Claim.id,
                ClaimTransition.trigger == Event.REMIT_FORWARDED.value,
            )
            .exists(),
        )
        .order_by(Claim.id)
        .with_for_update()  # two runs at once: the second waits, then sees the first's claims
    )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    candidates = list(session.scalars(query))
    if not candidates:
        return Outcome([], [])
    ids = [c.id for c in candidates]
    # A new statement after the locks: what a concurrent run committed meanwhile is seen.
    done = set(
        session.scalars(
            select(Claim.prior_payer_claim_id).where(Claim.prior_payer_claim_id.in_(ids))
        )
    )
    candidates = [c for c in candidates if c.id not in done]
    if not candidates:
        return Outcome([], [])
    nexts = _next_coverages(session, candidates)
    candidates = [c for c in candidates if c.id in nexts]
    balances = _balances(session, practice_id, candidates, nexts)
    candidates = [c for c in candidates if balances.get(c.id, 0) > 0]
    live = live_adjudications(session, candidates)
    payers = {
        p.id: p
        for p in session.scalars(
            select(Payer).where(Payer.id.in_({cov.payer_id for cov in nexts.values()}))
        )
    }
    outcome = Outcome([], [])
    releases: list[tuple[Claim, str]] = []
    for claim in candidates:
        rows = live.get(claim.id, [])
        if len(rows) == 1 and rows[0].status_code in CROSSOVER:
            continue  # the payer forwarded it: the next payer has it already
        coverage = nexts[claim.id]
        if len(rows) != 1:
            why = (
                "its payer's adjudication is not on file"
                if not rows
                else f"its payer adjudicated it {len(rows)} times with no reversal between"
            )
            outcome.blocked.append(Blocked(claim.id, claim.patient_control_number, why))
            _block(session, claim, why, balances[claim.id], today)
            continue
        outcome.made.append(
            _make(
                session, claim, rows[0], coverage, payers[coverage.payer_id],
                balances[claim.id], today=today, actor=actor, releases=releases,
            )
        )  # fmt: skip
    # Released together: one payer lookup and one flush for every claim made.
    for reason in {why for _, why in releases}:
        claim_service.run_command_many(
            session, claims=[c for c, why in releases if why == reason],
            command=Command.RELEASE, actor=actor, reason=reason,
        )  # fmt: skip
    session.flush()
    return outcome


def _make(
    session: Session,
    prior: Claim,
    adjudication: Adjudication,
    coverage: Coverage,
    payer: Payer,
    balance: int,
    *,
    today: date,
    actor: str,
    releases: list[tuple[Claim, str]],
) -> Made:
    claim = claim_service.create_claim(
        session,
        practice_id=prior.practice_id,
        encounter_id=prior.encounter_id,
        coverage_id=coverage.id,
        charge_line_ids=[line.charge_line_id for line in prior.lines],
        actor=actor,
    )
    claim.prior_payer_claim_id = prior.id
    claim.filing_from = adjudication.adjudicated_on
    session.flush()
    deadline = adjudication.adjudicated_on + timedelta(days=payer.timely_filing_days)
    about = (
        f"to {payer.name} after claim {prior.patient_control_number}'s remittance of "
        f"{adjudication.adjudicated_on}"
    )
    reason = None
    if today > deadline:
        reason = (
            f"past {payer.name}'s timely-filing limit of {payer.timely_filing_days} days from "
            f"the prior payer's remittance date ({adjudication.adjudicated_on}): send only "
            "with proof of timely filing, or write the balance off"
        )
        claim_service.run_command(
            session, claim=claim, command=Command.HOLD, actor=actor, reason=reason
        )
        open_item(
            session, practice_id=claim.practice_id, claim_id=claim.id, source=Source.FOLLOW_UP,
            category=Category.TIMELY_FILING, codes="DOS-TIMELY-FILING",
            summary=f"claim {claim.patient_control_number}: {reason}", amount_cents=balance,
            today=today, deadline=deadline,
        )  # fmt: skip
    else:
        # Its codes were scrubbed for the payer before: it repeats that claim with the
        # payer's adjudication added, which the writer checks balances before it is sent.
        releases.append((claim, "claim to the next payer after a remittance"))
    # Both histories say what happened: the prior claim names the claim made, and the claim
    # made names the claim it follows (notes: replaying the states skips them).
    session.add_all([
        ClaimTransition(
            claim_id=prior.id, trigger=NOTE_TRIGGER, from_state=prior.state, to_state=prior.state,
            actor=actor, reason=f"claim {claim.patient_control_number} made {about}",
        ),
        ClaimTransition(
            claim_id=claim.id, trigger=NOTE_TRIGGER, from_state=ClaimState.DRAFT,
            to_state=ClaimState.DRAFT, actor=actor, reason=f"claim {about}",
        ),
    ])  # fmt: skip
    state = ClaimState.ON_HOLD if reason else ClaimState.READY  # released below
    return Made(
        claim.id, claim.patient_control_number, prior.id, coverage.id, payer.name, balance,
        adjudication.adjudicated_on, state, reason,
    )  # fmt: skip


def _block(session: Session, claim: Claim, why: str, balance: int, today: date) -> None:
    """One open rework item per blocked claim, however often the run repeats."""
    already = session.scalar(
        select(ReworkItem.id).where(
            ReworkItem.claim_id == claim.id,
            ReworkItem.codes == REWORK_CODES,
            ReworkItem.status != ItemStatus.CLOSED,
        )
    )
    if already is not None:
        return
    open_item(
        session, practice_id=claim.practice_id, claim_id=claim.id, source=Source.FOLLOW_UP,
        category=Category.COORDINATION_OF_BENEFITS, codes=REWORK_CODES,
        summary=(
            f"claim {claim.patient_control_number}: the next payer holds a balance but no claim "
            f"can be made to it: {why}; reverse the extra adjudication or bill it by hand"
        ),
        amount_cents=balance, today=today,
    )  # fmt: skip


def _next_coverages(session: Session, claims: Sequence[Claim]) -> dict[int, Coverage]:
    """Each claim's next coverage: the patient's active coverage after the claim's in order and
    in force on the claim's first date of service (the party posting transfers to)."""
    patient_ids = {c.patient_id for c in claims}
    coverages: dict[int, list[Coverage]] = defaultdict(list)
    for cov in session.scalars(
        select(Coverage).where(Coverage.patient_id.in_(patient_ids), Coverage.active.is_(True))
    ):
        coverages[cov.patient_id].append(cov)
    own = {
        cov.id: cov
        for cov in session.scalars(
            select(Coverage).where(Coverage.id.in_({c.coverage_id for c in claims}))
        )
    }
    first_day: dict[int, date] = {
        claim_id: day
        for claim_id, day in session.execute(
            select(ClaimLine.claim_id, func.min(ChargeLine.service_date))
            .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
            .where(ClaimLine.claim_id.in_([c.id for c in claims]))
            .group_by(ClaimLine.claim_id)
        )
    }
    out: dict[int, Coverage] = {}
    for claim in claims:
        rank = _RANK[own[claim.coverage_id].order]
        day = first_day.get(claim.id)
        later = sorted(
            (
                cov
                for cov in coverages.get(claim.patient_id, [])
                if _RANK[cov.order] > rank
                and day is not None
                and (cov.effective_from is None or cov.effective_from <= day)
                and (cov.effective_to is None or cov.effective_to >= day)
            ),
            key=lambda cov: (_RANK[cov.order], cov.id),
        )
        if later:
            out[claim.id] = later[0]
    return out


def _balances(
    session: Session, practice_id: int, claims: Sequence[Claim], nexts: dict[int, Coverage]
) -> dict[int, int]:
    """What each claim's next coverage holds on the claim's charge lines (its A/R balance)."""
    if not claims:
        return {}
    accounts: dict[int | None, int] = {
        coverage_id: account_id
        for coverage_id, account_id in session.execute(
            select(Account.coverage_id, Account.id).where(
                Account.practice_id == practice_id,
                Account.kind == AccountKind.INSURANCE_AR,
                Account.coverage_id.in_({cov.id for cov in nexts.values()}),
            )
        )
    }
    lines = {line.charge_line_id for c in claims for line in c.lines}
    wanted = set(accounts.values())
    if not wanted:
        return {}
    sums: dict[tuple[int, int], int] = defaultdict(int)
    for side, sign in ((Entry.debit_account_id, 1), (Entry.credit_account_id, -1)):
        rows = session.execute(
            select(side, Entry.charge_line_id, func.sum(Entry.amount_cents))
            .where(side.in_(wanted), Entry.charge_line_id.in_(lines))
            .group_by(side, Entry.charge_line_id)
        )
        for account_id, charge_line_id, total in rows:
            sums[account_id, charge_line_id] += sign * int(total)
    out: dict[int, int] = {}
    for claim in claims:
        account_id = accounts.get(nexts[claim.id].id)
        if account_id is not None:
            out[claim.id] = sum(
                sums.get((account_id, line.charge_line_id), 0) for line in claim.lines
            )
    return out
