"""Tests of claims/money.py: exact conversion of dollars to cents and quantities to thousandths."""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from claims.money import from_thousandths, to_cents, to_decimal, to_thousandths

EXACT = Context(prec=100)  # test arithmetic that never rounds
MAX_STORED = 2**63 - 1  # cents and thousandths live in signed 64-bit columns

# Every amount a signed 64-bit cents column can hold, as Decimal dollars with two places.
dollars = st.integers(-MAX_STORED, MAX_STORED).map(lambda cents: Decimal(cents).scaleb(-2))
quantities = st.integers(-MAX_STORED, MAX_STORED).map(lambda n: Decimal(n).scaleb(-3))


# --- round trips ----------------------------------------------------------------------------


@given(dollars)
@example(Decimal("0.01"))
@example(Decimal("-0.01"))
@example(Decimal("92233720368547758.07"))
def test_cents_round_trip(amount: Decimal) -> None:
    cents = to_cents(amount)
    assert type(cents) is int
    assert Decimal(cents) == amount * 100
    back = to_decimal(cents)
    assert back == amount
    assert back.as_tuple().exponent == -2  # always two places, as X12 and JSON show them
    assert to_cents(str(amount)) == cents
    assert to_cents(back) == cents


@given(st.integers(-MAX_STORED, MAX_STORED))
def test_decimal_round_trip_from_cents(cents: int) -> None:
    assert to_cents(to_decimal(cents)) == cents


@given(quantities)
@example(Decimal("0.5"))
@example(Decimal("0.001"))
def test_thousandths_round_trip(quantity: Decimal) -> None:
    thousandths = to_thousandths(quantity)
    assert type(thousandths) is int
    assert Decimal(thousandths) == quantity * 1000
    back = from_thousandths(thousandths)
    assert back == quantity
    assert to_thousandths(back) == thousandths
    assert to_thousandths(str(quantity)) == thousandths
    text = str(back)
    assert "E" not in text
    if "." in text:
        assert not text.endswith("0"), "no trailing zeros past the point"


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0", 0),
        ("0.00", 0),
        ("-0.00", 0),
        ("12.3", 1230),
        ("12.30", 1230),
        ("12.300000", 1230),  # trailing zeros are not extra places
        ("-45.67", -4567),
        ("1e2", 10000),
        (Decimal("150.00"), 15000),
        (7, 700),  # whole dollars
        ("92233720368547758.07", MAX_STORED),
    ],
)
def test_to_cents_examples(amount: Any, cents: int) -> None:
    assert to_cents(amount) == cents


def test_the_callers_decimal_context_changes_nothing() -> None:
    with localcontext() as ctx:
        ctx.prec = 6
        assert to_cents("123456789.01") == 12345678901
        assert to_thousandths("123456789.125") == 123456789125
        with pytest.raises(ValueError, match="more than two decimal places"):
            to_cents("1234567.001")


@pytest.mark.parametrize(
    ("thousandths", "text"),
    [
        (500, "0.5"),
        (1000, "1"),
        (1500, "1.5"),
        (10000, "10"),
        (0, "0"),
        (1, "0.001"),
        (-250, "-0.25"),
    ],
)
def test_from_thousandths_drops_trailing_zeros(thousandths: int, text: str) -> None:
    assert str(from_thousandths(thousandths)) == text


@pytest.mark.parametrize(
    ("cents", "text"), [(0, "0.00"), (1, "0.01"), (-150, "-1.50"), (12345, "123.45")]
)
def test_to_decimal_shows_two_places(cents: int, text: str) -> None:
    assert str(to_decimal(cents)) == text


# --- refusals name the field ---------------------------------------------------------------

NOT_NUMBERS: list[Any] = [None, b"12", object(), [1], (0, (1, 2, 3), -2), {"amount": 1}]


@pytest.mark.parametrize("convert", [to_cents, to_thousandths])
@pytest.mark.parametrize("value", [1.5, 0.0, float("nan"), True, False, *NOT_NUMBERS])
def test_floats_bools_and_non_numbers_are_refused_by_type(convert: Any, value: Any) -> None:
    with pytest.raises(TypeError) as refused:
        convert(value, field="charges[2].charge")
    assert str(refused.value).startswith("charges[2].charge:")
    assert type(value).__name__ in str(refused.value)


@pytest.mark.parametrize("convert", [to_cents, to_thousandths])
@pytest.mark.parametrize(
    "value",
    ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", Decimal("NaN"), Decimal("-Infinity")],
)
def test_nan_and_infinity_are_refused(convert: Any, value: Any) -> None:
    with pytest.raises(ValueError, match=r"^units: not a finite number$"):
        convert(value, field="units")


@pytest.mark.parametrize("convert", [to_cents, to_thousandths])
@pytest.mark.parametrize("value", ["", "abc", "12,50", "$5.00", "1.2.3", "5 00"])
def test_text_that_is_not_a_number_is_refused(convert: Any, value: str) -> None:
    with pytest.raises(ValueError, match=r"^CLP04: not a number$"):
        convert(value, field="CLP04")


@pytest.mark.parametrize(
    "amount",
    [
        "0.001",
        "-0.005",
        "12.345",
        Decimal("1.001"),
        "1e-3",
        # 29 significant digits: the default Decimal context would round these to whole cents
        Decimal("1.0000000000000000000000000001"),
        Decimal("123456789012345678.0000000001"),
    ],
)
def test_more_than_two_places_is_refused(amount: Any) -> None:
    with pytest.raises(ValueError, match=r"^SVC02: more than two decimal places$"):
        to_cents(amount, field="SVC02")


@given(dollars, st.integers(1, 9), st.integers(3, 40))
def test_any_sub_cent_remainder_is_refused(amount: Decimal, digit: int, place: int) -> None:
    finer = EXACT.add(amount, Decimal(digit).scaleb(-place))
    with pytest.raises(ValueError, match="more than two decimal places"):
        to_cents(finer)


@pytest.mark.parametrize(
    "quantity", ["0.0005", "1.2345", Decimal("2.0000000000000000000000000001")]
)
def test_more_than_three_places_is_refused(quantity: Any) -> None:
    with pytest.raises(ValueError, match=r"^SV104: more than three decimal places$"):
        to_thousandths(quantity, field="SV104")


@pytest.mark.parametrize("convert", [to_cents, to_thousandths])
@pytest.mark.parametrize("value", ["92233720368547758.08", "1e30", "-1e30", "1E+999999999"])
def test_values_beyond_64_bits_are_refused(convert: Any, value: str) -> None:
    with pytest.raises(ValueError, match=r"^BPR02: too large$"):
        convert(value, field="BPR02")


def test_default_field_names() -> None:
    with pytest.raises(TypeError, match=r"^amount:"):
        to_cents(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^quantity:"):
        to_thousandths("0.0001")


@pytest.mark.parametrize("convert", [to_decimal, from_thousandths])
@pytest.mark.parametrize("value", [1.5, True, Decimal("1"), "100"])
def test_back_conversions_take_only_integers(convert: Any, value: Any) -> None:
    with pytest.raises(TypeError):
        convert(value)
