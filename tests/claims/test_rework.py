"""The rework queue worked to an end: filters, assignment, notes, and every closing action
walked through the claim's history and the ledger."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim.models import Claim, Frequency
from claims.claim.service import history
from claims.claim.state import ClaimState
from claims.errors import InvalidInput, StateError
from claims.files.models import StoredFile
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.patients.models import CoverageOrder
from claims.rework.actions import APPEAL_ANSWER_DAYS, Action, Resolution, resolve
from claims.rework.models import Appeal, Category, ItemStatus, ReworkItem, Source
from claims.rework.queue import UNASSIGNED, Filters, add_note, assign, item_detail, list_items
from tests.claims.factories import ACTOR, Office, count_rows, make_coverage, make_office, make_payer
from tests.remittance.helpers import (
    GOLDEN,
    PAYER_CODE,
    TODAY,
    account_balance,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database


@pytest.fixture
def office(session: Session) -> Office:
    office = make_office(session)
    office.payer.payer_code = PAYER_CODE
    session.flush()
    return office


Denied = tuple[Claim, ReworkItem]


@pytest.fixture
def denied(session: Session, office: Office) -> Denied:
    """The golden 835's three claims posted: DENY1 is denied (CO-16, 125.00 open on the
    payer), with its rework item."""
    golden_claim(session, office, "PAID1", [("99213", 20000)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    claim = golden_claim(session, office, "DENY1", [("97110", 12500)])
    report = ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes())
    assert report.status == "posted"
    session.refresh(claim)
    assert claim.state is ClaimState.DENIED
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.claim_id == claim.id))
    return claim, item


def _do(
    session: Session, office: Office, item: ReworkItem, action: Action, **kw: Any
) -> Resolution:
    return resolve(
        session, practice_id=office.practice.id, item_id=item.id, action=action, actor=ACTOR,
        today=TODAY, reason=kw.pop("reason", "worked"), **kw,
    )  # fmt: skip


def _payer_balance(session: Session, office: Office, claim: Claim) -> int:
    return account_balance(
        session, office.practice.id, AccountKind.INSURANCE_AR, coverage_id=claim.coverage_id
    )


def _triggers(session: Session, claim: Claim) -> list[str]:
    return [step.trigger for step in history(session, claim.id)]


# ------------------------------------------------------------------ the queue


def test_the_queue_filters_and_orders_by_priority(session: Session, office: Office) -> None:
    small = golden_claim(session, office, "Q1", [("99213", 5000)])
    big = golden_claim(session, office, "Q2", [("99214", 90000)])

    def item(claim: Claim, cents: int, category: Category, deadline: date | None) -> ReworkItem:
        row = ReworkItem(
            practice_id=office.practice.id, claim_id=claim.id, source=Source.REMIT_835,
            category=category, codes="CO-16", summary="s", amount_cents=cents,
            deadline=deadline, priority=cents // 100,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row

    a = item(small, 5000, Category.CODING, TODAY + timedelta(days=5))
    b = item(big, 90000, Category.MISSING_INFORMATION, None)
    c = item(big, 20000, Category.CODING, TODAY + timedelta(days=60))
    practice = office.practice.id

    def ids(**filters: Any) -> list[int]:
        total, rows = list_items(
            session, practice_id=practice, filters=Filters(**filters), today=TODAY
        )
        assert total == len(rows)
        return [r.item_id for r in rows]

    assert ids() == [b.id, c.id, a.id]  # dollars at stake first
    assert ids(category=Category.CODING) == [c.id, a.id]
    assert ids(payer_code=PAYER_CODE, min_amount_cents=20000) == [b.id, c.id]
    assert ids(max_amount_cents=19999) == [a.id]
    assert ids(deadline_before=TODAY + timedelta(days=30)) == [a.id]
    assert ids(payer_code="NOBODY") == []
    assert ids(claim_id=small.id) == [a.id]
    assert ids(min_age_days=1) == []  # all opened today

    assign(session, practice_id=practice, item_id=c.id, assignee="dana", actor=ACTOR)
    assert ids(assignee="dana") == [c.id]
    assert ids(assignee=UNASSIGNED) == [b.id, a.id]
    add_note(session, practice_id=practice, item_id=c.id, text="called the payer", actor="dana")
    assign(session, practice_id=practice, item_id=c.id, assignee=None, actor=ACTOR)
    detail = item_detail(session, practice_id=practice, item_id=c.id, today=TODAY)
    assert detail.row.status == "open" and detail.row.assignee is None
    assert [(h.kind, h.text) for h in detail.history] == [
        ("assigned", "assigned to dana"),
        ("note", "called the payer"),
        ("assigned", "returned to the queue (was dana)"),
    ]
    assert detail.row.days_left == 60 and detail.row.payer_code == PAYER_CODE
    with pytest.raises(InvalidInput, match="text"):
        add_note(session, practice_id=practice, item_id=c.id, text="  ", actor=ACTOR)


# ------------------------------------------------------------------ actions


def test_write_off_closes_the_claim_through_the_ledger(
    session: Session, office: Office, denied: Denied
) -> None:
    claim, item = denied

    done = _do(session, office, item, Action.WRITE_OFF, reason="under the appeal threshold")

    assert done.amount_cents == 12500 and len(done.entry_ids) == 1
    assert account_balance(session, office.practice.id, AccountKind.WRITE_OFF) == 12500
    assert _payer_balance(session, office, claim) == 0
    (entry,) = session.scalars(select(Entry).where(Entry.id.in_(done.entry_ids)))
    assert entry.kind is EntryKind.WRITE_OFF and entry.claim_id == claim.id
    session.refresh(claim)
    assert claim.state is ClaimState.CLOSED
    assert _triggers(session, claim)[-2:] == ["write_off", "settled"]
    session.refresh(item)
    assert (item.status, item.closing_action) == (ItemStatus.CLOSED, "write_off")
    assert ledger.check(session, practice_id=office.practice.id) == []


def test_a_partial_write_off_leaves_the_rest_open(
    session: Session, office: Office, denied: Denied
) -> None:
    claim, item = denied

    _do(session, office, item, Action.WRITE_OFF, amount_cents=2500)

    assert _payer_balance(session, office, claim) == 10000
    session.refresh(claim)
    assert claim.state is ClaimState.DENIED


def test_more_than_the_open_balance_is_refused_and_nothing_changes(
    session: Session, office: Office, denied: Denied
) -> None:
    _claim, item = denied
    before = count_rows(session, Entry, ReworkItem)

    with pytest.raises(InvalidInput, match=r"amount: 125.01 is more than the open balance 125.00"):
        _do(session, office, item, Action.WRITE_OFF, amount_cents=12501)
    with pytest.raises(InvalidInput, match="reason"):
        _do(session, office, item, Action.WRITE_OFF, reason=" ")
    with pytest.raises(InvalidInput, match="moves no money"):
        _do(session, office, item, Action.VOID, amount_cents=100)

    assert count_rows(session, Entry, ReworkItem) == before
    session.refresh(item)
    assert item.status is ItemStatus.OPEN


def test_transfer_to_the_patient(session: Session, office: Office, denied: Denied) -> None:
    claim, item = denied
    patient_before = account_balance(
        session, office.practice.id, AccountKind.PATIENT_AR, patient_id=office.patient.id
    )

    _do(session, office, item, Action.TRANSFER_PATIENT, reason="non-covered service, ABN on file")

    after = account_balance(
        session, office.practice.id, AccountKind.PATIENT_AR, patient_id=office.patient.id
    )
    assert after - patient_before == 12500
    assert _payer_balance(session, office, claim) == 0
    session.refresh(claim)
    assert claim.state is ClaimState.DENIED  # still owed, by the patient now
    assert _triggers(session, claim)[-1] == "transfer_patient"


def test_transfer_to_the_next_payer_needs_one(
    session: Session, office: Office, denied: Denied
) -> None:
    claim, item = denied
    with pytest.raises(StateError, match="no coverage after this payer's"):
        _do(session, office, item, Action.TRANSFER_NEXT)

    secondary = make_coverage(
        session, office.patient, make_payer(session, office.practice),
        order=CoverageOrder.SECONDARY,
    )  # fmt: skip
    _do(session, office, item, Action.TRANSFER_NEXT, reason="primary is not liable")

    assert _payer_balance(session, office, claim) == 0
    assert (
        account_balance(
            session, office.practice.id, AccountKind.INSURANCE_AR, coverage_id=secondary.id
        )
        == 12500
    )


def test_appeal_records_its_dates_and_a_letter_with_the_figures(
    session: Session, office: Office, denied: Denied
) -> None:
    claim, item = denied

    done = _do(session, office, item, Action.APPEAL,
               reason="Records attached show the therapy was ordered and documented.")  # fmt: skip

    appeal = session.get(Appeal, done.appeal_id)
    assert appeal is not None
    assert (appeal.level, appeal.amount_cents, appeal.filed_on) == (1, 12500, TODAY)
    assert appeal.deadline == item.deadline
    assert appeal.answer_due == TODAY + timedelta(days=APPEAL_ANSWER_DAYS)
    stored = session.get(StoredFile, done.letter_file_id)
    assert stored is not None and stored.content == done.letter
    assert done.letter is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(done.letter)).pages)
    for expected in (
        "First-level appeal of claim DENY1",
        "PAYERCLM3",
        "CO-16",
        "Amount appealed: $125.00",
        "Billed: $125.00",
        "97110",
        "therapy was ordered and documented",
    ):
        assert expected in text, expected
    session.refresh(claim)
    assert claim.state is ClaimState.DENIED  # the payer decides; the balance stays open
    assert _triggers(session, claim)[-1] == "appeal"
    assert _payer_balance(session, office, claim) == 12500


def test_an_appeal_after_its_deadline_or_on_an_unadjudicated_claim_is_refused(
    session: Session, office: Office, denied: Denied
) -> None:
    _claim, item = denied
    item.deadline = TODAY - timedelta(days=1)
    with pytest.raises(StateError, match="appeal deadline passed"):
        _do(session, office, item, Action.APPEAL)

    waiting = golden_claim(session, office, "WAIT1", [("99213", 10000)], state=ClaimState.ACCEPTED)
    other = ReworkItem(
        practice_id=office.practice.id, claim_id=waiting.id, source=Source.FOLLOW_UP,
        category=Category.OTHER, codes="NO-RESPONSE", summary="s", amount_cents=10000,
    )  # fmt: skip
    session.add(other)
    session.flush()
    with pytest.raises(StateError, match="cannot appeal a claim that is accepted"):
        _do(session, office, other, Action.APPEAL)
    assert session.scalars(select(Appeal)).all() == []


def test_correct_sends_a_replacement_or_opens_a_reopening_task(
    session: Session, office: Office, denied: Denied
) -> None:
    claim, item = denied

    done = _do(session, office, item, Action.CORRECT, reason="wrong modifier")

    new = session.get(Claim, done.new_claim_id)
    assert new is not None and new.frequency is Frequency.REPLACEMENT
    assert new.payer_claim_number == "PAYERCLM3" and new.previous_claim_id == claim.id
    session.refresh(claim)
    assert claim.state is ClaimState.REPLACED

    office.payer.accepts_replacement = False
    again = golden_claim(session, office, "DENY2", [("97110", 12500)], state=ClaimState.DENIED)
    task_for = ReworkItem(
        practice_id=office.practice.id, claim_id=again.id, source=Source.REMIT_835,
        category=Category.CODING, codes="CO-4", summary="s", amount_cents=12500,
    )  # fmt: skip
    session.add(task_for)
    session.flush()
    done = _do(session, office, task_for, Action.CORRECT)
    task = session.get(ReworkItem, done.task_item_id)
    assert task is not None and task.codes == "REOPENING" and task.status is ItemStatus.OPEN
    session.refresh(task_for)
    assert task_for.status is ItemStatus.CLOSED
    # The task itself is worked with the payer (an appeal), not corrected into another task.
    with pytest.raises(StateError, match="reopening task"):
        _do(session, office, task, Action.CORRECT)


def test_void(session: Session, office: Office, denied: Denied) -> None:
    claim, item = denied
    done = _do(session, office, item, Action.VOID, reason="billed to the wrong payer")
    session.refresh(claim)
    assert claim.state is ClaimState.VOIDED
    void = session.get(Claim, done.new_claim_id)
    assert void is not None and void.frequency is Frequency.VOID


def test_items_that_are_not_a_claims_or_are_closed_are_refused(
    session: Session, office: Office, denied: Denied
) -> None:
    _claim, item = denied
    _do(session, office, item, Action.WRITE_OFF)
    with pytest.raises(StateError, match="is closed"):
        _do(session, office, item, Action.WRITE_OFF)

    money = ReworkItem(
        practice_id=office.practice.id, source=Source.UNMATCHED_REMITTANCE,
        category=Category.OTHER, codes="CLP01 X", summary="s", amount_cents=100,
    )  # fmt: skip
    session.add(money)
    session.flush()
    with pytest.raises(InvalidInput, match="claims unapplied apply"):
        _do(session, office, money, Action.WRITE_OFF)


def test_money_actions_on_a_superseded_claim_are_refused_and_name_the_live_version(
    session: Session, office: Office, denied: Denied
) -> None:
    """After a correction, a second item left open on the old version must not write off or
    transfer the lines' balance there: the SETTLED step would land on the replaced claim and
    the corrected version, which now owes nothing, would stay open and be sent."""
    claim, item = denied
    other = ReworkItem(
        practice_id=office.practice.id, claim_id=claim.id, source=Source.FOLLOW_UP,
        category=Category.OTHER, codes="NO-RESPONSE", summary="s", amount_cents=12500,
    )  # fmt: skip
    session.add(other)
    session.flush()
    new_id = _do(session, office, item, Action.CORRECT, reason="wrong modifier").new_claim_id
    before = count_rows(session, Entry)

    for action in (Action.WRITE_OFF, Action.TRANSFER_PATIENT):
        with pytest.raises(StateError, match=rf"replaced.*claim {new_id}"):
            _do(session, office, other, action)

    assert count_rows(session, Entry) == before
    assert _payer_balance(session, office, claim) == 12500
    session.refresh(other)
    assert other.status is ItemStatus.OPEN
