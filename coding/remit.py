"""Remittance codes: group codes, CARC and RARC values with routing categories, descriptions.

The official descriptions are imported from what the user supplies; none ship.

The categories route rework items; their values are the same strings as the rework queue's
categories in claims/ (which this package may not import). A code we do not list routes to
``other``. Descriptions are imported from CSV (code, description[, start date[, stop
date]]), see coding/codetable.py.
"""

from __future__ import annotations

import enum
from types import MappingProxyType

from coding.codetable import DatedCodeTable, parse_code_csv


class Category(enum.StrEnum):
    """Where a rework item is routed (same values as the rework queue in claims/)."""

    ELIGIBILITY = "eligibility_registration"
    CODING = "coding"
    AUTHORIZATION = "authorization"
    MEDICAL_NECESSITY = "medical_necessity"
    TIMELY_FILING = "timely_filing"
    DUPLICATE = "duplicate"
    COORDINATION_OF_BENEFITS = "coordination_of_benefits"
    MISSING_INFORMATION = "missing_information"
    UNDERPAYMENT = "underpayment"
    OTHER = "other"


class GroupCode(enum.StrEnum):
    """CAS01 in 5010: who the adjustment falls on."""

    CONTRACTUAL = "CO"  # contractual obligation: the provider writes it off
    OTHER = "OA"  # other adjustment
    PAYER_INITIATED = "PI"  # payer-initiated reduction
    PATIENT = "PR"  # patient responsibility


def _table(groups: dict[Category, str]) -> MappingProxyType[str, Category]:
    table: dict[str, Category] = {}
    for category, codes in groups.items():
        for code in codes.split():
            if code in table:
                raise AssertionError(f"code {code} listed twice")
            table[code] = category
    return MappingProxyType(table)


# Claim adjustment reason codes (values only) and where a problem with each is routed.
CARC_CATEGORIES = _table(
    {
        Category.ELIGIBILITY: (
            "13 14 24 26 27 31 32 33 34 109 128 140 166 177 178 179 180 200 204 224 238 239 "
            "254 257 258 270 B9 B11"
        ),
        Category.CODING: (
            "4 5 6 7 8 9 10 11 12 58 97 146 181 182 189 194 199 231 234 236 240 246 282 B15 B16 B22"
        ),
        Category.AUTHORIZATION: "15 39 197 198 210 242 243",
        Category.MEDICAL_NECESSITY: (
            "40 49 50 55 56 96 114 117 150 151 152 153 154 167 188 222 261 269 272 273"
        ),
        Category.TIMELY_FILING: "29 B4",
        Category.DUPLICATE: "18 B13",
        Category.COORDINATION_OF_BENEFITS: "19 20 21 22 23 136",
        Category.MISSING_INFORMATION: "16 107 125 206 207 208 226 227 250 251 252 B12",
        Category.UNDERPAYMENT: "45 59 131",
        Category.OTHER: "1 2 3 35 94 100 119 170 171 172 185 253 A1 B7 B20",
    }
)

# Remittance advice remark codes (values only) and where a problem with each is routed.
RARC_CATEGORIES = _table(
    {
        Category.CODING: "M15 M20 M51 M76 M77 M80 MA63 MA66 N19 N20 N56 N122 N362",
        Category.MISSING_INFORMATION: ("M79 M119 M127 MA120 MA130 N26 N255 N265 N286 N290 N350"),
        Category.COORDINATION_OF_BENEFITS: "MA04 MA07 MA18 N4 N479",
        Category.ELIGIBILITY: "N30 N130 N382",
        Category.AUTHORIZATION: "M62 N54",
        Category.MEDICAL_NECESSITY: "N115 N386 N425",
        Category.DUPLICATE: "M86",
        Category.OTHER: "MA01",
    }
)


def is_carc_format(code: str) -> bool:
    """True for 1-3 digits, or a letter and 1-2 digits (A1, B13, P2, W1, Y3)."""
    if not code.isascii() or not 1 <= len(code) <= 3:
        return False
    if code.isdigit():
        return code[0] != "0"
    return code[0].isalpha() and code[0].isupper() and code[1:].isdigit() and len(code) >= 2


def is_rarc_format(code: str) -> bool:
    """True for M, MA or N followed by 1-4 digits."""
    if not code.isascii():
        return False
    prefix = "MA" if code.startswith("MA") else code[:1]
    digits = code[len(prefix) :]
    return prefix in ("M", "MA", "N") and 1 <= len(digits) <= 4 and digits.isdigit()


def carc_category(code: str) -> Category:
    """The routing category of a claim adjustment reason code (other when not listed)."""
    return CARC_CATEGORIES.get(code, Category.OTHER)


def rarc_category(code: str) -> Category:
    """The routing category of a remittance advice remark code (other when not listed)."""
    return RARC_CATEGORIES.get(code, Category.OTHER)


def parse_carc_csv(data: bytes | str, *, file: str) -> DatedCodeTable:
    """Official CARC descriptions from the user's CSV (code, description, start, stop)."""
    return parse_code_csv(
        data, kind="carc", file=file, check_code=is_carc_format, code_rule="a CARC value"
    )


def parse_rarc_csv(data: bytes | str, *, file: str) -> DatedCodeTable:
    """Official RARC descriptions from the user's CSV (code, description, start, stop)."""
    return parse_code_csv(
        data, kind="rarc", file=file, check_code=is_rarc_format, code_rule="a RARC value"
    )
