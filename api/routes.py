"""Read endpoints over practices, claims and the ledger (authentication arrives with issue 8)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.schemas import (
    AccountRead,
    BatchPage,
    BatchRead,
    CheckResult,
    ClaimLineRead,
    ClaimRead,
    ClaimSummary,
    EntryRead,
    Page,
    PracticeRead,
    TransitionRead,
)
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.errors import NotFound
from claims.ledger import service as ledger
from claims.ledger.models import Account
from claims.money import to_decimal
from claims.practice.models import Practice

router = APIRouter()


def get_session() -> Iterator[Session]:  # replaced by create_app with a real session
    raise NotImplementedError


SessionDep = Annotated[Session, Depends(get_session)]


def valid_practice(practice_id: int, session: SessionDep) -> Practice:
    """The practice named in the path, or 404."""
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFound(f"practice {practice_id} not found")
    return practice


PracticeDep = Annotated[Practice, Depends(valid_practice)]


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    """Liveness and the database the engine is on."""
    session.execute(select(1))
    return {"status": "ok", "database": session.get_bind().dialect.name}


@router.get("/api/v1/practices")
def list_practices(session: SessionDep) -> list[PracticeRead]:
    """Every practice."""
    return [PracticeRead.model_validate(p) for p in session.scalars(select(Practice))]


@router.get("/api/v1/practices/{practice_id}/claims")
def list_claims(
    practice: PracticeDep,
    session: SessionDep,
    state: ClaimState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ClaimSummary]:
    """Claim versions of a practice, newest first, optionally in one state."""
    query = select(Claim).where(Claim.practice_id == practice.id)
    if state is not None:
        query = query.where(Claim.state == state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Claim.id.desc()).limit(limit).offset(offset))
    return Page[ClaimSummary](
        items=[_summary(c) for c in rows], total=total, limit=limit, offset=offset
    )


@router.get("/api/v1/practices/{practice_id}/claims/{claim_id}")
def read_claim(practice: PracticeDep, session: SessionDep, claim_id: int) -> ClaimRead:
    """A claim version with its lines, state history and every ledger entry on its lines."""
    claim = claim_service.get_claim(session, practice_id=practice.id, claim_id=claim_id)
    entries = ledger.entries_for_charge_lines(
        session, [line.charge_line_id for line in claim.lines]
    )
    return ClaimRead(
        **_summary(claim).model_dump(),
        lines=[
            ClaimLineRead(
                line_number=line.line_number,
                charge_line_id=line.charge_line_id,
                line_control_number=line.line_control_number,
                charge=to_decimal(line.charge_cents),
            )
            for line in claim.lines
        ],
        history=[
            TransitionRead.model_validate(t) for t in claim_service.history(session, claim.id)
        ],
        ledger=[
            EntryRead(
                id=e.id,
                kind=e.kind,
                debit_account=debit,
                credit_account=credit,
                amount=to_decimal(e.amount_cents),
                posting_date=e.posting_date,
                service_date=e.service_date,
                charge_line_id=e.charge_line_id,
                reverses_entry_id=e.reverses_entry_id,
                group_code=e.group_code,
                reason_code=e.reason_code,
                source_file_id=e.source_file_id,
                segment_position=e.segment_position,
                actor=e.actor,
                memo=e.memo,
            )
            for e, debit, credit in entries
        ],
    )


@router.get("/api/v1/practices/{practice_id}/ledger/accounts")
def list_accounts(practice: PracticeDep, session: SessionDep) -> list[AccountRead]:
    """The practice's ledger accounts with their running totals."""
    accounts = session.scalars(
        select(Account).where(Account.practice_id == practice.id).order_by(Account.key)
    )
    return [
        AccountRead(
            id=a.id,
            key=a.key,
            kind=a.kind,
            debits_posted=to_decimal(a.debits_posted_cents),
            credits_posted=to_decimal(a.credits_posted_cents),
            balance=to_decimal(a.balance_cents),
        )
        for a in accounts
    ]


@router.get("/api/v1/practices/{practice_id}/batches")
def list_batches(
    practice: PracticeDep,
    session: SessionDep,
    payer: Annotated[str | None, Query(description="Only this payer's claims (code).")] = None,
    since: Annotated[date | None, Query(description="Batches sent on or after (UTC).")] = None,
    as_of: Annotated[date | None, Query(description="The day to count days to (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> BatchPage:
    """The 837 files sent, newest first: their claims, what the 999, 277CA and 835 said, the
    rejected claims and those that heard nothing for longer than their payer waits."""
    from remittance.batches import batch_report

    report = batch_report(
        session, practice_id=practice.id, today=as_of or datetime.now(UTC).date(),
        payer_code=payer, since=since, limit=limit, offset=offset,
    )  # fmt: skip
    return BatchPage(
        items=[BatchRead.model_validate(b.as_json()) for b in report.batches],
        total=report.total, limit=limit, offset=offset, as_of=report.as_of,
    )  # fmt: skip


@router.get("/api/v1/ledger/check")
def check_ledger(session: SessionDep) -> CheckResult:
    """Whether every account's totals equal the sums of its entries."""
    problems = ledger.check(session)
    return CheckResult(ok=not problems, imbalances=[asdict(p) for p in problems])


def _summary(claim: Claim) -> ClaimSummary:
    return ClaimSummary(
        id=claim.id,
        patient_control_number=claim.patient_control_number,
        kind=claim.kind,
        frequency=claim.frequency,
        state=claim.state,
        payer_id=claim.payer_id,
        encounter_id=claim.encounter_id,
        total_charge=to_decimal(claim.total_charge_cents),
        created_at=claim.created_at,
        submitted_at=claim.submitted_at,
    )
