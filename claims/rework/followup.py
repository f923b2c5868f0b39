"""The daily follow-up: claims nobody has answered, claims nearing the timely-filing limit and
appeals with no answer open rework items by themselves; open items' priorities are refreshed
as their deadlines near. Safe to run again: an open item for the same claim and reason is
never opened twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication
from claims.claim.models import Claim, ClaimLine, Frequency
from claims.claim.state import IN_FLIGHT, UNSENT, ClaimState
from claims.encounters.models import ChargeLine
from claims.practice.models import Payer
from claims.rework.models import Appeal, Category, ReworkItem, Source
from claims.rework.queue import OPEN_STATUSES
from claims.rework.service import open_item, priority

NO_ACK = "NO-ACK"  # sent, and neither a 999 nor a 277CA came back
NO_RESPONSE = "NO-RESPONSE"  # acknowledged, and no 835 after the payer's follow-up days
TIMELY_FILING = "TIMELY-FILING"  # not yet with the payer, and the filing limit is near
APPEAL_NO_ANSWER = "APPEAL-NO-ANSWER"  # an appeal's answer is overdue
# A claim not yet accepted by its payer is flagged this many days before its filing limit.
TIMELY_FILING_WARNING_DAYS = 30
# Not yet with the payer: never sent, rejected, or sent with no acknowledgment.
_NOT_FILED = (*UNSENT, ClaimState.REJECTED, ClaimState.SUBMITTED)
_ANSWERED = (ClaimState.PAID, ClaimState.CLOSED, ClaimState.REPLACED, ClaimState.VOIDED)


@dataclass(slots=True)
class FollowUpReport:
    """What a run opened (item IDs by reason) and how many priorities it changed."""

    opened: dict[str, list[int]] = field(default_factory=dict)
    already_open: int = 0
    reprioritized: int = 0

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "opened": self.opened,
            "opened_count": sum(len(v) for v in self.opened.values()),
            "already_open": self.already_open,
            "reprioritized": self.reprioritized,
        }


def run_follow_up(session: Session, *, practice_id: int, today: date) -> FollowUpReport:
    """Open the day's follow-up items and refresh priorities (flushes; the caller commits)."""
    report = FollowUpReport()
    open_codes = _open_follow_ups(session, practice_id)
    candidates = [
        *_silent(session, practice_id, today),
        *_near_filing_limit(session, practice_id, today),
        *_unanswered_appeals(session, practice_id, today),
    ]
    for claim_id, codes, category, summary, cents, deadline in candidates:
        if (claim_id, codes) in open_codes:
            report.already_open += 1
            continue
        item = open_item(
            session, practice_id=practice_id, source=Source.FOLLOW_UP, category=category,
            codes=codes, summary=summary, amount_cents=cents, today=today, claim_id=claim_id,
            deadline=deadline,
        )  # fmt: skip
        open_codes.add((claim_id, codes))
        report.opened.setdefault(codes, []).append(item.id)
    report.reprioritized = _reprioritize(session, practice_id, today)
    return report


Candidate = tuple[int, str, Category, str, int, date | None]


def _open_follow_ups(session: Session, practice_id: int) -> set[tuple[int | None, str]]:
    rows = session.execute(
        select(ReworkItem.claim_id, ReworkItem.codes).where(
            ReworkItem.practice_id == practice_id,
            ReworkItem.source == Source.FOLLOW_UP,
            ReworkItem.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )
    return {(claim_id, codes) for claim_id, codes in rows}


def _silent(session: Session, practice_id: int, today: date) -> list[Candidate]:
    """Sent claims with no acknowledgment after the payer's 277CA wait, and acknowledged ones
    with no remittance after its follow-up days."""
    rows = session.execute(
        select(Claim, Payer)
        .join(Payer, Payer.id == Claim.payer_id)
        .where(
            Claim.practice_id == practice_id,
            Claim.state.in_([s.value for s in IN_FLIGHT]),
            Claim.submitted_at.is_not(None),
        )
    )
    out: list[Candidate] = []
    for claim, payer in rows:
        assert claim.submitted_at is not None
        sent = claim.submitted_at.astimezone(UTC).date()
        waited = (today - sent).days
        limit = _filing_limit(session, claim, payer)
        if claim.state is ClaimState.SUBMITTED and waited > payer.wait_277ca_days:
            out.append((
                claim.id, NO_ACK, Category.OTHER,
                f"claim {claim.patient_control_number} was sent on {sent.isoformat()} and "
                f"nothing came back ({waited} days; {payer.name} answers within "
                f"{payer.wait_277ca_days}): check the clearinghouse, resend if it was lost",
                claim.total_charge_cents, limit,
            ))  # fmt: skip
        elif claim.state is not ClaimState.SUBMITTED and waited > payer.follow_up_days:
            out.append((
                claim.id, NO_RESPONSE, Category.OTHER,
                f"claim {claim.patient_control_number} was sent on {sent.isoformat()}, "
                f"{payer.name} acknowledged it, and no payment or denial came in {waited} days "
                f"(follow up after {payer.follow_up_days}): ask the payer for its status",
                claim.total_charge_cents, None,
            ))  # fmt: skip
    return out


def _near_filing_limit(session: Session, practice_id: int, today: date) -> list[Candidate]:
    """Claims not yet with the payer whose filing limit (the payer's timely-filing days from
    the first date of service, or from the prior payer's remittance for a claim to a later
    payer) is within the warning days, or passed."""
    first_service = (
        select(ClaimLine.claim_id, func.min(ChargeLine.service_date).label("first"))
        .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
        .group_by(ClaimLine.claim_id)
        .subquery()
    )
    rows = session.execute(
        select(Claim, Payer, first_service.c.first)
        .join(Payer, Payer.id == Claim.payer_id)
        .join(first_service, first_service.c.claim_id == Claim.id)
        .where(
            Claim.practice_id == practice_id,
            Claim.state.in_([s.value for s in _NOT_FILED]),
            # A void cancels what the payer has: no filing limit to meet.
            Claim.frequency != Frequency.VOID,
        )
    )
    out: list[Candidate] = []
    for claim, payer, first in rows:
        # A claim to a later payer counts from the remittance of the payer before it.
        limit = (claim.filing_from or first) + timedelta(days=payer.timely_filing_days)
        left = (limit - today).days
        if left > TIMELY_FILING_WARNING_DAYS:
            continue
        when = f"in {left} days" if left >= 0 else f"{-left} days ago"
        out.append((
            claim.id, TIMELY_FILING, Category.TIMELY_FILING,
            f"claim {claim.patient_control_number} ({claim.state.value}) must reach "
            f"{payer.name} by {limit.isoformat()} ({when}): fix and send it now",
            claim.total_charge_cents, limit,
        ))  # fmt: skip
    return out


def _unanswered_appeals(session: Session, practice_id: int, today: date) -> list[Candidate]:
    """Appeals past their answer date whose claim the payer has not adjudicated again since."""
    rows = session.execute(
        select(Appeal, Claim)
        .join(Claim, Claim.id == Appeal.claim_id)
        .where(
            Appeal.practice_id == practice_id,
            Appeal.answer_due < today,
            Claim.state.not_in([s.value for s in _ANSWERED]),
        )
    )
    out: list[Candidate] = []
    for appeal, claim in rows:
        # An adjudication recorded after the appeal is the payer's answer: compared by the
        # moment, not the day, since the denial being appealed often arrives that same day.
        answered = session.scalar(
            select(func.count())
            .select_from(Adjudication)
            .where(Adjudication.claim_id == claim.id, Adjudication.created_at > appeal.created_at)
        )
        if answered:
            continue
        out.append((
            claim.id, APPEAL_NO_ANSWER, Category.OTHER,
            f"appeal {appeal.id} of claim {claim.patient_control_number}, filed "
            f"{appeal.filed_on.isoformat()}, has no answer (due {appeal.answer_due.isoformat()}): "
            "call the payer",
            appeal.amount_cents, None,
        ))  # fmt: skip
    return out


def _filing_limit(session: Session, claim: Claim, payer: Payer) -> date | None:
    first = claim.filing_from or session.scalar(
        select(func.min(ChargeLine.service_date))
        .join(ClaimLine, ClaimLine.charge_line_id == ChargeLine.id)
        .where(ClaimLine.claim_id == claim.id)
    )
    return first + timedelta(days=payer.timely_filing_days) if first else None


def _reprioritize(session: Session, practice_id: int, today: date) -> int:
    """Open items with a deadline get the priority of today's days left."""
    changed = 0
    items = session.scalars(
        select(ReworkItem).where(
            ReworkItem.practice_id == practice_id,
            ReworkItem.deadline.is_not(None),
            ReworkItem.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )
    for item in items:
        now = priority(amount_cents=item.amount_cents, deadline=item.deadline, today=today)
        if now != item.priority:
            item.priority = now
            changed += 1
    session.flush()
    return changed


__all__ = [
    "APPEAL_NO_ANSWER",
    "NO_ACK",
    "NO_RESPONSE",
    "TIMELY_FILING",
    "TIMELY_FILING_WARNING_DAYS",
    "FollowUpReport",
    "run_follow_up",
]
