"""Summaries of any X12 file without a database: kind, version, counts, charges and problems.

A summary holds no patient data: counts, amounts, control and claim numbers, and problems
that name segment positions. Each transaction set is read by a summariser for its kind
(SUMMARISERS); a kind without one is still counted and its envelope checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from edi.envelope import EnvelopeChecker, Finding
from edi.validate import Problem, pyx12_problems
from edi.x12 import Segment, X12Error, read_segments
from edi.x277ca.models import Category
from edi.x835.balance import Imbalance, claim_findings, transaction_imbalance_of
from edi.x835.models import ClaimPayment, TransactionEnd, TransactionStart
from edi.x835.reader import TransactionBuilder
from edi.x999.models import TransactionCode

# The version we read of each kind (GS08); anything else is a problem.
VERSIONS = {
    "837P": "005010X222A1",
    "837I": "005010X223A2",
    "835": "005010X221A1",
    "999": "005010X231A1",
    "277CA": "005010X214",
}
ICD9_QUALIFIERS = frozenset({"BK", "BF", "BJ", "PR", "BN", "BR", "BQ"})
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z")
_QUIET_LAYOUT = ("line breaks between segments",)  # how most files are laid out: no problem


@dataclass(frozen=True, slots=True)
class Acknowledgments:
    """What the acknowledgments in a file answer: how many items, accepted, rejected, codes."""

    acknowledged: int  # 999: transaction sets (AK2); 277CA: claims (2200D); TA1: interchanges
    accepted: int  # 999: IK5 A/E; 277CA: A2/A5 and nothing rejected above; TA1: A/E
    rejected: int  # 999: IK5 M/R/W/X; 277CA: A3/A6-A8 at the claim or above it; TA1: R
    codes: tuple[tuple[str, int], ...] = ()  # IK501, the claim's first STC01-1, or TA104

    def as_json(self) -> dict[str, Any]:
        """The counts under an "acknowledgments" key."""
        return {
            "acknowledgments": {
                "acknowledged": self.acknowledged,
                "accepted": self.accepted,
                "rejected": self.rejected,
                "codes": dict(self.codes),
            }
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """What an X12 file holds: kind, version, counts, charge total (837) and problems."""

    kind: str  # 837P, 837I, 835, 999, 277CA, TA1 or unknown
    version: str | None  # GS08 of the first group
    transactions: int  # ST count
    claims: int  # CLM (837) or CLP (835) count
    charge_total: Decimal | None  # sum of CLM02 (837 only)
    problems: tuple[Problem, ...] = ()
    payment_total: Decimal | None = None  # 835: sum of BPR02 (a debit, BPR03 D, negative)
    claim_paid_total: Decimal | None = None  # 835: sum of CLP04
    plb_total: Decimal | None = None  # 835: sum of PLB amounts
    balanced: bool | None = None  # 835: every line, claim and transaction balances

    acknowledgments: Acknowledgments | None = None  # 999, 277CA and TA1 only

    @property
    def errors(self) -> int:
        """How many problems are errors (not warnings)."""
        return sum(1 for p in self.problems if p.severity == "error")

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values: amounts as decimal strings such as "493.00"."""
        payments: dict[str, Any] = {}
        if self.kind == "835":
            payments = {
                "payment_total": _money(self.payment_total),
                "claim_paid_total": _money(self.claim_paid_total),
                "plb_total": _money(self.plb_total),
                "balanced": self.balanced,
            }
        return {
            "kind": self.kind,
            "version": self.version,
            "transactions": self.transactions,
            "claims": self.claims,
            "charge_total": None if self.charge_total is None else f"{self.charge_total:.2f}",
            **payments,
            "problems": [
                {
                    "severity": p.severity,
                    "code": p.code,
                    "message": p.message,
                    "segment": p.segment,
                }
                for p in self.problems
            ],
            **({} if self.acknowledgments is None else self.acknowledgments.as_json()),
        }


def kind_of(st01: str, gs08: str) -> str:
    """The kind of a transaction set from its ST01 and its group's GS08."""
    if st01 == "837":
        if "X222" in gs08 or "X098" in gs08:  # 5010 and 4010 professional
            return "837P"
        if "X223" in gs08 or "X096" in gs08:  # 5010 and 4010 institutional
            return "837I"
        return "unknown"
    if st01 in ("835", "999"):
        return st01
    if st01 == "277" and "X214" in gs08:
        return "277CA"
    return "unknown"


class TransactionSummary:
    """Reads one ST..SE of a kind; subclasses count claims, add charges and find problems."""

    counts_charges = False

    def __init__(self, kind: str, component: str) -> None:
        self.kind = kind
        self.component = component  # the interchange's component separator
        self.claims = 0
        self.charges = Decimal(0)
        self.problems: list[Problem] = []

    def start(self, st: Segment) -> None:
        """The ST that begins the transaction set."""

    def segment(self, seg: Segment) -> None:
        """Take one segment between ST and SE."""

    def end(self) -> None:
        """The transaction set has ended (SE, or a fault that closed it)."""


class ClaimsSummary(TransactionSummary):
    """837P/837I: CLM count, CLM02 total, and CLM02 = sum of line charges per claim."""

    counts_charges = True

    def __init__(self, kind: str, component: str) -> None:
        super().__init__(kind, component)
        self.line_segment = "SV1" if kind == "837P" else "SV2"
        self.line_amount = 2 if kind == "837P" else 3
        self.clm: Segment | None = None
        self.total: Decimal | None = None
        self.lines: Decimal = Decimal(0)
        self.line_count = 0

    def segment(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "CLM":
            self.close()
            self.claims += 1
            self.clm = seg
            self.total = _amount(seg, 2, self.problems)
            if self.total is not None:
                self.charges += self.total
        elif sid == "HL":
            self.close()
        elif sid == self.line_segment:
            amount = _amount(seg, self.line_amount, self.problems)
            if self.clm is None:
                self.problems.append(
                    _problem("error", "LINE-OUTSIDE-CLAIM", "service line before any CLM", seg)
                )
            elif amount is not None:
                self.lines += amount
                self.line_count += 1
        elif sid == "HI":
            for index, value in enumerate(seg.elements[1:], start=1):
                qualifier = value.split(self.component)[0]
                if qualifier in ICD9_QUALIFIERS:
                    self.problems.append(
                        _problem(
                            "warning",
                            "ICD9",
                            f"HI{index:02d}: ICD-9-CM code (qualifier {qualifier}); the 837 "
                            "reader refuses it",
                            seg,
                            f"HI{index:02d}",
                        )
                    )
                    break

    def end(self) -> None:
        self.close()

    def close(self) -> None:
        clm, total = self.clm, self.total
        self.clm = None
        lines, count = self.lines, self.line_count
        self.lines, self.line_count = Decimal(0), 0
        if clm is None or total is None:
            return
        number = clm.get(1)
        if count == 0:
            self.problems.append(
                _problem("error", "CLAIM-NO-LINES", f"claim {number}: no service lines", clm)
            )
        elif lines != total:
            self.problems.append(
                _problem(
                    "error",
                    "CLM02-SUM",
                    f"claim {number}: CLM02 {total:.2f} differs from the sum of its line "
                    f"charges {lines:.2f}",
                    clm,
                    "CLM02",
                )
            )


class PaymentsSummary(TransactionSummary):
    """835: CLP count, BPR02/CLP04/PLB totals, and the three balancing rules (edi.x835)."""

    def __init__(self, kind: str, component: str) -> None:
        super().__init__(kind, component)
        self.builder: TransactionBuilder | None = None
        self.last = 0
        self.payment_cents = self.paid_cents = self.plb_cents = 0
        self.balanced = False
        self.opening: TransactionStart | None = None
        self.found: list[Imbalance] = []  # reported once the whole transaction set was read

    def start(self, st: Segment) -> None:
        self.builder = TransactionBuilder(self.component, None, st.position, list(st.elements))
        self.last = st.position

    def segment(self, seg: Segment) -> None:
        if seg.id == "CLP":
            self.claims += 1
        self.last = seg.position
        if self.builder is not None:
            try:
                self.builder.feed(seg.position, list(seg.elements))
            except X12Error as exc:
                self._failed(exc)
                return
            self._take(self.builder)

    def _take(self, builder: TransactionBuilder) -> None:
        # Claim by claim, as the posting engine reads it: nothing of a claim is kept.
        for event in builder.events:
            if isinstance(event, ClaimPayment):
                self.found += claim_findings(event)
            elif isinstance(event, TransactionStart):
                self.opening = event
            elif isinstance(event, TransactionEnd) and self.opening is not None:
                whole = transaction_imbalance_of(self.opening, event)
                if whole is not None:
                    self.found.append(whole)
                self.payment_cents = self.opening.payment.signed_cents
                self.paid_cents = event.claim_paid_cents
                self.plb_cents = event.provider_adjustment_cents
        builder.events.clear()

    def end(self) -> None:
        if self.builder is None:
            return
        try:
            self.builder.finish(self.last + 1)
        except X12Error as exc:
            self._failed(exc)
            return
        self._take(self.builder)
        self.builder = None
        found, self.found = self.found, []
        self.balanced = not found
        for f in found:
            code = f"UNBALANCED-{f.level.upper()}"
            sid = {"line": "SVC", "claim": "CLP", "transaction": "BPR"}[f.level]
            self.problems.append(Problem("error", code, f.message, f.segment, sid))

    def _failed(self, exc: X12Error) -> None:
        element = None if exc.element is None else f"{exc.segment_id}{exc.element:02d}"
        message = f"{element}: {exc.message}" if element else exc.message
        self.problems.append(Problem("error", "835", message, exc.segment, exc.segment_id, element))
        self.builder = None


# -- 999, 277CA and TA1 (acknowledgments; owned by the acknowledgment readers' work) ------------


class AcknowledgmentSummary(TransactionSummary):
    """An acknowledgment transaction set: what it answers, accepted and rejected, by code."""

    def __init__(self, kind: str, component: str) -> None:
        super().__init__(kind, component)
        self.acknowledged = 0
        self.accepted = 0
        self.rejected = 0
        self.codes: dict[str, int] = {}

    def count(self, code: str, *, accepted: bool, rejected: bool) -> None:
        """One item answered with this code."""
        self.acknowledged += 1
        self.accepted += accepted
        self.rejected += rejected
        self.codes[code] = self.codes.get(code, 0) + 1


class FunctionalAckSummary(AcknowledgmentSummary):
    """999: transaction sets answered (IK5 codes) and claims named by CTX*CLM01."""

    def __init__(self, kind: str, component: str) -> None:
        super().__init__(kind, component)
        self.claim_numbers: set[str] = set()

    def segment(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "IK5":
            code = seg.get(1)
            try:
                answer = TransactionCode(code)
            except ValueError:
                message = "IK501: not a transaction set acknowledgment code (A, E, M, R, W, X)"
                self.problems.append(_problem("error", "ACK-CODE", message, seg, "IK501"))
                return
            self.count(code, accepted=answer.is_acceptance, rejected=answer.is_rejection)
        elif sid == "CTX":
            name, _, reference = seg.get(1).partition(self.component)
            if name == "CLM01" and reference:
                self.claim_numbers.add(reference)
                self.claims = len(self.claim_numbers)


class ClaimAckSummary(AcknowledgmentSummary):
    """277CA: claims (2200D TRN*2) by the category of their first STC; rejections above apply."""

    def __init__(self, kind: str, component: str) -> None:
        super().__init__(kind, component)
        self.level = ""  # HL03 of the open HL
        self.rejected_above = {"21": False, "19": False}  # a 2200B or 2200C rejection
        self.claim: list[Category] | None = None  # the open claim's categories
        self.in_line = False  # after an SVC (loop 2220D): STC there is the line's

    def segment(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "HL":
            self.end()
            self.level = seg.get(3)
            self.in_line = False
            if self.level == "21":
                self.rejected_above = {"21": False, "19": False}
            elif self.level == "19":
                self.rejected_above["19"] = False
        elif sid == "TRN" and self.level == "PT":
            self.end()
            self.claims += 1
            self.claim = []
        elif sid == "SVC":
            self.in_line = True
        elif sid == "STC" and self.level in ("21", "19", "PT") and not self.in_line:
            text = seg.get(1).split(self.component)[0]
            try:
                category = Category(text)
            except ValueError:
                message = "STC01-1: not a 277CA status category code (A0-A8, E0-E4)"
                self.problems.append(_problem("error", "ACK-CODE", message, seg, "STC01-1"))
                return
            if self.level != "PT":
                self.rejected_above[self.level] |= category.is_rejection
            elif self.claim is None:
                message = "STC before the claim's TRN*2 (loop 2200D)"
                self.problems.append(_problem("error", "STC-NO-TRN", message, seg))
            else:
                self.claim.append(category)

    def end(self) -> None:
        categories, self.claim = self.claim, None
        if categories is None:
            return
        if not categories:
            self.count("none", accepted=False, rejected=False)
            return
        rejected = any(self.rejected_above.values()) or any(c.is_rejection for c in categories)
        accepted = not rejected and any(c.is_acceptance for c in categories)
        self.count(categories[0].value, accepted=accepted, rejected=rejected)


def _acknowledgments(kind: str, state: _State) -> Acknowledgments | None:
    """The acknowledgment counts of a 999, 277CA or TA1 file; None for other kinds."""
    if kind == "TA1":
        codes = state.ta1_codes
        counted = {code: codes.count(code) for code in sorted(set(codes))}
        accepted = sum(1 for code in codes if code in ("A", "E"))
        rejected = sum(1 for code in codes if code == "R")
        return Acknowledgments(len(codes), accepted, rejected, tuple(counted.items()))
    answers = [s for s in state.finished if isinstance(s, AcknowledgmentSummary) and s.kind == kind]
    if not answers:
        return None
    totals: dict[str, int] = {}
    for answer in answers:
        for code, n in answer.codes.items():
            totals[code] = totals.get(code, 0) + n
    return Acknowledgments(
        sum(a.acknowledged for a in answers),
        sum(a.accepted for a in answers),
        sum(a.rejected for a in answers),
        tuple(sorted(totals.items())),
    )


SUMMARISERS: dict[str, Callable[[str, str], TransactionSummary]] = {
    "837P": ClaimsSummary,
    "837I": ClaimsSummary,
    "835": PaymentsSummary,
    "999": FunctionalAckSummary,
    "277CA": ClaimAckSummary,
}


@dataclass(slots=True)
class _State:
    """The walk over a file: what is open and what has been found."""

    component: str
    problems: list[Problem] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    gs: Segment | None = None
    gs_judged: bool = False
    current: TransactionSummary | None = None
    finished: list[TransactionSummary] = field(default_factory=list)
    ta1: int = 0
    ta1_codes: list[str] = field(default_factory=list)  # TA104 of each TA1

    def close(self) -> None:
        if self.current is not None:
            self.current.end()
            self.finished.append(self.current)
            self.current = None


def inspect_file(
    data: str | bytes | Path | TextIO, *, name: str | None = None, with_pyx12: bool = False
) -> Summary:
    """A summary of any X12 file; X12Error when it cannot be read (not X12, truncated)."""
    source = name if name is not None else (str(data) if isinstance(data, Path) else None)
    text: str | None = None
    if with_pyx12:
        text = _text(data, source)
        data = text
    segments = read_segments(data, name=source)
    checker = EnvelopeChecker()
    state = _State(component=segments.delimiters.component)
    for seg in segments:
        for finding in checker.feed(seg):
            state.problems.append(_from_finding(finding))
        _take(state, seg)
    checker.finish(source)
    state.close()
    problems = [
        Problem("warning", "LAYOUT", warning)
        for warning in segments.warnings
        if warning not in _QUIET_LAYOUT
    ]
    found = state.problems + [p for s in state.finished for p in s.problems]
    problems += sorted(found, key=lambda p: p.segment or 0)
    if text is not None:
        problems += pyx12_problems(text)
    kinds = state.kinds
    kind = kinds[0] if kinds else ("TA1" if state.ta1 else "unknown")
    if len(set(kinds)) > 1:
        problems.append(
            Problem("warning", "MIXED", f"the file holds {', '.join(sorted(set(kinds)))}")
        )
    charged = [s for s in state.finished if s.counts_charges]
    return Summary(
        kind,
        state.versions[0] if state.versions else None,
        len(state.finished),
        sum(s.claims for s in state.finished),
        sum((s.charges for s in charged), Decimal(0)) if charged else None,
        tuple(problems),
        *_payment_totals([s for s in state.finished if isinstance(s, PaymentsSummary)]),
        acknowledgments=_acknowledgments(kind, state),
    )


def _payment_totals(
    paid: list[PaymentsSummary],
) -> tuple[Decimal | None, Decimal | None, Decimal | None, bool | None]:
    if not paid:
        return None, None, None, None
    return (
        Decimal(sum(s.payment_cents for s in paid)).scaleb(-2),
        Decimal(sum(s.paid_cents for s in paid)).scaleb(-2),
        Decimal(sum(s.plb_cents for s in paid)).scaleb(-2),
        all(s.balanced for s in paid),
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _take(state: _State, seg: Segment) -> None:
    sid = seg.id
    if sid == "GS":
        state.close()
        state.gs = seg
        state.gs_judged = False
        state.versions.append(seg.get(8))
    elif sid == "ST":
        state.close()
        gs08 = state.gs.get(8) if state.gs is not None else ""
        kind = kind_of(seg.get(1), gs08)
        state.kinds.append(kind)
        _judge_version(state, seg, kind, gs08)
        factory = SUMMARISERS.get(kind, TransactionSummary)
        state.current = factory(kind, state.component)
        state.current.start(seg)
    elif sid in ("SE", "GE", "IEA", "ISA"):
        state.close()
    elif sid == "TA1":
        state.ta1 += 1
        state.ta1_codes.append(seg.get(4))
    elif state.current is not None:
        state.current.segment(seg)


def _judge_version(state: _State, st: Segment, kind: str, gs08: str) -> None:
    gs = state.gs
    if st.get(3) and st.get(3) != gs08:
        state.problems.append(_problem("error", "VERSION", "ST03 differs from GS08", st, "ST03"))
    if state.gs_judged or gs is None:
        return
    state.gs_judged = True
    expected = VERSIONS.get(kind)
    if expected is None:
        message = f"ST01 {st.get(1)} with GS08 {gs08 or '(none)'}: a transaction we do not read"
        state.problems.append(_problem("warning", "KIND", message, st, "ST01"))
    elif gs08 != expected:
        message = f"GS08 {gs08 or '(none)'}: not the {kind} version we read ({expected})"
        state.problems.append(_problem("error", "VERSION", message, gs, "GS08"))


def _amount(seg: Segment, index: int, problems: list[Problem]) -> Decimal | None:
    text = seg.get(index)
    element = f"{seg.id}{index:02d}"
    if not _NUMBER.match(text):
        problems.append(_problem("error", "AMOUNT", f"{element}: not a number", seg, element))
        return None
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        message = f"{element}: more than 2 decimal places"
        problems.append(_problem("error", "AMOUNT", message, seg, element))
        return None
    return value


def _problem(
    severity: str, code: str, message: str, seg: Segment, element: str | None = None
) -> Problem:
    return Problem(severity, code, message, seg.position, seg.id, element)


def _from_finding(finding: Finding) -> Problem:
    element = None if finding.element is None else f"{finding.segment_id}{finding.element:02d}"
    return Problem(
        "error", finding.code, finding.text, finding.segment, finding.segment_id, element
    )


def _text(data: str | bytes | Path | TextIO, source: str | None) -> str:
    """The whole input as text, for pyx12 to read after us."""
    try:
        if isinstance(data, str):
            return data
        if isinstance(data, bytes):
            return data.decode("utf-8")
        if isinstance(data, Path):
            return data.read_text(encoding="utf-8")
        return data.read()
    except UnicodeDecodeError as exc:
        raise X12Error(f"not UTF-8 text ({exc.reason})", source=source) from exc
