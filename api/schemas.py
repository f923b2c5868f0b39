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
