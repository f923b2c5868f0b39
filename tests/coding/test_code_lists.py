"""Tests of the code lists we ship: modifiers, place of service, frequency, CARC/RARC, NUBC."""

from __future__ import annotations

from datetime import date

import pytest

from coding.claimcodes import FREQUENCIES, Frequency
from coding.codetable import Validity
from coding.errors import CodeFileError
from coding.modifiers import (
    ANATOMIC,
    CPT_MODIFIERS,
    DISTINCT,
    LEVEL2_MODIFIERS,
    MODIFIERS,
    REPEAT,
    is_cpt_modifier,
    is_modifier_format,
)
from coding.nubc import NubcKind, is_format, parse_nubc_csv
from coding.pos import is_pos_format, parse_pos_csv, place_of_service_table, pos_from_bytes
from coding.remit import (
    CARC_CATEGORIES,
    RARC_CATEGORIES,
    Category,
    GroupCode,
    carc_category,
    is_carc_format,
    is_rarc_format,
    parse_carc_csv,
    parse_rarc_csv,
    rarc_category,
)

REWORK_CATEGORIES = {
    "eligibility_registration", "coding", "authorization", "medical_necessity", "timely_filing",
    "duplicate", "coordination_of_benefits", "missing_information", "underpayment", "other",
}  # fmt: skip


def test_the_payment_modifiers_of_the_issue_are_in_the_table() -> None:
    for code in ("25", "59", "XE", "XS", "XP", "XU", "76", "77", "91", "LT", "RT", "26", "TC",
                 "GT", "95"):  # fmt: skip
        assert MODIFIERS.get(code), code
    assert set(MODIFIERS) == set(CPT_MODIFIERS) | set(LEVEL2_MODIFIERS)
    assert not set(CPT_MODIFIERS) & set(LEVEL2_MODIFIERS)
    assert all(is_modifier_format(code) for code in MODIFIERS)
    assert is_cpt_modifier("25") and is_cpt_modifier("P1") and not is_cpt_modifier("RT")
    assert {"76", "77", "91"} == REPEAT and {"59", "XE", "XP", "XS", "XU"} == DISTINCT
    assert {"LT", "RT", "F1", "T9", "E4"} <= ANATOMIC and "25" not in ANATOMIC
    with pytest.raises(TypeError):
        MODIFIERS["ZZ"] = "mutable"  # type: ignore[index]


@pytest.mark.parametrize(("code", "ok"), [("25", True), ("rt", False), ("2", False),
                                          ("25A", False), ("Q5", True), ("2$", False)])  # fmt: skip
def test_modifier_format(code: str, ok: bool) -> None:
    assert is_modifier_format(code) is ok


def test_place_of_service_dates() -> None:
    table = place_of_service_table()
    assert table.validity("11", date(2000, 1, 1)) is Validity.VALID
    assert table.validity("10", date(2021, 12, 31)) is Validity.NOT_IN_EFFECT
    assert table.validity("10", date(2022, 1, 1)) is Validity.VALID
    assert table.validity("27", date(2023, 9, 30)) is Validity.NOT_IN_EFFECT
    assert table.validity("27", date(2023, 10, 1)) is Validity.VALID
    assert table.validity("30", date(2026, 1, 1)) is Validity.UNKNOWN
    assert table.description("11") == "office"
    assert len(table) >= 50 and all(is_pos_format(code) for code in table)
    again = pos_from_bytes(table.to_bytes())
    assert list(again.entries()) == list(table.entries())


def test_a_user_place_of_service_list_replaces_ours() -> None:
    table = parse_pos_csv("code,name,start,end\n11,office,,\n99,other,,2025-12-31\n", file="p")
    assert table.validity("99", date(2026, 1, 1)) is Validity.NOT_IN_EFFECT
    with pytest.raises(CodeFileError) as caught:
        parse_pos_csv("11,office\n1A,bad\n", file="pos.csv")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_claim_frequencies() -> None:
    assert {"1", "7", "8"} == FREQUENCIES
    assert not Frequency.ORIGINAL.needs_payer_claim_number
    assert Frequency.REPLACEMENT.needs_payer_claim_number
    assert Frequency.VOID.needs_payer_claim_number


def test_group_codes_are_the_5010_four() -> None:
    assert {g.value for g in GroupCode} == {"CO", "OA", "PI", "PR"}


def test_categories_are_the_rework_queue_categories() -> None:
    assert {c.value for c in Category} == REWORK_CATEGORIES


def test_carc_and_rarc_values_that_matter_have_categories() -> None:
    carcs = (
        "1", "2", "3", "4", "5", "6", "11", "16", "18", "22", "23", "24", "26", "27", "29",
        "31", "32", "45", "50", "96", "97", "109", "119", "125", "146", "167", "170", "181",
        "182", "185", "197", "198", "204", "242", "252",
    )  # fmt: skip
    for code in carcs:
        assert code in CARC_CATEGORIES, code
    rarcs = ("M15", "M20", "M51", "MA04", "MA130", "N4", "N20", "N30", "N130", "N290", "N362",
             "N386")  # fmt: skip
    for code in rarcs:
        assert code in RARC_CATEGORIES, code
    assert all(is_carc_format(code) for code in CARC_CATEGORIES)
    assert all(is_rarc_format(code) for code in RARC_CATEGORIES)
    assert carc_category("29") is Category.TIMELY_FILING
    assert carc_category("18") is Category.DUPLICATE
    assert carc_category("197") is Category.AUTHORIZATION
    assert carc_category("50") is Category.MEDICAL_NECESSITY
    assert carc_category("22") is Category.COORDINATION_OF_BENEFITS
    assert carc_category("27") is Category.ELIGIBILITY
    assert carc_category("16") is Category.MISSING_INFORMATION
    assert carc_category("4") is Category.CODING
    assert carc_category("45") is Category.UNDERPAYMENT
    assert carc_category("999") is Category.OTHER
    assert rarc_category("MA04") is Category.COORDINATION_OF_BENEFITS
    assert rarc_category("N290") is Category.MISSING_INFORMATION
    assert rarc_category("N9999") is Category.OTHER


@pytest.mark.parametrize(("code", "ok"), [("1", True), ("253", True), ("B13", True),
                                          ("0", False), ("1234", False), ("b13", False),
                                          ("B", False), ("MA04", False)])  # fmt: skip
def test_carc_format(code: str, ok: bool) -> None:
    assert is_carc_format(code) is ok


@pytest.mark.parametrize(("code", "ok"), [("M15", True), ("MA130", True), ("N4", True),
                                          ("N", False), ("X15", False), ("MA", False),
                                          ("N12345", False)])  # fmt: skip
def test_rarc_format(code: str, ok: bool) -> None:
    assert is_rarc_format(code) is ok


def test_official_descriptions_are_imported_from_csv() -> None:
    carcs = parse_carc_csv(
        "Code,Description,Start,Stop\n45,The user's licensed words,01/01/1995,\n"
        "B13,More words,,\n", file="carc.csv"
    )  # fmt: skip
    assert carcs.kind == "carc" and carcs.description("45") == "The user's licensed words"
    rarcs = parse_rarc_csv("N290,Words\nMA130,Words\n", file="rarc.csv")
    assert sorted(rarcs) == ["MA130", "N290"]
    with pytest.raises(CodeFileError) as caught:
        parse_rarc_csv("N290,Words\n45,a CARC in the RARC file\n", file="rarc.csv")
    assert (caught.value.line, caught.value.column) == (2, 1)


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (NubcKind.TYPE_OF_BILL, "131", ["0131", "13", "001", "13A"]),
        (NubcKind.REVENUE, "0450", ["450", "0000", "045A"]),
        (NubcKind.CONDITION, "A1", ["A", "a1", "A12"]),
        (NubcKind.OCCURRENCE, "11", ["1", "111"]),
        (NubcKind.OCCURRENCE_SPAN, "70", ["7"]),
        (NubcKind.VALUE, "80", ["8"]),
        (NubcKind.DISCHARGE_STATUS, "01", ["1", "0A"]),
        (NubcKind.ADMISSION_TYPE, "1", ["12", "A"]),
        (NubcKind.ADMISSION_SOURCE, "7", ["", "77"]),
    ],
)
def test_nubc_formats(kind: NubcKind, good: str, bad: list[str]) -> None:
    assert is_format(kind, good)
    for code in bad:
        assert not is_format(kind, code), code


def test_nubc_tables_are_user_imports() -> None:
    table = parse_nubc_csv("0450,emergency room\n0300,laboratory\n", kind=NubcKind.REVENUE,
                           file="rev.csv")  # fmt: skip
    assert table.kind == "nubc-revenue" and "0450" in table
    with pytest.raises(CodeFileError) as caught:
        parse_nubc_csv("0450,er\n450,short\n", kind=NubcKind.REVENUE, file="rev.csv")
    assert (caught.value.line, caught.value.column) == (2, 1)
