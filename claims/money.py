"""The one place money changes form: Decimal dollars at the edges, integer cents inside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
THOUSANDTH = Decimal("0.001")


def to_cents(amount: Decimal | str | int, *, field: str = "amount") -> int:
    """Exact integer cents from a Decimal, a numeric string or whole cents-free units.

    Refuses floats and anything finer than a cent, naming the field.
    """
    if isinstance(amount, float):  # a float has already lost the exact value
        raise TypeError(f"{field}: money must be Decimal or str, not float")
    if isinstance(amount, bool):
        raise TypeError(f"{field}: money must be Decimal or str, not bool")
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as exc:
        raise ValueError(f"{field}: not a number") from exc
    if not value.is_finite():
        raise ValueError(f"{field}: not a finite number")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{field}: more than two decimal places")
    return int(cents)


def to_decimal(cents: int) -> Decimal:
    """Decimal dollars with two places from integer cents."""
    return (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def to_thousandths(quantity: Decimal | str | int, *, field: str = "quantity") -> int:
    """Exact integer thousandths (units such as 0.5 become 500)."""
    if isinstance(quantity, float | bool):
        raise TypeError(f"{field}: quantity must be Decimal or str, not {type(quantity).__name__}")
    try:
        value = Decimal(quantity)
    except InvalidOperation as exc:
        raise ValueError(f"{field}: not a number") from exc
    scaled = value * 1000
    if not value.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"{field}: more than three decimal places")
    return int(scaled)


def from_thousandths(thousandths: int) -> Decimal:
    """Decimal quantity from integer thousandths, without trailing zeros past the point."""
    value = Decimal(thousandths) / 1000
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
