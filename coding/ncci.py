"""NCCI edits: CMS PTP and MUE file importers, their compact tables and the PTP and MUE edits."""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any, Literal, NamedTuple, Protocol

from coding.errors import CodeFileError, TableFormatError

# ---------------------------------------------------------------------------------------------
# Shared pieces: row errors, text decoding, codes, dates, table bytes
# ---------------------------------------------------------------------------------------------


class _FieldError(Exception):
    """A bad field inside a row; the row loop adds the file and the line."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(column, message)
        self.column = column
        self.message = message


# Dates are stored as days since 1970-01-01 in unsigned 16-bit slots, 0 meaning "none": NCCI
# dates start in 1996, and 65535 days reach 2149-06-06.
_EPOCH = date(1970, 1, 1).toordinal()
_FIRST_DAY = 1
_LAST_DAY = 0xFFFF

# HCPCS Level I (CPT, Category II/III, PLA) and Level II codes are five letters or digits.
_CODE = re.compile(r"[0-9A-Z]{5}")
_YYYYMMDD = re.compile(r"[0-9]{8}")

# The layout version of the bytes to_bytes writes (both tables).
_FORMAT_VERSION = 1

# How far into a file a header row is looked for; CMS's preambles are a handful of lines.
_HEADER_SEARCH_LINES = 50


def _decode(data: str | bytes, file: str) -> str:
    """The file's text: UTF-8 (a BOM allowed) or, failing that, Windows-1252 as CMS writes."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise CodeFileError(
            file, line, column, f"byte 0x{data[exc.start]:02X} is neither UTF-8 nor Windows-1252"
        ) from None


def _read(path: str | os.PathLike[str]) -> tuple[bytes, str]:
    """The bytes of a file and the name its errors give."""
    with open(path, "rb") as handle:
        return handle.read(), os.fspath(path)


def _day(value: date) -> int:
    """Days since 1970-01-01."""
    return value.toordinal() - _EPOCH


def _date(day: int) -> date:
    """The date of a day number (days since 1970-01-01)."""
    return date.fromordinal(day + _EPOCH)


def _check_day(value: date, what: str) -> int:
    """The day number of a date that fits the tables' range, or ValueError."""
    day = _day(value)
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise ValueError(f"{what} {value.isoformat()} is outside 1970-01-02..2149-06-06")
    return day


class _Days:
    """YYYYMMDD text to day numbers, remembered: a file repeats a few hundred dates."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def parse(self, text: str, column: int, what: str) -> int:
        """The day number of a YYYYMMDD field, or _FieldError naming the column."""
        day = self._seen.get(text)
        if day is not None:
            return day
        if not _YYYYMMDD.fullmatch(text):
            raise _FieldError(column, f"{what}: expected a date as YYYYMMDD")
        try:
            value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise _FieldError(column, f"{what}: {text} is not a calendar date") from None
        try:
            day = _check_day(value, what)
        except ValueError as exc:
            raise _FieldError(column, str(exc)) from None
        self._seen[text] = day
        return day


def _code(text: str, column: int, what: str) -> str:
    """A five-character HCPCS/CPT code, or _FieldError naming the column."""
    if _CODE.fullmatch(text):
        return text
    if not text:
        raise _FieldError(column, f"{what}: empty")
    shown = text if len(text) <= 12 else text[:12] + "..."
    raise _FieldError(
        column, f"{what}: {shown!r} is not 5 upper-case letters or digits (HCPCS/CPT code)"
    )


def _clean(field: str) -> str:
    """A field without surrounding spaces or one pair of surrounding double quotes."""
    field = field.strip()
    if len(field) >= 2 and field[0] == '"' and field[-1] == '"':
        field = field[1:-1].replace('""', '"').strip()
    return field


def _squash(field: str) -> str:
    """A header cell compared loosely: no quotes, no spaces, lower case."""
    return "".join(_clean(field).split()).lower()


def _blank_tail(fields: Sequence[str], first: int) -> None:
    """Refuse non-empty fields past the layout's last column."""
    for index in range(first, len(fields)):
        if fields[index].strip():
            raise _FieldError(index + 1, f"unexpected field after the last column ({first})")


class _Rationales:
    """Distinct rationale texts, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[str, int] = {}

    def number(self, text: str) -> int:
        """The number of a rationale text (spacing normalised), adding it when new."""
        number = self._index.get(text)
        if number is None:
            # One line of single spaces: the table stores the texts one per line.
            plain = " ".join(text.split())
            number = self._index.get(plain)
            if number is None:
                if len(self.texts) > 0xFFFF:
                    raise ValueError("more than 65,536 distinct rationale texts")
                number = self._index[plain] = len(self.texts)
                self.texts.append(plain)
            self._index[text] = number
        return number


def _le(values: array[int]) -> bytes:
    """An array's bytes in little-endian order, whatever the machine's."""
    if sys.byteorder == "little" or values.itemsize == 1:
        return values.tobytes()
    copy = array(values.typecode, values)
    copy.byteswap()
    return copy.tobytes()


def _from_le(typecode: str, data: memoryview) -> array[int]:
    """An array read from little-endian bytes."""
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder != "little" and values.itemsize > 1:
        values.byteswap()
    return values


class _Cursor:
    """Reads consecutive sections of a table's bytes, refusing a short or long blob."""

    def __init__(self, data: bytes | bytearray | memoryview, what: str, expected: int) -> None:
        self.view = memoryview(data).cast("B")
        self.offset = 0
        if len(self.view) != expected:
            raise TableFormatError(
                f"{what}: {len(self.view)} bytes where the header announces {expected}: "
                "not written by to_bytes, or cut short"
            )

    def take(self, size: int) -> memoryview:
        """The next size bytes."""
        start, self.offset = self.offset, self.offset + size
        return self.view[start : self.offset]


def _header(
    data: bytes | bytearray | memoryview, layout: struct.Struct, magic: bytes
) -> tuple[Any, ...]:
    """The unpacked header of a table blob, checked for its magic and format version."""
    view = memoryview(data).cast("B")
    if len(view) < layout.size or bytes(view[:4]) != magic:
        raise TableFormatError(f"not an NCCI table (expected {magic.decode()} magic)")
    fields = layout.unpack_from(view)
    if fields[1] != _FORMAT_VERSION:
        raise TableFormatError(f"{magic.decode()} table format version {fields[1]}, expected 1")
    return fields


# ---------------------------------------------------------------------------------------------
# PTP (procedure-to-procedure) edits
# ---------------------------------------------------------------------------------------------

# NCCI Policy Manual for Medicare Services, chapter I, section E ("Modifiers and modifier
# indicators"), also echoed by findacode.com/tools/ncci-edit-modifiers.php: the modifiers that
# may bypass a PTP edit whose modifier indicator is 1, when the clinical circumstances justify
# them. Anatomic: E1-E4, FA, F1-F9, TA, T1-T9, LT, RT, LC, LD, RC, LM, RI; global surgery: 24,
# 25, 57, 58, 78, 79; other: 27, 59, 91, XE, XS, XP, XU.
NCCI_BYPASS_MODIFIERS: frozenset[str] = frozenset(
    [f"E{n}" for n in range(1, 5)]
    + ["FA", *(f"F{n}" for n in range(1, 10)), "TA", *(f"T{n}" for n in range(1, 10))]
    + ["LT", "RT", "LC", "LD", "RC", "LM", "RI"]
    + ["24", "25", "57", "58", "78", "79"]
    + ["27", "59", "91", "XE", "XS", "XP", "XU"]
)

PTP_NOT_ALLOWED = 0  # modifier indicator 0: no modifier bypasses the pair
PTP_ALLOWED = 1  # 1: an NCCI-associated modifier bypasses it
PTP_NOT_APPLICABLE = 9  # 9: the edit does not apply (deleted retroactively)
_INDICATORS = {"0": PTP_NOT_ALLOWED, "1": PTP_ALLOWED, "9": PTP_NOT_APPLICABLE}


class PtpEdit(NamedTuple):
    """One row of a PTP file: column 2 is denied when billed with column 1, in its dates."""

    column1: str
    column2: str
    effective: date
    deleted: date | None  # the first date of service it no longer applies to; None: in force
    modifier_indicator: int  # 0, 1 or 9
    rationale: str = ""

    def in_effect(self, on: date) -> bool:
        """True when the edit applies to a date of service."""
        return self.effective <= on and (self.deleted is None or on < self.deleted)


# PTP table bytes: header, then the arrays in this order, each little-endian:
#   keys (u32, or i64 when the table has more than 65,535 distinct codes), effective days
#   (u16), deletion days (u16, 0 = none), modifier indicators (u8), rationale numbers (u16),
#   the distinct codes (5 ASCII bytes each, sorted), per code the start and end (u32 each)
#   of its rows as column 1, and the rationale texts (UTF-8, one per line).
_PTP_MAGIC = b"NPTP"
_PTP_HEADER = struct.Struct("<4sHBxIII")  # magic, version, key size, pairs, codes, text bytes


class PtpTable:
    """NCCI PTP edits of one setting, compact: sorted integer pair keys and parallel arrays."""

    __slots__ = (
        "_codes", "_deleted", "_effective", "_index", "_indicator", "_keys", "_names",
        "_rationale", "_rationales", "_spans",
    )  # fmt: skip

    def __init__(
        self,
        *,
        names: list[str],
        keys: array[int],
        effective: array[int],
        deleted: array[int],
        indicator: array[int],
        rationale: array[int],
        spans: array[int],
        rationales: list[str],
    ) -> None:
        # Key of a pair: index(column 1) * len(names) + index(column 2), names sorted, so the
        # keys sort by column 1 then column 2 and each column-1 code owns one slice of rows.
        self._names = names
        self._keys = keys
        self._effective = effective
        self._deleted = deleted
        self._indicator = indicator
        self._rationale = rationale
        self._spans = spans  # start, end of each code's rows as column 1 (interleaved)
        self._rationales = rationales
        # code -> (its index, start, end of its column-1 rows): the one lookup per claim line.
        self._index: dict[str, tuple[int, int, int]] = dict(
            zip(names, zip(range(len(names)), spans[0::2], spans[1::2], strict=True), strict=True)
        )
        self._codes = len(names)

    # -- building --------------------------------------------------------------------------

    @classmethod
    def from_edits(cls, edits: Iterable[PtpEdit]) -> PtpTable:
        """A table of the given edits (any order; a pair may repeat with other dates)."""
        builder = _PtpBuilder()
        for edit in edits:
            try:
                _code(edit.column1, 1, "column 1")
                _code(edit.column2, 2, "column 2")
            except _FieldError as exc:
                raise ValueError(f"PTP edit {edit!r}: {exc.message}") from None
            if edit.modifier_indicator not in (0, 1, 9):
                raise ValueError(f"PTP edit {edit!r}: modifier indicator must be 0, 1 or 9")
            effective = _check_day(edit.effective, "effective date")
            deleted = 0 if edit.deleted is None else _check_day(edit.deleted, "deletion date")
            builder.add(
                edit.column1,
                edit.column2,
                effective,
                deleted,
                edit.modifier_indicator,
                builder.rationales.number(edit.rationale),
            )
        return builder.build()

    def to_bytes(self) -> bytes:
        """The table as bytes for from_bytes: a small header, then the raw arrays."""
        texts = "\n".join(self._rationales).encode("utf-8")
        header = _PTP_HEADER.pack(
            _PTP_MAGIC, _FORMAT_VERSION, self._keys.itemsize, len(self._keys), self._codes,
            len(texts),
        )  # fmt: skip
        parts = [header]
        for values in (self._keys, self._effective, self._deleted, self._indicator):
            parts.append(_le(values))
        parts.append(_le(self._rationale))
        parts.append("".join(self._names).encode("ascii"))
        parts.append(_le(self._spans))
        parts.append(texts)
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> PtpTable:
        """The table that to_bytes wrote; TableFormatError for anything else."""
        _, _, key_size, pairs, codes, text_size = _header(data, _PTP_HEADER, _PTP_MAGIC)
        if key_size not in (4, 8):
            raise TableFormatError(f"PTP table key size {key_size}, expected 4 or 8")
        per_pair = key_size + 2 + 2 + 1 + 2
        expected = _PTP_HEADER.size + pairs * per_pair + codes * (5 + 8) + text_size
        cursor = _Cursor(data, "PTP table", expected)
        cursor.take(_PTP_HEADER.size)
        keys = _from_le("I" if key_size == 4 else "q", cursor.take(pairs * key_size))
        effective = _from_le("H", cursor.take(pairs * 2))
        deleted = _from_le("H", cursor.take(pairs * 2))
        indicator = _from_le("B", cursor.take(pairs))
        rationale = _from_le("H", cursor.take(pairs * 2))
        block = bytes(cursor.take(codes * 5)).decode("ascii")
        names = [block[start : start + 5] for start in range(0, len(block), 5)]
        spans = _from_le("I", cursor.take(codes * 8))
        texts = bytes(cursor.take(text_size)).decode("utf-8")
        return cls(
            names=names,
            keys=keys,
            effective=effective,
            deleted=deleted,
            indicator=indicator,
            rationale=rationale,
            spans=spans,
            rationales=texts.split("\n") if text_size else [""],
        )

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def _edit(self, row: int) -> PtpEdit:
        """The edit stored in a row."""
        first, second = divmod(self._keys[row], self._codes)
        deleted = self._deleted[row]
        return PtpEdit(
            self._names[first],
            self._names[second],
            _date(self._effective[row]),
            _date(deleted) if deleted else None,
            self._indicator[row],
            self._rationales[self._rationale[row]],
        )

    def column1_edits(self, column1: str) -> list[PtpEdit]:
        """Every edit whose column 1 is this code (deleted ones too), by column 2."""
        entry = self._index.get(column1)
        if entry is None:
            return []
        return [self._edit(row) for row in range(entry[1], entry[2])]

    def find(self, column1: str, column2: str, on: date | None = None) -> list[PtpEdit]:
        """The edits of one ordered pair; only those in effect on a date when one is given."""
        rows = self._rows(column1, column2)
        edits = [self._edit(row) for row in rows]
        return edits if on is None else [edit for edit in edits if edit.in_effect(on)]

    def _rows(self, column1: str, column2: str) -> range:
        """The rows of one ordered pair (empty when the table has none)."""
        first = self._index.get(column1)
        second = self._index.get(column2)
        if first is None or second is None:
            return range(0)
        _, start, end = first
        key = first[0] * self._codes + second[0]
        low = bisect_left(self._keys, key, start, end)
        high = low
        while high < end and self._keys[high] == key:
            high += 1
        return range(low, high)


class _PtpBuilder:
    """Collects PTP rows (from one or several files) and sorts them into a PtpTable."""

    def __init__(self) -> None:
        self.column1: list[str] = []
        self.column2: list[str] = []
        self.effective: list[int] = []
        self.deleted: list[int] = []
        self.indicator: list[int] = []
        self.rationale: list[int] = []
        self.rationales = _Rationales()

    def add(
        self, column1: str, column2: str, effective: int, deleted: int, indicator: int, why: int
    ) -> None:
        """One edit row, dates as day numbers (deleted 0 = none)."""
        self.column1.append(column1)
        self.column2.append(column2)
        self.effective.append(effective)
        self.deleted.append(deleted)
        self.indicator.append(indicator)
        self.rationale.append(why)

    def build(self) -> PtpTable:
        """The sorted, compact table."""
        names = sorted(set(self.column1).union(self.column2))
        count = len(names)
        number = {name: index for index, name in enumerate(names)}
        keys = [
            number[a] * count + number[b] for a, b in zip(self.column1, self.column2, strict=True)
        ]
        order: Sequence[int] = range(len(keys))
        if any(a > b for a, b in pairwise(keys)):
            order = sorted(order, key=keys.__getitem__)  # stable: repeated pairs keep file order

        def pick(typecode: str, values: list[int]) -> array[int]:
            if isinstance(order, range):
                return array(typecode, values)
            return array(typecode, map(values.__getitem__, order))

        key_type = "I" if count <= 0xFFFF else "q"
        sorted_keys = pick(key_type, keys)
        spans = array("I", bytes(8 * count))
        row = 0
        total = len(sorted_keys)
        while row < total:  # one pass over the column-1 runs
            first = sorted_keys[row] // count
            end = bisect_left(sorted_keys, (first + 1) * count, row)
            spans[2 * first] = row
            spans[2 * first + 1] = end
            row = end
        return PtpTable(
            names=names,
            keys=sorted_keys,
            effective=pick("H", self.effective),
            deleted=pick("H", self.deleted),
            indicator=pick("B", self.indicator),
            rationale=pick("H", self.rationale),
            spans=spans,
            rationales=self.rationales.texts or [""],
        )


# Accepted PTP layout (CMS's practitioner "ccipra-*" and hospital outpatient "ccioph-*" .txt
# files, or the .xlsx saved as "Text (Tab delimited)"):
# - UTF-8 text (a BOM allowed) or Windows-1252; LF or CRLF line ends; fields split by tabs.
# - Header: within the first 50 lines, a row whose first two fields read "Column 1" and
#   "Column 2" (case, spaces and quotes ignored). It and every line before it (CMS's copyright
#   preamble) are skipped, and so are the lines right after it whose first two fields are
#   empty (CMS's legend: "*=no data", "0=not allowed", ...). Without such a header row every
#   line is a data row.
# - Blank lines are skipped anywhere. Every other line is a data row of 6 or 7 fields: column 1
#   code, column 2 code (5 letters or digits, upper case), "in existence prior to 1996" ("*" or
#   empty; checked, not kept), effective date (YYYYMMDD), deletion date (YYYYMMDD, or "*" for
#   none), modifier indicator (0, 1 or 9), rationale (optional text). Further fields must be
#   empty. Dates must lie in 1970-01-02..2149-06-06.
# - A pair may appear more than once (an edit deleted and added again); each row keeps its own
#   dates. A deletion date on or before the effective date means the row never applied: CMS
#   writes retroactive deletions that way.
# - Errors name the file, the line (1-based) and the column: the 1-based field number (for a
#   byte that is not text, the byte's position in the line).


def _is_ptp_header(fields: Sequence[str]) -> bool:
    """True for CMS's header row: Column 1, Column 2, ..."""
    return len(fields) >= 2 and _squash(fields[0]) == "column1" and _squash(fields[1]) == "column2"


def _header_line(lines: Sequence[Sequence[str]], is_header: Callable[[Sequence[str]], bool]) -> int:
    """The index of the header row among the first lines, or -1 when there is none."""
    for index in range(min(len(lines), _HEADER_SEARCH_LINES)):
        if is_header(lines[index]):
            return index
    return -1


def _add_ptp_text(builder: _PtpBuilder, text: str, file: str) -> None:
    """Parse one PTP file's text into the builder; CodeFileError on the first bad row."""
    lines = text.split("\n")
    head = [line.split("\t", 2) for line in lines[:_HEADER_SEARCH_LINES]]
    start = _header_line(head, _is_ptp_header) + 1
    if start:
        while start < len(lines):  # CMS's legend lines under the header
            legend = lines[start].split("\t", 2)
            if legend[0].strip() or (len(legend) > 1 and legend[1].strip()):
                break
            start += 1
    days = _Days()
    known: dict[str, str] = {}  # codes seen, checked once and shared between rows
    number = builder.rationales.number
    add = builder.add
    for index in range(start, len(lines)):
        raw = lines[index]
        if not raw or raw.isspace():
            continue
        fields = raw.rstrip("\r\n").split("\t")
        try:
            if len(fields) < 6:
                raise _FieldError(len(fields) + 1, f"{len(fields)} fields, expected 7 (or 6)")
            first = fields[0].strip()
            column1 = known.get(first) or known.setdefault(first, _code(first, 1, "column 1"))
            second = fields[1].strip()
            column2 = known.get(second) or known.setdefault(second, _code(second, 2, "column 2"))
            if fields[2].strip() not in ("", "*"):
                raise _FieldError(3, 'in existence prior to 1996: expected "*" or nothing')
            effective = days.parse(fields[3].strip(), 4, "effective date")
            deletion = fields[4].strip()
            deleted = 0 if deletion == "*" else days.parse(deletion, 5, "deletion date")
            indicator = _INDICATORS.get(fields[5].strip())
            if indicator is None:
                raise _FieldError(6, "modifier indicator: expected 0, 1 or 9")
            why = number(_clean(fields[6])) if len(fields) > 6 else number("")
            if len(fields) > 7:
                _blank_tail(fields, 7)
        except _FieldError as exc:
            raise CodeFileError(file, index + 1, exc.column, exc.message) from None
        except ValueError as exc:  # more distinct rationales than the table numbers
            raise CodeFileError(file, index + 1, 7, str(exc)) from None
        add(column1, column2, effective, deleted, indicator, why)


def parse_ptp(data: str | bytes, *, file: str = "<ptp>") -> PtpTable:
    """A PtpTable from one PTP file's content; CodeFileError names a bad row's place."""
    builder = _PtpBuilder()
    _add_ptp_text(builder, _decode(data, file), file)
    return builder.build()


def load_ptp_files(paths: Iterable[str | os.PathLike[str]]) -> PtpTable:
    """One PtpTable from the files of one setting (CMS splits each into parts); all or nothing."""
    builder = _PtpBuilder()
    for path in paths:
        data, name = _read(path)
        _add_ptp_text(builder, _decode(data, name), name)
    return builder.build()


# ---------------------------------------------------------------------------------------------
# MUE (medically unlikely edits)
# ---------------------------------------------------------------------------------------------

MAI_LINE = 1  # units per claim line
MAI_POLICY = 2  # units per date of service, set by policy (not appealable)
MAI_CLINICAL = 3  # units per date of service, clinical (appealable with documentation)


class MueEdit(NamedTuple):
    """One row of an MUE file: the most units of a code, per line (MAI 1) or per day (2, 3)."""

    code: str
    value: int  # units
    mai: int  # MUE adjudication indicator: 1, 2 or 3
    rationale: str = ""
    effective: date | None = None


# MUE table bytes: header, then codes (5 ASCII bytes each, sorted), values (u32), MAIs (u8),
# effective days (u16, 0 = none), rationale numbers (u16), the rationale texts (UTF-8 lines).
_MUE_MAGIC = b"NMUE"
_MUE_HEADER = struct.Struct("<4sHxxII")  # magic, version, rows, text bytes

_MueRow = tuple[int, int, int, int]  # effective day (0 = none), value, MAI, rationale number


class MueTable:
    """MUE values of one setting (practitioner, facility outpatient or DME supplier)."""

    __slots__ = ("_codes", "_effective", "_mai", "_rationale", "_rationales", "_rows", "_values")

    def __init__(
        self,
        *,
        codes: list[str],
        values: array[int],
        mai: array[int],
        effective: array[int],
        rationale: array[int],
        rationales: list[str],
    ) -> None:
        self._codes = codes
        self._values = values
        self._mai = mai
        self._effective = effective
        self._rationale = rationale
        self._rationales = rationales
        # code -> its rows, newest effective date first (almost always one row). The arrays
        # are sorted by code, then effective date.
        self._rows: dict[str, tuple[_MueRow, ...]] = {}
        rows = self._rows
        for code, row in zip(
            codes, zip(effective, values, mai, rationale, strict=True), strict=True
        ):
            earlier = rows.get(code)
            rows[code] = (row,) if earlier is None else (row, *earlier)

    @classmethod
    def from_edits(cls, edits: Iterable[MueEdit]) -> MueTable:
        """A table of the given edits; ValueError for a bad one or a repeated code and date."""
        builder = _MueBuilder()
        for edit in edits:
            try:
                _code(edit.code, 1, "code")
            except _FieldError as exc:
                raise ValueError(f"MUE edit {edit!r}: {exc.message}") from None
            if edit.mai not in (1, 2, 3) or not 0 <= edit.value <= 999_999_999:
                raise ValueError(f"MUE edit {edit!r}: MAI must be 1, 2 or 3, value 0-999,999,999")
            effective = 0 if edit.effective is None else _check_day(edit.effective, "effective")
            earlier = builder.add(
                edit.code,
                edit.value,
                edit.mai,
                effective,
                builder.rationales.number(edit.rationale),
            )
            if earlier is not None:
                raise ValueError(f"MUE edit {edit!r}: the code and date are already given")
        return builder.build()

    def to_bytes(self) -> bytes:
        """The table as bytes for from_bytes: a small header, then the raw arrays."""
        texts = "\n".join(self._rationales).encode("utf-8")
        header = _MUE_HEADER.pack(_MUE_MAGIC, _FORMAT_VERSION, len(self._codes), len(texts))
        parts = [header, "".join(self._codes).encode("ascii")]
        for values in (self._values, self._mai, self._effective, self._rationale):
            parts.append(_le(values))
        parts.append(texts)
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> MueTable:
        """The table that to_bytes wrote; TableFormatError for anything else."""
        _, _, count, text_size = _header(data, _MUE_HEADER, _MUE_MAGIC)
        expected = _MUE_HEADER.size + count * (5 + 4 + 1 + 2 + 2) + text_size
        cursor = _Cursor(data, "MUE table", expected)
        cursor.take(_MUE_HEADER.size)
        block = bytes(cursor.take(count * 5)).decode("ascii")
        codes = [block[start : start + 5] for start in range(0, len(block), 5)]
        values = _from_le("I", cursor.take(count * 4))
        mai = _from_le("B", cursor.take(count))
        effective = _from_le("H", cursor.take(count * 2))
        rationale = _from_le("H", cursor.take(count * 2))
        texts = bytes(cursor.take(text_size)).decode("utf-8")
        return cls(
            codes=codes,
            values=values,
            mai=mai,
            effective=effective,
            rationale=rationale,
            rationales=texts.split("\n") if text_size else [""],
        )

    def __len__(self) -> int:
        return len(self._codes)

    def get(self, code: str, on: date | None = None) -> MueEdit | None:
        """The MUE of a code in force on a date (the newest one without a date)."""
        rows = self._rows.get(code)
        if rows is None:
            return None
        row = rows[0] if on is None else _mue_row_on(rows, on)
        if row is None:
            return None
        effective, value, mai, why = row
        return MueEdit(
            code, value, mai, self._rationales[why], _date(effective) if effective else None
        )


def _mue_row_on(rows: tuple[_MueRow, ...], on: date) -> _MueRow | None:
    """The row in force on a date: the newest whose effective date is not after it."""
    first = rows[0]
    if first[0] == 0:  # no effective date: always in force (the common case)
        return first
    day = _day(on)
    for row in rows:
        if row[0] <= day:
            return row
    return None


class _MueBuilder:
    """Collects MUE rows and sorts them into a MueTable."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], tuple[int, int, int]] = {}
        self.where: dict[tuple[str, int], int] = {}
        self.rationales = _Rationales()

    def add(
        self, code: str, value: int, mai: int, effective: int, why: int, line: int = 0
    ) -> int | None:
        """Add a row; when the code and effective date are already there, the earlier line."""
        key = (code, effective)
        if key in self.rows:
            return self.where[key]
        self.rows[key] = (value, mai, why)
        self.where[key] = line
        return None

    def build(self) -> MueTable:
        """The sorted, compact table."""
        keys = sorted(self.rows)
        return MueTable(
            codes=[code for code, _ in keys],
            values=array("I", (self.rows[key][0] for key in keys)),
            mai=array("B", (self.rows[key][1] for key in keys)),
            effective=array("H", (effective for _, effective in keys)),
            rationale=array("H", (self.rows[key][2] for key in keys)),
            rationales=self.rationales.texts or [""],
        )


# Accepted MUE layout (CMS's practitioner, facility outpatient and DME supplier .csv files, or
# the .xlsx saved as CSV or as "Text (Tab delimited)"):
# - UTF-8 text (a BOM allowed) or Windows-1252. Tab-delimited when the text holds a tab,
#   otherwise comma-separated; fields may be quoted ("..." with "" inside), as CMS quotes its
#   preamble.
# - Header: within the first 50 records, a row whose first field starts with "HCPCS" (CMS:
#   "HCPCS/CPT Code"). It and every record before it are skipped. Without one every record
#   is a data row.
# - Blank lines are skipped. Every other record is a data row of 3 to 5 fields: code (5
#   letters or digits, upper case), MUE value (a whole number of units, 0 to 999,999,999), MUE
#   adjudication indicator (1, 2 or 3, alone or followed by a space and text: "1 Line Edit",
#   "2 Date of Service Edit: Policy", "3 Date of Service Edit: Clinical"), rationale
#   (optional), effective date (optional, YYYYMMDD or empty). Further fields must be empty.
# - A code may repeat only with different effective dates; the row in force on a date of
#   service is the newest one not after it (a row without a date is always in force).
# - Errors name the file, the line where the record starts and the 1-based field number.


def _is_mue_header(fields: Sequence[str]) -> bool:
    """True for CMS's header row: HCPCS/CPT Code, ... MUE Values, ..."""
    return bool(fields) and _squash(fields[0]).startswith("hcpcs")


def _mue_records(text: str, file: str) -> list[tuple[int, list[str]]]:
    """The records of an MUE file with the line each starts on."""
    delimiter = "\t" if "\t" in text else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CodeFileError(file, start, 1, f"unreadable record ({exc})") from None
    return records


def _parse_mai(text: str) -> int:
    """The MAI digit of "1", "1 Line Edit", ...; _FieldError otherwise."""
    if text[:1] in ("1", "2", "3") and (len(text) == 1 or text[1] == " "):
        return int(text[0])
    raise _FieldError(3, 'MUE adjudication indicator: expected 1, 2 or 3 (as in "1 Line Edit")')


def parse_mue(data: str | bytes, *, file: str = "<mue>") -> MueTable:
    """A MueTable from one MUE file's content; CodeFileError names a bad row's place."""
    records = _mue_records(_decode(data, file), file)
    start = _header_line([fields for _, fields in records], _is_mue_header) + 1
    builder = _MueBuilder()
    days = _Days()
    for line, fields in records[start:]:
        if not any(field.strip() for field in fields):
            continue
        try:
            if len(fields) < 3:
                raise _FieldError(len(fields) + 1, f"{len(fields)} fields, expected 4 (3 to 5)")
            code = _code(fields[0].strip(), 1, "code")
            value_text = fields[1].strip()
            if not (value_text.isascii() and value_text.isdigit()):
                raise _FieldError(2, "MUE value: expected a whole number of units")
            if len(value_text) > 9:
                raise _FieldError(2, "MUE value: more than 999,999,999 units")
            mai = _parse_mai(_clean(fields[2]))
            why = builder.rationales.number(_clean(fields[3]) if len(fields) > 3 else "")
            effective_text = fields[4].strip() if len(fields) > 4 else ""
            effective = days.parse(effective_text, 5, "effective date") if effective_text else 0
            _blank_tail(fields, 5)
            earlier = builder.add(code, int(value_text), mai, effective, why, line)
            if earlier is not None:
                raise _FieldError(
                    1, f"code {code} with this effective date is already on line {earlier}"
                )
        except _FieldError as exc:
            raise CodeFileError(file, line, exc.column, exc.message) from None
        except ValueError as exc:  # more distinct rationales than the table numbers
            raise CodeFileError(file, line, 4, str(exc)) from None
    return builder.build()


def load_mue_file(path: str | os.PathLike[str]) -> MueTable:
    """A MueTable from an MUE file on disk; CodeFileError names a bad row's place."""
    data, name = _read(path)
    return parse_mue(data, file=name)


# ---------------------------------------------------------------------------------------------
# The edits
# ---------------------------------------------------------------------------------------------

Severity = Literal["error", "warning"]
PTP_EDIT_ID = "NCCI-PTP"
MUE_EDIT_ID = "NCCI-MUE"


@dataclass(frozen=True, slots=True)
class NcciFinding:
    """One NCCI problem on a claim line: codes and line numbers only, never patient data."""

    edit_id: str
    severity: Severity
    line_number: int
    field: str
    message: str
    hint: str


class ScrubLineLike(Protocol):
    """What the edits read of a line of the claim being scrubbed."""

    @property
    def line_number(self) -> int: ...
    @property
    def procedure_code(self) -> str: ...
    @property
    def modifiers(self) -> Sequence[str]: ...
    @property
    def units_thousandths(self) -> int: ...
    @property
    def service_date(self) -> date: ...


class HistoryLineLike(Protocol):
    """What the edits read of a line of another claim of the same patient and date."""

    @property
    def procedure_code(self) -> str: ...
    @property
    def modifiers(self) -> Sequence[str]: ...
    @property
    def units_thousandths(self) -> int: ...
    @property
    def provider_key(self) -> str: ...


class ClaimHistoryLike(Protocol):
    """The lines of the patient's other claims (never the one being scrubbed) on a date."""

    def other_lines(self, patient_key: str, service_date: date) -> Iterable[HistoryLineLike]: ...


def _bypassed(modifiers: Sequence[str]) -> bool:
    """True when a line carries an NCCI-associated modifier."""
    return any(modifier in NCCI_BYPASS_MODIFIERS for modifier in modifiers)


def _ptp_hint(edit_indicator: int, column2: str, where: str, rationale: str) -> str:
    """What the biller can do about a PTP pair."""
    if edit_indicator == PTP_NOT_ALLOWED:
        hint = f"No modifier allows this pair (modifier indicator 0): remove {column2} {where}."
    else:
        hint = (
            "If the services were distinct (another site, session or encounter), append an "
            "NCCI-associated modifier (59, XE, XS, XP, XU or an anatomic one) that the record "
            f"supports; otherwise remove {column2} {where}."
        )
    return _with_rationale(hint, rationale)


def _with_rationale(hint: str, rationale: str) -> str:
    """A hint followed by CMS's rationale for the edit, when the file gave one."""
    return f"{hint} CMS rationale: {rationale}." if rationale else hint


def ptp_findings(
    lines: Sequence[ScrubLineLike],
    table: PtpTable,
    history: ClaimHistoryLike,
    *,
    patient_key: str,
    provider_key: str,
) -> list[NcciFinding]:
    """PTP pairs on a date of service, in the claim and against its provider's other claims."""
    # A pair applies when it is in effect on the date and not deleted, and, with modifier
    # indicator 1, when neither line carries an NCCI-associated modifier (indicator 9: never).
    index = table._index.get
    keys = table._keys
    codes = table._codes
    # Per date, flat for speed: code number, start and end of its column-1 rows, our line (None
    # for another claim's), the line itself.
    by_date: dict[date, list[_Party]] = {}
    for line in lines:
        entry = index(line.procedure_code)
        if entry is None:  # a code in no pair cannot take part in one
            continue
        group = by_date.get(line.service_date)
        if group is None:
            by_date[line.service_date] = [(*entry, line, line)]
        else:
            group.append((*entry, line, line))
    findings: list[NcciFinding] = []
    seen: set[tuple[int, str, str]] = set()
    for service_date, party in by_date.items():
        for other in history.other_lines(patient_key, service_date):
            if other.provider_key == provider_key:
                entry = index(other.procedure_code)
                if entry is not None:
                    party.append((*entry, None, other))
        if len(party) < 2:
            continue
        for first in party:
            number, start, end, line1, _ = first
            if start == end:  # never column 1
                continue
            base = number * codes
            for second in party:
                if second is first or (line1 is None and second[3] is None):
                    continue
                key = base + second[0]
                row = bisect_left(keys, key, start, end)
                if row < end and keys[row] == key:
                    applies = _row_that_applies(table, row, end, service_date, first, second)
                    if applies is not None:
                        finding = _ptp_finding(table, applies, line1, second[3], seen)
                        if finding is not None:
                            findings.append(finding)
    if len(findings) > 1:
        findings.sort(key=lambda finding: finding.line_number)
    return findings


_Party = tuple[int, int, int, ScrubLineLike | None, ScrubLineLike | HistoryLineLike]


def _row_that_applies(
    table: PtpTable, row: int, end: int, service_date: date, first: _Party, second: _Party
) -> int | None:
    """The first row of a pair (from row on) in effect on the date and not bypassed."""
    keys, key = table._keys, table._keys[row]
    day = service_date.toordinal() - _EPOCH
    while row < end and keys[row] == key:
        gone = table._deleted[row]
        if table._effective[row] <= day and (gone == 0 or day < gone):
            indicator = table._indicator[row]
            if indicator == PTP_NOT_ALLOWED:
                return row
            if indicator == PTP_ALLOWED and not (
                _bypassed(first[4].modifiers) or _bypassed(second[4].modifiers)
            ):
                return row
        row += 1
    return None


def _ptp_finding(
    table: PtpTable,
    row: int,
    line1: ScrubLineLike | None,
    line2: ScrubLineLike | None,
    seen: set[tuple[int, str, str]],
) -> NcciFinding | None:
    """The finding for a PTP pair that applies: on the column 2 line when it is ours."""
    edit = table._edit(row)
    column1, column2 = edit.column1, edit.column2
    if line2 is not None:
        place = line2.line_number
        with_what = f"line {line1.line_number}" if line1 else "another claim"
        message = (
            f"Line {place}: {column2} is column 2 of the NCCI PTP pair {column1}/{column2} with "
            f"{column1} on {with_what} for the same date of service; the payer denies {column2}."
        )
        where = f"from line {place}"
    else:
        assert line1 is not None  # the loop never pairs two lines of other claims
        place = line1.line_number
        message = (
            f"Line {place}: {column1} and {column2} on another claim for the same date of "
            f"service are the NCCI PTP pair {column1}/{column2}; the payer denies {column2} "
            "(column 2)."
        )
        where = "from the other claim"
    if (place, column1, column2) in seen:
        return None
    seen.add((place, column1, column2))
    return NcciFinding(
        PTP_EDIT_ID,
        "error",
        place,
        "procedure_code",
        message,
        _ptp_hint(edit.modifier_indicator, column2, where, edit.rationale),
    )


def _units(thousandths: int) -> str:
    """Units for a message: "1 unit", "2 units", "1.5 units"."""
    whole, rest = divmod(thousandths, 1000)
    number = f"{whole}" if not rest else f"{whole}.{rest:03d}".rstrip("0")
    return f"{number} unit" if thousandths == 1000 else f"{number} units"


def mue_findings(
    lines: Sequence[ScrubLineLike],
    table: MueTable,
    history: ClaimHistoryLike,
    *,
    patient_key: str,
    provider_key: str | None = None,
) -> list[NcciFinding]:
    """Units over the MUE: per line (MAI 1), or per code and date across claims (MAI 2, 3)."""
    # Other claims count for MAI 2 and 3: all of the patient's, or only provider_key's when
    # given (CMS counts per provider; the scrubber passes the billing NPI).
    rows_of = table._rows.get
    findings: list[NcciFinding] = []
    per_day: dict[tuple[date, str], _DayUnits] = {}
    for line in lines:
        rows = rows_of(line.procedure_code)
        if rows is None:
            continue
        row = rows[0] if rows[0][0] == 0 else _mue_row_on(rows, line.service_date)
        if row is None:
            continue
        units = line.units_thousandths
        if row[2] == MAI_LINE:
            if units > row[1] * 1000:
                findings.append(_mue_line_finding(table, line, row))
            continue
        key = (line.service_date, line.procedure_code)
        day_units = per_day.get(key)
        if day_units is None:
            day_units = per_day[key] = _DayUnits(row)
        day_units.lines.append(line)
        day_units.own += max(units, 0)
    others: dict[date, list[HistoryLineLike]] = {}
    for (service_date, code), day_units in per_day.items():
        day_lines = others.get(service_date)
        if day_lines is None:
            day_lines = others[service_date] = list(history.other_lines(patient_key, service_date))
        elsewhere = 0
        for other in day_lines:
            if (
                other.procedure_code == code
                and other.units_thousandths > 0
                and (provider_key is None or other.provider_key == provider_key)
            ):
                elsewhere += other.units_thousandths
        if day_units.own + elsewhere > day_units.row[1] * 1000:
            findings.append(_mue_day_finding(table, code, day_units, elsewhere))
    if len(findings) > 1:
        findings.sort(key=lambda finding: finding.line_number)
    return findings


class _DayUnits:
    """The units of one code on one date of service on the claim, and its lines."""

    __slots__ = ("lines", "own", "row")

    def __init__(self, row: _MueRow) -> None:
        self.row = row
        self.own = 0
        self.lines: list[ScrubLineLike] = []


def _mue_line_finding(table: MueTable, line: ScrubLineLike, row: _MueRow) -> NcciFinding:
    """The finding for a line over a per-line (MAI 1) MUE."""
    code, value = line.procedure_code, row[1]
    rationale = table._rationales[row[3]]
    hint = (
        f"Bill at most {_units(value * 1000)} of {code} per line; if more were medically "
        "necessary, report them on further lines with the modifier that explains them (such "
        "as 76, 91 or an anatomic modifier) and keep the documentation."
    )
    return NcciFinding(
        MUE_EDIT_ID,
        "error",
        line.line_number,
        "units",
        f"Line {line.line_number}: {_units(line.units_thousandths)} of {code}, more than the "
        f"NCCI MUE of {value} per line (MAI 1).",
        _with_rationale(hint, rationale),
    )


def _mue_day_finding(
    table: MueTable, code: str, day_units: _DayUnits, elsewhere: int
) -> NcciFinding:
    """The finding for a code over a per-day (MAI 2 or 3) MUE, on its first line."""
    row, own = day_units.row, day_units.own
    value, mai = row[1], row[2]
    numbers = sorted(line.line_number for line in day_units.lines)
    on_lines = (
        f"line {numbers[0]}" if len(numbers) == 1 else "lines " + ", ".join(map(str, numbers))
    )
    total = _units(own + elsewhere)
    also = f" ({_units(elsewhere)} on other claims)" if elsewhere else ""
    kind = "policy" if mai == MAI_POLICY else "clinical"
    rationale = table._rationales[row[3]]
    message = (
        f"Line {numbers[0]}: {total} of {code} on the same date of service{also}, more than "
        f"the NCCI MUE of {value} per day (MAI {mai}, {kind}); this claim's units are on "
        f"{on_lines}."
    )
    if mai == MAI_POLICY:
        hint = (
            f"Bill at most {_units(value * 1000)} of {code} per day for this patient, counting "
            "other claims: a policy MUE (MAI 2) is not paid above its value, even on appeal."
        )
    else:
        hint = (
            f"Bill at most {_units(value * 1000)} of {code} per day for this patient, counting "
            "other claims; if more were medically necessary, the payer denies the units and an "
            "appeal with the medical record may pay them (MAI 3)."
        )
    return NcciFinding(
        MUE_EDIT_ID, "error", numbers[0], "units", message, _with_rationale(hint, rationale)
    )
