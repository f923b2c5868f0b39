"""Submitting ready claims: one 837 file per trading partner and claim kind.

The flow keeps two promises. Control numbers are taken under a row lock and committed before
any file is written, so none is ever reused. A file is released only when every claim in it
is complete and (by default) pyx12 finds no error; the file is stored and its claims move to
submitted in one transaction. A claim that cannot be written is put on hold with the reason,
naming the field, and the others go on without it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claims.base import utcnow
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.state import ClaimState, Command
from claims.encounters.models import ClaimKind
from claims.errors import ClaimsError, InvalidInput
from claims.files.models import Batch, CounterKind, Direction, FileKind, FileStatus, StoredFile
from claims.files.service import store_file, take_control_numbers
from claims.practice.models import Payer, TradingPartner
from claims.secondary.service import make_secondary_claims
from claims.submission.assemble import assemble
from edi.cms1500 import render_cms1500
from edi.validate import Problem, pyx12_problems
from edi.x12 import Delimiters
from edi.x837 import models as x837
from edi.x837.writer import (
    InvalidClaim,
    Written,
    check_claim,
    transactions_needed,
    write_batch,
)


class ConcurrentSubmission(ClaimsError):
    """Another submit recorded some of the same claims first; this file is not recorded."""


_KIND = {
    ClaimKind.PROFESSIONAL: x837.Kind.PROFESSIONAL,
    ClaimKind.INSTITUTIONAL: x837.Kind.INSTITUTIONAL,
}
_FILE_KIND = {ClaimKind.PROFESSIONAL: FileKind.X837P, ClaimKind.INSTITUTIONAL: FileKind.X837I}


@dataclass(frozen=True, slots=True)
class Plan:
    """Ready claims that go in one file: one partner, one claim kind."""

    practice_id: int
    trading_partner_id: int
    kind: ClaimKind
    claim_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    """Envelope numbers reserved for one file."""

    interchange: int
    group: int
    transactions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ClaimProblem:
    """Why a claim was held back: its CLM01, the field or element, and the message."""

    claim_id: int
    patient_control_number: str
    field: str
    message: str


@dataclass(slots=True)
class FileResult:
    """What happened to one planned file."""

    kind: str  # "837P" or "837I"
    trading_partner: str
    claims: int = 0
    charge_total_cents: int = 0
    path: Path | None = None
    batch_id: int | None = None
    sha256: str | None = None
    held: list[ClaimProblem] = field(default_factory=list)
    released: bool = False


def plan(
    session: Session, *, practice_id: int, claim_ids: Sequence[int] | None = None
) -> list[Plan]:
    """Ready claims of the practice grouped into files by trading partner and claim kind.

    Claims for payers that take no EDI are left out (they go on paper).
    """
    query = (
        select(Claim.id, Claim.kind, Payer.id, Payer.trading_partner_id, Payer.accepts_edi)
        .join(Payer, Payer.id == Claim.payer_id)
        .where(Claim.practice_id == practice_id, Claim.state == ClaimState.READY)
        .order_by(Claim.id)
    )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    partners = list(
        session.scalars(select(TradingPartner.id).where(TradingPartner.practice_id == practice_id))
    )
    groups: dict[tuple[int, ClaimKind], list[int]] = defaultdict(list)
    for claim_id, kind, payer_id, partner_id, accepts_edi in session.execute(query):
        if not accepts_edi:
            continue
        if partner_id is None:
            if len(partners) != 1:
                raise InvalidInput(
                    f"payer {payer_id}: trading_partner_id is not set and the practice has "
                    f"{len(partners)} trading partners; name the one its claims go through"
                )
            partner_id = partners[0]
        groups[(partner_id, kind)].append(claim_id)
    return [
        Plan(practice_id, partner_id, kind, tuple(ids))
        for (partner_id, kind), ids in sorted(groups.items())
    ]


def reserve(session: Session, plan: Plan) -> ControlNumbers:
    """Take the interchange, group and transaction numbers a planned file needs."""
    partner = plan.trading_partner_id
    isa = take_control_numbers(session, trading_partner_id=partner, kind=CounterKind.INTERCHANGE)
    gs = take_control_numbers(session, trading_partner_id=partner, kind=CounterKind.GROUP)
    st = take_control_numbers(
        session,
        trading_partner_id=partner,
        kind=CounterKind.TRANSACTION,
        count=transactions_needed(len(plan.claim_ids)),
    )
    return ControlNumbers(isa[0], gs[0], tuple(st))


@dataclass(frozen=True, slots=True)
class Built:
    """A file ready to record: its text, the claims in it, and the claims held back."""

    written: Written | None
    claim_ids: tuple[int, ...]
    charge_total_cents: int
    held: tuple[ClaimProblem, ...]


def build(
    session: Session,
    plan: Plan,
    numbers: ControlNumbers,
    *,
    created_at: datetime,
    check: Callable[[str], list[Problem]] | None = pyx12_problems,
) -> Built:
    """Write the planned file; claims that lack data or fail the check are held back.

    With a check, a file with any problem is not released at all: the claims the problems
    point at are held, and the rest wait for the next run.
    """
    partner = session.get(TradingPartner, plan.trading_partner_id)
    assert partner is not None
    claims = list(
        session.scalars(select(Claim).where(Claim.id.in_(plan.claim_ids)).order_by(Claim.id))
    )
    values = assemble(session, claims, trading_partner_id=partner.id)
    held: list[ClaimProblem] = []
    kept: list[tuple[Claim, x837.Claim]] = []
    for claim, value in zip(claims, values, strict=True):
        try:
            check_claim(value, _KIND[plan.kind])
        except InvalidClaim as exc:
            held.append(ClaimProblem(claim.id, claim.patient_control_number, exc.field, str(exc)))
            continue
        kept.append((claim, value))
    if not kept:
        return Built(None, (), 0, tuple(held))
    batch = _batch(partner, plan.kind, numbers, [v for _, v in kept], created_at)
    written = write_batch(batch, delimiters(partner), newline=partner.line_per_segment)
    if check is not None:
        problems = check(written.text)
        if problems:
            return Built(None, (), 0, (*held, *_blame(problems, written, kept)))
    total = sum(v.total_charge_cents for _, v in kept)
    return Built(written, tuple(c.id for c, _ in kept), total, tuple(held))


def record(
    session: Session, plan: Plan, numbers: ControlNumbers, built: Built, *, actor: str
) -> Batch | None:
    """Store the file, record the batch and move its claims to submitted; hold the others."""
    for problem in built.held:
        claim = session.get(Claim, problem.claim_id)
        if claim is not None and claim.state is ClaimState.READY:
            claim_service.run_command(
                session, claim=claim, command=Command.HOLD, actor=actor, reason=problem.message
            )
    if built.written is None:
        return None
    stored, _ = store_file(
        session,
        practice_id=plan.practice_id,
        content=built.written.text.encode("utf-8"),
        direction=Direction.OUTBOUND,
        kind=_FILE_KIND[plan.kind],
        name=file_name(plan, numbers),
        actor=actor,
        status=FileStatus.SENT,
    )
    batch = Batch(
        practice_id=plan.practice_id,
        trading_partner_id=plan.trading_partner_id,
        kind=_FILE_KIND[plan.kind],
        stored_file_id=stored.id,
        interchange_control_number=numbers.interchange,
        group_control_number=numbers.group,
        transaction_control_numbers=",".join(
            str(n) for n in numbers.transactions[: transactions_needed(len(built.claim_ids))]
        ),
        claim_count=len(built.claim_ids),
        charge_total_cents=built.charge_total_cents,
        actor=actor,
    )
    session.add(batch)
    session.flush()
    # Lock the claims and take only those still ready: a concurrent submit that got there
    # first has moved them on, and they must not go out twice.
    locked = session.scalars(
        select(Claim)
        .where(Claim.id.in_(built.claim_ids), Claim.state == ClaimState.READY)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if len(locked) != len(built.claim_ids):
        raise ConcurrentSubmission(
            f"{len(built.claim_ids) - len(locked)} of the file's claims were submitted by "
            "another run meanwhile; nothing was recorded, run submit again"
        )
    for claim in locked:
        claim.batch_id = batch.id
    claim_service.run_command_many(
        session, claims=locked, command=Command.SUBMIT, actor=actor, reason=f"batch {batch.id}"
    )
    return batch


def delimiters(partner: TradingPartner) -> Delimiters:
    """The separators a trading partner wants; InvalidInput naming the partner if unusable."""
    try:
        return Delimiters(
            partner.element_separator, partner.component_separator,
            partner.repetition_separator, partner.segment_terminator,
        )  # fmt: skip
    except ValueError as exc:
        raise InvalidInput(f"trading partner {partner.id}: {exc}") from exc


def file_name(plan: Plan, numbers: ControlNumbers) -> str:
    """The name a file is written under: kind, partner and interchange number."""
    return (
        f"{_FILE_KIND[plan.kind].value}-tp{plan.trading_partner_id}-{numbers.interchange:09d}.x12"
    )


@dataclass(frozen=True, slots=True)
class PaperResult:
    """One CMS-1500 PDF: the payer, its claims, and where it was written."""

    payer: str
    claims: int
    charge_total_cents: int
    sha256: str
    path: Path | None


def print_paper(
    session: Session, *, practice_id: int, actor: str, created_at: datetime
) -> list[tuple[PaperResult, bytes]]:
    """Ready professional claims of payers that take no EDI, as one CMS-1500 PDF per payer;
    the PDFs are stored and their claims move to submitted. Institutional claims wait (we
    print no UB-04), and so does a claim the form cannot carry (held with the field named)."""
    rows = session.execute(
        select(Claim, Payer)
        .join(Payer, Payer.id == Claim.payer_id)
        .where(
            Claim.practice_id == practice_id,
            Claim.state == ClaimState.READY,
            Claim.kind == ClaimKind.PROFESSIONAL,
            Payer.accepts_edi.is_(False),
        )
        .order_by(Payer.id, Claim.id)
    ).all()
    by_payer: dict[int, tuple[Payer, list[Claim]]] = {}
    for claim, payer in rows:
        by_payer.setdefault(payer.id, (payer, []))[1].append(claim)
    out = []
    for payer, claims in by_payer.values():
        values = assemble(session, claims)
        kept = []
        for claim, value in zip(claims, values, strict=True):
            try:
                check_claim(value, x837.Kind.PROFESSIONAL)
            except InvalidClaim as exc:
                claim_service.run_command(
                    session, claim=claim, command=Command.HOLD, actor=actor, reason=str(exc)
                )
                continue
            kept.append((claim, value))
        if not kept:
            continue
        address = x837.Address(payer.address1, payer.city, payer.state, payer.postal_code,
                               payer.address2)  # fmt: skip
        pdf = render_cms1500([v for _, v in kept], payer_address=address)
        stored, _ = store_file(
            session, practice_id=practice_id, content=pdf, direction=Direction.OUTBOUND,
            kind=FileKind.CMS1500, name=f"CMS1500-payer{payer.id}-{created_at:%Y%m%d%H%M%S}.pdf",
            actor=actor, status=FileStatus.SENT,
        )  # fmt: skip
        claim_service.run_command_many(
            session, claims=[c for c, _ in kept], command=Command.SUBMIT, actor=actor,
            reason=f"paper claim (CMS-1500), file {stored.id}",
        )  # fmt: skip
        total = sum(v.total_charge_cents for _, v in kept)
        out.append((PaperResult(payer.name, len(kept), total, stored.sha256, None), pdf))
    return out


def submit_ready(
    factory: sessionmaker[Session],
    *,
    practice_id: int,
    actor: str,
    out_dir: Path | None,
    check: Callable[[str], list[Problem]] | None = pyx12_problems,
    today: date | None = None,
) -> list[FileResult]:
    """Send every ready claim of a practice: one transaction per step, as a job does.

    First, claims adjudicated by their payer with a balance left on the patient's next
    coverage get a claim to that payer (claims.secondary), which goes out in the same run.
    """
    with factory() as session, session.begin():
        make_secondary_claims(
            session, practice_id=practice_id, today=today or utcnow().date(), actor=actor
        )
    with factory() as session, session.begin():
        plans = plan(session, practice_id=practice_id)
        partner_names = {
            p.id: p.name
            for p in session.scalars(
                select(TradingPartner).where(TradingPartner.practice_id == practice_id)
            )
        }
    if plans and out_dir is not None:
        _check_writable(out_dir)  # before anything is reserved or recorded
    results = []
    for planned in plans:
        with factory() as session, session.begin():
            numbers = reserve(session, planned)  # committed before any file is written
        result = FileResult(
            _FILE_KIND[planned.kind].value, partner_names[planned.trading_partner_id]
        )
        staged: Path | None = None
        try:
            with factory() as session, session.begin():
                built = build(session, planned, numbers, created_at=utcnow(), check=check)
                if built.written is not None and out_dir is not None:
                    # The file is on disk before its claims are recorded as submitted; it
                    # takes its final name only once that is committed.
                    staged = out_dir / f".{file_name(planned, numbers)}.partial"
                    staged.write_text(built.written.text, encoding="utf-8", newline="")
                batch = record(session, planned, numbers, built, actor=actor)
                result.held = list(built.held)
                if batch is not None and built.written is not None:
                    result.released = True
                    result.batch_id = batch.id
                    result.claims = batch.claim_count
                    result.charge_total_cents = batch.charge_total_cents
                    result.sha256 = session.get_one(StoredFile, batch.stored_file_id).sha256
        except BaseException:
            if staged is not None:
                staged.unlink(missing_ok=True)
            raise
        if staged is not None and out_dir is not None:
            result.path = staged.rename(out_dir / file_name(planned, numbers))
        results.append(result)
    return results


def _check_writable(out_dir: Path) -> None:
    """The output folder exists (or is made) and takes files; InvalidInput naming it if not."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".claims-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InvalidInput(f"--out: cannot write files in {out_dir} ({exc.strerror})") from exc


def submit_paper(
    factory: sessionmaker[Session], *, practice_id: int, actor: str, out_dir: Path | None
) -> list[PaperResult]:
    """Print and record the practice's paper claims (one transaction), then write the PDFs."""
    if out_dir is not None:
        _check_writable(out_dir)
    with factory() as session, session.begin():
        printed = print_paper(session, practice_id=practice_id, actor=actor, created_at=utcnow())
    results = []
    for result, pdf in printed:
        path = None
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / f"CMS1500-{result.sha256[:12]}.pdf"
            path.write_bytes(pdf)
        results.append(replace(result, path=path))
    return results


def _batch(
    partner: TradingPartner,
    kind: ClaimKind,
    numbers: ControlNumbers,
    claims: list[x837.Claim],
    created_at: datetime,
) -> x837.Batch:
    needed = transactions_needed(len(claims))
    return x837.Batch(
        kind=_KIND[kind],
        envelope=x837.Envelope(
            partner.sender_qualifier, partner.sender_id, partner.receiver_qualifier,
            partner.receiver_id, partner.application_sender, partner.application_receiver,
            numbers.interchange, numbers.group, partner.usage.value, created_at,
        ),
        submitter=x837.Submitter(
            partner.submitter_name, partner.submitter_id, partner.submitter_contact,
            partner.submitter_phone,
        ),
        receiver=x837.Receiver(partner.receiver_name, partner.receiver_code),
        claims=tuple(claims),
        transaction_control_numbers=numbers.transactions[:needed],
        reference=f"{numbers.interchange}",
    )  # fmt: skip


def _blame(
    problems: list[Problem], written: Written, kept: list[tuple[Claim, x837.Claim]]
) -> list[ClaimProblem]:
    """Each problem pinned to the claim whose segments contain it (or every claim, when it
    lies in the envelope)."""
    by_pcn = {v.patient_control_number: c for c, v in kept}
    blamed: list[ClaimProblem] = []
    for problem in problems:
        span = next(
            (
                s
                for s in written.claim_spans
                if problem.segment is not None
                and s.first_segment <= problem.segment <= s.last_segment
            ),
            None,
        )
        targets = [by_pcn[span.patient_control_number]] if span else [c for c, _ in kept]
        place = problem.element or problem.segment_id or "envelope"
        for claim in targets:
            blamed.append(
                ClaimProblem(
                    claim.id, claim.patient_control_number, place,
                    f"claim {claim.patient_control_number}: {place}: pyx12: {problem.message}",
                )
            )  # fmt: skip
    return blamed
