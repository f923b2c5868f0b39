"""X12 syntax: delimiters read from the ISA, a streaming segment reader, segment writing.

The reader takes what real files look like: a UTF-8 byte-order mark, CR/LF or LF after each
segment, leading spaces, or everything on one line all read the same, and each is noted as a
warning. Memory stays flat: the input is read in chunks.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ISA_LENGTH = 106  # ISA is fixed-width: 105 characters and the segment terminator
_CHUNK = 1 << 16


class X12Error(Exception):
    """A file that cannot be read as X12; names the file, the segment position and element."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        segment: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.segment = segment
        self.segment_id = segment_id
        self.element = element
        super().__init__(self.describe())

    def describe(self) -> str:
        """The message prefixed with its place: file, segment position and ID, element."""
        place = []
        if self.source:
            place.append(self.source)
        if self.segment is not None:
            place.append(
                f"segment {self.segment}" + (f" ({self.segment_id})" if self.segment_id else "")
            )
        if self.element is not None:
            place.append(f"element {self.segment_id or ''}{self.element:02d}")
        return f"{', '.join(place)}: {self.message}" if place else self.message


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of an interchange."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"  # "" when the interchange declares none (4010, or a sloppy 5010)
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = [self.element, self.component]
        if self.repetition:
            chars.append(self.repetition)
        if any(len(c) != 1 or c.isalnum() or c.isspace() for c in chars):
            raise ValueError("delimiters: each must be one character, not a letter, digit or space")
        # A line break is a legitimate segment terminator; a space or a letter is not.
        if len(self.segment) != 1 or self.segment.isalnum() or self.segment == " ":
            raise ValueError("delimiters: the segment terminator must be one character")
        chars.append(self.segment)
        if len(set(chars)) != len(chars):
            raise ValueError("delimiters: the separators must differ")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment as read: its 1-based position in the file and its elements.

    elements[0] is the segment ID, so elements[1] is the first data element (as in "CLM01").
    """

    position: int
    elements: tuple[str, ...]

    @property
    def id(self) -> str:
        """The segment ID, such as "CLM"."""
        return self.elements[0]

    def get(self, index: int) -> str:
        """Element index (1-based), or "" when the segment is shorter."""
        return self.elements[index] if index < len(self.elements) else ""


@dataclass(slots=True)
class SegmentReader:
    """Iterates the segments of one X12 file (several interchanges allowed)."""

    source: TextIO
    name: str = "<input>"
    delimiters: Delimiters = field(init=False)
    warnings: list[str] = field(default_factory=list)
    _first: str = field(init=False, default="")

    def __post_init__(self) -> None:
        head = self._read(ISA_LENGTH + 256)
        if head.startswith("\ufeff"):
            head = head[1:]
            self.warnings.append("file starts with a UTF-8 byte-order mark")
        stripped = head.lstrip()
        if len(stripped) != len(head):
            self.warnings.append("whitespace before the ISA segment")
        while len(stripped) < ISA_LENGTH:
            more = self._read(_CHUNK)
            if not more:
                break
            stripped += more
        self.delimiters = parse_isa_delimiters(stripped, source=self.name)
        if self.delimiters.repetition == "" and stripped[84:89] >= "00501":
            self.warnings.append("ISA11 declares no usable repetition separator")
        self._first = stripped

    def _read(self, size: int) -> str:
        try:
            return self.source.read(size)
        except UnicodeDecodeError as exc:
            raise X12Error(f"not UTF-8 text ({exc.reason})", source=self.name) from exc

    def __iter__(self) -> Iterator[Segment]:
        d = self.delimiters
        terminator = d.segment
        buffer = self._first
        position = 0
        line_breaks = leading_space = False
        while True:
            *complete, buffer = buffer.split(terminator)
            for raw in complete:
                text = raw.strip("\r\n")
                if text != raw:
                    line_breaks = True
                if text[:1].isspace():
                    leading_space = True
                    text = text.lstrip()
                if not text:
                    continue
                position += 1
                elements = tuple(text.split(d.element))
                if not elements[0].isalnum() or len(elements[0]) > 3:
                    raise X12Error(
                        "not a segment (bad segment ID)", source=self.name, segment=position
                    )
                if elements[0] == "ISA" and position > 1:
                    _check_same_delimiters(raw.lstrip() + terminator, d, self.name, position)
                yield Segment(position, elements)
            chunk = self._read(_CHUNK)
            if not chunk:
                break
            buffer += chunk
        if buffer.strip():
            raise X12Error(
                "file ends inside a segment (no segment terminator): truncated?",
                source=self.name,
                segment=position + 1,
            )
        if position == 0:
            raise X12Error("no segments", source=self.name)
        if line_breaks:
            self.warnings.append("line breaks between segments")
        if leading_space:
            self.warnings.append("spaces before segments")


def parse_isa_delimiters(text: str, *, source: str = "<input>") -> Delimiters:
    """The delimiters an interchange declares in its fixed-width ISA segment."""
    if not text.startswith("ISA"):
        raise X12Error("does not start with an ISA segment", source=source, segment=1)
    if len(text) < ISA_LENGTH:
        raise X12Error("ISA segment is shorter than 106 characters", source=source, segment=1)
    element = text[3]
    parts = text[:ISA_LENGTH].split(element)
    if len(parts) != 17:
        raise X12Error(
            f"ISA has {len(parts) - 1} elements, expected 16 of fixed width",
            source=source,
            segment=1,
            segment_id="ISA",
        )
    component, terminator = text[104], text[105]
    # ISA11 is the repetition separator from 5010 on (a standards ID, "U", before it).
    repetition = parts[11] if parts[12] >= "00501" else ""
    if len(repetition) != 1 or repetition.isalnum() or repetition.isspace():
        repetition = ""
    if repetition in (element, component, terminator):
        repetition = ""
    try:
        return Delimiters(element, component, repetition, terminator)
    except ValueError as exc:
        raise X12Error(str(exc), source=source, segment=1, segment_id="ISA") from exc


def _check_same_delimiters(text: str, d: Delimiters, source: str, position: int) -> None:
    if parse_isa_delimiters(text, source=source) != d:
        raise X12Error(
            "interchange declares other delimiters than the first one",
            source=source,
            segment=position,
            segment_id="ISA",
        )


def read_segments(data: str | bytes | Path | TextIO, *, name: str | None = None) -> SegmentReader:
    """A segment reader over text, bytes, a path or an open text stream."""
    if isinstance(data, Path):
        return SegmentReader(data.open(encoding="utf-8", newline=""), name or str(data))
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise X12Error(f"not UTF-8 text ({exc.reason})", source=name) from exc
    if isinstance(data, str):
        return SegmentReader(io.StringIO(data), name or "<input>")
    return SegmentReader(data, name or str(getattr(data, "name", "<input>")))


Element = str | Sequence[str] | None


def format_segment(elements: Sequence[Element], d: Delimiters) -> str:
    """One segment as text: None and empty trailing elements (and components) are dropped.

    Values must not contain the delimiters (writers clean free text first), which is what
    lets trailing empties be trimmed with one rstrip.
    """
    sep, comp = d.element, d.component
    parts = [
        value
        if value.__class__ is str
        else ""
        if value is None
        else comp.join(["" if v is None else v for v in value]).rstrip(comp)
        for value in elements
    ]
    return sep.join(parts).rstrip(sep) + d.segment
