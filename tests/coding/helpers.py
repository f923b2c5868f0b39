"""Builders for the coding tests: lines in the official file layouts, and the shipped release."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from coding.icd10cm import IcdRelease, default_release


def order_line(number: int, code: str, billable: bool, title: str, long_title: str = "") -> str:
    """One line of a CDC ICD-10-CM order file (order number, code, flag, short, long)."""
    return f"{number:05d} {code:<7} {int(billable)} {title[:60]:<60} {long_title or title}"


def order_file(rows: list[tuple[str, bool, str]]) -> str:
    """A CDC order file of (code, billable, title) rows, numbered from 1."""
    return "\n".join(
        order_line(n, code, flag, title) for n, (code, flag, title) in enumerate(rows, 1)
    )


def _yyyymmdd(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else " " * 8


def hcpcs_record(
    code: str,
    short: str,
    *,
    record: str = "3",
    sequence: int = 100,
    long: str = "",
    added: date | None = None,
    effective: date | None = None,
    terminated: date | None = None,
    action: str = "N",
) -> str:
    """One 320-character record of the CMS alpha-numeric HCPCS file (see coding/hcpcs.py).

    Modifier records (7, 8) put the two-character modifier in columns 4-5.
    """
    key = f"   {code}" if record in "78" else code
    head = f"{key:<5}{sequence:05d}{record}{(long or short)[:80]:<80}"
    if record in "48":
        return head
    middle = " " * (268 - 119)  # pricing through anesthesia units: not read
    tail = f"{_yyyymmdd(added)}{_yyyymmdd(effective)}{_yyyymmdd(terminated)}{action}"
    line = f"{head}{short[:28]:<28}{middle}{tail}"
    assert len(line) == 293, len(line)
    return line.ljust(320)


@lru_cache(maxsize=1)
def _shipped_bytes() -> bytes:
    return default_release().to_bytes()


def shipped_release() -> IcdRelease:
    """The April 1, 2026 release, built once per test run and loaded from its bytes."""
    return IcdRelease.from_bytes(_shipped_bytes())
