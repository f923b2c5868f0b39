"""The batch view: per 837 file we sent, what went out, what came back (999, 277CA, 835) and
which claims have heard nothing after their payer's wait.

Everything is read from what the claims' history already holds: each acknowledgment and
remittance applied to a claim left a step with its trigger (ack_accepted, status_rejected,
remit_paid, ...), so a claim's answers are the newest step of each kind. A page of batches
costs five queries whatever their size: the payer, the count, the batches, one aggregate row
per claim (the newest step of each kind, computed by the database) and the rework items of
the rejected claims.

The figures, per claim and by the newest answer of each kind:
- 999: accepted (IK5 A or E, the E ones counted again as with errors) or rejected (IK5
  R/M/W/X, AK9 rejection, or a TA1 that rejected the interchange); none when no 999 came.
- 277CA: accepted (A2, A5), received (A0, A1), rejected (A3, A6-A8), flagged (A4, E0-E4: a
  person looks); none when no 277CA came.
- rejected: the newest acknowledgment (999 or 277CA) rejected the claim.
- heard nothing: no 999, 277CA or 835 more than the payer's wait_999_days after the day the
  batch was sent, or a 999 acceptance but no 277CA or 835 more than wait_277ca_days after it.
  Days are whole calendar days in UTC; a claim a person moved on (replaced, voided) or that a
  remittance adjudicated is not waiting for anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import Session

from claims.claim.models import Claim, ClaimTransition
from claims.claim.service import NOTE_TRIGGER
from claims.claim.state import IN_FLIGHT, ClaimState, Event
from claims.errors import InvalidInput, NotFound
from claims.files.models import Batch, FileStatus, StoredFile
from claims.money import to_decimal
from claims.practice.models import Payer, TradingPartner
from claims.rework.models import ReworkItem, Source
from remittance.acks import TA1_REASON, WITH_ERRORS

_REMITS = tuple(e.value for e in Event if e.value.startswith("remit_"))
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class RejectedClaim:
    """A claim of the batch that its newest acknowledgment rejected."""

    claim_id: int
    patient_control_number: str
    payer_code: str
    state: str
    charge_cents: int
    by: str  # 999, TA1 or 277CA
    codes: str | None  # of its newest rework item from that acknowledgment
    rework_item_id: int | None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: money as a decimal string."""
        return {
            "claim_id": self.claim_id,
            "patient_control_number": self.patient_control_number,
            "payer_code": self.payer_code,
            "state": self.state,
            "charge": str(to_decimal(self.charge_cents)),
            "by": self.by,
            "codes": self.codes,
            "rework_item_id": self.rework_item_id,
        }


@dataclass(frozen=True, slots=True)
class SilentClaim:
    """A claim of the batch that has heard nothing for longer than its payer waits."""

    claim_id: int
    patient_control_number: str
    payer_code: str
    state: str
    charge_cents: int
    waiting_for: str  # 999 (nothing came at all) or 277CA (a 999 came, nothing since)
    days: int  # whole days since the batch was sent
    wait_days: int  # the payer's setting for what it waits for

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: money as a decimal string."""
        return {
            "claim_id": self.claim_id,
            "patient_control_number": self.patient_control_number,
            "payer_code": self.payer_code,
            "state": self.state,
            "charge": str(to_decimal(self.charge_cents)),
            "waiting_for": self.waiting_for,
            "days": self.days,
            "wait_days": self.wait_days,
        }


@dataclass(slots=True)
class BatchView:
    """One 837 file we sent, and what came back for its claims (of one payer, when asked)."""

    batch_id: int
    kind: str
    trading_partner: str
    sent_at: datetime
    file_id: int
    file_name: str | None
    interchange_control_number: int
    group_control_number: int
    transaction_control_numbers: tuple[int, ...]
    interchange_rejected: str | None  # a TA1's rejection of the whole file
    claims: int = 0
    charge_cents: int = 0
    ack_999: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("accepted", "accepted_with_errors", "rejected", "none"), 0
        )
    )
    ack_277ca: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("accepted", "received", "rejected", "flagged", "none"), 0
        )
    )
    remitted: int = 0
    rejected: list[RejectedClaim] = field(default_factory=list)
    silent: list[SilentClaim] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: money as decimal strings, the time in ISO 8601 (UTC)."""
        rejected_cents = sum(c.charge_cents for c in self.rejected)
        silent_cents = sum(c.charge_cents for c in self.silent)
        return {
            "batch_id": self.batch_id,
            "kind": self.kind,
            "trading_partner": self.trading_partner,
            "sent_at": self.sent_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "file_id": self.file_id,
            "file_name": self.file_name,
            "interchange_control_number": self.interchange_control_number,
            "group_control_number": self.group_control_number,
            "transaction_control_numbers": list(self.transaction_control_numbers),
            "interchange_rejected": self.interchange_rejected,
            "sent": {"claims": self.claims, "charge_total": str(to_decimal(self.charge_cents))},
            "ack_999": dict(self.ack_999),
            "ack_277ca": dict(self.ack_277ca),
            "remitted": self.remitted,
            "rejected": {
                "claims": len(self.rejected),
                "charge_total": str(to_decimal(rejected_cents)),
                "by_999": sum(c.by != "277CA" for c in self.rejected),
                "by_277ca": sum(c.by == "277CA" for c in self.rejected),
                "items": [c.as_json() for c in self.rejected],
            },
            "heard_nothing": {
                "claims": len(self.silent),
                "charge_total": str(to_decimal(silent_cents)),
                "no_999": sum(c.waiting_for == "999" for c in self.silent),
                "no_277ca": sum(c.waiting_for == "277CA" for c in self.silent),
                "items": [c.as_json() for c in self.silent],
            },
        }


@dataclass(slots=True)
class BatchReport:
    """A page of batches, newest first, as they stand on a day."""

    as_of: date
    total: int  # batches that fit the filters, on every page
    batches: list[BatchView]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "batches": [b.as_json() for b in self.batches],
        }


def batch_report(
    session: Session,
    *,
    practice_id: int,
    today: date,
    payer_code: str | None = None,
    since: date | None = None,
    batch_id: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> BatchReport:
    """The practice's batches sent since a day (newest first), each with what came back for
    its claims; with a payer, only the batches and claims of that payer."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidInput("offset: 0 or more")
    payer_id = _payer_id(session, practice_id, payer_code) if payer_code is not None else None
    query = select(Batch).where(Batch.practice_id == practice_id)
    if batch_id is not None:
        query = query.where(Batch.id == batch_id)
    if since is not None:
        query = query.where(Batch.created_at >= datetime.combine(since, time(), UTC))
    if payer_id is not None:
        query = query.where(exists().where(Claim.batch_id == Batch.id, Claim.payer_id == payer_id))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if batch_id is not None and total == 0:
        raise NotFound(
            f"batch {batch_id} not found" + (f" for payer {payer_code}" if payer_code else "")
        )
    rows = session.execute(
        select(Batch, TradingPartner.name, StoredFile.name, StoredFile.status, StoredFile.error)
        .join(TradingPartner, TradingPartner.id == Batch.trading_partner_id)
        .join(StoredFile, StoredFile.id == Batch.stored_file_id)
        .where(Batch.id.in_(query.with_only_columns(Batch.id).scalar_subquery()))
        .order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    views = {
        batch.id: BatchView(
            batch_id=batch.id,
            kind=batch.kind.value,
            trading_partner=partner,
            sent_at=batch.created_at,
            file_id=batch.stored_file_id,
            file_name=file_name,
            interchange_control_number=batch.interchange_control_number,
            group_control_number=batch.group_control_number,
            transaction_control_numbers=tuple(
                int(n) for n in batch.transaction_control_numbers.split(",")
            ),
            interchange_rejected=error if status is FileStatus.REFUSED else None,
        )
        for batch, partner, file_name, status, error in rows
    }
    if views:
        _fill(session, views, payer_id, today)
    return BatchReport(today, total, list(views.values()))


def _payer_id(session: Session, practice_id: int, code: str) -> int:
    found = session.scalar(
        select(Payer.id).where(Payer.practice_id == practice_id, Payer.payer_code == code)
    )
    if found is None:
        raise InvalidInput(f"payer: no payer with code {code} in this practice")
    return found


def _newest(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """The id of a claim's newest history step that meets the condition (NULL when none)."""
    return func.max(case((condition, ClaimTransition.id)))


def _fill(session: Session, views: dict[int, BatchView], payer_id: int | None, today: date) -> None:
    """Count each batch's claims by what came back, listing the rejected and silent ones."""
    t = ClaimTransition
    query = (
        select(
            Claim.id,
            Claim.batch_id,
            Claim.patient_control_number,
            Claim.state,
            Claim.total_charge_cents,
            Payer.payer_code,
            Payer.wait_999_days,
            Payer.wait_277ca_days,
            _newest(t.trigger == Event.ACK_ACCEPTED.value),
            _newest(and_(t.trigger == Event.ACK_ACCEPTED.value, t.reason.contains(WITH_ERRORS))),
            _newest(t.trigger == Event.ACK_REJECTED.value),
            _newest(and_(t.trigger == Event.ACK_REJECTED.value, t.reason.startswith(TA1_REASON))),
            _newest(t.trigger == Event.STATUS_ACCEPTED.value),
            _newest(t.trigger == Event.STATUS_RECEIVED.value),
            _newest(t.trigger == Event.STATUS_REJECTED.value),
            _newest(t.trigger == NOTE_TRIGGER),
            _newest(t.trigger.in_(_REMITS)),
        )
        .join(Payer, Payer.id == Claim.payer_id)
        .outerjoin(t, t.claim_id == Claim.id)
        .where(Claim.batch_id.in_(list(views)))
        .group_by(
            Claim.id,
            Claim.batch_id,
            Claim.patient_control_number,
            Claim.state,
            Claim.total_charge_cents,
            Payer.payer_code,
            Payer.wait_999_days,
            Payer.wait_277ca_days,
        )
        .order_by(Claim.batch_id, Claim.id)
    )
    if payer_id is not None:
        query = query.where(Claim.payer_id == payer_id)
    rejected: list[tuple[BatchView, _Rejected]] = []
    waited = {b: (today - v.sent_at.astimezone(UTC).date()).days for b, v in views.items()}
    for row in session.execute(query):
        (claim_id, batch_id, pcn, state, cents, payer_code, wait_999, wait_277) = row[:8]
        acc_999, with_errors, rej_999, ta1, acc_277, rec_277, rej_277, note, remit = row[8:]
        view = views[batch_id]
        view.claims += 1
        view.charge_cents += cents
        # 999: the newest answer decides.
        answer_999 = _latest({"accepted": acc_999, "rejected": rej_999})
        if answer_999 is None:
            view.ack_999["none"] += 1
        else:
            view.ack_999[answer_999] += 1
            if answer_999 == "accepted" and with_errors == acc_999:
                view.ack_999["accepted_with_errors"] += 1
        answer_277 = _latest(
            {"accepted": acc_277, "received": rec_277, "rejected": rej_277, "flagged": note}
        )
        view.ack_277ca[answer_277 or "none"] += 1
        if remit is not None:
            view.remitted += 1
        # Rejected: the newest acknowledgment of either kind (flags say nothing either way).
        newest = _latest(
            {"999": acc_999, "999 rejected": rej_999, "277CA": acc_277, "277CA received": rec_277,
             "277CA rejected": rej_277}
        )  # fmt: skip
        if newest in ("999 rejected", "277CA rejected"):
            by = "277CA" if newest == "277CA rejected" else ("TA1" if ta1 == rej_999 else "999")
            rejected.append((view, _Rejected(claim_id, pcn, payer_code, state, cents, by)))
            continue
        if remit is not None or state not in IN_FLIGHT:
            continue
        days = waited[batch_id]
        if answer_999 is None and answer_277 is None and days > wait_999:
            view.silent.append(
                SilentClaim(claim_id, pcn, payer_code, state.value, cents, "999", days, wait_999)
            )
        elif answer_999 == "accepted" and answer_277 is None and days > wait_277:
            view.silent.append(
                SilentClaim(claim_id, pcn, payer_code, state.value, cents, "277CA", days, wait_277)
            )
    if rejected:
        items = _rejection_items(session, list(views), payer_id)
        for view, r in rejected:
            item_id, codes = items.get((r.claim_id, r.by == "277CA"), (None, None))
            view.rejected.append(
                RejectedClaim(
                    r.claim_id, r.pcn, r.payer_code, r.state.value, r.cents, r.by, codes, item_id
                )
            )


@dataclass(frozen=True, slots=True)
class _Rejected:
    claim_id: int
    pcn: str
    payer_code: str
    state: ClaimState
    cents: int
    by: str


def _latest(candidates: dict[str, int | None]) -> str | None:
    """The name of the newest step among the candidates (None when none happened)."""
    newest: tuple[int, str] | None = None
    for name, step in candidates.items():
        if step is not None and (newest is None or step > newest[0]):
            newest = (step, name)
    return newest[1] if newest is not None else None


def _rejection_items(
    session: Session, batch_ids: Sequence[int], payer_id: int | None
) -> dict[tuple[int, bool], tuple[int, str]]:
    """Per claim of the batches and per kind (277CA or not), its newest rework item opened
    by an acknowledgment: (id, codes)."""
    query = (
        select(ReworkItem.claim_id, ReworkItem.source, ReworkItem.id, ReworkItem.codes)
        .join(Claim, Claim.id == ReworkItem.claim_id)
        .where(
            Claim.batch_id.in_(list(batch_ids)),
            ReworkItem.source.in_([Source.ACK_999, Source.ACK_277CA]),
        )
        .order_by(ReworkItem.id)
    )
    if payer_id is not None:
        query = query.where(Claim.payer_id == payer_id)
    found: dict[tuple[int, bool], tuple[int, str]] = {}
    for claim_id, source, item_id, codes in session.execute(query):
        found[(claim_id, source is Source.ACK_277CA)] = (item_id, codes)
    return found
