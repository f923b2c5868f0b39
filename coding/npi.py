"""National Provider Identifier: format and the Luhn check digit over the 80840 prefix."""

from __future__ import annotations

# The NPI check digit is the Luhn digit of "80840" + the first nine digits (CMS standard).
_PREFIX = "80840"


def check_digit(first_nine: str) -> str:
    """The tenth digit that makes an NPI starting with these nine digits valid."""
    # isdigit() alone accepts non-ASCII digits (fullwidth, superscript), which int() misreads.
    if len(first_nine) != 9 or not (first_nine.isascii() and first_nine.isdigit()):
        raise ValueError("NPI: the first nine characters must be digits")
    total = 0
    # Double every second digit from the right of the payload (check digit not yet there).
    for offset, char in enumerate(reversed(_PREFIX + first_nine)):
        digit = int(char)
        if offset % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid(npi: str) -> bool:
    """True when npi is ten digits with a correct check digit."""
    return len(npi) == 10 and npi.isascii() and npi.isdigit() and check_digit(npi[:9]) == npi[9]
