"""Pydantic schemas of the HTTP API: what goes out (and, later, what comes in)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class Read(BaseModel):
    """Base of response schemas."""

    model_config = ConfigDict(from_attributes=True)


class PracticeRead(Read):
    id: int
    code: str
    name: str


class ClaimSummary(Read):
    id: int
    patient_control_number: str
    kind: str
    frequency: str
    state: str
    payer_id: int
    encounter_id: int
    total_charge: Decimal
    created_at: datetime
    submitted_at: datetime | None


class ClaimLineRead(Read):
    line_number: int
    charge_line_id: int
    line_control_number: str
    charge: Decimal


class TransitionRead(Read):
    trigger: str
    from_state: str
    to_state: str
    actor: str
    reason: str | None
    attention: str | None
    created_at: datetime


class EntryRead(Read):
    id: int
    kind: str
    debit_account: str
    credit_account: str
    amount: Decimal
    posting_date: date
    service_date: date | None
    charge_line_id: int | None
    reverses_entry_id: int | None
    group_code: str | None
    reason_code: str | None
    source_file_id: int | None
    segment_position: int | None
    actor: str
    memo: str | None


class ClaimRead(ClaimSummary):
    lines: list[ClaimLineRead]
    history: list[TransitionRead]
    ledger: list[EntryRead]


class AccountRead(Read):
    id: int
    key: str
    kind: str
    debits_posted: Decimal
    credits_posted: Decimal
    balance: Decimal


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with what is needed to fetch the next."""

    items: list[T]
    total: int
    limit: int
    offset: int


class CheckResult(BaseModel):
    ok: bool
    imbalances: list[dict[str, int | str]]


class SentRead(BaseModel):
    claims: int
    charge_total: Decimal


class Answers999(BaseModel):
    """Claims by their newest 999 (a TA1 rejection counts as rejected)."""

    accepted: int  # IK5 A or E
    accepted_with_errors: int  # of which E
    rejected: int
    none: int


class Answers277CA(BaseModel):
    """Claims by their newest 277CA."""

    accepted: int  # A2, A5
    received: int  # A0, A1
    rejected: int  # A3, A6, A7, A8
    flagged: int  # A4, E0-E4
    none: int


class RejectedClaimRead(BaseModel):
    claim_id: int
    patient_control_number: str
    payer_code: str
    state: str
    charge: Decimal
    by: str  # 999, TA1 or 277CA
    codes: str | None
    rework_item_id: int | None


class RejectedRead(BaseModel):
    claims: int
    charge_total: Decimal
    by_999: int
    by_277ca: int
    items: list[RejectedClaimRead]


class SilentClaimRead(BaseModel):
    claim_id: int
    patient_control_number: str
    payer_code: str
    state: str
    charge: Decimal
    waiting_for: str  # 999 or 277CA
    days: int
    wait_days: int


class HeardNothingRead(BaseModel):
    claims: int
    charge_total: Decimal
    no_999: int
    no_277ca: int
    items: list[SilentClaimRead]


class BatchRead(BaseModel):
    """One 837 file sent and what came back for its claims."""

    batch_id: int
    kind: str
    trading_partner: str
    sent_at: datetime
    file_id: int
    file_name: str | None
    interchange_control_number: int
    group_control_number: int
    transaction_control_numbers: list[int]
    interchange_rejected: str | None
    sent: SentRead
    ack_999: Answers999
    ack_277ca: Answers277CA
    remitted: int
    rejected: RejectedRead
    heard_nothing: HeardNothingRead


class BatchPage(Page[BatchRead]):
    as_of: date
