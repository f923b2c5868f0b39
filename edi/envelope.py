"""Envelope structure of any X12 file: ISA/GS/ST nesting, trailer counts, control numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Generic, TextIO, TypeVar

from edi.x12 import Segment, X12Error

_TRAILERS = {"ISA": "IEA", "GS": "GE", "ST": "SE"}
_NAMES = {"ISA": "interchange", "GS": "functional group", "ST": "transaction set"}
_R = TypeVar("_R")  # what a reader gives: one result a transaction set (or a group, a TA1)
_T = TypeVar("_T")  # what a reader keeps of the open transaction set
# Trailer control numbers (GE02, IEA02) that differ from their header: the acknowledgment
# readers keep these as warnings of the interchange, since the content is complete and counted.
TRAILER_CONTROLS = frozenset({"GE-CONTROL", "IEA-CONTROL"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One structural fault: a stable code, a message, and the segment (and element) it names."""

    code: str
    message: str
    segment: int
    segment_id: str
    element: int | None = None

    @property
    def text(self) -> str:
        """The message with the element it concerns, such as "SE01: not a number"."""
        if self.element is None:
            return self.message
        return f"{self.segment_id}{self.element:02d}: {self.message}"

    def error(self, source: str | None) -> X12Error:
        """The finding as an X12Error naming the file, segment and element."""
        return X12Error(
            self.message,
            source=source,
            segment=self.segment,
            segment_id=self.segment_id,
            element=self.element,
        )


@dataclass(slots=True)
class _Open:
    """An envelope that has begun and not yet ended."""

    header: Segment
    children: int = 0  # GS in an ISA, ST in a GS, segments in an ST
    st_controls: dict[str, int] = field(default_factory=dict)  # ST02 -> position, per GS


class EnvelopeChecker:
    """Follows ISA/GS/ST nesting segment by segment and finds what the trailers get wrong.

    feed() returns the faults a segment reveals (wrong SE/GE/IEA counts, control numbers that
    differ, segments outside their envelope); finish() raises when the file ends before an
    envelope is closed, since such a file has been cut short and nothing in it can be trusted.
    """

    def __init__(self) -> None:
        self.isa: _Open | None = None
        self.gs: _Open | None = None
        self.st: _Open | None = None
        self.last: Segment | None = None

    def feed(self, seg: Segment) -> list[Finding]:
        """The structural faults this segment shows, in the context of those before it."""
        self.last = seg
        sid = seg.id
        found: list[Finding] = []
        if self.st is not None:
            self.st.children += 1
        if sid == "ISA":
            found += self._unclosed(seg, ("ST", "GS", "ISA"))
            self.isa = _Open(seg)
        elif sid == "GS":
            found += self._unclosed(seg, ("ST", "GS"))
            if self.isa is None:
                found.append(Finding("OUTSIDE", "GS outside an interchange (no ISA)", *_at(seg)))
            else:
                self.isa.children += 1
            self.gs = _Open(seg)
        elif sid == "ST":
            found += self._unclosed(seg, ("ST",))
            if self.gs is None:
                found.append(Finding("OUTSIDE", "ST outside a functional group (no GS)", *_at(seg)))
            else:
                found += self._duplicate_st(seg, self.gs)
                self.gs.children += 1
            self.st = _Open(seg, children=1)
        elif sid == "SE":
            found += self._close_st(seg)
        elif sid == "GE":
            found += self._unclosed(seg, ("ST",))
            found += self._close(seg, "GS", "transaction sets")
            self.gs = None
        elif sid == "IEA":
            found += self._unclosed(seg, ("ST", "GS"))
            found += self._close(seg, "ISA", "functional groups")
            self.isa = None
        elif self.st is None and not (sid == "TA1" and self.isa is not None and self.gs is None):
            found.append(Finding("OUTSIDE", f"{sid} outside a transaction set (ST..SE)", *_at(seg)))
        return found

    def finish(self, source: str | None) -> None:
        """Raise X12Error when the file ended inside an interchange, group or transaction set."""
        for level in ("ST", "GS", "ISA"):
            opened: _Open | None = getattr(self, level.lower())
            if opened is not None and self.last is not None:
                raise X12Error(
                    f"file ends inside the {_NAMES[level]} begun at segment "
                    f"{opened.header.position} (no {_TRAILERS[level]}): truncated?",
                    source=source,
                    segment=self.last.position,
                    segment_id=self.last.id,
                )

    def _unclosed(self, seg: Segment, levels: tuple[str, ...]) -> list[Finding]:
        found = []
        for level in levels:
            opened: _Open | None = getattr(self, level.lower())
            if opened is not None:
                found.append(
                    Finding(
                        "NESTING",
                        f"{seg.id} before the {_TRAILERS[level]} of the {_NAMES[level]} begun at "
                        f"segment {opened.header.position}",
                        *_at(seg),
                    )
                )
                setattr(self, level.lower(), None)
        return found

    def _duplicate_st(self, seg: Segment, gs: _Open) -> list[Finding]:
        control = seg.get(2).lstrip("0")
        earlier = gs.st_controls.get(control)
        gs.st_controls.setdefault(control, seg.position)
        if earlier is None:
            return []
        message = f"repeats the control number of the transaction set at segment {earlier}"
        return [Finding("ST-CONTROL", message, seg.position, "ST", 2)]

    def _close_st(self, seg: Segment) -> list[Finding]:
        st = self.st
        self.st = None
        if st is None:
            return [Finding("OUTSIDE", "SE without an ST", *_at(seg))]
        found = []
        declared = seg.get(1)
        if not declared.isdigit():
            found.append(Finding("SE-COUNT", "not a number", seg.position, "SE", 1))
        elif int(declared) != st.children:
            found.append(
                Finding(
                    "SE-COUNT",
                    f"{int(declared)} segments declared; the transaction set begun at segment "
                    f"{st.header.position} has {st.children}",
                    seg.position,
                    "SE",
                    1,
                )
            )
        if not _same_control(seg.get(2), st.header.get(2)):
            found.append(
                Finding(
                    "SE-CONTROL",
                    f"differs from ST02 of the transaction set at segment {st.header.position}",
                    seg.position,
                    "SE",
                    2,
                )
            )
        return found

    def _close(self, seg: Segment, level: str, counted: str) -> list[Finding]:
        opened: _Open | None = getattr(self, level.lower())
        if opened is None:
            return [Finding("OUTSIDE", f"{seg.id} without an {level}", *_at(seg))]
        found = []
        declared = seg.get(1)
        if not declared.isdigit():
            found.append(Finding(f"{seg.id}-COUNT", "not a number", seg.position, seg.id, 1))
        elif int(declared) != opened.children:
            found.append(
                Finding(
                    f"{seg.id}-COUNT",
                    f"{int(declared)} {counted} declared; the {_NAMES[level]} begun at "
                    f"segment {opened.header.position} has {opened.children}",
                    seg.position,
                    seg.id,
                    1,
                )
            )
        control_element = 13 if level == "ISA" else 6
        if not _same_control(seg.get(2), opened.header.get(control_element)):
            found.append(
                Finding(
                    f"{seg.id}-CONTROL",
                    f"differs from {level}{control_element:02d} of the {_NAMES[level]} at "
                    f"segment {opened.header.position}",
                    seg.position,
                    seg.id,
                    2,
                )
            )
        return found


def _at(seg: Segment) -> tuple[int, str]:
    return seg.position, seg.id


def _same_control(trailer: str, header: str) -> bool:
    """Control numbers match as numbers when both are digits (0021 = 21), else as text."""
    if trailer.isdigit() and header.isdigit():
        return int(trailer) == int(header)
    return trailer.strip() == header.strip()


def source_name(data: str | bytes | Path | TextIO, name: str | None) -> str | None:
    """The file name an X12Error gives: `name`, else the path read, else none."""
    return name if name is not None else (str(data) if isinstance(data, Path) else None)


class EnvelopeWalker(Generic[_R, _T]):
    """The skeleton every X12 reader shares: ISA/GS/ST/SE/GE/IEA dispatch with the checker.

    feed() runs the EnvelopeChecker (faults raise, except codes in `tolerated`, which become
    warnings of the interchange), keeps the open ISA and GS, refuses a GS or ST the reader
    does not read (check_group, check_transaction), and calls the hooks a reader implements:
    start_group, start_transaction (which sets `st`), end_transaction (which clears it),
    end_group, body (a segment while `st` is set) and outside (any other segment, such as
    TA1). Results go in `done`; at IEA the interchange's warnings go to its results through
    warned().
    """

    tolerated: frozenset[str] = frozenset()  # Finding codes kept as warnings, not raised
    functional_id = ""  # GS01 expected; none: groups are not checked (TA1)
    group_name = ""  # what a GS01 other than functional_id is not, as "... group"
    versions: tuple[str, ...] = ()  # GS08 accepted
    version_message = ""  # GS08 fault; {found} is GS08 (or "no version"), {versions} the list
    transaction_name = ""  # what an ST01 other than transaction_id is not
    transaction_id = ""  # ST01 expected; none: transaction sets are not checked (TA1)

    def __init__(self, source: str | None, component: str) -> None:
        self.source = source
        self.component = component
        self.checker = EnvelopeChecker()
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: _T | None = None
        self.done: list[_R] = []
        self.interchange_start = 0  # index in done of the first result of the open interchange
        self.warnings: list[str] = []

    def read(self, segments: Iterable[Segment], nothing: str) -> list[_R]:
        """Feed every segment; X12Error(nothing) when the file gave no result."""
        for seg in segments:
            self.feed(seg)
        self.checker.finish(self.source)
        if not self.done:
            raise X12Error(nothing, source=self.source)
        return self.done

    def error(self, seg: Segment, message: str, element: int | None = None) -> X12Error:
        return X12Error(
            message, source=self.source, segment=seg.position, segment_id=seg.id, element=element
        )

    # -- the dispatch --------------------------------------------------------------------------

    def feed(self, seg: Segment) -> None:
        for finding in self.checker.feed(seg):
            if finding.code not in self.tolerated:
                raise finding.error(self.source)
            self.warn(f"segment {finding.segment}: {finding.text}")
        sid = seg.id
        if sid == "ISA":
            self.isa = seg
            self.interchange_start = len(self.done)
            self.warnings = []
        elif sid == "GS":
            self.start_group(self.check_group(seg), seg)
            self.gs = seg
        elif sid == "ST":
            self.check_transaction(seg)
            self.start_transaction(seg)
        elif sid == "SE":
            self.end_transaction(seg)
        elif sid == "GE":
            self.end_group(seg)
            self.gs = None
        elif sid == "IEA":
            self.end_interchange()
        elif self.st is not None:
            self.body(seg)
        else:
            self.outside(seg)  # TA1: the checker has judged where it stands

    def warn(self, warning: str) -> None:
        self.warnings.append(warning)

    def end_interchange(self) -> None:
        if self.warnings:
            warnings = tuple(self.warnings)
            for index in range(self.interchange_start, len(self.done)):
                self.done[index] = self.warned(self.done[index], warnings)
        self.isa = None
        self.warnings = []

    # -- hooks ---------------------------------------------------------------------------------

    def start_group(self, isa: Segment, gs: Segment) -> None:
        pass

    def start_transaction(self, seg: Segment) -> None:
        pass

    def end_transaction(self, se: Segment) -> None:
        pass

    def end_group(self, ge: Segment) -> None:
        pass

    def body(self, seg: Segment) -> None:
        pass

    def outside(self, seg: Segment) -> None:
        pass

    def warned(self, result: _R, warnings: tuple[str, ...]) -> _R:
        raise NotImplementedError  # only readers with tolerated codes have warnings

    # -- the envelope --------------------------------------------------------------------------

    def check_group(self, gs: Segment) -> Segment:
        """Refuse a GS of another functional identifier or version; the open ISA."""
        isa = self.isa
        assert isa is not None  # the checker refuses a GS outside an interchange
        if not self.functional_id:
            return isa
        if gs.get(1) != self.functional_id:
            raise self.error(gs, f"not a {self.group_name} ({self.functional_id} expected)", 1)
        if gs.get(8) not in self.versions:
            found = gs.get(8) or "no version"
            versions = ", ".join(self.versions)
            raise self.error(gs, self.version_message.format(found=found, versions=versions), 8)
        return isa

    def check_transaction(self, st: Segment) -> None:
        """Refuse an ST of another transaction set, or of a version other than its group's."""
        gs = self.gs
        assert gs is not None  # the checker refuses an ST outside a group
        if not self.transaction_id:
            return
        if st.get(1) != self.transaction_id:
            raise self.error(st, f"not {self.transaction_name}", 1)
        if st.get(3) and st.get(3) != gs.get(8):
            raise self.error(st, f"differs from GS08 of the group at segment {gs.position}", 3)

    def group_header(
        self, isa: Segment, gs: Segment, control: Callable[[Segment, int], int] | None = None
    ) -> tuple[str, str, str, str, str, str, int, int]:
        """ISA05-08 (IDs trimmed) and GS02-03, who sent the group and to whom, then the control
        numbers ISA13 and GS06 as read by `control` (number() unless given)."""
        read = self.number if control is None else control
        return (
            isa.get(5),
            isa.get(6).strip(),
            isa.get(7),
            isa.get(8).strip(),
            gs.get(2),
            gs.get(3),
            read(isa, 13),
            read(gs, 6),
        )

    # -- values --------------------------------------------------------------------------------

    def required(self, seg: Segment, index: int) -> str:
        value = seg.get(index)
        if not value:
            raise self.error(seg, "required", index)
        return value

    def number(self, seg: Segment, index: int, text: str | None = None) -> int:
        value = (seg.get(index) if text is None else text).strip()
        if not value:
            raise self.error(seg, "required", index)
        if not value.isdigit():
            raise self.error(seg, "not a number", index)
        return int(value)

    def day(self, seg: Segment, index: int, text: str | None = None) -> date:
        value = seg.get(index) if text is None else text
        try:
            if len(value) != 8 or not value.isdigit():
                raise ValueError
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise self.error(seg, "not a date (CCYYMMDD)", index) from None

    def period(self, seg: Segment) -> tuple[date, date | None]:
        """DTP02/DTP03 as (from, to): D8 gives no `to`, RD8 gives both."""
        qualifier, value = seg.get(2), seg.get(3)
        if qualifier == "D8":
            return self.day(seg, 3), None
        if qualifier == "RD8":
            start, sep, end = value.partition("-")
            if not sep:
                raise self.error(seg, "not a date range (CCYYMMDD-CCYYMMDD)", 3)
            return self.day(seg, 3, start), self.day(seg, 3, end)
        raise self.error(seg, "date format must be D8 or RD8", 2)

    def moment(
        self, seg: Segment, day_index: int, clock_index: int, *, drop_bad_seconds: bool = True
    ) -> datetime:
        """A CCYYMMDD date and HHMM[SS] time. Seconds are optional, and some senders fill them
        with nonsense (a public sample has GS05 102497) that says nothing we use: seconds of 60
        or more are dropped, or refused when drop_bad_seconds is false."""
        day, clock = self.day(seg, day_index), seg.get(clock_index)
        if len(clock) < 4 or not clock.isdigit():
            raise self.error(seg, "not a time (HHMM)", clock_index)
        seconds = 0
        if len(clock) >= 6 and (clock[4:6] < "60" or not drop_bad_seconds):
            seconds = int(clock[4:6])
        try:
            return datetime(day.year, day.month, day.day, int(clock[:2]), int(clock[2:4]), seconds)
        except ValueError:
            raise self.error(seg, "not a time (HHMM)", clock_index) from None
