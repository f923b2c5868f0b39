"""Pricing rules of fee schedules, pure: modifier adjustments, units and rounding to the cent.

A schedule maps a procedure code, optionally with one modifier, to a rate per unit. A line is
priced by the schedule's row for the code with one of the line's modifiers (the first of them,
in the line's order, that has a row), else by its row for the code alone. Each pricing modifier
of the line that the chosen row does not name then scales the rate (MODIFIER_PERCENT); other
modifiers (25, 59, LT, RT, ...) change nothing. The rate times the units, rounded half up to
the cent once at the end, is the amount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

# Hundredths of a percent of the code's rate that a line with this modifier is allowed. A row
# for the code with the modifier replaces the rule (a contract that pays 26 at 35% lists it).
MODIFIER_PERCENT: Mapping[str, int] = {
    "50": 15000,  # bilateral procedure: 150%
    "51": 5000,  # multiple procedures, second and later: 50%
    "26": 4000,  # professional component: 40%
    "TC": 6000,  # technical component: 60%
    "80": 1600,  # assistant surgeon: 16%
    "82": 1600,  # assistant surgeon, no qualified resident available: 16%
}
WHOLE = 10000  # hundredths of a percent in 100%


@dataclass(frozen=True, slots=True)
class Rate:
    """A schedule row: an amount per unit in cents, or a percentage of the base schedule."""

    amount_cents: int | None
    percent_hundredths: int | None = None


# (procedure code, modifier or "") -> rate
Rates = Mapping[tuple[str, str], Rate]


def round_half_up(value: Fraction) -> int:
    """Whole cents from an exact amount, halves away from zero."""
    sign = -1 if value < 0 else 1
    return sign * math.floor(abs(value) + Fraction(1, 2))


def modifier_factor(modifiers: Iterable[str]) -> Fraction:
    """The product of the pricing modifiers' percentages (1 when there are none)."""
    factor = Fraction(1)
    for m in modifiers:
        if m in MODIFIER_PERCENT:
            factor *= Fraction(MODIFIER_PERCENT[m], WHOLE)
    return factor


def find(rates: Rates, code: str, modifiers: Sequence[str]) -> tuple[Rate, str] | None:
    """The row that prices the code with these modifiers and the modifier it names ('')."""
    for m in modifiers:
        rate = rates.get((code, m))
        if rate is not None:
            return rate, m
    rate = rates.get((code, ""))
    return (rate, "") if rate is not None else None


def unit_price(rates: Rates, code: str, modifiers: Sequence[str]) -> Fraction | None:
    """A schedule of amounts (charge master, base): the exact rate per unit, modifiers applied."""
    found = find(rates, code, modifiers)
    if found is None or found[0].amount_cents is None:
        return None
    rate, named = found
    assert rate.amount_cents is not None
    return rate.amount_cents * modifier_factor(m for m in modifiers if m != named)


def contract_unit_price(
    rates: Rates,
    base: Rates | None,
    default_percent_hundredths: int | None,
    code: str,
    modifiers: Sequence[str],
) -> Fraction | None:
    """A contract's allowed amount per unit: its own amount, or a percentage of the base
    schedule's price for the line (the contract's row for the code, else its default
    percentage); None when neither prices the code."""
    found = find(rates, code, modifiers)
    if found is not None and found[0].amount_cents is not None:
        rate, named = found
        assert rate.amount_cents is not None
        return rate.amount_cents * modifier_factor(m for m in modifiers if m != named)
    percent = found[0].percent_hundredths if found is not None else default_percent_hundredths
    if percent is None or base is None:
        return None
    price = unit_price(base, code, modifiers)
    return None if price is None else price * Fraction(percent, WHOLE)


def times_units(per_unit: Fraction, units_thousandths: int) -> int:
    """The amount for the line's units, rounded half up to the cent."""
    return round_half_up(per_unit * Fraction(units_thousandths, 1000))


def tolerance_cents(expected_cents: int, *, cents: int, hundredths: int) -> int:
    """The shortfall a line may have before it counts as underpaid: the larger of the two."""
    return max(cents, round_half_up(Fraction(expected_cents * hundredths, WHOLE)))
