"""Patient responsibility end to end: balances after an 835, statements in cycles (PDF totals
read back), patient payments, small-balance write-offs and the collections flag."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.errors import InvalidInput
from claims.files.models import StoredFile
from claims.ledger import service as ledger
from claims.ledger.models import Account, AccountKind, Entry, EntryKind
from claims.payments.models import Method, PatientPayment
from claims.payments.service import PaymentPosted, post_patient_payment
from claims.receivables.service import line_money
from claims.rework.models import ItemStatus, ReworkItem
from claims.statements.models import CollectionFlag, FlagStatus, PatientStatement
from claims.statements.service import (
    StatementRules,
    flag_collections,
    patient_balances,
    run_statements,
    write_off_small_balances,
)
from tests.claims.factories import (
    ACTOR,
    POSTING_DATE,
    Office,
    charge,
    count_rows,
    make_encounter,
    make_office,
    make_patient,
)
from tests.remittance.helpers import GOLDEN, PAYER_CODE, account_balance, golden_claim, ingest

pytestmark = pytest.mark.database

DAY = date(2025, 2, 1)


@pytest.fixture
def office(session: Session) -> Office:
    """A practice whose payer is the golden 835s' payer, with PAID1, PART1 and DENY1 posted:
    the patient owes 50.00 on each of PART1's two lines, DENY1's 125.00 is with the payer."""
    office = make_office(session)
    office.payer.payer_code = PAYER_CODE
    session.flush()
    golden_claim(session, office, "PAID1", [("99213", 20000)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    golden_claim(session, office, "DENY1", [("97110", 12500)])
    report = ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes())
    assert report.status == "posted", report.as_json()
    return office


def _owed(session: Session, office: Office) -> dict[int, int]:
    """The patient's balance by charge line (non-zero only)."""
    lines = line_money(session, practice_id=office.practice.id, patient_ids=[office.patient.id])
    return {i: m.patient.balance_cents for i, m in lines.items() if m.patient.balance_cents}


def _pdf_text(session: Session, stored_file_id: int) -> str:
    stored = session.get(StoredFile, stored_file_id)
    assert stored is not None
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(stored.content)).pages)


def _pay(
    session: Session,
    office: Office,
    cents: int,
    reference: str,
    *,
    method: Method = Method.CHECK,
    lines: Sequence[int] = (),
) -> PaymentPosted:
    return post_patient_payment(
        session,
        practice_id=office.practice.id,
        patient_id=office.patient.id,
        amount_cents=cents,
        reference=reference,
        received_on=DAY,
        actor=ACTOR,
        method=method,
        charge_line_ids=lines,
    )


def test_balances_after_insurance_add_up_to_the_charges(session: Session, office: Office) -> None:
    (balance,) = patient_balances(session, practice_id=office.practice.id, today=DAY)
    assert balance.patient_id == office.patient.id
    assert balance.balance_cents == 10000
    assert balance.insurance_pending_cents == 12500  # DENY1, still with the payer
    assert balance.aging_cents["0-30"] == 10000
    for line in balance.lines:
        parties = line.insurance, line.patient
        moved = sum(p.paid_cents + p.adjusted_cents + p.balance_cents for p in parties)
        assert moved == line.charge_cents
    assert [
        (
            m.charge_cents,
            m.insurance.paid_cents,
            m.insurance.adjusted_cents,
            m.patient.balance_cents,
        )
        for m in balance.lines
    ] == [
        (30000, 20000, 5000, 5000),
        (20000, 10000, 5000, 5000),
    ]


def test_statement_pdf_carries_the_lines_aging_and_amount_due(
    session: Session, office: Office, tmp_path: object
) -> None:
    run = run_statements(session, practice_id=office.practice.id, today=DAY, actor=ACTOR)
    (made,) = run.made
    assert (made.patient_id, made.sequence, made.amount_due_cents, made.lines) == (
        office.patient.id,
        1,
        10000,
        2,
    )
    statement = session.get(PatientStatement, made.statement_id)
    assert statement is not None
    assert statement.sent_on == DAY and statement.due_on == DAY + timedelta(days=21)
    buckets = (
        statement.aged_0_30_cents,
        statement.aged_31_60_cents,
        statement.aged_61_90_cents,
        statement.aged_91_120_cents,
        statement.aged_121_plus_cents,
    )
    assert sum(buckets) == statement.amount_due_cents == 10000

    text = _pdf_text(session, made.stored_file_id)
    assert "Test Practice" in text and "TEST CLINIC" in text  # the practice header
    assert "01/01/2025 99214 300.00 200.00 50.00 0.00 0.00 50.00" in text
    assert "01/01/2025 81002 200.00 100.00 50.00 0.00 0.00 50.00" in text
    assert "Total 500.00 300.00 100.00 0.00 0.00 100.00" in text
    assert "100.00 0.00 0.00 0.00 0.00" in text  # aging: all of it 0-30 days
    assert "Still with your insurance (not due now): $125.00" in text
    assert "AMOUNT DUE: $100.00" in text


def test_one_statement_per_cycle_and_the_threshold(session: Session, office: Office) -> None:
    practice = office.practice.id
    assert len(run_statements(session, practice_id=practice, today=DAY, actor=ACTOR).made) == 1
    again = run_statements(session, practice_id=practice, today=DAY, actor=ACTOR)
    assert (again.made, again.sent_this_cycle) == ([], 1)
    late = DAY + timedelta(days=29)
    assert run_statements(session, practice_id=practice, today=late, actor=ACTOR).made == []
    next_cycle = run_statements(
        session, practice_id=practice, today=DAY + timedelta(days=30), actor=ACTOR
    )
    assert [m.sequence for m in next_cycle.made] == [2]
    high = StatementRules(threshold_cents=10001)
    over = run_statements(
        session, practice_id=practice, today=DAY + timedelta(days=60), actor=ACTOR, rules=high
    )
    assert (over.made, over.under_threshold) == ([], 1)


def test_statement_for_a_self_pay_visit_ages_from_the_charge(session: Session) -> None:
    office = make_office(session)
    walk_in = make_patient(session, office.practice)  # no coverage: the charges are the patient's
    make_encounter(session, walk_in, office.billing, charges=[charge("99213", 15000)])
    today = POSTING_DATE + timedelta(days=45)
    run = run_statements(session, practice_id=office.practice.id, today=today, actor=ACTOR)
    (made,) = run.made
    statement = session.get(PatientStatement, made.statement_id)
    assert statement is not None and statement.aged_31_60_cents == 15000
    text = _pdf_text(session, made.stored_file_id)
    assert "Total 150.00 0.00 0.00 0.00 0.00 150.00" in text
    assert "0.00 150.00 0.00 0.00 0.00" in text
    assert "AMOUNT DUE: $150.00" in text


def test_payment_goes_to_the_oldest_lines_first(session: Session, office: Office) -> None:
    first, second = sorted(_owed(session, office))
    cash_before = account_balance(session, office.practice.id, AccountKind.CASH)
    posted = _pay(session, office, 7000, "RCPT-1", method=Method.CASH)
    assert posted.applied == ((first, 5000), (second, 2000))
    assert posted.credit_cents == 0
    assert _owed(session, office) == {second: 3000}
    assert account_balance(session, office.practice.id, AccountKind.CASH) == cash_before + 7000
    entries = list(
        session.scalars(select(Entry).where(Entry.external_id.like("patient-payment:%")))
    )
    assert {e.kind for e in entries} == {EntryKind.PAYMENT}
    assert all(e.deposit_date == DAY for e in entries)


def test_payment_to_the_lines_named_and_its_replay(session: Session, office: Office) -> None:
    first, second = sorted(_owed(session, office))
    posted = _pay(session, office, 2500, "CHK-77", lines=[second])
    assert posted.applied == ((second, 2500),)
    before = count_rows(session, Entry, PatientPayment)
    replay = _pay(session, office, 2500, "CHK-77", lines=[second])
    assert replay.duplicate and replay.applied == ((second, 2500),)
    assert count_rows(session, Entry, PatientPayment) == before
    with pytest.raises(InvalidInput, match="reference: already used for payment"):
        _pay(session, office, 2600, "CHK-77")
    with pytest.raises(InvalidInput, match="lines: charge line 999999"):
        _pay(session, office, 100, "CHK-78", lines=[999999])
    with pytest.raises(InvalidInput, match="amount"):
        _pay(session, office, 0, "CHK-79")
    assert count_rows(session, Entry, PatientPayment) == before
    assert _owed(session, office) == {first: 5000, second: 2500}


def test_paying_more_than_owed_leaves_a_credit_balance(session: Session, office: Office) -> None:
    first, second = sorted(_owed(session, office))
    posted = _pay(session, office, 11000, "RCPT-9")
    assert posted.credit_cents == 1000
    assert posted.applied == ((first, 5000), (second, 6000))
    assert _owed(session, office) == {second: -1000}
    (balance,) = patient_balances(session, practice_id=office.practice.id, today=DAY)
    assert (balance.balance_cents, balance.credit_cents) == (-1000, 1000)
    # A credit is no statement.
    run = run_statements(session, practice_id=office.practice.id, today=DAY, actor=ACTOR)
    assert run.made == [] and run.under_threshold == 1


def test_small_balance_is_written_off_after_enough_statements(
    session: Session, office: Office
) -> None:
    practice = office.practice.id
    _pay(session, office, 9700, "RCPT-2")  # 3.00 left on the second line
    (left,) = _owed(session, office)
    rules = StatementRules(small_balance_cents=500, small_balance_statements=2)
    run_statements(session, practice_id=practice, today=DAY, actor=ACTOR)
    assert (
        write_off_small_balances(session, practice_id=practice, today=DAY, actor=ACTOR, rules=rules)
        == []
    )  # one statement only
    later = DAY + timedelta(days=30)
    run_statements(session, practice_id=practice, today=later, actor=ACTOR)
    (done,) = write_off_small_balances(
        session, practice_id=practice, today=later, actor=ACTOR, rules=rules
    )
    assert (done.patient_id, done.amount_cents) == (office.patient.id, 300)
    assert _owed(session, office) == {}
    assert account_balance(session, practice, AccountKind.WRITE_OFF) == 300
    (entry,) = [session.get(Entry, i) for i in done.entry_ids]
    assert entry is not None and entry.kind is EntryKind.WRITE_OFF
    assert entry.charge_line_id == left and entry.memo and "after 2 statements" in entry.memo
    assert ledger.check(session, practice_id=practice) == []


def test_a_larger_balance_is_not_a_small_one(session: Session, office: Office) -> None:
    practice = office.practice.id
    for days in (0, 30, 60):
        run_statements(session, practice_id=practice, today=DAY + timedelta(days=days), actor=ACTOR)
    done = write_off_small_balances(
        session, practice_id=practice, today=DAY + timedelta(60), actor=ACTOR
    )
    assert done == [] and sum(_owed(session, office).values()) == 10000


def test_unpaid_after_three_statements_and_90_days_is_flagged_once(
    session: Session, office: Office
) -> None:
    practice = office.practice.id
    for days in (0, 30, 60):
        run_statements(session, practice_id=practice, today=DAY + timedelta(days=days), actor=ACTOR)
    early = DAY + timedelta(days=89)
    assert flag_collections(session, practice_id=practice, today=early, actor=ACTOR) == ([], [])
    day = DAY + timedelta(days=90)
    flagged, closed = flag_collections(session, practice_id=practice, today=day, actor=ACTOR)
    assert closed == []
    (flag,) = flagged
    assert (flag.patient_id, flag.amount_cents, flag.statements, flag.first_statement_on) == (
        office.patient.id,
        10000,
        3,
        DAY,
    )
    item = session.get(ReworkItem, flag.rework_item_id)
    assert item is not None and item.codes == "COLLECTIONS" and item.amount_cents == 10000
    assert item.status is ItemStatus.OPEN
    assert "ALDER" not in item.summary  # no PHI in the item
    assert flag_collections(session, practice_id=practice, today=day, actor=ACTOR) == ([], [])

    _pay(session, office, 10000, "RCPT-PAID")
    flagged, closed = flag_collections(session, practice_id=practice, today=day, actor=ACTOR)
    assert flagged == [] and [c.flag_id for c in closed] == [flag.flag_id]
    row = session.get(CollectionFlag, flag.flag_id)
    assert row is not None and row.status is FlagStatus.CLOSED and row.closed_on == day
    assert item.status is ItemStatus.CLOSED


def test_rules_that_make_no_sense_are_refused(session: Session, office: Office) -> None:
    with pytest.raises(InvalidInput, match="cycle_days"):
        run_statements(
            session,
            practice_id=office.practice.id,
            today=DAY,
            actor=ACTOR,
            rules=StatementRules(cycle_days=0),
        )
    assert count_rows(session, PatientStatement)["PatientStatement"] == 0


def test_patient_ar_account_holds_exactly_the_balances(session: Session, office: Office) -> None:
    _pay(session, office, 4000, "RCPT-3")
    account = session.scalar(
        select(Account).where(
            Account.kind == AccountKind.PATIENT_AR, Account.patient_id == office.patient.id
        )
    )
    assert account is not None
    assert account.balance_cents == sum(_owed(session, office).values()) == 6000
