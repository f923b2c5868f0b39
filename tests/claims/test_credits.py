"""Credit balances and refunds: an overpayment is found with its age, refunded (recorded, then
paid) to whoever overpaid, or matched against the payer's recoupment on a later 835."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim.models import Claim, ClaimLine
from claims.credits.models import Payee, RefundKind, RefundStatus
from claims.credits.service import (
    credit_balances,
    match_recoupment,
    match_recoupments,
    pay_refund,
    record_refund,
    recoupments,
)
from claims.errors import InvalidInput, StateError
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.payments.service import post_patient_payment
from tests.claims.factories import ACTOR, Office, count_rows, make_office
from tests.remittance.helpers import (
    GOLDEN,
    PAYER_CODE,
    account_balance,
    assert_era_invariants,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database

DAY = date(2025, 3, 1)
_HEADER = (GOLDEN / "835_paid_partial_denial.835").read_text().split("~\n")[:17]  # ISA..REF*TJ


def era(trace: str, paid: str, body: list[str]) -> str:
    """An 835 from the golden file's envelope and parties with our own trace, payment and
    claims (and PLB)."""
    head = list(_HEADER)
    head[3] = head[3].replace("BPR*I*450*", f"BPR*I*{paid}*")
    head[4] = head[4].replace("EFT0001", trace)
    count = len(head) - 2 + len(body) + 1  # ST to SE
    trailer = [f"SE*{count}*0001", "GE*1*101", "IEA*1*000000101"]
    return "~\n".join([*head, *body, *trailer]) + "~\n"


def paid_in_full(pcn: str, cents: str) -> list[str]:
    """A claim payment paying one 99213 line its whole charge."""
    return [
        "LX*1",
        f"CLP*{pcn}*1*{cents}*{cents}*0*12*PAYER{pcn}*11*1",
        "NM1*QC*1*DOE*JANE****MI*M0001",
        f"SVC*HC:99213*{cents}*{cents}**1",
        "DTM*472*20250101",
        f"REF*6R*{pcn}-1",
    ]


@pytest.fixture
def office(session: Session) -> Office:
    """A practice whose payer is the golden 835s' payer, PAID1 paid by it (150.00 and a 50.00
    contractual write-off), then paid again in full by a second 835: 200.00 in credit."""
    office = make_office(session)
    office.payer.payer_code = PAYER_CODE
    session.flush()
    golden_claim(session, office, "PAID1", [("99213", 20000)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    golden_claim(session, office, "DENY1", [("97110", 12500)])
    assert ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes()).status
    report = ingest(session, office, era("EFT0002", "200", paid_in_full("PAID1", "200")), "b.835")
    assert report.status == "posted", report.as_json()
    assert report.transactions[0].matched == 1
    return office


def _line(session: Session, office: Office, pcn: str) -> int:
    return session.scalars(
        select(ClaimLine.charge_line_id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(Claim.patient_control_number == pcn, Claim.practice_id == office.practice.id)
    ).one()


def test_an_overpayment_is_found_with_its_payer_and_age(session: Session, office: Office) -> None:
    (credit,) = credit_balances(session, practice_id=office.practice.id, today=DAY)
    assert credit.charge_line_id == _line(session, office, "PAID1")
    assert (credit.payee, credit.amount_cents, credit.coverage_id) == (
        Payee.PAYER,
        20000,
        office.coverage.id,
    )
    assert credit.payer_id == office.payer.id
    second = max(
        e.posting_date
        for e in session.scalars(select(Entry).where(Entry.charge_line_id == credit.charge_line_id))
        if e.kind is EntryKind.PAYMENT  # the second payment made it a credit
    )
    assert credit.since == second and credit.age_days == (DAY - second).days


def test_refund_to_the_payer_recorded_then_paid(session: Session, office: Office) -> None:
    practice = office.practice.id
    line = _line(session, office, "PAID1")
    cash_before = account_balance(session, practice, AccountKind.CASH)
    refund = record_refund(
        session,
        practice_id=practice,
        charge_line_id=line,
        reason="paid twice (EFT0001 and EFT0002)",
        today=DAY,
        actor=ACTOR,
    )
    assert (refund.payee, refund.payer_id, refund.amount_cents, refund.status) == (
        Payee.PAYER,
        office.payer.id,
        20000,
        RefundStatus.PAYABLE,
    )
    assert credit_balances(session, practice_id=practice, today=DAY) == []
    assert account_balance(session, practice, AccountKind.REFUNDS_PAYABLE) == -20000
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=office.coverage.id)
        == 12500
    )  # DENY1 only

    paid = pay_refund(
        session,
        practice_id=practice,
        refund_id=refund.id,
        reference="CHK5001",
        paid_on=DAY,
        actor=ACTOR,
    )
    assert (paid.status, paid.paid_on, paid.reference) == (RefundStatus.PAID, DAY, "CHK5001")
    assert account_balance(session, practice, AccountKind.REFUNDS_PAYABLE) == 0
    assert account_balance(session, practice, AccountKind.CASH) == cash_before - 20000
    with pytest.raises(StateError, match=r"refund \d+ is paid"):
        pay_refund(
            session,
            practice_id=practice,
            refund_id=refund.id,
            reference="CHK5002",
            paid_on=DAY,
            actor=ACTOR,
        )
    assert ledger.check(session, practice_id=practice) == []
    assert_era_invariants(session, practice)


def test_a_refund_may_be_part_of_the_credit_and_never_more(
    session: Session, office: Office
) -> None:
    practice = office.practice.id
    line = _line(session, office, "PAID1")
    before = count_rows(session, Entry)
    with pytest.raises(InvalidInput, match=r"amount: 200\.01 is more than the credit balance"):
        record_refund(
            session,
            practice_id=practice,
            charge_line_id=line,
            reason="x",
            today=DAY,
            actor=ACTOR,
            amount_cents=20001,
        )
    with pytest.raises(InvalidInput, match="reason"):
        record_refund(
            session, practice_id=practice, charge_line_id=line, reason=" ", today=DAY, actor=ACTOR
        )
    other = _line(session, office, "DENY1")
    with pytest.raises(InvalidInput, match=f"charge_line_id {other}: no credit balance"):
        record_refund(
            session, practice_id=practice, charge_line_id=other, reason="x", today=DAY, actor=ACTOR
        )
    assert count_rows(session, Entry) == before
    record_refund(
        session,
        practice_id=practice,
        charge_line_id=line,
        reason="part",
        today=DAY,
        actor=ACTOR,
        amount_cents=5000,
    )
    (left,) = credit_balances(session, practice_id=practice, today=DAY)
    assert left.amount_cents == 15000


def test_a_patient_overpayment_is_refunded_to_the_patient(session: Session, office: Office) -> None:
    practice = office.practice.id
    posted = post_patient_payment(
        session,
        practice_id=practice,
        patient_id=office.patient.id,
        amount_cents=10600,
        reference="RCPT-OVER",
        received_on=DAY,
        actor=ACTOR,
    )
    assert posted.credit_cents == 600
    patient_credit = [
        c
        for c in credit_balances(session, practice_id=practice, today=DAY)
        if c.payee is Payee.PATIENT
    ]
    (credit,) = patient_credit
    assert (credit.patient_id, credit.amount_cents, credit.since) == (office.patient.id, 600, DAY)
    refund = record_refund(
        session,
        practice_id=practice,
        charge_line_id=credit.charge_line_id,
        account_id=credit.account_id,
        reason="overpaid at the desk",
        today=DAY,
        actor=ACTOR,
    )
    assert (refund.payee, refund.payer_id, refund.patient_id) == (
        Payee.PATIENT,
        None,
        office.patient.id,
    )
    pay_refund(
        session,
        practice_id=practice,
        refund_id=refund.id,
        reference="CHK5003",
        paid_on=DAY,
        actor=ACTOR,
    )
    assert (
        account_balance(session, practice, AccountKind.PATIENT_AR, patient_id=office.patient.id)
        == 0
    )


def test_a_payer_recoupment_on_a_later_835_is_matched(session: Session, office: Office) -> None:
    practice = office.practice.id
    golden_claim(session, office, "NEW1", [("99213", 30000)])
    body = [*paid_in_full("NEW1", "300"), "PLB*1234567893*20251231*WO:PAID1*200"]
    report = ingest(session, office, era("EFT0003", "100", body), "c.835")
    assert report.status == "posted", report.as_json()
    (take_back,) = recoupments(session, practice_id=practice)
    assert (take_back.reason_code, take_back.unmatched_cents) == ("WO", 20000)
    assert take_back.payer_id == office.payer.id
    assert account_balance(session, practice, AccountKind.PLB) == 20000

    (matched,) = match_recoupments(session, practice_id=practice, today=DAY, actor=ACTOR)
    assert (matched.kind, matched.status, matched.amount_cents) == (
        RefundKind.RECOUPMENT,
        RefundStatus.RECOUPED,
        20000,
    )
    assert matched.plb_entry_id == take_back.plb_entry_id
    assert credit_balances(session, practice_id=practice, today=DAY) == []
    assert recoupments(session, practice_id=practice) == []
    assert account_balance(session, practice, AccountKind.PLB) == 0
    assert match_recoupments(session, practice_id=practice, today=DAY, actor=ACTOR) == []
    assert_era_invariants(session, practice)


def test_a_recoupment_naming_no_claim_is_matched_by_hand(session: Session, office: Office) -> None:
    practice = office.practice.id
    golden_claim(session, office, "NEW2", [("99213", 30000)])
    body = [*paid_in_full("NEW2", "300"), "PLB*1234567893*20251231*WO:UNKNOWN*120"]
    assert ingest(session, office, era("EFT0004", "180", body), "d.835").status == "posted"
    assert match_recoupments(session, practice_id=practice, today=DAY, actor=ACTOR) == []
    (take_back,) = recoupments(session, practice_id=practice)
    line = _line(session, office, "PAID1")
    with pytest.raises(InvalidInput, match="amount"):
        match_recoupment(
            session,
            practice_id=practice,
            plb_entry_id=take_back.plb_entry_id,
            charge_line_id=line,
            today=DAY,
            actor=ACTOR,
            amount_cents=12001,
        )
    match_recoupment(
        session,
        practice_id=practice,
        plb_entry_id=take_back.plb_entry_id,
        charge_line_id=line,
        today=DAY,
        actor=ACTOR,
    )
    (left,) = credit_balances(session, practice_id=practice, today=DAY)
    assert left.amount_cents == 8000  # 200.00 overpaid, 120.00 taken back
    assert recoupments(session, practice_id=practice) == []
