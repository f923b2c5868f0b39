"""ICD-10-CM releases: billable and header codes, principal-diagnosis classes, date validity.

A release is the CDC code set in force from its effective date (Oct 1 or Apr 1) to the next
Sep 30, unless a later loaded release starts first. ``IcdReleaseSet.for_date`` picks the one
in force on a date of service; a date no loaded release covers validates against the
newest release, and the caller warns (CODESET-MISSING).

Codes are kept without the dot, upper case. Classes for the principal-diagnosis rules:

- manifestation: a code whose own title, or the title of any category or subcategory above
  it, says "classified elsewhere". That is the CDC's etiology/manifestation convention ("in
  diseases classified elsewhere" codes may never be first-listed), and it also takes in the
  B95-B97 "as the cause of diseases classified elsewhere" agents and the "in conditions
  classified elsewhere" codes, which may not be first either. The order file carries no
  "code first" notes, so the rule reads titles; the shipped release uses the same rule over
  simple-icd-10-cm's titles, so imported and shipped releases agree. ("Code first" notes
  also sit on codes that may be principal, such as sepsis A40/A41, so they are not used.)
- external cause: chapter 20, V00-Y99 (first letter V, W, X or Y), never principal.

Import: the CDC "order" file (icd10cm-order-YYYY.txt), fixed width: order number (cols 1-5),
blank, code padded to 7 (cols 7-13), blank, billable flag 0/1 (col 15), blank, short title
(cols 17-76), blank, long title (col 78 to the end of the line).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from coding.codetable import decode_text, pack, pack_values, unpack, unpack_codes
from coding.errors import CodeFileError, TableFormatError

_KIND = "icd10cm"
_LAYOUT = 1
SHIPPED_EFFECTIVE = date(2026, 4, 1)  # the release simple-icd-10-cm 1.5.0 carries
_MARK = "classified elsewhere"
_EXTERNAL_CAUSE_LETTERS = frozenset("VWXY")
_MEMO_LIMIT = 50_000


def normalize(code: str) -> str:
    """A diagnosis code as the tables hold it: no dot, no spaces, upper case."""
    return code.replace(".", "").strip().upper()


def is_code_format(code: str) -> bool:
    """True when code (no dot) has the ICD-10-CM shape: a letter, then 2-6 of A-Z and 0-9.

    (The second character is a digit except in the QA0 category added for FY2026.)
    """
    return (
        3 <= len(code) <= 7
        and code.isascii()
        and code.isalnum()
        and code[0].isalpha()
        and code.isupper()
    )


def is_external_cause(code: str) -> bool:
    """True for chapter 20 codes (V00-Y99), which may never be the principal diagnosis."""
    return bool(code) and code[0] in _EXTERNAL_CAUSE_LETTERS


def natural_end(effective_from: date) -> date:
    """The last day a release may be in force: the Sep 30 on or after its start."""
    year = effective_from.year if effective_from.month < 10 else effective_from.year + 1
    return date(year, 9, 30)


class DxStatus(enum.Enum):
    """What a release says about a diagnosis code."""

    BILLABLE = "billable"
    HEADER = "header"  # a valid category or subcategory with codes below it: not billable
    UNKNOWN = "unknown"


class IcdRelease:
    """One ICD-10-CM release: billable codes, valid non-billable headers, and code classes.

    Codes are held as base-36 integers (compact, and fast to load); ask with code strings.
    """

    __slots__ = ("_billable", "_headers", "_manifestation", "_memo", "effective_from")

    def __init__(
        self,
        effective_from: date,
        *,
        billable: Iterable[str],
        headers: Iterable[str],
        manifestation: Iterable[str] = (),
    ) -> None:
        self.effective_from = effective_from
        self._billable = _values(billable)
        self._headers = _values(headers)
        self._manifestation = _values(manifestation)
        self._memo: dict[str, tuple[DxStatus, bool]] = {}

    @property
    def valid_to(self) -> date:
        """The last day this release can be in force (a later release may end it sooner)."""
        return natural_end(self.effective_from)

    @property
    def label(self) -> str:
        """The release's name in messages, such as "ICD-10-CM 2026-04-01"."""
        return f"ICD-10-CM {self.effective_from.isoformat()}"

    def status(self, code: str) -> DxStatus:
        """Whether code (no dot, upper case) is billable, a header, or not in this release."""
        found = self._memo.get(code)
        return found[0] if found is not None else self._look_up(code)[0]

    def is_billable(self, code: str) -> bool:
        """True when code (no dot) is a billable code of this release."""
        return self.status(code) is DxStatus.BILLABLE

    def is_valid(self, code: str) -> bool:
        """True when code (no dot) is in this release, billable or not."""
        return self.status(code) is not DxStatus.UNKNOWN

    def is_manifestation(self, code: str) -> bool:
        """True when code may not be sequenced first (see the module docstring)."""
        found = self._memo.get(code)
        return found[1] if found is not None else self._look_up(code)[1]

    def _look_up(self, code: str) -> tuple[DxStatus, bool]:
        if not is_code_format(code):
            found = (DxStatus.UNKNOWN, False)
        else:
            value = int(code, 36)
            if value in self._billable:
                status = DxStatus.BILLABLE
            elif value in self._headers:
                status = DxStatus.HEADER
            else:
                status = DxStatus.UNKNOWN
            found = (status, value in self._manifestation)
        if len(self._memo) < _MEMO_LIMIT:  # claims repeat a few thousand codes: remember them
            self._memo[code] = found
        return found

    def counts(self) -> dict[str, int]:
        """How many billable, header and manifestation codes the release holds."""
        return {
            "billable": len(self._billable),
            "headers": len(self._headers),
            "manifestation": len(self._manifestation),
        }

    def __len__(self) -> int:
        """How many codes the release holds (billable codes and valid headers)."""
        return len(self._billable) + len(self._headers)

    def to_bytes(self) -> bytes:
        """The compact stored form (tens of kB)."""
        sections = [
            pack_values(self._billable),
            pack_values(self._headers),
            pack_values(self._manifestation),
        ]
        return pack(_KIND, _LAYOUT, {"effective_from": self.effective_from.isoformat()}, sections)

    @classmethod
    def from_bytes(cls, data: bytes) -> IcdRelease:
        """A release from its stored form (milliseconds)."""
        header, sections = unpack(data, _KIND, _LAYOUT)
        if len(sections) != 3:
            raise TableFormatError("stored ICD-10-CM release: expected 3 sections")
        release = cls.__new__(cls)
        release.effective_from = date.fromisoformat(str(header["effective_from"]))
        release._billable, release._headers, release._manifestation = (
            unpack_codes(section) for section in sections
        )
        release._memo = {}
        return release

    def __repr__(self) -> str:
        return f"IcdRelease({self.effective_from.isoformat()}, {self.counts()})"


def _values(codes: Iterable[str]) -> frozenset[int]:
    values = set()
    for code in codes:
        if not is_code_format(code):
            raise ValueError(f"{code!r} is not an ICD-10-CM code without the dot")
        values.add(int(code, 36))
    return frozenset(values)


def build_release(effective_from: date, codes: Iterable[tuple[str, bool, str]]) -> IcdRelease:
    """A release from (code without dot, billable, title) rows, classes derived from titles."""
    billable: set[str] = set()
    headers: set[str] = set()
    marked: set[str] = set()
    for code, is_billable, title in codes:
        (billable if is_billable else headers).add(code)
        if _MARK in title.lower():
            marked.add(code)
    manifestation = [
        code
        for code in billable | headers
        if any(code[:n] in marked for n in range(3, len(code) + 1))
    ]
    return IcdRelease(
        effective_from, billable=billable, headers=headers, manifestation=manifestation
    )


def parse_order_file(data: bytes | str, *, effective_from: date, file: str) -> IcdRelease:
    """A release from a CDC order file (layout in the module docstring); all or nothing."""
    rows: list[tuple[str, bool, str]] = []
    seen: set[str] = set()
    for number, raw in enumerate(decode_text(data).splitlines(), start=1):
        line = raw.rstrip()
        if not line:
            continue
        rows.append(_order_row(line, number, file, seen))
    if not rows:
        raise CodeFileError(file, None, None, "no ICD-10-CM codes in the file")
    return build_release(effective_from, rows)


def _order_row(line: str, number: int, file: str, seen: set[str]) -> tuple[str, bool, str]:
    if len(line) < 17:
        raise CodeFileError(file, number, len(line) + 1, "line too short for the order layout")
    if not (line[:5].isascii() and line[:5].isdigit()):
        raise CodeFileError(file, number, 1, "order number (columns 1-5) must be 5 digits")
    for column in (6, 14, 16):
        if line[column - 1] != " ":
            raise CodeFileError(file, number, column, f"column {column} must be blank")
    code = line[6:13].rstrip()
    if not is_code_format(code) or " " in code:
        raise CodeFileError(file, number, 7, f"{code!r} is not an ICD-10-CM code (no dot)")
    if code in seen:
        raise CodeFileError(file, number, 7, f"code {code} appears twice")
    seen.add(code)
    flag = line[14]
    if flag not in "01":
        raise CodeFileError(file, number, 15, "billable flag (column 15) must be 0 or 1")
    if len(line) > 76 and line[76] != " ":
        raise CodeFileError(file, number, 77, "column 77 must be blank")
    short = line[16:76].strip()
    title = line[77:].strip() or short
    if not title:
        raise CodeFileError(file, number, 17, "the code has no title")
    return code, flag == "1", title


def default_release() -> IcdRelease:
    """The April 1, 2026 release from simple-icd-10-cm (seconds: cache its bytes)."""
    import simple_icd_10_cm as icd  # slow (about 3 s): only here, never at module import

    rows = [
        (code, bool(icd.is_leaf(code)), icd.get_description(code))
        for code in icd.get_all_codes(False)
        if icd.is_category_or_subcategory(code) or icd.is_extended_subcategory(code)
    ]
    return build_release(SHIPPED_EFFECTIVE, rows)


@dataclass(frozen=True, slots=True, eq=False)
class IcdReleaseSet:
    """The loaded releases; picks the one in force for a date of service."""

    releases: tuple[IcdRelease, ...]
    _by_day: dict[int, tuple[IcdRelease, bool]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.releases:
            raise ValueError("an ICD-10-CM release set needs at least one release")
        starts = [r.effective_from for r in self.releases]
        if len(set(starts)) != len(starts):
            raise ValueError("two releases with the same effective date")
        ordered = tuple(sorted(self.releases, key=lambda r: r.effective_from))
        object.__setattr__(self, "releases", ordered)

    @classmethod
    def of(cls, *releases: IcdRelease) -> IcdReleaseSet:
        """A set of these releases."""
        return cls(tuple(releases))

    @property
    def newest(self) -> IcdRelease:
        """The release with the latest effective date."""
        return self.releases[-1]

    def in_force(self, on: date) -> IcdRelease | None:
        """The release in force on that date, None when no loaded release covers it."""
        release, covered = self.for_date(on)
        return release if covered else None

    def for_date(self, on: date) -> tuple[IcdRelease, bool]:
        """The release to validate against, and whether it is really in force on that date."""
        key = on.toordinal()
        hit = self._by_day.get(key)
        if hit is None:
            hit = self._pick(on)
            if len(self._by_day) < 4096:  # dates of service cluster; bound the memo anyway
                self._by_day[key] = hit
        return hit

    def _pick(self, on: date) -> tuple[IcdRelease, bool]:
        for release in reversed(self.releases):
            if release.effective_from <= on:
                return (release, True) if on <= release.valid_to else (self.newest, False)
        return self.newest, False

    def release_with(self, code: str) -> IcdRelease | None:
        """The newest loaded release in which code is valid, None when none has it."""
        for release in reversed(self.releases):
            if release.is_valid(code):
                return release
        return None
