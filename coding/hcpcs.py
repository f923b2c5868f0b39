"""HCPCS Level II: the CMS quarterly alpha-numeric file, and its codes and modifiers by date.

Layout read (the CMS "HCPC<year>_<MON>_ANWEB" fixed-width file, 320-character records, as
its record-layout document gives it; columns are 1-based and inclusive):

=========  ==========================================================================
columns    field
=========  ==========================================================================
1-5        HCPCS code (a procedure), or 3 blanks and a 2-character modifier (a modifier)
6-10       sequence number of the description line (5 digits)
11         record identification: 3 first line of a procedure, 4 its continuation;
           7 first line of a modifier, 8 its continuation
12-91      long description (80; continuation lines carry more of it)
92-119     short description (28)
120-268    pricing, coverage, cross references, BETOS, type of service ... (not read)
269-276    code added date, YYYYMMDD
277-284    action effective date, YYYYMMDD
285-292    termination date, YYYYMMDD (the last day the code may be used; blank: none)
293        action code
=========  ==========================================================================

A code may be used from its added date (else its action effective date; else always)
through its termination date. Only first lines (3 and 7) carry dates; continuation lines
(4 and 8) must follow a first line of the same code. Lines may be shorter than 320
characters when the trailing fields are blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coding.codetable import CodeEntry, DatedCodeTable, decode_text, pack, unpack
from coding.errors import CodeFileError

_KIND = "hcpcs"
_LAYOUT = 1
_LEVEL2_FIRST = frozenset("ABCDEGHJKLMPQRSTUV")  # Level II letters (no F, I, N, O, W-Z)


def is_level2_format(code: str) -> bool:
    """True when code looks like a HCPCS Level II code: a letter A-V then four digits."""
    return len(code) == 5 and code[0] in _LEVEL2_FIRST and code[1:].isdigit() and code[1:].isascii()


def is_modifier_format(code: str) -> bool:
    """True when code is two ASCII letters or digits, upper case."""
    return len(code) == 2 and code.isascii() and code.isalnum() and code.upper() == code


@dataclass(frozen=True, slots=True, eq=False)
class HcpcsTable:
    """HCPCS Level II procedure codes and modifiers, each with the dates it may be used."""

    procedures: DatedCodeTable
    modifiers: DatedCodeTable

    def __len__(self) -> int:
        """How many procedure codes and modifiers the table holds."""
        return len(self.procedures) + len(self.modifiers)

    def to_bytes(self) -> bytes:
        """The compact stored form."""
        sections = [self.procedures.to_bytes(), self.modifiers.to_bytes()]
        return pack(_KIND, _LAYOUT, {}, sections)

    @classmethod
    def from_bytes(cls, data: bytes) -> HcpcsTable:
        """A table from its stored form (milliseconds)."""
        _, (procedures, modifiers) = unpack(data, _KIND, _LAYOUT)
        return cls(
            DatedCodeTable.from_bytes("hcpcs-procedure", procedures),
            DatedCodeTable.from_bytes("hcpcs-modifier", modifiers),
        )


def _date_field(line: str, start: int, end: int, name: str, number: int, file: str) -> date | None:
    text = line[start - 1 : end].strip()
    if not text:
        return None
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise CodeFileError(file, number, start, f"{name} must be YYYYMMDD or blank")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise CodeFileError(file, number, start, f"{name}: {exc}") from exc


def parse_hcpcs_file(data: bytes | str, *, file: str) -> HcpcsTable:
    """A table from a CMS alpha-numeric HCPCS file (layout above); all or nothing."""
    procedures: list[CodeEntry] = []
    modifiers: list[CodeEntry] = []
    seen: set[tuple[str, str]] = set()
    last: tuple[str, str] | None = None
    for number, raw in enumerate(decode_text(data).splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if len(line) < 11:
            raise CodeFileError(file, number, len(line) + 1, "line too short for the layout")
        record = line[10]
        if record not in "3478":
            raise CodeFileError(file, number, 11, "record identification must be 3, 4, 7 or 8")
        sequence = line[5:10]
        if not (sequence.isascii() and sequence.isdigit()):
            raise CodeFileError(file, number, 6, "sequence number (columns 6-10) must be digits")
        kind = "procedure" if record in "34" else "modifier"
        if kind == "procedure":
            code = line[:5]
            if not is_level2_format(code):
                raise CodeFileError(file, number, 1, f"{code!r} is not a HCPCS Level II code")
        else:
            if line[:3].strip():
                raise CodeFileError(file, number, 1, "a modifier record starts with 3 blanks")
            code = line[3:5]
            if not is_modifier_format(code):
                raise CodeFileError(file, number, 4, f"{code!r} is not a modifier")
        key = (kind, code)
        if record in "48":
            if last != key:
                raise CodeFileError(
                    file, number, 11, f"continuation line of {kind} {code} without its first line"
                )
            continue
        if key in seen:
            raise CodeFileError(file, number, 1, f"{kind} {code} has two first lines")
        seen.add(key)
        last = key
        added = _date_field(line, 269, 276, "added date", number, file)
        effective = _date_field(line, 277, 284, "action effective date", number, file)
        terminated = _date_field(line, 285, 292, "termination date", number, file)
        start = added or effective
        if start and terminated and terminated < start:
            raise CodeFileError(file, number, 285, "termination date is before the added date")
        short = line[91:119].strip() or line[11:91].strip()
        entry = CodeEntry(code, short, start, terminated)
        (procedures if kind == "procedure" else modifiers).append(entry)
    if not procedures:
        raise CodeFileError(file, None, None, "no HCPCS procedure records in the file")
    return HcpcsTable(
        DatedCodeTable("hcpcs-procedure", procedures), DatedCodeTable("hcpcs-modifier", modifiers)
    )
