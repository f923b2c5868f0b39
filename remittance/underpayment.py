"""Underpayments: after a remittance is posted, each line the payer allowed below its contract
opens a rework item (category underpayment, source 835) with the shortfall in dollars.

Set-based, once per remittance: one query reads the remittance's line adjudications with their
procedure, modifiers and units, and the contract schedules are loaded once for the codes found.

What is compared, per line adjudication of the remittance:
- only lines processed as primary (CLP02 1 or 19), not reversals, whose payer has a contract
  schedule that prices the line (claims/fees/pricing.py: units and modifier rules);
- the payer's allowed amount is AMT*B6 when the line has it; otherwise what the payer paid plus
  the patient's share (group PR) plus sequestration (CARC 253, in any group): sequestration
  cuts the payment, not the allowed amount, so it is never counted as an underpayment;
- a line the payer allowed nothing for is a denial (worked as a denial item), not compared;
- shortfall = expected - allowed, in cents (the expected amount is rounded half up to the
  cent); an item opens only when it exceeds the contract's tolerance (the larger of its dollar
  and percent tolerances, 1.00 and 1% unless imported otherwise).
Safe to repeat: a line that already has an underpayment item from this remittance gets no
second one (so a remittance posted again by `repost` opens items only for lines new to it).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from claims.adjudications.models import Adjudication, Adjustment
from claims.base import table_of, utcnow
from claims.claim.models import Claim, ClaimLine
from claims.encounters.models import ChargeLine
from claims.fees import service as fees
from claims.money import to_decimal
from claims.practice.models import Payer
from claims.remittances.models import Remittance
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.rework.service import priority
from coding.remit import GroupCode

PRIMARY = ("1", "19")  # CLP02: processed as primary (and forwarded)
SEQUESTRATION = "253"


def open_underpayments(session: Session, *, remittance_id: int, today: date) -> int:
    """Open an underpayment item for each line of the remittance paid below its contract;
    returns how many were opened. Flushes; never commits."""
    remittance = session.get(Remittance, remittance_id)
    if remittance is None:
        return 0
    payers = fees.contract_payers(session, practice_id=remittance.practice_id)
    if not payers:
        return 0  # no contract loaded: nothing to compare (and no cost on the posting path)
    rows = session.execute(_lines(remittance_id, payers)).all()
    if not rows:
        return 0
    contracts = fees.load_contracts(
        session, practice_id=remittance.practice_id, payer_ids={r.payer_id for r in rows},
        codes={r.procedure_code for r in rows},
    )  # fmt: skip
    items: list[dict[str, object]] = []
    for r in rows:
        contract = contracts.get(r.payer_id)
        if contract is None:
            continue
        modifiers = [m for m in (r.modifier1, r.modifier2, r.modifier3, r.modifier4) if m]
        expected = contract.expected_cents(r.procedure_code, modifiers, r.units_thousandths)
        if expected is None:
            continue
        if r.allowed_cents is not None:
            allowed, how = r.allowed_cents, "AMT*B6"
        else:
            allowed, how = r.paid_cents + r.added_back, "paid + PR + CARC 253"
        if allowed <= 0:
            continue  # denied: the denial item covers it
        short = expected - allowed
        if short <= contract.tolerance_for(expected):
            continue
        service = "-".join([r.procedure_code, *modifiers])
        deadline = r.adjudicated_on + timedelta(days=r.appeal_days)
        items.append({
            "practice_id": remittance.practice_id, "claim_id": r.claim_id,
            "source_file_id": r.source_file_id, "remittance_id": remittance_id,
            "segment_position": r.segment_position, "suggested_claim_ids": None,
            "source": Source.REMIT_835, "category": Category.UNDERPAYMENT,
            "codes": f"UNDERPAID {service}",
            "summary": (
                f"claim {r.patient_control_number} line {r.line_number} ({service}): payer "
                f"allowed {to_decimal(allowed)} ({how}), contract {contract.name} expects "
                f"{to_decimal(expected)}; underpaid {to_decimal(short)}, paid "
                f"{to_decimal(r.paid_cents)}; appeal by {deadline}"
            ),
            "amount_cents": short, "deadline": deadline,
            "priority": priority(amount_cents=short, deadline=deadline, today=today),
            "status": ItemStatus.OPEN, "created_at": utcnow(),
        })  # fmt: skip
    if items:
        session.execute(insert(table_of(ReworkItem)), items)
    return len(items)


def _lines(remittance_id: int, payers: set[int]) -> Select[Any]:
    """The remittance's primary line adjudications for contract payers, not yet looked at."""
    added_back = (
        select(
            Adjustment.adjudication_id,
            func.sum(Adjustment.amount_cents).label("cents"),
        )
        .join(Adjudication, Adjudication.id == Adjustment.adjudication_id)
        .where(
            Adjudication.remittance_id == remittance_id,
            or_(
                Adjustment.group_code == GroupCode.PATIENT,
                Adjustment.reason_code == SEQUESTRATION,
            ),
        )
        .group_by(Adjustment.adjudication_id)
        .subquery()
    )
    seen = exists().where(
        ReworkItem.remittance_id == remittance_id,
        ReworkItem.category == Category.UNDERPAYMENT,
        ReworkItem.claim_id == Adjudication.claim_id,
        ReworkItem.segment_position == Adjudication.segment_position,
    )
    return (
        select(
            Adjudication.claim_id,
            Adjudication.payer_id,
            Adjudication.paid_cents,
            Adjudication.allowed_cents,
            Adjudication.segment_position,
            Adjudication.adjudicated_on,
            Adjudication.source_file_id,
            func.coalesce(added_back.c.cents, 0).label("added_back"),
            ChargeLine.procedure_code,
            ChargeLine.modifier1,
            ChargeLine.modifier2,
            ChargeLine.modifier3,
            ChargeLine.modifier4,
            ChargeLine.units_thousandths,
            ClaimLine.line_number,
            Claim.patient_control_number,
            Payer.appeal_days,
        )
        .join(ClaimLine, ClaimLine.id == Adjudication.claim_line_id)
        .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
        .join(Claim, Claim.id == Adjudication.claim_id)
        .join(Payer, Payer.id == Adjudication.payer_id)
        .outerjoin(added_back, added_back.c.adjudication_id == Adjudication.id)
        .where(
            and_(
                Adjudication.remittance_id == remittance_id,
                Adjudication.claim_line_id.is_not(None),
                Adjudication.reverses_id.is_(None),
                Adjudication.status_code.in_(PRIMARY),
                Adjudication.payer_id.in_(sorted(payers)),
            ),
            ~seen,
        )
        .order_by(Adjudication.id)
    )
