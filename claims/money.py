"""The one place money changes form: Decimal dollars at the edges, integer cents inside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

CENT = Decimal("0.01")
THOUSANDTH = Decimal("0.001")
# Cents and thousandths are stored as signed 64-bit integers.
MAX_STORED = 2**63 - 1
# Our own context, exact for every value that passes the size check in _scaled, so that the
# caller's thread context (its precision, its traps) cannot change a result.
_EXACT = Context(prec=60)
_PLACES = {2: "two", 3: "three"}


def to_cents(amount: Decimal | str | int, *, field: str = "amount") -> int:
    """Exact integer cents from a Decimal, a numeric string or whole cents-free units.

    Refuses floats and anything finer than a cent, naming the field.
    """
    return _scaled(_finite_decimal(amount, field=field, what="money"), 2, field=field)


def to_decimal(cents: int) -> Decimal:
    """Decimal dollars with two places from integer cents."""
    if type(cents) is not int:  # a float here would be rounded silently
        raise TypeError(f"cents: must be an int, not {type(cents).__name__}")
    return (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def to_thousandths(quantity: Decimal | str | int, *, field: str = "quantity") -> int:
    """Exact integer thousandths (units such as 0.5 become 500)."""
    return _scaled(_finite_decimal(quantity, field=field, what="quantity"), 3, field=field)


def from_thousandths(thousandths: int) -> Decimal:
    """Decimal quantity from integer thousandths, without trailing zeros past the point."""
    if type(thousandths) is not int:
        raise TypeError(f"thousandths: must be an int, not {type(thousandths).__name__}")
    value = Decimal(thousandths) / 1000
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _finite_decimal(value: object, *, field: str, what: str) -> Decimal:
    # bool is an int and a tuple or list is read by Decimal() as (sign, digits, exponent):
    # neither is a number a caller meant.
    if isinstance(value, float | bool) or not isinstance(value, Decimal | str | int):
        raise TypeError(f"{field}: {what} must be Decimal, str or int, not {type(value).__name__}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{field}: not a number") from exc
    if not number.is_finite():
        raise ValueError(f"{field}: not a finite number")
    return number


def _scaled(number: Decimal, places: int, *, field: str) -> int:
    """number * 10**places as an exact int; ValueError when it has more places or is too big."""
    if number and number.adjusted() > 20:  # checked first: int() of 1E+999999999 never ends
        raise ValueError(f"{field}: too large")
    exact = number.quantize(Decimal(1).scaleb(-places), context=_EXACT)
    if exact != number:  # Decimal comparison is exact whatever the context
        raise ValueError(f"{field}: more than {_PLACES[places]} decimal places")
    scaled = int(exact.scaleb(places, context=_EXACT))
    if abs(scaled) > MAX_STORED:
        raise ValueError(f"{field}: too large")
    return scaled
