"""Compact dated code tables: validity ranges and descriptions, their bytes, and CSV import.

Every imported or shipped table that maps a code to the dates it may be used (HCPCS, CPT,
place of service, CARC/RARC descriptions, NUBC tables) is a ``DatedCodeTable``. Its bytes
(``to_bytes``) are what the caller stores in a database row and loads once per process.

Stored layout (shared by every table in coding/, see ``pack`` / ``unpack``): the ASCII
line ``CODESET <kind> <layout version>``, a newline, then zlib-compressed bytes: a JSON header
(with the size of each section), a newline, and the sections one after the other. Sets of
codes are stored as sorted base-36 values, delta-coded (``pack_codes``), which loads a set of
75,000 ICD-10-CM codes in a few milliseconds.

CSV import (``parse_code_csv``), for the tables users supply: comma-separated, one code a
row: ``code, description[, start date[, end date]]``. Dates are YYYY-MM-DD, YYYYMMDD or
MM/DD/YYYY; a blank date is open. A first row whose first cell is a column title ("code",
"CPT code", ...) is skipped. Any wrong row refuses the whole file (``CodeFileError``).
"""

from __future__ import annotations

import csv
import enum
import io
import json
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from coding.errors import CodeFileError, TableFormatError

# Ordinals standing for "no lower bound" and "no upper bound" (date.max is 3652059).
OPEN_START = 0
OPEN_END = 9_999_999


class Validity(enum.Enum):
    """Whether a code may be used on a date."""

    VALID = "valid"
    NOT_IN_EFFECT = "not_in_effect"  # the table knows the code, but not on that date
    UNKNOWN = "unknown"  # the table does not know the code at all


def pack(kind: str, version: int, header: Mapping[str, object], sections: Sequence[bytes]) -> bytes:
    """The stored form of a table: a kind line, then a compressed header and byte sections."""
    meta = dict(header)
    meta["sizes"] = [len(s) for s in sections]
    body = json.dumps(meta, separators=(",", ":")).encode() + b"\n" + b"".join(sections)
    return f"CODESET {kind} {version}\n".encode("ascii") + zlib.compress(body, 6)


def unpack(data: bytes, kind: str, version: int) -> tuple[dict[str, object], list[bytes]]:
    """The header and sections of stored table bytes, checked to be of this kind and version."""
    first, newline, rest = bytes(data).partition(b"\n")
    expected = f"CODESET {kind} {version}".encode("ascii")
    if not newline or first != expected:
        found = first[:40].decode("ascii", "replace")
        raise TableFormatError(
            f"expected a stored {kind!r} table (layout {version}), got {found!r}"
        )
    try:
        body = zlib.decompress(rest)
        head, _, tail = body.partition(b"\n")
        header = json.loads(head)
        sizes = header.pop("sizes")
    except (zlib.error, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise TableFormatError(f"stored {kind!r} table is damaged: {exc}") from exc
    if not isinstance(sizes, list) or sum(sizes) != len(tail):
        raise TableFormatError(f"stored {kind!r} table is truncated")
    sections, offset = [], 0
    for size in sizes:
        sections.append(tail[offset : offset + size])
        offset += size
    return header, sections


def pack_codes(codes: Iterable[str]) -> bytes:
    """A set of short alphanumeric codes as a section: sorted base-36 values, delta-coded."""
    return pack_values(int(code, 36) for code in codes)


def pack_values(values: Iterable[int]) -> bytes:
    """A set of non-negative integers as a section: sorted, delta-coded 64-bit values."""
    ordered = sorted(set(values))
    deltas = array("q", (b - a for a, b in zip([0, *ordered], ordered, strict=False)))
    if sys.byteorder != "little":
        deltas.byteswap()
    return deltas.tobytes()


def unpack_codes(section: bytes) -> frozenset[int]:
    """The base-36 values of a section made by pack_codes (look codes up as int(code, 36))."""
    deltas = array("q")
    deltas.frombytes(section)
    if sys.byteorder != "little":
        deltas.byteswap()
    return frozenset(list(accumulate(deltas)))  # a sized list builds the set without resizing


def decode_text(data: bytes | str) -> str:
    """The text of a code file: UTF-8 (with or without BOM), else Windows-1252 as CMS uses."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_date(text: str) -> date | None:
    """A date written YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY; None when blank; ValueError else."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 8 and text.isascii() and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        month, day, year = text.split("/")
        if month.isdigit() and day.isdigit() and year.isdigit():
            return date(int(year), int(month), int(day))
    raise ValueError(f"not a date: expected YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY, got {text!r}")


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code with the dates it may be used (None: open) and a short description."""

    code: str
    description: str = ""
    start: date | None = None
    end: date | None = None


class DatedCodeTable:
    """An immutable table of codes, each with one or more validity ranges and a description.

    Ranges are day ordinals (``date.toordinal``); most codes have one range, kept in
    ``_spans``; the rare code with several (deleted, then added again) has the others in
    ``_more``. Descriptions are read from the stored text only when first asked for.
    """

    __slots__ = ("_codes", "_descriptions", "_more", "_spans", "_texts", "kind")

    def __init__(self, kind: str, entries: Iterable[CodeEntry]) -> None:
        rows: list[tuple[str, int, int, str]] = []
        for entry in entries:
            start = entry.start.toordinal() if entry.start else OPEN_START
            end = entry.end.toordinal() if entry.end else OPEN_END
            if end < start:
                raise ValueError(f"{kind} code {entry.code}: end date before start date")
            text = " ".join(entry.description.split())  # one line of single spaces
            rows.append((entry.code, start, end, text))
        rows.sort()
        descriptions: dict[str, str] = {}
        for code, _, _, text in rows:
            if text or code not in descriptions:
                descriptions[code] = text
        self._build(
            kind,
            [row[0] for row in rows],
            [row[1] for row in rows],
            [row[2] for row in rows],
            [descriptions[row[0]] for row in rows],
        )

    def _build(
        self,
        kind: str,
        codes: list[str],
        starts: Sequence[int],
        ends: Sequence[int],
        texts: list[str] | None,
    ) -> None:
        self.kind = kind
        self._codes = codes  # one per range, sorted by code then start
        spans = dict(zip(codes, zip(starts, ends, strict=True), strict=True))
        more: dict[str, tuple[tuple[int, int], ...]] = {}
        if len(spans) != len(codes):  # some code has several ranges
            grouped: dict[str, list[tuple[int, int]]] = {}
            for code, start, end in zip(codes, starts, ends, strict=True):
                grouped.setdefault(code, []).append((start, end))
            for code, found in grouped.items():
                if len(found) > 1:
                    spans[code] = found[0]
                    more[code] = tuple(found[1:])
        self._spans = spans
        self._more = more
        self._texts = texts
        self._descriptions: dict[str, str] | None = None

    def validity_on(self, code: str, ordinal: int) -> Validity:
        """Whether code may be used on the date with this proleptic ordinal (date.toordinal)."""
        span = self._spans.get(code)
        if span is None:
            return Validity.UNKNOWN
        if span[0] <= ordinal <= span[1]:
            return Validity.VALID
        for start, end in self._more.get(code, ()):
            if start <= ordinal <= end:
                return Validity.VALID
        return Validity.NOT_IN_EFFECT

    def validity(self, code: str, on: date) -> Validity:
        """Whether code may be used on that date."""
        return self.validity_on(code, on.toordinal())

    def description(self, code: str) -> str | None:
        """The code's short description, None when the table does not know it."""
        if self._descriptions is None:
            texts = self._texts or [""] * len(self._codes)
            self._descriptions = dict(zip(self._codes, texts, strict=True))
        return self._descriptions.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._spans

    def __len__(self) -> int:
        return len(self._spans)

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def entries(self) -> Iterator[CodeEntry]:
        """Every (code, range) as an entry, in code order."""
        for code in sorted(self._spans):
            text = self.description(code) or ""
            for start, end in (self._spans[code], *self._more.get(code, ())):
                yield CodeEntry(
                    code,
                    text,
                    None if start == OPEN_START else date.fromordinal(start),
                    None if end == OPEN_END else date.fromordinal(end),
                )

    _LAYOUT = 1

    def to_bytes(self) -> bytes:
        """The compact stored form (see the module docstring)."""
        starts: list[int] = []
        ends: list[int] = []
        codes: list[str] = []
        for code in sorted(self._spans):
            for start, end in (self._spans[code], *self._more.get(code, ())):
                codes.append(code)
                starts.append(start)
                ends.append(end)
        texts = [self.description(code) or "" for code in codes]
        sections = [
            "\n".join(codes).encode(),
            _int_bytes(starts),
            _int_bytes(ends),
            "\n".join(texts).encode(),
        ]
        return pack(f"dated:{self.kind}", self._LAYOUT, {"rows": len(codes)}, sections)

    @classmethod
    def from_bytes(cls, kind: str, data: bytes) -> DatedCodeTable:
        """A table from its stored form; TableFormatError when it is not a `kind` table."""
        header, sections = unpack(data, f"dated:{kind}", cls._LAYOUT)
        if len(sections) != 4:
            raise TableFormatError(f"stored {kind!r} table: expected 4 sections")
        raw_codes, raw_starts, raw_ends, raw_texts = sections
        rows = header.get("rows")
        codes = raw_codes.decode().split("\n") if rows else []
        starts, ends = _ints(raw_starts), _ints(raw_ends)
        texts = raw_texts.decode().split("\n") if rows else []
        if not (len(codes) == len(starts) == len(ends) == len(texts) == rows):
            raise TableFormatError(f"stored {kind!r} table: sections disagree on the row count")
        table = cls.__new__(cls)
        table._build(kind, codes, starts, ends, texts)
        return table

    def __repr__(self) -> str:
        return f"DatedCodeTable({self.kind!r}, {len(self)} codes)"


def _int_bytes(values: Sequence[int]) -> bytes:
    numbers = array("i", values)
    if sys.byteorder != "little":
        numbers.byteswap()
    return numbers.tobytes()


def _ints(data: bytes) -> array[int]:
    numbers = array("i")
    numbers.frombytes(data)
    if sys.byteorder != "little":
        numbers.byteswap()
    return numbers


# First cells that mark a title row rather than data.
_TITLES = frozenset(
    {
        "code", "codes", "cpt", "cpt code", "hcpcs", "hcpcs code", "carc", "rarc", "pos",
        "place of service", "reason code", "remark code", "revenue code", "value", "status",
    }
)  # fmt: skip

_FIELDS = ("code", "description", "start date", "end date")


def parse_code_csv(
    data: bytes | str,
    *,
    kind: str,
    file: str,
    check_code: Callable[[str], bool],
    code_rule: str,
    normalize: Callable[[str], str] = str.upper,
) -> DatedCodeTable:
    """A table from a CSV of code, description[, start date[, end date]]; all or nothing."""
    text = decode_text(data)
    entries: list[CodeEntry] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first = True
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if first:
                first = False
                if row[0].strip().lower().replace("_", " ") in _TITLES:
                    continue
            entries.append(_csv_entry(row, line, file, check_code, code_rule, normalize))
    except csv.Error as exc:
        raise CodeFileError(file, reader.line_num, None, f"not readable as CSV: {exc}") from exc
    if not entries:
        raise CodeFileError(file, None, None, f"no {kind} codes in the file")
    return DatedCodeTable(kind, entries)


def _csv_entry(
    row: list[str],
    line: int,
    file: str,
    check_code: Callable[[str], bool],
    code_rule: str,
    normalize: Callable[[str], str],
) -> CodeEntry:
    if len(row) < 2 or len(row) > 4:
        raise CodeFileError(
            file, line, None, f"expected 2 to 4 fields ({', '.join(_FIELDS)}), got {len(row)}"
        )
    code = normalize(row[0].strip())
    if not check_code(code):
        raise CodeFileError(file, line, 1, f"code {code!r} is not {code_rule}")
    dates: list[date | None] = []
    for index in (2, 3):
        try:
            dates.append(parse_date(row[index]) if index < len(row) else None)
        except ValueError as exc:
            raise CodeFileError(file, line, index + 1, f"{_FIELDS[index]}: {exc}") from exc
    start, end = dates
    if start and end and end < start:
        raise CodeFileError(file, line, 4, "end date is before the start date")
    return CodeEntry(code, row[1].strip(), start, end)
