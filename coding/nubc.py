"""NUBC institutional codes: the format of each kind, and the tables users import.

They are AHA copyright: no code list ships.

Formats checked (837I element in brackets):

=================  ===================================================================
kind               format
=================  ===================================================================
type_of_bill       3 digits as we keep it: facility type (2, not 00) + frequency [CLM05]
revenue            4 digits, not 0000 [SV201]
condition          2 letters or digits [HI*BG]
occurrence         2 letters or digits [HI*BH]
occurrence_span    2 letters or digits [HI*BI]
value              2 letters or digits [HI*BE]
discharge_status   2 digits [CL103]
admission_type     1 digit [CL101]
admission_source   1 letter or digit [CL102]
=================  ===================================================================

Import: CSV of code, description[, start date[, end date]] per kind (``parse_nubc_csv``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from coding.codetable import DatedCodeTable, parse_code_csv


class NubcKind(enum.StrEnum):
    """Which NUBC code list."""

    TYPE_OF_BILL = "type_of_bill"
    REVENUE = "revenue"
    CONDITION = "condition"
    OCCURRENCE = "occurrence"
    OCCURRENCE_SPAN = "occurrence_span"
    VALUE = "value"
    DISCHARGE_STATUS = "discharge_status"
    ADMISSION_TYPE = "admission_type"
    ADMISSION_SOURCE = "admission_source"


def _digits(n: int) -> Callable[[str], bool]:
    return lambda code: len(code) == n and code.isascii() and code.isdigit()


def _alnum(n: int) -> Callable[[str], bool]:
    return lambda code: (
        len(code) == n and code.isascii() and code.isalnum() and code.upper() == code
    )


def _type_of_bill(code: str) -> bool:
    return len(code) == 3 and code.isascii() and code.isdigit() and code[:2] != "00"


def _revenue(code: str) -> bool:
    return len(code) == 4 and code.isascii() and code.isdigit() and code != "0000"


FORMATS: dict[NubcKind, tuple[Callable[[str], bool], str]] = {
    NubcKind.TYPE_OF_BILL: (_type_of_bill, "3 digits, facility type not 00"),
    NubcKind.REVENUE: (_revenue, "4 digits, not 0000"),
    NubcKind.CONDITION: (_alnum(2), "2 letters or digits"),
    NubcKind.OCCURRENCE: (_alnum(2), "2 letters or digits"),
    NubcKind.OCCURRENCE_SPAN: (_alnum(2), "2 letters or digits"),
    NubcKind.VALUE: (_alnum(2), "2 letters or digits"),
    NubcKind.DISCHARGE_STATUS: (_digits(2), "2 digits"),
    NubcKind.ADMISSION_TYPE: (_digits(1), "1 digit"),
    NubcKind.ADMISSION_SOURCE: (_alnum(1), "1 letter or digit"),
}


def is_format(kind: NubcKind, code: str) -> bool:
    """True when code has the format of this kind of NUBC code."""
    return FORMATS[kind][0](code)


def format_rule(kind: NubcKind) -> str:
    """The format of this kind in words, for messages."""
    return FORMATS[kind][1]


def parse_nubc_csv(data: bytes | str, *, kind: NubcKind, file: str) -> DatedCodeTable:
    """A NUBC table of one kind from the user's CSV (code, description, start, end)."""
    check, rule = FORMATS[kind]
    return parse_code_csv(
        data, kind=f"nubc-{kind.value}", file=file, check_code=check, code_rule=rule
    )


def nubc_from_bytes(kind: NubcKind, data: bytes) -> DatedCodeTable:
    """A NUBC table of one kind from its stored form."""
    return DatedCodeTable.from_bytes(f"nubc-{kind.value}", data)
