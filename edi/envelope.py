"""Envelope structure of any X12 file: ISA/GS/ST nesting, trailer counts, control numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from edi.x12 import Segment, X12Error

_TRAILERS = {"ISA": "IEA", "GS": "GE", "ST": "SE"}
_NAMES = {"ISA": "interchange", "GS": "functional group", "ST": "transaction set"}


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
