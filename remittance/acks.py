"""Applying 999, 277CA and TA1 acknowledgments to batches and claims (issue 6: not built yet).

Until it is, such files are kept and reported with an exception saying they were not applied.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from remittance.ingest import Inbound
from remittance.report import FileReport, TransactionReport


def _not_applied(inbound: Inbound, report: FileReport) -> None:
    report.transactions.append(
        TransactionReport(
            position=1, control_number="", key="", status="received",
            exceptions=[f"{report.kind} files are kept but not applied yet"],
        )
    )  # fmt: skip


def ingest_999(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Kept, not applied yet."""
    _not_applied(inbound, report)


def ingest_277ca(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Kept, not applied yet."""
    _not_applied(inbound, report)


def ingest_ta1(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Kept, not applied yet."""
    _not_applied(inbound, report)
