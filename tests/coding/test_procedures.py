"""Tests of coding/hcpcs.py and coding/cpt.py: the CMS HCPCS file, CPT format and import."""

from __future__ import annotations

from datetime import date

import pytest

from coding.codetable import Validity
from coding.cpt import is_cpt_format, is_lab_code, is_quality_code, parse_cpt_csv
from coding.errors import CodeFileError
from coding.hcpcs import HcpcsTable, is_level2_format, parse_hcpcs_file
from tests.coding.helpers import hcpcs_record

FILE = "\r\n".join(
    [
        hcpcs_record("G0008", "Admin influenza virus vac", added=date(1993, 1, 1),
                     effective=date(2024, 1, 1), long="Administration of influenza virus "
                     "vaccine, our test words that run on past the eighty columns of a line"),
        hcpcs_record("G0008", "", record="4", sequence=200, long="second line of words"),
        hcpcs_record("J3301", "Triamcinolone acet inj NOS", added=date(2000, 1, 1)),
        hcpcs_record("G9999", "Retired code", added=date(2010, 1, 1),
                     terminated=date(2025, 12, 31), action="D"),
        hcpcs_record("K1099", "Brand new item", added=date(2026, 7, 1)),
        hcpcs_record("Q0091", "Dated only by action", effective=date(2002, 4, 1)),
        hcpcs_record("RT", "Right side", record="7", added=date(1990, 1, 1)),
        hcpcs_record("RT", "", record="8", sequence=200, long="more words"),
        hcpcs_record("GT", "Via interactive telecom", record="7", added=date(2003, 1, 1),
                     terminated=date(2017, 12, 31)),
    ]
)  # fmt: skip


def test_the_record_layout_puts_dates_in_columns_269_to_292() -> None:
    line = hcpcs_record("J3301", "Short", added=date(2000, 1, 2), effective=date(2001, 2, 3),
                        terminated=date(2002, 3, 4), action="C")  # fmt: skip
    assert len(line) == 320 and line[:5] == "J3301" and line[10] == "3"
    assert line[91:96] == "Short"
    assert line[268:276] == "20000102" and line[276:284] == "20010203"
    assert line[284:292] == "20020304" and line[292] == "C"
    assert hcpcs_record("RT", "Right", record="7")[:5] == "   RT"


def test_codes_and_modifiers_are_valid_by_date() -> None:
    table = parse_hcpcs_file(FILE.encode("cp1252"), file="HCPC2026_JUL_ANWEB.txt")
    procedures, modifiers = table.procedures, table.modifiers
    assert sorted(procedures) == ["G0008", "G9999", "J3301", "K1099", "Q0091"]
    assert sorted(modifiers) == ["GT", "RT"]
    on = date(2026, 5, 4)
    assert procedures.validity("G0008", on) is Validity.VALID
    assert procedures.validity("G0008", date(1992, 12, 31)) is Validity.NOT_IN_EFFECT
    assert procedures.validity("G9999", date(2025, 12, 31)) is Validity.VALID  # the last day
    assert procedures.validity("G9999", date(2026, 1, 1)) is Validity.NOT_IN_EFFECT
    assert procedures.validity("K1099", on) is Validity.NOT_IN_EFFECT
    assert procedures.validity("K1099", date(2026, 7, 1)) is Validity.VALID
    assert procedures.validity("Q0091", date(2002, 3, 31)) is Validity.NOT_IN_EFFECT
    assert procedures.validity("A0001", on) is Validity.UNKNOWN
    assert modifiers.validity("RT", on) is Validity.VALID
    assert modifiers.validity("GT", on) is Validity.NOT_IN_EFFECT
    assert procedures.description("G0008") == "Admin influenza virus vac"


def test_hcpcs_bytes_round_trip() -> None:
    table = parse_hcpcs_file(FILE, file="f.txt")
    again = HcpcsTable.from_bytes(table.to_bytes())
    assert list(again.procedures.entries()) == list(table.procedures.entries())
    assert list(again.modifiers.entries()) == list(table.modifiers.entries())


GOOD = hcpcs_record("J3301", "Triamcinolone", added=date(2000, 1, 1))
OTHER = hcpcs_record("J3302", "Another", added=date(2000, 1, 1))


def _put(line: str, column: int, text: str) -> str:
    return line[: column - 1] + text + line[column - 1 + len(text) :]


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (_put(GOOD, 1, "99213"), 1, "not a HCPCS Level II code"),
        (_put(OTHER, 6, "0001x"), 6, "sequence number"),
        (_put(OTHER, 11, "5"), 11, "record identification"),
        (_put(OTHER, 269, "2000013x"), 269, "added date"),
        (_put(OTHER, 277, "20001301"), 277, "action effective date"),
        (_put(OTHER, 285, "19991231"), 285, "before the added date"),
        (GOOD[:9], 10, "too short"),
        (_put(hcpcs_record("RT", "Right", record="7"), 1, "X"), 1, "3 blanks"),
        (hcpcs_record("J3302", "", record="4"), 11, "without its first line"),
        (GOOD, 1, "two first lines"),
    ],
)
def test_hcpcs_errors_name_line_and_column(line: str, column: int, words: str) -> None:
    text = GOOD + "\n" + line + "\n"
    with pytest.raises(CodeFileError) as caught:
        parse_hcpcs_file(text, file="anweb.txt")
    error = caught.value
    assert (error.file, error.line, error.column) == ("anweb.txt", 2, column)
    assert words in error.message


def test_a_file_without_procedures_is_refused() -> None:
    with pytest.raises(CodeFileError, match="no HCPCS procedure records"):
        parse_hcpcs_file(hcpcs_record("RT", "Right", record="7"), file="f.txt")


@pytest.mark.parametrize("code", ["J3301", "G0008", "A0021", "V5362", "D0120", "U0003"])
def test_level2_format(code: str) -> None:
    assert is_level2_format(code)


@pytest.mark.parametrize("code", ["99213", "F1234", "J330", "J33011", "j3301", "JJ301", "N1234"])
def test_not_level2_format(code: str) -> None:
    assert not is_level2_format(code)


@pytest.mark.parametrize("code", ["99213", "00100", "3074F", "0042T", "0001U"])
def test_cpt_format(code: str) -> None:
    assert is_cpt_format(code)


@pytest.mark.parametrize(
    "code", ["9921", "992133", "3074X", "J3301", "307F4", "\uff19\uff19\uff12\uff11\uff13"]
)
def test_not_cpt_format(code: str) -> None:
    assert not is_cpt_format(code)


def test_quality_and_lab_codes() -> None:
    assert is_quality_code("3074F") and is_quality_code("G8431") and is_quality_code("G9903")
    assert is_quality_code("M1003")
    assert not is_quality_code("G0008") and not is_quality_code("99213")
    assert not is_quality_code("M0201") and not is_quality_code("0042T")
    assert is_lab_code("80053") and is_lab_code("89398")
    assert not is_lab_code("36415") and not is_lab_code("90686") and not is_lab_code("8005F")


def test_cpt_csv_import() -> None:
    text = (
        "CPT Code,Short Description,Effective Date,End Date\n"
        "99213,Office visit est low (licensed words),2021-01-01,\n"
        "99201,Office visit new (deleted),19920101,20201231\n"
        "3074F,Quality code,,\n"
    )
    table = parse_cpt_csv(text, file="cpt.csv")
    assert table.kind == "cpt" and sorted(table) == ["3074F", "99201", "99213"]
    assert table.validity("99201", date(2021, 1, 1)) is Validity.NOT_IN_EFFECT
    assert table.validity("99213", date(2026, 5, 1)) is Validity.VALID
    with pytest.raises(CodeFileError) as caught:
        parse_cpt_csv("99213,ok\nJ3301,not CPT\n", file="cpt.csv")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_a_file_without_modifier_records_has_an_empty_modifier_table() -> None:
    table = parse_hcpcs_file(GOOD, file="f.txt")
    assert len(table.modifiers) == 0
    assert len(HcpcsTable.from_bytes(table.to_bytes()).modifiers) == 0
