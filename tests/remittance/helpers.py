"""Claims shaped like the golden 835s' claims, and the checks every posting test makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.claim.models import Claim
from claims.claim.service import create_claim
from claims.claim.state import ClaimState
from claims.ledger.models import Account, AccountKind, Entry
from claims.remittances.models import Remittance
from remittance.ingest import ingest_file
from remittance.report import FileReport
from tests.claims.factories import ACTOR, Office, charge, make_encounter

GOLDEN = Path(__file__).parent.parent / "edi" / "golden"
TODAY = date(2025, 1, 20)
PAYER_CODE = "12345"  # N1*PR N104 of the golden 835s


def golden_claim(
    session: Session,
    office: Office,
    pcn: str,
    lines: Sequence[tuple[str, int]],
    *,
    state: ClaimState = ClaimState.ACCEPTED,
    service_date: date = date(2025, 1, 1),
) -> Claim:
    """A claim with this patient control number, its lines numbered PCN-1, PCN-2, ... as in
    the golden files, in a state the payer has it in."""
    encounter = make_encounter(
        session, office.patient, office.billing, service_date=service_date,
        charges=[charge(code, cents) for code, cents in lines],
    )  # fmt: skip
    claim = create_claim(
        session, practice_id=office.practice.id, encounter_id=encounter.id,
        coverage_id=office.coverage.id, actor=ACTOR,
    )  # fmt: skip
    claim.patient_control_number = pcn
    for number, line in enumerate(claim.lines, 1):
        line.line_control_number = f"{pcn}-{number}"
    claim.state = state
    session.flush()
    return claim


def ingest(
    session: Session, office: Office, content: bytes | str, name: str = "era.835"
) -> FileReport:
    """Ingest a file for the office's practice, as the CLI does."""
    data = content.encode() if isinstance(content, str) else content
    return ingest_file(
        session, practice_id=office.practice.id, content=data, name=name, actor=ACTOR, today=TODAY
    )


def account_balance(session: Session, practice_id: int, kind: AccountKind, **scope: int) -> int:
    """Debits minus credits of one account, from its entries."""
    account = session.scalar(select(Account).filter_by(practice_id=practice_id, kind=kind, **scope))
    if account is None:
        return 0
    debit = session.scalar(
        select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
            Entry.debit_account_id == account.id
        )
    )
    credit = session.scalar(
        select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
            Entry.credit_account_id == account.id
        )
    )
    return int(debit or 0) - int(credit or 0)


def assert_era_invariants(session: Session, practice_id: int) -> None:
    """For every remittance: ERA clearing nets to zero, and cash posted equals BPR02."""
    clearing = session.scalar(
        select(Account.id).filter_by(practice_id=practice_id, kind=AccountKind.ERA_CLEARING)
    )
    cash = session.scalar(
        select(Account.id).filter_by(practice_id=practice_id, kind=AccountKind.CASH)
    )
    for remittance in session.scalars(select(Remittance).filter_by(practice_id=practice_id)):
        entries = list(session.scalars(select(Entry).filter_by(remittance_id=remittance.id)))

        assert _net(entries, clearing) == 0, f"remittance {remittance.id}: clearing is not 0"
        assert _net(entries, cash) == remittance.payment_cents, f"remittance {remittance.id}: cash"


def _net(entries: list[Entry], account_id: int | None) -> int:
    return sum(
        (e.amount_cents if e.debit_account_id == account_id else 0)
        - (e.amount_cents if e.credit_account_id == account_id else 0)
        for e in entries
    )
