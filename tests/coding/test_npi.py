"""Tests of coding/npi.py: NPI format and the Luhn check digit over the 80840 prefix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.npi import check_digit, is_valid

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def luhn_ok(number: str) -> bool:
    """Plain Luhn validation, written apart from the code under test: from the right, every
    second digit doubled (minus 9 when over 9), total divisible by 10."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def test_the_reference_examples() -> None:
    assert is_valid("1234567893")
    assert not is_valid("1234567890")
    assert check_digit("123456789") == "3"


@pytest.mark.parametrize(
    "npi",
    [
        "1811901945",  # payee in badX12's 835 sample (X221 guide example)
        "1912301953",  # in LinuxForHealth's demo 837
        "6543210903",  # in LinuxForHealth's Medicare Part A 835
        "1245319599",  # a sample NPI often quoted in payer documentation
    ],
)
def test_published_npis_are_valid(npi: str) -> None:
    assert is_valid(npi)
    assert luhn_ok("80840" + npi)  # the same number as a card-issuer identifier


@pytest.mark.parametrize(
    "npi",
    [
        "9999999999",  # placeholder in Inteligenz's 835 sample
        "1999996666",  # placeholders in badX12's COB 837P sample
        "1581234567",
        "0000000001",
    ],
)
def test_placeholder_npis_are_invalid(npi: str) -> None:
    assert not is_valid(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "",
        "123456789",  # nine digits
        "12345678930",  # eleven
        "01234567893",
        "123456789A",
        "A234567893",
        "123-456-7893",
        "123 456 7893",
        " 1234567893",
        "1234567893 ",
        "+234567893",
        "-234567893",
        "1234.67893",
        "12345678\uff193",  # fullwidth nine: a digit to str.isdigit, and int() reads it as 9
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff13",  # all fullwidth
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0663",  # Arabic-Indic digits
        "12345678\u00b23",  # superscript two: str.isdigit is True, int() refuses it
    ],
)
def test_wrong_length_or_non_digits_are_invalid_without_raising(npi: str) -> None:
    assert is_valid(npi) is False


@pytest.mark.parametrize("payload", ["12345678", "1234567890", "12345678A", "12345678\uff19", ""])
def test_check_digit_refuses_anything_but_nine_digits(payload: str) -> None:
    with pytest.raises(ValueError, match="NPI"):
        check_digit(payload)


@given(nine_digits)
def test_check_digit_makes_any_nine_digits_valid(payload: str) -> None:
    digit = check_digit(payload)
    assert len(digit) == 1 and digit in "0123456789"
    assert is_valid(payload + digit)
    assert luhn_ok("80840" + payload + digit)


@given(nine_digits, st.integers(1, 9))
def test_every_other_tenth_digit_is_invalid(payload: str, shift: int) -> None:
    wrong = str((int(check_digit(payload)) + shift) % 10)
    assert not is_valid(payload + wrong)


@given(nine_digits, st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_error_in_the_payload_is_caught(
    payload: str, position: int, shift: int
) -> None:
    npi = payload + check_digit(payload)
    typo = str((int(npi[position]) + shift) % 10)
    assert not is_valid(npi[:position] + typo + npi[position + 1 :])


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_is_valid_agrees_with_plain_luhn_over_the_prefix(npi: str) -> None:
    assert is_valid(npi) == luhn_ok("80840" + npi)


@given(st.text(max_size=12))
def test_is_valid_never_raises_on_any_text(text: str) -> None:
    assert is_valid(text) in (True, False)
