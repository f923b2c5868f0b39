"""The daily follow-up opens items by itself, once, and refreshes priorities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim.models import Claim, Frequency
from claims.claim.state import ClaimState
from claims.files.models import Direction, FileKind, FileStatus
from claims.files.service import store_file
from claims.rework.followup import (
    APPEAL_NO_ANSWER,
    NO_ACK,
    NO_RESPONSE,
    TIMELY_FILING,
    run_follow_up,
)
from claims.rework.models import Appeal, Category, ReworkItem, Source
from tests.claims.factories import ACTOR, Office, make_office
from tests.remittance.helpers import golden_claim

pytestmark = pytest.mark.database

TODAY = date(2026, 3, 1)


@pytest.fixture
def office(session: Session) -> Office:
    office = make_office(session)
    office.payer.timely_filing_days = 90
    office.payer.wait_277ca_days = 7
    office.payer.follow_up_days = 30
    session.flush()
    return office


def _claim(
    session: Session, office: Office, pcn: str, state: ClaimState, *, sent_days_ago: int | None,
    service: date = date(2026, 2, 1),
) -> Claim:  # fmt: skip
    claim = golden_claim(
        session, office, pcn, [("99213", 10000)], state=state, service_date=service
    )
    if sent_days_ago is not None:
        claim.submitted_at = datetime.combine(
            TODAY - timedelta(days=sent_days_ago), datetime.min.time(), tzinfo=UTC
        )
    session.flush()
    return claim


def _items(session: Session, codes: str) -> list[ReworkItem]:
    return list(
        session.scalars(
            select(ReworkItem).where(
                ReworkItem.source == Source.FOLLOW_UP, ReworkItem.codes == codes
            )
        )
    )


def test_silent_claims_open_items_once(session: Session, office: Office) -> None:
    lost = _claim(session, office, "LOST", ClaimState.SUBMITTED, sent_days_ago=8)
    _claim(session, office, "FRESH", ClaimState.SUBMITTED, sent_days_ago=7)
    slow = _claim(session, office, "SLOW", ClaimState.ACCEPTED, sent_days_ago=31)
    _claim(session, office, "ONTIME", ClaimState.RECEIVED, sent_days_ago=30)
    _claim(session, office, "PAID", ClaimState.PAID, sent_days_ago=60)

    first = run_follow_up(session, practice_id=office.practice.id, today=TODAY)

    (no_ack,) = _items(session, NO_ACK)
    assert no_ack.claim_id == lost.id and no_ack.amount_cents == 10000
    assert no_ack.deadline == date(2026, 2, 1) + timedelta(days=90)  # resend before the limit
    (no_response,) = _items(session, NO_RESPONSE)
    assert no_response.claim_id == slow.id and no_response.category is Category.OTHER
    assert first.as_json()["opened"] == {NO_ACK: [no_ack.id], NO_RESPONSE: [no_response.id]}

    again = run_follow_up(session, practice_id=office.practice.id, today=TODAY)
    assert again.opened == {} and again.already_open == 2
    assert len(_items(session, NO_ACK)) == 1


def test_claims_near_their_filing_limit(session: Session, office: Office) -> None:
    # First date of service + 90 days: 31 days left is not yet near; 30 is; past is past.
    _claim(session, office, "FAR", ClaimState.READY, sent_days_ago=None,
           service=TODAY - timedelta(days=59))  # fmt: skip
    near = _claim(session, office, "NEAR", ClaimState.ON_HOLD, sent_days_ago=None,
                  service=TODAY - timedelta(days=60))  # fmt: skip
    late = _claim(session, office, "LATE", ClaimState.REJECTED, sent_days_ago=None,
                  service=TODAY - timedelta(days=100))  # fmt: skip
    _claim(session, office, "WITHPAYER", ClaimState.ACCEPTED, sent_days_ago=1,
           service=TODAY - timedelta(days=89))  # fmt: skip
    void = _claim(session, office, "VOID", ClaimState.READY, sent_days_ago=None,
                  service=TODAY - timedelta(days=100))  # fmt: skip
    void.frequency = Frequency.VOID  # cancels what the payer has: no limit to meet

    run_follow_up(session, practice_id=office.practice.id, today=TODAY)

    items = {i.claim_id: i for i in _items(session, TIMELY_FILING)}
    assert set(items) == {near.id, late.id}
    assert items[near.id].deadline == TODAY + timedelta(days=30)
    assert items[near.id].category is Category.TIMELY_FILING
    assert "in 30 days" in items[near.id].summary and "10 days ago" in items[late.id].summary
    # Urgency: a passed or close deadline weighs the dollars by 4.
    assert items[late.id].priority == 400


def test_unanswered_appeals(session: Session, office: Office) -> None:
    claim = _claim(session, office, "APPEALED", ClaimState.DENIED, sent_days_ago=90)
    stored, _ = store_file(
        session, practice_id=office.practice.id, content=b"%PDF", direction=Direction.OUTBOUND,
        kind=FileKind.OTHER, name="letter.pdf", actor=ACTOR, status=FileStatus.SENT,
    )  # fmt: skip
    item = ReworkItem(
        practice_id=office.practice.id, claim_id=claim.id, source=Source.REMIT_835,
        category=Category.CODING, codes="CO-4", summary="s", amount_cents=10000,
    )  # fmt: skip
    session.add(item)
    session.flush()
    session.add(
        Appeal(
            practice_id=office.practice.id, claim_id=claim.id, item_id=item.id, level=1,
            filed_on=TODAY - timedelta(days=50), answer_due=TODAY - timedelta(days=5),
            amount_cents=10000, reason="r", letter_file_id=stored.id, actor=ACTOR,
        )
    )  # fmt: skip
    session.flush()

    run_follow_up(session, practice_id=office.practice.id, today=TODAY - timedelta(days=5))
    assert _items(session, APPEAL_NO_ANSWER) == []  # due today: not yet overdue

    run_follow_up(session, practice_id=office.practice.id, today=TODAY)
    (overdue,) = _items(session, APPEAL_NO_ANSWER)
    assert overdue.claim_id == claim.id and overdue.amount_cents == 10000


def test_priorities_follow_the_days_left(session: Session, office: Office) -> None:
    claim = _claim(session, office, "P", ClaimState.DENIED, sent_days_ago=40)
    item = ReworkItem(
        practice_id=office.practice.id, claim_id=claim.id, source=Source.REMIT_835,
        category=Category.CODING, codes="CO-4", summary="s", amount_cents=50000,
        deadline=TODAY + timedelta(days=60), priority=500,
    )  # fmt: skip
    session.add(item)
    session.flush()

    report = run_follow_up(session, practice_id=office.practice.id, today=TODAY)
    assert report.reprioritized >= 1 and item.priority == 500 * 2  # 31-90 days left
    run_follow_up(session, practice_id=office.practice.id, today=TODAY + timedelta(days=55))
    assert item.priority == 500 * 4  # a week left


def test_a_denial_posted_earlier_on_the_day_of_the_appeal_is_not_its_answer(
    session: Session, office: Office
) -> None:
    """The 835 that denied the claim in the morning, appealed in the afternoon, is not the
    payer's answer to the appeal: the overdue appeal is still followed up."""
    from claims.adjudications.models import Adjudication

    claim = _claim(session, office, "SAMEDAY", ClaimState.DENIED, sent_days_ago=90)
    filed = TODAY - timedelta(days=50)
    session.add(
        Adjudication(
            practice_id=office.practice.id, claim_id=claim.id, payer_id=claim.payer_id,
            coverage_id=claim.coverage_id, status_code="4", charge_cents=10000, paid_cents=0,
            adjudicated_on=filed,
            created_at=datetime.combine(filed, datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=9),
        )
    )  # fmt: skip
    stored, _ = store_file(
        session, practice_id=office.practice.id, content=b"%PDF", direction=Direction.OUTBOUND,
        kind=FileKind.OTHER, name="letter.pdf", actor=ACTOR, status=FileStatus.SENT,
    )  # fmt: skip
    item = ReworkItem(
        practice_id=office.practice.id, claim_id=claim.id, source=Source.REMIT_835,
        category=Category.CODING, codes="CO-4", summary="s", amount_cents=10000,
    )  # fmt: skip
    session.add(item)
    session.flush()
    session.add(
        Appeal(
            practice_id=office.practice.id, claim_id=claim.id, item_id=item.id, level=1,
            filed_on=filed, answer_due=TODAY - timedelta(days=5), amount_cents=10000,
            reason="r", letter_file_id=stored.id, actor=ACTOR,
            created_at=datetime.combine(filed, datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=15),
        )
    )  # fmt: skip
    session.flush()

    run_follow_up(session, practice_id=office.practice.id, today=TODAY)

    (overdue,) = _items(session, APPEAL_NO_ANSWER)
    assert overdue.claim_id == claim.id
