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
class Summary:
    """What an X12 file holds: kind, version, counts, charge total (837) and problems."""

    kind: str  # 837P, 837I, 835, 999, 277CA, TA1 or unknown
    version: str | None  # GS08 of the first group
    transactions: int  # ST count
    claims: int  # CLM (837) or CLP (835) count
    charge_total: Decimal | None  # sum of CLM02 (837 only)
    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> int:
        """How many problems are errors (not warnings)."""
        return sum(1 for p in self.problems if p.severity == "error")

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values: amounts as decimal strings such as "493.00"."""
        return {
            "kind": self.kind,
            "version": self.version,
            "transactions": self.transactions,
            "claims": self.claims,
            "charge_total": None if self.charge_total is None else f"{self.charge_total:.2f}",
            "problems": [
                {
                    "severity": p.severity,
                    "code": p.code,
                    "message": p.message,
                    "segment": p.segment,
                }
                for p in self.problems
            ],
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
    """835: CLP count (the 835 reader checks the balances)."""

    def segment(self, seg: Segment) -> None:
        if seg.id == "CLP":
            self.claims += 1


SUMMARISERS: dict[str, Callable[[str, str], TransactionSummary]] = {
    "837P": ClaimsSummary,
    "837I": ClaimsSummary,
    "835": PaymentsSummary,
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
    )


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
    elif sid in ("SE", "GE", "IEA", "ISA"):
        state.close()
    elif sid == "TA1":
        state.ta1 += 1
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
