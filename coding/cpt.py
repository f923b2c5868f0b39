"""CPT (HCPCS Level I): the format check, the quality-code rule, and the licensed-file import.

CPT codes and descriptors are AMA copyright: nothing of them ships. The format check always
runs; a user with a licence imports their file as CSV (``parse_cpt_csv``): code, short
description, effective date, end date (dates optional; layout in coding/codetable.py).
"""

from __future__ import annotations

from coding.codetable import DatedCodeTable, parse_code_csv

CATEGORY_II = "F"  # performance measurement (quality) codes: four digits + F
CATEGORY_III = "T"  # emerging technology: four digits + T
PLA = "U"  # proprietary laboratory analyses: four digits + U
_SUFFIXES = frozenset((CATEGORY_II, CATEGORY_III, PLA))


def is_cpt_format(code: str) -> bool:
    """True when code is five digits, or four digits and F, T or U."""
    if len(code) != 5 or not code.isascii():
        return False
    return code.isdigit() or (code[:4].isdigit() and code[4] in _SUFFIXES)


def is_lab_code(code: str) -> bool:
    """True for numeric CPT codes 80000-89999 (pathology and laboratory)."""
    return len(code) == 5 and code[0] == "8" and code.isdigit() and code.isascii()


def is_quality_code(code: str) -> bool:
    """True for codes that only report quality data and are billed at zero charge.

    Our rule: CPT Category II (four digits + F), and the HCPCS quality-reporting series
    G8000-G9999 and M1000-M1999 (MIPS quality data codes). G0xxx-G7xxx and M0xxx codes are
    billable services (G0008 is a flu shot administration), so they are not quality codes.
    """
    if len(code) != 5 or not code.isascii():
        return False
    if code[4] == CATEGORY_II and code[:4].isdigit():
        return True
    return code[1:].isdigit() and (
        (code[0] == "G" and code[1] in "89") or (code[0] == "M" and code[1] == "1")
    )


def parse_cpt_csv(data: bytes | str, *, file: str) -> DatedCodeTable:
    """A CPT table from the user's licensed CSV (code, description, start, end); all or nothing."""
    return parse_code_csv(
        data,
        kind="cpt",
        file=file,
        check_code=is_cpt_format,
        code_rule="a CPT code (five digits, or four digits and F, T or U)",
    )


def cpt_from_bytes(data: bytes) -> DatedCodeTable:
    """A CPT table from its stored form."""
    return DatedCodeTable.from_bytes("cpt", data)
