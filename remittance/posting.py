"""Applying claim payments (an 835's CLP loops, or a paper EOB's claims) to claims, their
adjudication records and the ledger, a chunk of claims at a time.

Every claim payment either applies in full (matched to one claim version and its lines,
balanced) or not at all: then its cash goes to unapplied cash with a rework item showing the
figures. Money applied moves between the cash account (ERA clearing for an 835) and the A/R
of the paying coverage, so the cash applied for a claim is exactly its CLP04. Rows are
written with Core executemany, a handful per claim, because an 835 may carry 200,000 claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import BindParameter, Row, bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from claims.adjudications.models import Adjudication, Adjustment
from claims.base import Base, table_of, utcnow
from claims.claim.models import Claim, ClaimLine, ClaimTransition
from claims.claim.state import ADJUDICATED, SUPERSEDED, ClaimState, Event, apply_event
from claims.db import insert_rows, reserve_ids
from claims.encounters.models import ChargeLine
from claims.ledger import service as ledger
from claims.ledger.models import AR_KINDS, Account, AccountKind, Entry, EntryKind
from claims.patients.models import Coverage, CoverageOrder
from claims.practice.models import Payer
from claims.rework.models import ReworkItem, Source
from claims.rework.service import priority
from coding.remit import Category, GroupCode, carc_category, rarc_category
from edi.x835.balance import claim_findings, money
from edi.x835.models import Adjustment as CasAdjustment
from edi.x835.models import ClaimPayment, ClaimStatus, ServiceLine
from remittance.treatments import Treatment, Treatments

CHUNK = 500  # claims matched and written together
_IN = 5000  # bound parameters per IN list (SQLite caps them)

# How a claim payment found its claim, and how a service line found its claim line.
BY_PCN = "clp01"
BY_PAYER_NUMBER = "clp07"
BY_PATIENT_SERVICE = "patient_service"
BY_PERSON = "person"  # a person chose the claim (applying unapplied cash by hand)
LINE_BY_6R = "ref_6r"
LINE_BY_PROCEDURE = "procedure"
LINE_BY_SVC06 = "svc06"
LINE_ALLOCATED = "allocated"  # a claim paid without SVC lines, spread over its lines

_ORDER = {CoverageOrder.PRIMARY: 1, CoverageOrder.SECONDARY: 2, CoverageOrder.TERTIARY: 3}


@dataclass(frozen=True, slots=True)
class Context:
    """Where a remittance's claim payments post, and on whose behalf."""

    practice_id: int
    remittance_id: int
    source_file_id: int
    payer_id: int | None  # the paying payer, when the remittance names one of ours
    cash_account_id: int  # ERA clearing for an 835
    unapplied_account_id: int
    contractual_account_id: int
    other_adjustment_account_id: int
    posting_date: date
    deposit_date: date | None
    adjudicated_on: date
    actor: str
    treatments: Treatments
    today: date


@dataclass(slots=True)
class Totals:
    """What applying claim payments did, summed over chunks."""

    claims: int = 0
    matched: int = 0
    unmatched: int = 0
    applied_cents: int = 0
    unapplied_cents: int = 0
    denials: int = 0
    rework_items: int = 0
    exceptions: list[str] = field(default_factory=list)
    # (claim ID, AMT*I cents) of the claims applied: PLB L6 interest is allocated by them.
    interest: list[tuple[int, int]] = field(default_factory=list)


class _Claim(NamedTuple):
    id: int
    pcn: str
    patient_id: int
    coverage_id: int
    payer_id: int
    state: ClaimState
    total_charge_cents: int
    payer_claim_number: str | None


class _Line(NamedTuple):
    id: int
    claim_id: int
    charge_line_id: int
    line_number: int
    control_number: str
    charge_cents: int
    service_date: date
    procedure_code: str


class _Cov(NamedTuple):
    id: int
    patient_id: int
    payer_id: int
    order: CoverageOrder
    effective_from: date | None
    effective_to: date | None


class _Original(NamedTuple):
    """A claim-level adjudication that a reversal may undo."""

    id: int
    claim_id: int
    paid_cents: int
    charge_cents: int


class _Mirror(NamedTuple):
    """An entry of a posted payment, as its reversal needs it."""

    id: int
    debit_account_id: int
    credit_account_id: int
    amount_cents: int
    charge_line_id: int | None
    claim_id: int | None
    service_date: date | None
    group_code: str | None
    reason_code: str | None
    remark_codes: str | None


@dataclass(slots=True)
class _Chunk:
    """What matching and planning a chunk of claim payments needs, loaded in a few queries."""

    by_pcn: dict[str, _Claim]
    by_id: dict[int, _Claim]  # claims a person chose, and fallback candidates
    by_number: dict[str, list[_Claim]]  # fallback: by payer claim number (CLP07)
    by_service: dict[int, list[int]]  # fallback: by CLP position, claim IDs by patient + service
    lines: dict[int, list[_Line]] = field(default_factory=dict)
    coverages: dict[int, list[_Cov]] = field(default_factory=dict)
    # Reversals: the claims' unreversed claim-level adjudications (newest first) and entries.
    originals: dict[int, list[_Original]] = field(default_factory=dict)
    mirrors: dict[int, list[_Mirror]] = field(default_factory=dict)
    reversed: set[int] = field(default_factory=set)  # originals undone within this chunk


class _Unapplied(Exception):
    """A claim payment that cannot be applied: why, and the claims a person might choose."""

    def __init__(self, why: str, *, claim_id: int | None = None, suggested: Sequence[int] = ()):
        super().__init__(why)
        self.why = why
        self.claim_id = claim_id
        self.suggested = tuple(suggested)


class _Move(NamedTuple):
    """One amount a claim payment moves on one line: paid, or an adjustment's treatment."""

    what: str  # "pay", or a Treatment value that posts (contractual, transfer)
    amount_cents: int  # signed: a reversal's amounts are negative
    position: int  # of the CLP, SVC or CAS
    line: _Line
    group: str | None = None
    reason: str | None = None  # CARC
    remarks: str | None = None  # RARCs


@dataclass(slots=True)
class _Plan:
    """Everything one applied claim payment writes, before row IDs exist."""

    clp: ClaimPayment
    claim: _Claim
    rule: str
    coverage_id: int
    event: Event | None = None
    line_rows: list[tuple[ServiceLine | None, _Line, str, int]] = field(default_factory=list)
    moves: list[_Move] = field(default_factory=list)
    denied_cents: int = 0
    denied_codes: list[str] = field(default_factory=list)
    reverses: int | None = None  # the claim adjudication a reversal undoes
    mirror: list[_Mirror] = field(default_factory=list)  # the entries a reversal undoes


class Poster:
    """Applies the claim payments of one remittance, chunk by chunk, into running totals."""

    def __init__(
        self, session: Session, context: Context, *, chosen: dict[int, int] | None = None
    ) -> None:
        """chosen: claim IDs a person picked, by the position of the CLP they apply to."""
        self.session = session
        self.ctx = context
        self.chosen = chosen or {}
        self._chunk_coverages: dict[int, list[_Cov]] = {}
        self.totals = Totals()
        self._states: dict[int, ClaimState] = {}
        self._appeal_days: dict[int, int] = {
            pid: days for pid, days in session.execute(select(Payer.id, Payer.appeal_days))
        }

    # ------------------------------------------------------------------ the chunk

    def apply(self, clps: Sequence[ClaimPayment]) -> None:
        """Apply a chunk of claim payments (all or none of each; never raises for bad data)."""
        if not clps:
            return
        chunk = self._load(clps)
        matched: list[tuple[int, ClaimPayment, _Claim, str]] = []
        unapplied: list[tuple[int, ClaimPayment, _Unapplied]] = []
        for index, clp in enumerate(clps):
            self.totals.claims += 1
            try:
                claim, rule = self._match(clp, chunk)
            except _Unapplied as why:
                unapplied.append((index, clp, why))
                continue
            matched.append((index, clp, claim, rule))
        self._load_matched(chunk, [(clp, claim) for _, clp, claim, _ in matched])
        self._chunk_coverages = chunk.coverages  # transfers find the next party in them
        plans: list[_Plan] = []
        for index, clp, claim, rule in matched:
            try:
                plans.append(self._plan(clp, claim, rule, chunk))
            except _Unapplied as why:
                unapplied.append((index, clp, why))
        unapplied.sort(key=lambda item: item[0])  # in file order, as the payments came
        self._write(plans, chunk.lines)
        self._write_unapplied([(clp, why) for _, clp, why in unapplied])

    # ------------------------------------------------------------------ loading

    def _load(self, clps: Sequence[ClaimPayment]) -> _Chunk:
        """The claims the chunk names (by patient control number, by a person's choice, and
        the fallbacks' candidates for those not found), with their lines and coverages."""
        pcns = sorted({c.patient_control_number for c in clps})
        by_pcn: dict[str, _Claim] = {}
        for start in range(0, len(pcns), _IN):
            by_pcn.update(
                (row.pcn, row)
                for row in self._claims(
                    Claim.patient_control_number.in_(_bound(pcns[start : start + _IN]))
                )
            )
        unfound = [
            c for c in clps
            if c.position not in self.chosen and c.patient_control_number not in by_pcn
        ]  # fmt: skip
        by_number: dict[str, list[_Claim]] = defaultdict(list)
        numbers = sorted({c.payer_claim_number for c in unfound if c.payer_claim_number})
        for start in range(0, len(numbers), _IN):
            for row in self._claims(
                Claim.payer_claim_number.in_(_bound(numbers[start : start + _IN]))
            ):
                by_number[row.payer_claim_number or ""].append(row)
        by_service = self._by_patient_and_service(unfound)
        wanted = {self.chosen[c.position] for c in clps if c.position in self.chosen}
        wanted.update(i for ids in by_service.values() for i in ids)
        by_id = {c.id: c for c in self._claims_by_id(wanted)}
        chunk = _Chunk(by_pcn, by_id, by_number, by_service)
        chunk.lines = self._lines([c.id for c in by_pcn.values()])
        chunk.coverages = self._coverages([c.patient_id for c in by_pcn.values()])
        return chunk

    def _load_matched(self, chunk: _Chunk, matched: list[tuple[ClaimPayment, _Claim]]) -> None:
        """Lines and coverages of claims found by a fallback or a person's choice, and what the
        chunk's reversals undo."""
        claims = {claim.id: claim for _, claim in matched}
        missing = [cid for cid in claims if cid not in chunk.lines]
        if missing:
            chunk.lines.update(self._lines(missing))
        patients = {c.patient_id for c in claims.values()} - chunk.coverages.keys()
        if patients:
            chunk.coverages.update(self._coverages(patients))
        self._load_originals(chunk, sorted({claim.id for clp, claim in matched if clp.is_reversal}))

    def _claims(self, *where: object) -> list[_Claim]:
        rows = self.session.execute(
            select(
                Claim.id, Claim.patient_control_number, Claim.patient_id, Claim.coverage_id,
                Claim.payer_id, Claim.state, Claim.total_charge_cents, Claim.payer_claim_number,
            ).where(Claim.practice_id == self.ctx.practice_id, *where)  # type: ignore[arg-type]
        )  # fmt: skip
        return [_Claim(*row) for row in rows]

    def _claims_by_id(self, claim_ids: Iterable[int]) -> list[_Claim]:
        ids = sorted(set(claim_ids))
        found: list[_Claim] = []
        for start in range(0, len(ids), _IN):
            found += self._claims(Claim.id.in_(_bound(ids[start : start + _IN])))
        return found

    def _lines(self, claim_ids: Sequence[int]) -> dict[int, list[_Line]]:
        """Every line of these claims, in line order (a claim without lines has no key)."""
        found: dict[int, list[_Line]] = defaultdict(list)
        ids = sorted(set(claim_ids))
        for start in range(0, len(ids), _IN):
            rows = self.session.execute(
                select(
                    ClaimLine.id, ClaimLine.claim_id, ClaimLine.charge_line_id,
                    ClaimLine.line_number, ClaimLine.line_control_number, ClaimLine.charge_cents,
                    ChargeLine.service_date, ChargeLine.procedure_code,
                )
                .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
                .where(ClaimLine.claim_id.in_(_bound(ids[start : start + _IN])))
                .order_by(ClaimLine.claim_id, ClaimLine.line_number)
            )  # fmt: skip
            for row in rows:
                found[row.claim_id].append(_Line(*row))
        return dict(found)

    def _coverages(self, patient_ids: Iterable[int]) -> dict[int, list[_Cov]]:
        """The active coverages of these patients, in order (every patient has a key)."""
        ids = sorted(set(patient_ids))
        found: dict[int, list[_Cov]] = {pid: [] for pid in ids}
        for start in range(0, len(ids), _IN):
            rows = self.session.execute(
                select(
                    Coverage.id, Coverage.patient_id, Coverage.payer_id, Coverage.order,
                    Coverage.effective_from, Coverage.effective_to,
                ).where(
                    Coverage.patient_id.in_(_bound(ids[start : start + _IN])),
                    Coverage.active.is_(True),
                )
            )  # fmt: skip
            for row in rows:
                found[row.patient_id].append(_Cov(*row))
        for covs in found.values():
            covs.sort(key=lambda c: (_ORDER[c.order], c.id))
        return found

    def _by_patient_and_service(self, clps: Sequence[ClaimPayment]) -> dict[int, list[int]]:
        """For each claim payment (by position): the live claims of its patient (by member ID)
        with a line on its date of service and one of its procedures."""
        keys: dict[int, tuple[str, date, set[str]]] = {}
        for clp in clps:
            member = next(
                (p.id for p in clp.people if p.entity in ("IL", "QC") and p.id), None
            )  # the insured's or the patient's member ID
            day = next((d.value for d in clp.dates if d.qualifier in ("232", "472")), None)
            if day is None:
                day = next(
                    (d.value for line in clp.lines for d in line.dates if d.qualifier == "472"),
                    None,
                )
            if member is None or day is None:
                continue
            codes = {line.procedure.code for line in clp.lines} | {
                line.original_procedure.code for line in clp.lines if line.original_procedure
            }
            keys[clp.position] = (member, day, codes)
        if not keys:
            return {}
        # Two steps, so that the database starts from the few patients with these member IDs
        # rather than from every claim of the practice.
        members = sorted({member for member, _, _ in keys.values()})
        patients: dict[int, set[str]] = defaultdict(set)
        for start in range(0, len(members), _IN):
            rows = self.session.execute(
                select(Coverage.patient_id, Coverage.member_id).where(
                    Coverage.member_id.in_(_bound(members[start : start + _IN]))
                )
            )
            for patient_id, member_id in rows:
                patients[patient_id].add(member_id)
        if not patients:
            return {}
        days = sorted({day for _, day, _ in keys.values()})
        lines: dict[tuple[str, date], list[tuple[int, str]]] = defaultdict(list)
        ids = sorted(patients)
        for start in range(0, len(ids), _IN):
            rows = self.session.execute(
                select(
                    Claim.id, Claim.patient_id, ChargeLine.service_date, ChargeLine.procedure_code
                )
                .join(ClaimLine, ClaimLine.claim_id == Claim.id)
                .join(ChargeLine, ChargeLine.id == ClaimLine.charge_line_id)
                .where(
                    Claim.practice_id == self.ctx.practice_id,
                    Claim.patient_id.in_(_bound(ids[start : start + _IN])),
                    ChargeLine.service_date.in_(_bound(days)),
                    Claim.state.not_in([s.value for s in SUPERSEDED]),
                )
            )  # fmt: skip
            for claim_id, patient_id, day, code in rows:
                for member in patients[patient_id]:
                    lines[member, day].append((claim_id, code))
        found: dict[int, list[int]] = {}
        for position, (member, day, codes) in keys.items():
            hits = {cid for cid, code in lines.get((member, day), ()) if not codes or code in codes}
            if hits:
                found[position] = sorted(hits)
        return found

    def _load_originals(self, chunk: _Chunk, claim_ids: list[int]) -> None:
        """The claim-level adjudications these claims' reversals may undo (posted, not a
        reversal, not reversed yet), newest first, with their entries.

        A reversal's adjudication is on the claim of the one it undoes (see _plan_reversal),
        so the claims' own adjudications tell which are reversed already.
        """
        if not claim_ids:
            return
        rows: list[Row[tuple[int, int, int, int, str, int | None]]] = []
        for start in range(0, len(claim_ids), _IN):
            rows += self.session.execute(
                select(
                    Adjudication.id, Adjudication.claim_id, Adjudication.paid_cents,
                    Adjudication.charge_cents, Adjudication.status_code, Adjudication.reverses_id,
                ).where(
                    Adjudication.claim_id.in_(_bound(claim_ids[start : start + _IN])),
                    Adjudication.claim_line_id.is_(None),
                )
            ).all()  # fmt: skip
        undone = {row.reverses_id for row in rows if row.reverses_id is not None}
        originals: dict[int, list[_Original]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r.id, reverse=True):
            if (
                row.reverses_id is None
                and row.status_code != ClaimStatus.REVERSAL.value
                and row.id not in undone
            ):
                originals[row.claim_id].append(
                    _Original(row.id, row.claim_id, row.paid_cents, row.charge_cents)
                )
        chunk.originals = dict(originals)
        ids = sorted(o.id for found in originals.values() for o in found)
        mirrors: dict[int, list[_Mirror]] = defaultdict(list)
        for start in range(0, len(ids), _IN):
            entries = self.session.execute(
                select(
                    Entry.adjudication_id, Entry.id, Entry.debit_account_id,
                    Entry.credit_account_id, Entry.amount_cents, Entry.charge_line_id,
                    Entry.claim_id, Entry.service_date, Entry.group_code, Entry.reason_code,
                    Entry.remark_codes,
                )
                .where(
                    Entry.adjudication_id.in_(_bound(ids[start : start + _IN])),
                    Entry.reverses_entry_id.is_(None),
                )
                .order_by(Entry.id)
            )  # fmt: skip
            for adjudication_id, *entry in entries:
                mirrors[adjudication_id].append(_Mirror(*entry))
        chunk.mirrors = dict(mirrors)

    # ------------------------------------------------------------------ matching

    def _match(self, clp: ClaimPayment, chunk: _Chunk) -> tuple[_Claim, str]:
        if clp.position in self.chosen:
            picked = chunk.by_id.get(self.chosen[clp.position])
            if picked is None:
                raise _Unapplied(f"claim {self.chosen[clp.position]}: not in this practice")
            return picked, BY_PERSON
        found = chunk.by_pcn.get(clp.patient_control_number)
        if found is not None:
            return found, BY_PCN
        charge = abs(clp.charge_cents)
        candidates: list[_Claim] = []
        if clp.payer_claim_number:
            candidates = chunk.by_number.get(clp.payer_claim_number, [])
            fits = [c for c in candidates if c.total_charge_cents == charge]
            if len(fits) == 1:
                return fits[0], BY_PAYER_NUMBER
        by_service = [chunk.by_id[i] for i in chunk.by_service.get(clp.position, ())]
        fits = [c for c in by_service if c.total_charge_cents == charge]
        if len(fits) == 1 and not candidates:
            return fits[0], BY_PATIENT_SERVICE
        suggested = sorted({c.id for c in candidates} | {c.id for c in by_service})
        if suggested:
            raise _Unapplied(
                f"claim {clp.patient_control_number}: no claim with this patient control number; "
                f"{len(suggested)} possible claim(s) by payer claim number or patient and date "
                "of service, none certain: confirm one",
                suggested=suggested,
            )
        raise _Unapplied(f"claim {clp.patient_control_number}: no claim matches this payment")

    def _match_lines(
        self, clp: ClaimPayment, claim_lines: list[_Line]
    ) -> list[tuple[ServiceLine, _Line, str]]:
        by_number = {line.control_number: line for line in claim_lines}
        used: set[int] = set()
        matched: list[tuple[ServiceLine, _Line, str]] = []
        for svc in clp.lines:
            place = f"claim {clp.patient_control_number} line {svc.number}"
            ref = svc.reference("6R")
            line = by_number.get(ref) if ref else None
            rule = LINE_BY_6R
            if line is None:
                charge = abs(svc.charge_cents)
                free = [cl for cl in claim_lines if cl.id not in used]
                same = [cl for cl in free if cl.procedure_code == svc.procedure.code]
                fits = [cl for cl in same if cl.charge_cents == charge]
                rule = LINE_BY_PROCEDURE
                if not fits and svc.original_procedure is not None:
                    original = svc.original_procedure.code
                    fits = [
                        cl for cl in free
                        if cl.procedure_code == original and cl.charge_cents == charge
                    ]  # fmt: skip
                    rule = LINE_BY_SVC06
                if len(fits) != 1:
                    what = f"REF*6R {ref}" if ref else "no REF*6R"
                    raise _Unapplied(
                        f"{place} ({what}): {len(fits)} claim lines fit its procedure and "
                        f"charge {money(charge)}; exactly one is needed"
                    )
                line = fits[0]
            if line.id in used:
                raise _Unapplied(f"{place}: claim line {line.line_number} is paid twice")
            used.add(line.id)
            matched.append((svc, line, rule))
        return matched

    # ------------------------------------------------------------------ planning

    def _plan(self, clp: ClaimPayment, claim: _Claim, rule: str, chunk: _Chunk) -> _Plan:
        findings = claim_findings(clp)
        if findings:
            raise _Unapplied(
                "; ".join(f.message for f in findings) + ": not applied until a person checks it",
                claim_id=claim.id,
            )
        claim_lines = chunk.lines.get(claim.id, [])
        if not claim_lines:
            raise _Unapplied(f"claim {clp.patient_control_number}: the claim has no lines")
        coverage_id = self._paying_coverage(claim, clp, chunk.coverages)
        if clp.is_reversal:
            return self._plan_reversal(clp, claim, rule, coverage_id, chunk)
        if clp.status is ClaimStatus.PREDETERMINATION:
            if clp.paid_cents:
                raise _Unapplied(f"claim {clp.patient_control_number}: a predetermination pays")
            return _Plan(clp, claim, rule, coverage_id, None, [], [])
        return self._plan_payment(clp, claim, rule, coverage_id, claim_lines)

    def _paying_coverage(
        self, claim: _Claim, clp: ClaimPayment, coverages: dict[int, list[_Cov]]
    ) -> int:
        """The claim's coverage, unless the remittance comes from another of the patient's
        payers (a crossover's secondary pays on the primary's claim number)."""
        payer = self.ctx.payer_id
        if payer is None or payer == claim.payer_id:
            return claim.coverage_id
        for cov in coverages.get(claim.patient_id, []):
            if cov.payer_id == payer:
                return cov.id
        return claim.coverage_id

    def _plan_payment(
        self,
        clp: ClaimPayment,
        claim: _Claim,
        rule: str,
        coverage_id: int,
        claim_lines: list[_Line],
    ) -> _Plan:
        if clp.lines:
            pairs = self._match_lines(clp, claim_lines)
            targets: list[tuple[ServiceLine | None, _Line, str]] = list(pairs)
            weights = [abs(svc.charge_cents) for svc, _, _ in pairs]
            paid = [svc.paid_cents for svc, _, _ in pairs]
        else:
            targets = [(None, line, LINE_ALLOCATED) for line in claim_lines]
            weights = [line.charge_cents for line in claim_lines]
            paid = [0] * len(claim_lines)
        # Claim-level money (CLP04 beyond the lines' SVC03, claim CAS) is spread over the lines.
        for i, share in enumerate(allocate(clp.paid_cents - sum(paid), weights)):
            paid[i] += share
        plan = _Plan(clp, claim, rule, coverage_id)
        raw: list[_Move] = []
        for i, (svc, line, line_rule) in enumerate(targets):
            plan.line_rows.append((svc, line, line_rule, paid[i]))
            raw.append(_Move("pay", paid[i], clp.position, line))
            if svc is not None:
                remarks = ",".join(r.code for r in svc.remarks) or None
                raw += [
                    _Move("", a.amount_cents, a.position, line, a.group.value, a.reason, remarks)
                    for a in svc.adjustments
                ]
        claim_remarks = ",".join(r for a in clp.adjudications for r in a.remarks) or None
        for adj in clp.adjustments:
            for i, share in enumerate(allocate(adj.amount_cents, weights)):
                raw.append(
                    _Move("", share, adj.position, targets[i][1], adj.group.value, adj.reason,
                          claim_remarks)
                )  # fmt: skip
        denied_claim = clp.status is ClaimStatus.DENIED
        for move in raw:
            if move.what == "pay":
                plan.moves.append(move)
                continue
            treatment = self.ctx.treatments.of(
                move.group or "", move.reason or "", claim_denied=denied_claim
            )
            if treatment is Treatment.DENIAL:
                plan.denied_cents += move.amount_cents
                code = f"{move.group}-{move.reason}"
                if code not in plan.denied_codes:
                    plan.denied_codes.append(code)
            elif treatment is not Treatment.INFORMATIONAL:
                plan.moves.append(move._replace(what=treatment.value))
        plan.event = _remit_event(clp, plan.denied_cents)
        return plan

    def _plan_reversal(
        self, clp: ClaimPayment, claim: _Claim, rule: str, coverage_id: int, chunk: _Chunk
    ) -> _Plan:
        """Undo exactly the posting this reversal names (same claim, the negated amounts)."""
        original = next(
            (
                o for o in chunk.originals.get(claim.id, ())
                if o.paid_cents == -clp.paid_cents and o.charge_cents == -clp.charge_cents
                and o.id not in chunk.reversed
            ),
            None,
        )  # fmt: skip
        if original is None:
            raise _Unapplied(
                f"claim {clp.patient_control_number}: reversal of {money(-clp.paid_cents)} paid on "
                f"{money(-clp.charge_cents)} charged, but no such posted payment is on the claim",
                claim_id=claim.id,
            )
        entries = chunk.mirrors.get(original.id, [])
        cash = sum(
            e.amount_cents if e.debit_account_id == self.ctx.cash_account_id else
            -e.amount_cents if e.credit_account_id == self.ctx.cash_account_id else 0
            for e in entries
        )  # fmt: skip
        if cash != -clp.paid_cents:
            raise _Unapplied(
                f"claim {clp.patient_control_number}: the payment it reverses was not posted "
                "through ERA clearing (applied by hand?); reverse it by hand",
                claim_id=claim.id,
            )
        chunk.reversed.add(original.id)  # a second reversal in the chunk undoes another one
        plan = _Plan(clp, claim, rule, coverage_id, Event.REMIT_REVERSED)
        plan.reverses = original.id
        plan.mirror = entries
        return plan

    # ------------------------------------------------------------------ writing

    def _write(self, plans: list[_Plan], lines: dict[int, list[_Line]]) -> None:
        if not plans:
            return
        ctx = self.ctx
        now = utcnow()
        coverage_payer = self._coverage_payers({p.coverage_id for p in plans})
        rows = [self._claim_adjudication(p, coverage_payer[p.coverage_id], now) for p in plans]
        line_svcs: list[ServiceLine | None] = []
        for p in plans:
            payer_id = coverage_payer[p.coverage_id]
            for svc, line, line_rule, paid in p.line_rows:
                line_svcs.append(svc)
                rows.append(self._line_adjudication(p, svc, line, line_rule, paid, payer_id, now))
        # Claim-level and line-level adjudications in one statement, claim-level rows first.
        ids = self._insert_with_ids(Adjudication, rows)
        claim_adj_ids, line_adj_ids = ids[: len(plans)], ids[len(plans) :]
        adjustments = [
            _adjustment_row(claim_adj_ids[i], a)
            for i, p in enumerate(plans)
            for a in p.clp.adjustments
        ]
        for svc, adj_id in zip(line_svcs, line_adj_ids, strict=True):
            if svc is not None:
                adjustments += [_adjustment_row(adj_id, a) for a in svc.adjustments]
        _insert(self.session, Adjustment, adjustments)

        postings = self._postings(plans, claim_adj_ids)
        ledger.post(
            self.session, practice_id=ctx.practice_id, postings=postings, references_checked=True
        )
        self._move_claims(plans, lines, now)
        for p in plans:
            self.totals.matched += 1
            self.totals.applied_cents += p.clp.paid_cents
            if p.denied_cents or p.clp.status is ClaimStatus.DENIED:
                self.totals.denials += 1
            interest = p.clp.amount("I")
            if interest:
                self.totals.interest.append((p.claim.id, interest))

    def _coverage_payers(self, coverage_ids: set[int]) -> dict[int, int]:
        rows = self.session.execute(
            select(Coverage.id, Coverage.payer_id).where(
                Coverage.id.in_(_bound(sorted(coverage_ids)))
            )
        )
        return {cov: payer for cov, payer in rows}

    def _insert_with_ids(
        self, model: type[Adjudication], rows: list[dict[str, object]]
    ) -> list[int]:
        """Insert rows with keys reserved first; returns the keys in row order."""
        ids = reserve_ids(self.session, table_of(model), len(rows))
        for row, i in zip(rows, ids, strict=True):
            row["id"] = i
        _insert(self.session, model, rows)
        return ids

    def _claim_adjudication(self, p: _Plan, payer_id: int, now: datetime) -> dict[str, object]:
        clp = p.clp
        return {
            "practice_id": self.ctx.practice_id, "claim_id": p.claim.id, "claim_line_id": None,
            "payer_id": payer_id, "coverage_id": p.coverage_id, "status_code": clp.status.value,
            "charge_cents": clp.charge_cents, "paid_cents": clp.paid_cents,
            "allowed_cents": None, "patient_responsibility_cents": clp.patient_responsibility_cents,
            "payer_claim_number": clp.payer_claim_number, "adjudicated_on": self.ctx.adjudicated_on,
            "source_file_id": self.ctx.source_file_id, "remittance_id": self.ctx.remittance_id,
            "segment_position": clp.position, "match_rule": p.rule, "reverses_id": p.reverses,
            "created_at": now,
        }  # fmt: skip

    def _line_adjudication(
        self,
        p: _Plan,
        svc: ServiceLine | None,
        line: _Line,
        rule: str,
        paid: int,
        payer_id: int,
        now: datetime,
    ) -> dict[str, object]:
        allowed = next((a.cents for a in svc.amounts if a.qualifier == "B6"), None) if svc else None
        patient = (
            sum(a.amount_cents for a in svc.adjustments if a.group is GroupCode.PATIENT)
            if svc else None
        )  # fmt: skip
        return {
            "practice_id": self.ctx.practice_id, "claim_id": p.claim.id, "claim_line_id": line.id,
            "payer_id": payer_id, "coverage_id": p.coverage_id, "status_code": p.clp.status.value,
            "charge_cents": svc.charge_cents if svc else line.charge_cents, "paid_cents": paid,
            "allowed_cents": allowed, "patient_responsibility_cents": patient,
            "payer_claim_number": p.clp.payer_claim_number,
            "adjudicated_on": self.ctx.adjudicated_on, "source_file_id": self.ctx.source_file_id,
            "remittance_id": self.ctx.remittance_id,
            "segment_position": svc.position if svc else p.clp.position, "match_rule": rule,
            "reverses_id": None, "created_at": now,
        }  # fmt: skip

    def _postings(self, plans: list[_Plan], adj_ids: list[int]) -> list[ledger.Posting]:
        ctx = self.ctx
        insurance = ledger.scoped_accounts(
            self.session, practice_id=ctx.practice_id, kind=AccountKind.INSURANCE_AR,
            scope_ids=[p.coverage_id for p in plans],
        )  # fmt: skip
        next_party = self._next_parties(plans)
        postings: list[ledger.Posting] = []
        for p, adj_id in zip(plans, adj_ids, strict=True):
            receivable = insurance[p.coverage_id]
            for e in p.mirror:
                postings.append(
                    ledger.Posting(
                        debit_account_id=e.credit_account_id, credit_account_id=e.debit_account_id,
                        amount_cents=e.amount_cents, kind=EntryKind.REVERSAL,
                        posting_date=ctx.posting_date, actor=ctx.actor,
                        charge_line_id=e.charge_line_id, claim_id=e.claim_id,
                        service_date=e.service_date, deposit_date=ctx.deposit_date,
                        source_file_id=ctx.source_file_id, remittance_id=ctx.remittance_id,
                        adjudication_id=adj_id, segment_position=p.clp.position,
                        group_code=e.group_code, reason_code=e.reason_code,
                        remark_codes=e.remark_codes, reverses_entry_id=e.id,
                    )
                )  # fmt: skip
            for m in p.moves:
                if m.amount_cents == 0:
                    continue
                if m.what == "pay":
                    debit, kind = ctx.cash_account_id, EntryKind.PAYMENT
                elif m.what == Treatment.TRANSFER:
                    debit, kind = next_party[p.coverage_id, p.claim.patient_id], EntryKind.TRANSFER
                elif m.group == GroupCode.CONTRACTUAL:
                    debit, kind = ctx.contractual_account_id, EntryKind.ADJUSTMENT
                else:
                    debit, kind = ctx.other_adjustment_account_id, EntryKind.ADJUSTMENT
                credit, amount = receivable, m.amount_cents
                if amount < 0:
                    debit, credit, amount = credit, debit, -amount
                postings.append(
                    ledger.Posting(
                        debit_account_id=debit, credit_account_id=credit, amount_cents=amount,
                        kind=kind, posting_date=ctx.posting_date, actor=ctx.actor,
                        charge_line_id=m.line.charge_line_id, claim_id=p.claim.id,
                        service_date=m.line.service_date,
                        deposit_date=ctx.deposit_date if m.what == "pay" else None,
                        source_file_id=ctx.source_file_id, remittance_id=ctx.remittance_id,
                        adjudication_id=adj_id, segment_position=m.position,
                        group_code=m.group, reason_code=m.reason,
                        remark_codes=m.remarks[:60] if m.remarks else None,
                    )
                )  # fmt: skip
        return postings

    def _next_parties(self, plans: list[_Plan]) -> dict[tuple[int, int], int]:
        """The A/R account a transfer goes to, by (paying coverage, patient): the patient's
        next coverage in order (secondary after primary...) in force, else the patient."""
        wanted = {
            (p.coverage_id, p.claim.patient_id, p.moves[0].line.service_date)
            for p in plans
            if any(m.what == Treatment.TRANSFER for m in p.moves)
        }
        if not wanted:
            return {}
        coverages = self._chunk_coverages
        chosen: dict[tuple[int, int], tuple[str, int]] = {}
        for coverage_id, patient_id, day in wanted:
            covs = coverages.get(patient_id, [])
            current = next((c for c in covs if c.id == coverage_id), None)
            rank = _ORDER[current.order] if current else 0
            later = [
                c for c in covs
                if _ORDER[c.order] > rank
                and (c.effective_from is None or c.effective_from <= day)
                and (c.effective_to is None or c.effective_to >= day)
            ]  # fmt: skip
            chosen[coverage_id, patient_id] = (
                ("coverage", later[0].id) if later else ("patient", patient_id)
            )
        ctx = self.ctx
        insurance = ledger.scoped_accounts(
            self.session, practice_id=ctx.practice_id, kind=AccountKind.INSURANCE_AR,
            scope_ids=[i for kind, i in chosen.values() if kind == "coverage"],
        )  # fmt: skip
        patients = ledger.scoped_accounts(
            self.session, practice_id=ctx.practice_id, kind=AccountKind.PATIENT_AR,
            scope_ids=[i for kind, i in chosen.values() if kind == "patient"],
        )  # fmt: skip
        return {
            key: insurance[i] if kind == "coverage" else patients[i]
            for key, (kind, i) in chosen.items()
        }

    def _move_claims(
        self, plans: list[_Plan], lines: dict[int, list[_Line]], now: datetime
    ) -> None:
        """Record each claim's remittance event, then settle those whose lines all reach 0.
        Each claim's row is written once, with its last state and payer claim number."""
        transitions, items = self._transitions(
            [(p, p.event) for p in plans if p.event is not None], now
        )
        settled_candidates = [
            p for p in plans
            if p.event is not None and p.event is not Event.REMIT_REVERSED
            and self._states[p.claim.id] in ADJUDICATED
        ]  # fmt: skip
        if settled_candidates:
            open_claims = self._claims_with_open_balances(
                {p.claim.id for p in settled_candidates}, lines
            )
            settled, settled_items = self._transitions(
                [(p, Event.SETTLED) for p in settled_candidates if p.claim.id not in open_claims],
                now,
            )
            transitions += settled
            items += settled_items
        _insert(self.session, ClaimTransition, transitions)
        numbers = {
            p.claim.id: p.clp.payer_claim_number[:50] for p in plans if p.clp.payer_claim_number
        }
        changes = {}
        for p in plans:
            claim = p.claim
            state = self._states.get(claim.id, claim.state)
            number = numbers.get(claim.id, claim.payer_claim_number)
            if state != claim.state or number != claim.payer_claim_number:
                changes[claim.id] = {"claim_id": claim.id, "new_state": state, "number": number}
        if changes:
            claims = table_of(Claim)
            self.session.execute(
                update(claims)
                .where(claims.c.id == bindparam("claim_id"))
                .values(
                    state=bindparam("new_state", type_=claims.c.state.type),
                    payer_claim_number=bindparam("number", type_=claims.c.payer_claim_number.type),
                ),
                list(changes.values()),
            )
        self._add_items(items)

    def _transitions(
        self, steps: list[tuple[_Plan, Event]], now: datetime
    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """The transition rows of these events (claim states follow in self._states), and the
        rework items they open."""
        ctx = self.ctx
        transitions: list[dict[str, object]] = []
        attention_items: list[dict[str, object]] = []
        for p, event in steps:
            before = self._states.get(p.claim.id, p.claim.state)
            outcome = apply_event(before, event)
            self._states[p.claim.id] = outcome.state
            transitions.append(
                {"claim_id": p.claim.id, "trigger": event.value, "from_state": before,
                 "to_state": outcome.state, "actor": ctx.actor,
                 "reason": f"835 claim {p.clp.patient_control_number}" if event is not Event.SETTLED
                 else "every line balance is 0",
                 "attention": outcome.attention, "source_file_id": ctx.source_file_id,
                 "segment_position": p.clp.position, "created_at": now}
            )  # fmt: skip
            if outcome.attention:
                attention_items.append(
                    self._item(
                        source=Source.STATE, category=Category.OTHER, claim_id=p.claim.id,
                        codes=f"CLP02 {p.clp.status.value}", position=p.clp.position,
                        summary=f"claim {p.clp.patient_control_number}: {outcome.attention}",
                        amount_cents=abs(p.clp.paid_cents), deadline=None,
                    )
                )  # fmt: skip
            if event is not Event.SETTLED and (
                p.denied_cents or p.clp.status is ClaimStatus.DENIED
            ):
                attention_items.append(self._denial_item(p))
        return transitions, attention_items

    def _claims_with_open_balances(
        self, claim_ids: set[int], lines: dict[int, list[_Line]]
    ) -> set[int]:
        """Of these claims, those with a charge line whose A/R balance (any party) is not 0."""
        charge_lines = sorted({line.charge_line_id for cid in claim_ids for line in lines[cid]})
        debit, credit = aliased(Account), aliased(Account)
        ar = list(AR_KINDS)
        signed = case((debit.kind.in_(ar), Entry.amount_cents), else_=0) - case(
            (credit.kind.in_(ar), Entry.amount_cents), else_=0
        )
        open_lines: set[int] = set()
        for start in range(0, len(charge_lines), _IN):
            rows = self.session.execute(
                select(Entry.charge_line_id, func.sum(signed))
                .join(debit, debit.id == Entry.debit_account_id)
                .join(credit, credit.id == Entry.credit_account_id)
                .where(Entry.charge_line_id.in_(_bound(charge_lines[start : start + _IN])))
                .group_by(Entry.charge_line_id)
            )
            open_lines.update(cl for cl, total in rows if total)
        return {
            cid
            for cid in claim_ids
            if any(line.charge_line_id in open_lines for line in lines[cid])
        }

    # ------------------------------------------------------------------ rework items

    def _denial_item(self, p: _Plan) -> dict[str, object]:
        clp = p.clp
        rarcs = sorted(
            {r.code for line in clp.lines for r in line.remarks}
            | {r for a in clp.adjudications for r in a.remarks}
        )
        carcs = [code.split("-", 1)[1] for code in p.denied_codes]
        category = next(
            (carc_category(c) for c in carcs if carc_category(c) != Category.OTHER), None
        )
        if category is None:
            category = next(
                (rarc_category(r) for r in rarcs if rarc_category(r) != Category.OTHER),
                Category.OTHER,
            )
        amount = p.denied_cents or clp.charge_cents
        days = self._appeal_days.get(self.ctx.payer_id or p.claim.payer_id, 120)
        whole = "denied" if clp.paid_cents == 0 else "partly denied"
        return self._item(
            source=Source.REMIT_835, category=category, claim_id=p.claim.id,
            codes=" ".join(p.denied_codes + rarcs)[:200] or f"CLP02 {clp.status.value}",
            position=clp.position,
            summary=(
                f"claim {clp.patient_control_number} {whole}: {money(amount)} of "
                f"{money(clp.charge_cents)} charged ({', '.join(p.denied_codes) or 'no CAS'}), "
                f"paid {money(clp.paid_cents)}; appeal by "
                f"{self.ctx.adjudicated_on + timedelta(days=days)}"
            ),
            amount_cents=amount, deadline=self.ctx.adjudicated_on + timedelta(days=days),
        )  # fmt: skip

    def _item(
        self,
        *,
        source: Source,
        category: Category,
        claim_id: int | None,
        codes: str,
        position: int,
        summary: str,
        amount_cents: int,
        deadline: date | None,
        suggested: Sequence[int] = (),
    ) -> dict[str, object]:
        return {
            "practice_id": self.ctx.practice_id, "claim_id": claim_id,
            "source_file_id": self.ctx.source_file_id, "remittance_id": self.ctx.remittance_id,
            "segment_position": position,
            "suggested_claim_ids": ",".join(map(str, suggested))[:200] or None,
            "source": source, "category": category, "codes": codes[:200], "summary": summary,
            "amount_cents": amount_cents, "deadline": deadline,
            "priority": priority(amount_cents=amount_cents, deadline=deadline,
                                 today=self.ctx.today),
            "status": "open", "created_at": utcnow(),
        }  # fmt: skip

    def _add_items(self, items: list[dict[str, object]]) -> None:
        if items:
            self.session.execute(insert(table_of(ReworkItem)), items)
            self.totals.rework_items += len(items)

    def _write_unapplied(self, unapplied: list[tuple[ClaimPayment, _Unapplied]]) -> None:
        """Cash of claim payments that cannot be applied waits in unapplied cash, each with a
        rework item showing the figures."""
        if not unapplied:
            return
        ctx = self.ctx
        postings = []
        items = []
        for clp, why in unapplied:
            self.totals.unmatched += 1
            self.totals.unapplied_cents += clp.paid_cents
            self.totals.exceptions.append(why.why)
            if clp.paid_cents:
                debit, credit, amount = (
                    ctx.cash_account_id,
                    ctx.unapplied_account_id,
                    clp.paid_cents,
                )
                if amount < 0:
                    debit, credit, amount = credit, debit, -amount
                postings.append(
                    ledger.Posting(
                        debit_account_id=debit, credit_account_id=credit, amount_cents=amount,
                        kind=EntryKind.UNAPPLIED, posting_date=ctx.posting_date, actor=ctx.actor,
                        claim_id=why.claim_id, deposit_date=ctx.deposit_date,
                        source_file_id=ctx.source_file_id, remittance_id=ctx.remittance_id,
                        segment_position=clp.position,
                    )
                )  # fmt: skip
            figures = (
                f"CLP02 {clp.status.value}, charged {money(clp.charge_cents)}, paid "
                f"{money(clp.paid_cents)}, patient responsibility "
                f"{money(clp.patient_responsibility_cents or 0)}"
            )
            items.append(
                self._item(
                    source=Source.REMIT_835 if why.claim_id else Source.UNMATCHED_REMITTANCE,
                    category=Category.OTHER, claim_id=why.claim_id,
                    codes=f"CLP01 {clp.patient_control_number}", position=clp.position,
                    summary=f"{why.why} ({figures}); {money(clp.paid_cents)} is in unapplied cash",
                    amount_cents=abs(clp.paid_cents) or abs(clp.charge_cents), deadline=None,
                    suggested=why.suggested,
                )
            )  # fmt: skip
        ledger.post(self.session, practice_id=ctx.practice_id, postings=postings)
        self._add_items(items)


def _bound(values: Sequence[object]) -> BindParameter[object]:
    """The values of an IN list as one expanding parameter: SQLAlchemy checks each value of
    a plain list when the statement is built, which costs more than the query for 500."""
    return bindparam(None, list(values), expanding=True)


def _insert(session: Session, model: type[Base], rows: list[dict[str, object]]) -> None:
    """Insert rows that share their keys, in one executemany."""
    if rows:
        columns = list(rows[0])
        values = itemgetter(*columns)  # a tuple of the values, since rows have several keys
        insert_rows(session, table_of(model), columns, [values(row) for row in rows])


def _adjustment_row(adjudication_id: int, a: CasAdjustment) -> dict[str, object]:
    return {
        "adjudication_id": adjudication_id,
        "group_code": GroupCode(a.group.value),
        "reason_code": a.reason,
        "amount_cents": a.amount_cents,
        "quantity_thousandths": a.quantity_thousandths,
    }


def _remit_event(clp: ClaimPayment, denied_cents: int) -> Event:
    """The claim event a processed claim payment is: forwarded, denied, partial or paid."""
    if clp.crossover:
        return Event.REMIT_FORWARDED
    if clp.status is ClaimStatus.DENIED or (denied_cents and clp.paid_cents == 0):
        return Event.REMIT_DENIED
    if denied_cents:
        return Event.REMIT_PARTIAL
    return Event.REMIT_PAID


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split a signed amount of cents over weights, exactly, by largest remainder (equal
    shares when every weight is 0; ties go to the earlier line)."""
    if not weights:
        raise ValueError("allocate: no weights")
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    total = sum(weights)
    sign = -1 if amount < 0 else 1
    whole = abs(amount)
    shares = [whole * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(whole * weights[i] % total), i))
    for i in remainders[: whole - sum(shares)]:
        shares[i] += 1
    return [sign * s for s in shares]
