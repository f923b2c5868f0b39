"""Place-of-service codes (CMS list) with the dates they may be used, in our own short names.

Start dates are given for codes added since 2016 (where a date of service near the change
matters); older codes carry no start date (in use before any claim this engine sends).
A user may load a newer list as CSV (code, name, start date, end date) with
``parse_pos_csv``; it replaces the shipped table.
"""

from __future__ import annotations

from datetime import date

from coding.codetable import CodeEntry, DatedCodeTable, parse_code_csv

_KIND = "pos"

# code: (our short name, first date of service it may be used, or None)
_PLACES: dict[str, tuple[str, date | None]] = {
    "01": ("pharmacy", None),
    "02": ("telehealth, patient not at home", date(2017, 1, 1)),
    "03": ("school", None),
    "04": ("homeless shelter", None),
    "05": ("Indian Health Service, free-standing", None),
    "06": ("Indian Health Service, provider-based", None),
    "07": ("tribal 638, free-standing", None),
    "08": ("tribal 638, provider-based", None),
    "09": ("prison or correctional facility", None),
    "10": ("telehealth, patient at home", date(2022, 1, 1)),
    "11": ("office", None),
    "12": ("home", None),
    "13": ("assisted living facility", None),
    "14": ("group home", None),
    "15": ("mobile unit", None),
    "16": ("temporary lodging", None),
    "17": ("walk-in retail health clinic", None),
    "18": ("place of employment, worksite", None),
    "19": ("off-campus outpatient hospital", date(2016, 1, 1)),
    "20": ("urgent care facility", None),
    "21": ("inpatient hospital", None),
    "22": ("on-campus outpatient hospital", None),
    "23": ("hospital emergency room", None),
    "24": ("ambulatory surgical center", None),
    "25": ("birthing center", None),
    "26": ("military treatment facility", None),
    "27": ("outreach site or street", date(2023, 10, 1)),
    "31": ("skilled nursing facility", None),
    "32": ("nursing facility", None),
    "33": ("custodial care facility", None),
    "34": ("hospice", None),
    "41": ("ambulance, land", None),
    "42": ("ambulance, air or water", None),
    "49": ("independent clinic", None),
    "50": ("federally qualified health center", None),
    "51": ("inpatient psychiatric facility", None),
    "52": ("psychiatric facility, partial hospitalization", None),
    "53": ("community mental health center", None),
    "54": ("intermediate care facility for intellectual disabilities", None),
    "55": ("residential substance use treatment facility", None),
    "56": ("psychiatric residential treatment center", None),
    "57": ("non-residential substance use treatment facility", None),
    "58": ("non-residential opioid treatment facility", date(2020, 1, 1)),
    "60": ("mass immunization center", None),
    "61": ("comprehensive inpatient rehabilitation facility", None),
    "62": ("comprehensive outpatient rehabilitation facility", None),
    "65": ("end-stage renal disease treatment facility", None),
    "66": ("PACE center", date(2024, 10, 1)),
    "71": ("public health clinic", None),
    "72": ("rural health clinic", None),
    "81": ("independent laboratory", None),
    "99": ("other place of service", None),
}

TELEHEALTH = frozenset({"02", "10"})


def is_pos_format(code: str) -> bool:
    """True when code is two ASCII digits."""
    return len(code) == 2 and code.isascii() and code.isdigit()


def place_of_service_table() -> DatedCodeTable:
    """The shipped place-of-service table."""
    return DatedCodeTable(
        _KIND, (CodeEntry(code, name, start) for code, (name, start) in _PLACES.items())
    )


def parse_pos_csv(data: bytes | str, *, file: str) -> DatedCodeTable:
    """A place-of-service table from CSV (code, name, start date, end date); all or nothing."""
    return parse_code_csv(
        data, kind=_KIND, file=file, check_code=is_pos_format, code_rule="two digits"
    )


def pos_from_bytes(data: bytes) -> DatedCodeTable:
    """A place-of-service table from its stored form."""
    return DatedCodeTable.from_bytes(_KIND, data)
