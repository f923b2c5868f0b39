"""Tests of coding/codetable.py: dated tables, their stored bytes, and the CSV importer."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.codetable import (
    CodeEntry,
    DatedCodeTable,
    Validity,
    pack,
    pack_codes,
    parse_code_csv,
    parse_date,
    unpack,
    unpack_codes,
)
from coding.errors import CodeFileError, TableFormatError


def _five_digits(code: str) -> bool:
    return len(code) == 5 and code.isdigit()


def test_validity_follows_each_range_inclusively() -> None:
    table = DatedCodeTable(
        "demo",
        [
            CodeEntry("10000", "old", None, date(2020, 12, 31)),
            CodeEntry("20000", "new", date(2026, 1, 1), None),
            CodeEntry("30000", "back again", date(2019, 1, 1), date(2019, 12, 31)),
            CodeEntry("30000", "", date(2022, 1, 1), None),
        ],
    )
    assert table.validity("10000", date(2020, 12, 31)) is Validity.VALID
    assert table.validity("10000", date(2021, 1, 1)) is Validity.NOT_IN_EFFECT
    assert table.validity("20000", date(2025, 12, 31)) is Validity.NOT_IN_EFFECT
    assert table.validity("20000", date(2026, 1, 1)) is Validity.VALID
    assert table.validity("30000", date(2020, 6, 1)) is Validity.NOT_IN_EFFECT
    assert table.validity("30000", date(2019, 6, 1)) is Validity.VALID
    assert table.validity("30000", date(2024, 6, 1)) is Validity.VALID
    assert table.validity("40000", date(2024, 6, 1)) is Validity.UNKNOWN
    # A later row without words keeps the code's description.
    assert table.description("30000") == "back again"
    assert table.description("40000") is None
    assert len(table) == 3 and "20000" in table and "40000" not in table


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="end date before start date"):
        DatedCodeTable("demo", [CodeEntry("10000", "", date(2026, 1, 2), date(2026, 1, 1))])


def test_bytes_round_trip_keeps_codes_ranges_and_words() -> None:
    entries = [
        CodeEntry("10000", "tab\there", None, date(2020, 12, 31)),
        CodeEntry("20000", "naïve words", date(2026, 1, 1), None),
        CodeEntry("20000", "naïve words", date(2010, 1, 1), date(2012, 1, 1)),
    ]
    table = DatedCodeTable("demo", entries)
    again = DatedCodeTable.from_bytes("demo", table.to_bytes())
    assert list(again.entries()) == [
        CodeEntry("10000", "tab here", None, date(2020, 12, 31)),
        CodeEntry("20000", "naïve words", date(2010, 1, 1), date(2012, 1, 1)),
        CodeEntry("20000", "naïve words", date(2026, 1, 1), None),
    ]
    assert again.validity("20000", date(2011, 5, 5)) is Validity.VALID


def test_stored_bytes_of_another_kind_or_damaged_are_refused() -> None:
    data = DatedCodeTable("cpt", [CodeEntry("10000")]).to_bytes()
    with pytest.raises(TableFormatError, match="'dated:pos'"):
        DatedCodeTable.from_bytes("pos", data)
    with pytest.raises(TableFormatError, match="damaged"):
        DatedCodeTable.from_bytes("cpt", data[:-5])
    with pytest.raises(TableFormatError):
        unpack(b"garbage", "cpt", 1)


def test_pack_checks_section_sizes() -> None:
    data = pack("demo", 3, {"a": 1}, [b"one", b"", b"three"])
    assert unpack(data, "demo", 3) == ({"a": 1}, [b"one", b"", b"three"])
    with pytest.raises(TableFormatError, match="layout 2"):
        unpack(data, "demo", 2)


@given(st.sets(st.from_regex(r"[A-Z][0-9A-Z]{2,6}", fullmatch=True), max_size=200))
def test_code_sets_round_trip(codes: set[str]) -> None:
    assert unpack_codes(pack_codes(codes)) == {int(code, 36) for code in codes}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-01", date(2026, 4, 1)),
        ("20260401", date(2026, 4, 1)),
        ("04/01/2026", date(2026, 4, 1)),
        ("  ", None),
    ],
)
def test_dates_in_three_spellings(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-13-01", "2026/04/01", "1.4.2026", "20261301"])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_csv_import_skips_a_title_row_and_reads_dates() -> None:
    text = (
        "Code,Description,Start,End\r\n"
        '10000,"Our words, with a comma",2020-01-01,2020-12-31\r\n'
        "\r\n"
        "20000,More words,,\r\n"
        "30000,Only words\r\n"
    )
    table = parse_code_csv(
        text.encode("utf-8-sig"), kind="demo", file="d.csv", check_code=_five_digits,
        code_rule="five digits",
    )  # fmt: skip
    assert table.kind == "demo" and len(table) == 3
    assert table.description("10000") == "Our words, with a comma"
    assert table.validity("10000", date(2021, 1, 1)) is Validity.NOT_IN_EFFECT
    assert table.validity("30000", date(1999, 1, 1)) is Validity.VALID


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("10000,ok\n1000X,bad code\n", 2, 1, "not five digits"),
        ("10000\n", 1, None, "expected 2 to 4 fields"),
        ("10000,a,b,c,d\n", 1, None, "expected 2 to 4 fields"),
        ("10000,ok,2026-02-30\n", 1, 3, "start date"),
        ("10000,ok,,01/01/20x6\n", 1, 4, "end date"),
        ("10000,ok\n20000,ok,2026-02-01,2026-01-01\n", 2, 4, "before the start date"),
        ("Code,Description\n", None, None, "no demo codes"),
        ('10000,"unclosed\n', None, None, "CSV"),
    ],
)
def test_csv_errors_name_the_line_and_field(
    text: str, line: int | None, column: int | None, words: str
) -> None:
    with pytest.raises(CodeFileError) as caught:
        parse_code_csv(
            text, kind="demo", file="d.csv", check_code=_five_digits, code_rule="five digits"
        )
    error = caught.value
    assert error.file == "d.csv"
    if line is not None:
        assert (error.line, error.column) == (line, column)
    assert words in str(error)


def test_an_empty_table_round_trips() -> None:
    empty = DatedCodeTable.from_bytes("demo", DatedCodeTable("demo", []).to_bytes())
    assert len(empty) == 0 and list(empty.entries()) == []
    assert empty.validity("10000", date(2026, 1, 1)) is Validity.UNKNOWN


def test_stored_sections_that_disagree_are_refused() -> None:
    table = DatedCodeTable("demo", [CodeEntry("10000"), CodeEntry("20000")])
    _, sections = unpack(table.to_bytes(), "dated:demo", 1)
    broken = pack("dated:demo", 1, {"rows": 3}, sections)
    with pytest.raises(TableFormatError, match="row count"):
        DatedCodeTable.from_bytes("demo", broken)
