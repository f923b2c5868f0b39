"""Tests of coding/ncci.py: the CMS PTP and MUE importers, the compact tables and the edits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.errors import CodeFileError, TableFormatError
from coding.ncci import (
    NCCI_BYPASS_MODIFIERS,
    MueEdit,
    MueTable,
    NcciFinding,
    PtpEdit,
    PtpTable,
    load_mue_file,
    load_ptp_files,
    mue_findings,
    parse_mue,
    parse_ptp,
    ptp_findings,
)

# ---------------------------------------------------------------------------------------------
# Files in CMS's layouts
# ---------------------------------------------------------------------------------------------

# The head of a CMS practitioner PTP .txt file: preamble, header row, legend rows (CRLF).
PTP_HEAD = (
    "CPT only copyright 2025 American Medical Association. All rights reserved.\r\n"
    "Column1/Column 2 Edits\r\n"
    "Column 1\tColumn 2\t* = In existence prior to 1996\tEffective Date\tDeletion Date\t"
    "Modifier\tPTP Edit Rationale\r\n"
    "\t\t\t\t*=no data\t0=not allowed\t\r\n"
    "\t\t\t\t\t1=allowed\t\r\n"
    "\t\t\t\t\t9=not applicable\t\r\n"
)
PTP_ROWS = [
    "11042\t11000\t\t20150101\t*\t1\tMisuse of column two code with column one code",
    "11042\t97597\t\t20130101\t20240101\t0\tMutually exclusive procedures",
    "29881\t29880\t*\t19960101\t*\t1\tMore extensive procedure",
    "29881\t64450\t\t20210401\t20210401\t9\tStandards of medical / surgical practice",
    "99213\t36415\t\t20100101\t*\t0\tCPT Manual or CMS manual coding instructions",
]
PTP_FILE = PTP_HEAD + "".join(row + "\r\n" for row in PTP_ROWS)

MUE_FILE = (
    '"CPT codes, descriptions and other data only are copyright 2025 American Medical\n'
    'Association. All Rights Reserved."\n'
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    "11042,1,2 Date of Service Edit: Policy,Anatomic Consideration\n"
    "97597,1,3 Date of Service Edit: Clinical,Clinical: Data\n"
    "J1100,60,1 Line Edit,Prescribing Information\n"
    '36415,2,"3 Date of Service Edit: Clinical","Clinical: CMS Workgroup, Data"\n'
)


def ptp_text(*rows: str) -> str:
    """A PTP file with CMS's head and these data rows."""
    return PTP_HEAD + "".join(row + "\n" for row in rows)


def mue_text(*rows: str) -> str:
    """An MUE file with CMS's header row and these data rows."""
    return "HCPCS/CPT Code,MUE Values,MUE Adjudication Indicator,MUE Rationale\n" + "".join(
        row + "\n" for row in rows
    )


def edits_of(table: PtpTable, *codes: str) -> list[PtpEdit]:
    """Every edit of the table with these column 1 codes."""
    return [edit for code in codes for edit in table.column1_edits(code)]


# ---------------------------------------------------------------------------------------------
# PTP importer
# ---------------------------------------------------------------------------------------------


def test_ptp_cms_layout_reads_every_field() -> None:
    table = parse_ptp(PTP_FILE.encode("utf-8"), file="ccipra-v321r0-f1.txt")
    assert len(table) == 5
    assert edits_of(table, "11042", "29881", "99213") == [
        PtpEdit(
            "11042",
            "11000",
            date(2015, 1, 1),
            None,
            1,
            "Misuse of column two code with column one code",
        ),
        PtpEdit(
            "11042",
            "97597",
            date(2013, 1, 1),
            date(2024, 1, 1),
            0,
            "Mutually exclusive procedures",
        ),
        PtpEdit("29881", "29880", date(1996, 1, 1), None, 1, "More extensive procedure"),
        PtpEdit(
            "29881",
            "64450",
            date(2021, 4, 1),
            date(2021, 4, 1),
            9,
            "Standards of medical / surgical practice",
        ),
        PtpEdit(
            "99213",
            "36415",
            date(2010, 1, 1),
            None,
            0,
            "CPT Manual or CMS manual coding instructions",
        ),
    ]


def test_ptp_without_header_reads_every_line_and_skips_blank_lines() -> None:
    text = "\n".join(PTP_ROWS[:2]) + "\n\n  \n" + PTP_ROWS[2] + "\n"
    table = parse_ptp(text)
    assert [(e.column1, e.column2) for e in edits_of(table, "11042", "29881")] == [
        ("11042", "11000"),
        ("11042", "97597"),
        ("29881", "29880"),
    ]


def test_ptp_six_fields_and_empty_trailing_fields_are_accepted() -> None:
    table = parse_ptp(
        ptp_text("11042\t11000\t\t20150101\t*\t1", "29881\t29880\t\t20150101\t*\t0\tx\t\t")
    )
    assert table.find("11042", "11000")[0].rationale == ""
    assert table.find("29881", "29880")[0].rationale == "x"


def test_ptp_windows_1252_text_and_a_byte_order_mark() -> None:
    data = "\ufeff".encode() + ptp_text(
        "11042\t11000\t\t20150101\t*\t1\tSurgeon\u2019s practice"
    ).encode("cp1252")
    assert parse_ptp(data).find("11042", "11000")[0].rationale == "Surgeon\u2019s practice"


def test_ptp_rows_out_of_order_are_sorted() -> None:
    rows = [
        "99213\t36415\t\t20100101\t*\t0\t",
        "11042\t97597\t\t20130101\t*\t1\t",
        "11042\t11000\t\t20150101\t*\t1\t",
    ]
    table = parse_ptp(ptp_text(*rows))
    assert [e.column2 for e in table.column1_edits("11042")] == ["11000", "97597"]
    assert [e.column2 for e in table.column1_edits("99213")] == ["36415"]
    assert table.column1_edits("36415") == []  # only ever column 2
    assert table.column1_edits("00000") == []


def test_ptp_a_pair_deleted_and_added_again_keeps_both_periods() -> None:
    table = parse_ptp(
        ptp_text("11042\t11000\t\t20100101\t20150101\t0\t", "11042\t11000\t\t20180101\t*\t1\t")
    )
    assert len(table.find("11042", "11000")) == 2
    assert [e.modifier_indicator for e in table.find("11042", "11000", date(2012, 6, 1))] == [0]
    assert table.find("11042", "11000", date(2016, 6, 1)) == []
    assert [e.modifier_indicator for e in table.find("11042", "11000", date(2019, 1, 1))] == [1]


GOOD = "11042\t11000\t\t20150101\t*\t1\tMisuse"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("1104\t11000\t\t20150101\t*\t1\tx", 1, "column 1"),
        ("11042\t1100a\t\t20150101\t*\t1\tx", 2, "column 2"),
        ("\t11000\t\t20150101\t*\t1\tx", 1, "column 1: empty"),
        ("11042\t11000\tY\t20150101\t*\t1\tx", 3, "prior to 1996"),
        ("11042\t11000\t\t2015-01-01\t*\t1\tx", 4, "effective date"),
        ("11042\t11000\t\t20150230\t*\t1\tx", 4, "not a calendar date"),
        ("11042\t11000\t\t19650101\t*\t1\tx", 4, "outside"),
        ("11042\t11000\t\t20150101\t\t1\tx", 5, "deletion date"),
        ("11042\t11000\t\t20150101\t20151301\t1\tx", 5, "deletion date"),
        ("11042\t11000\t\t20150101\t*\t2\tx", 6, "modifier indicator"),
        ("11042\t11000\t\t20150101\t*\t\tx", 6, "modifier indicator"),
        ("11042\t11000\t\t20150101\t*", 6, "5 fields"),
        ("11042,11000,,20150101,*,1,x", 2, "fields"),
        ("11042\t11000\t\t20150101\t*\t1\tx\tmore", 8, "unexpected field"),
    ],
)
def test_ptp_bad_row_names_file_line_and_column(row: str, column: int, words: str) -> None:
    # The bad row comes after good ones: the line number counts the header lines too.
    text = ptp_text(GOOD, GOOD, row, GOOD)
    with pytest.raises(CodeFileError) as caught:
        parse_ptp(text, file="ccipra-v321r0-f2.txt")
    error = caught.value
    assert (error.file, error.line, error.column) == ("ccipra-v321r0-f2.txt", 9, column)
    assert words in error.message
    assert str(error).startswith(f"ccipra-v321r0-f2.txt, line 9, column {column}: ")


def test_ptp_a_bad_last_row_refuses_the_whole_file() -> None:
    rows = [f"{10000 + n}\t11000\t\t20150101\t*\t1\tx" for n in range(500)]
    with pytest.raises(CodeFileError) as caught:
        parse_ptp(ptp_text(*rows, "11042\t11000\t\t20150101\t*\t7\tx"))
    assert (caught.value.line, caught.value.column) == (6 + 501, 6)


def test_ptp_undecodable_byte_is_placed() -> None:
    data = ptp_text(GOOD).encode() + b"11042\t11000\t\t20150101\t*\t1\tbad \x81 byte\n"
    with pytest.raises(CodeFileError) as caught:
        parse_ptp(data, file="f.txt")
    assert (caught.value.line, caught.value.column) == (
        8,
        len("11042\t11000\t\t20150101\t*\t1\tbad ") + 1,
    )


def test_ptp_files_of_one_setting_load_together_all_or_nothing(tmp_path: Path) -> None:
    first = tmp_path / "ccipra-v321r0-f1.txt"
    second = tmp_path / "ccipra-v321r0-f2.txt"
    first.write_text(ptp_text(PTP_ROWS[0]), encoding="utf-8")
    second.write_text(ptp_text(PTP_ROWS[4]), encoding="utf-8")
    table = load_ptp_files([first, second])
    assert len(table) == 2 and table.find("99213", "36415") and table.find("11042", "11000")
    second.write_text(ptp_text(PTP_ROWS[4], "99213\t3641\t\t20100101\t*\t0\t"), encoding="utf-8")
    with pytest.raises(CodeFileError) as caught:
        load_ptp_files([first, second])
    assert (caught.value.file, caught.value.line, caught.value.column) == (str(second), 8, 2)


# ---------------------------------------------------------------------------------------------
# PTP table bytes
# ---------------------------------------------------------------------------------------------


def test_ptp_bytes_round_trip_keeps_every_edit() -> None:
    table = parse_ptp(PTP_FILE)
    again = PtpTable.from_bytes(table.to_bytes())
    codes = ("11042", "29881", "99213")
    assert len(again) == len(table) == 5
    assert edits_of(again, *codes) == edits_of(table, *codes)
    assert again.to_bytes() == table.to_bytes()


def test_ptp_empty_table_round_trips() -> None:
    table = PtpTable.from_edits([])
    assert len(PtpTable.from_bytes(table.to_bytes())) == 0


def test_ptp_more_than_65535_codes_use_wide_keys() -> None:
    names = [f"{n:05d}" for n in range(70_000)]
    edits = [PtpEdit(a, b, date(2020, 1, 1), None, 0) for a, b in pairwise(names)]
    table = PtpTable.from_edits(edits)
    blob = table.to_bytes()
    again = PtpTable.from_bytes(blob)
    assert blob[6] == 8  # key size in the header
    assert again.find("69998", "69999") == [PtpEdit("69998", "69999", date(2020, 1, 1), None, 0)]
    assert again.find("69999", "69998") == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[:-1],
        lambda blob: blob + b"\0",
        lambda blob: b"XXXX" + blob[4:],
        lambda blob: blob[:4] + b"\x02\x00" + blob[6:],
        lambda blob: blob[:6] + b"\x03" + blob[7:],
        lambda blob: blob[:3],
    ],
)
def test_ptp_damaged_bytes_are_refused(damage: object) -> None:
    blob = parse_ptp(PTP_FILE).to_bytes()
    with pytest.raises(TableFormatError):
        PtpTable.from_bytes(damage(blob))  # type: ignore[operator]


@pytest.mark.parametrize(
    "edit",
    [
        PtpEdit("1104", "11000", date(2020, 1, 1), None, 1),
        PtpEdit("11042", "11000", date(2020, 1, 1), None, 2),
        PtpEdit("11042", "11000", date(1960, 1, 1), None, 1),
    ],
)
def test_ptp_from_edits_refuses_bad_edits(edit: PtpEdit) -> None:
    with pytest.raises(ValueError):
        PtpTable.from_edits([edit])


# ---------------------------------------------------------------------------------------------
# MUE importer and table
# ---------------------------------------------------------------------------------------------


def test_mue_cms_csv_reads_every_field() -> None:
    table = parse_mue(MUE_FILE.encode(), file="MCR_MUE_PractitionerServices.csv")
    assert len(table) == 4
    assert table.get("11042") == MueEdit("11042", 1, 2, "Anatomic Consideration")
    assert table.get("97597") == MueEdit("97597", 1, 3, "Clinical: Data")
    assert table.get("J1100") == MueEdit("J1100", 60, 1, "Prescribing Information")
    assert table.get("36415") == MueEdit("36415", 2, 3, "Clinical: CMS Workgroup, Data")
    assert table.get("99213") is None


def test_mue_tab_delimited_with_effective_dates() -> None:
    text = (
        "HCPCS/CPT Code\tDME Supplier Services MUE Values\tMAI\tMUE Rationale\tEffective Date\n"
        "E0260\t1\t3\tNature of Equipment\t20200101\n"
        "E0260\t2\t3\tNature of Equipment\t20230101\n"
        "A4253\t2\t2 Date of Service Edit: Policy\tPublished Contractor Policy\t\n"
    )
    table = parse_mue(text)
    assert table.get("E0260", date(2019, 12, 31)) is None  # before any row applies
    assert table.get("E0260", date(2022, 12, 31)) == MueEdit(
        "E0260", 1, 3, "Nature of Equipment", date(2020, 1, 1)
    )
    assert table.get("E0260", date(2023, 1, 1)) == MueEdit(
        "E0260", 2, 3, "Nature of Equipment", date(2023, 1, 1)
    )
    assert table.get("E0260") == table.get("E0260", date(2030, 1, 1))
    assert table.get("A4253", date(1999, 1, 1)) == MueEdit(
        "A4253", 2, 2, "Published Contractor Policy"
    )


def test_mue_multi_line_rationale_is_one_line_in_the_table() -> None:
    table = parse_mue(mue_text('11042,1,1,"Anatomic\nConsideration"'))
    assert table.get("11042") == MueEdit("11042", 1, 1, "Anatomic Consideration")
    assert MueTable.from_bytes(table.to_bytes()).get("11042") == table.get("11042")


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("1104,1,1 Line Edit,x", 1, "code"),
        ("j1100,1,1 Line Edit,x", 1, "code"),
        ("11042,1.5,1 Line Edit,x", 2, "MUE value"),
        ("11042,-1,1 Line Edit,x", 2, "MUE value"),
        ("11042,,1 Line Edit,x", 2, "MUE value"),
        ("11042,1000000000,1 Line Edit,x", 2, "more than 999,999,999"),
        ("11042,1,4 Other,x", 3, "adjudication indicator"),
        ("11042,1,1Line Edit,x", 3, "adjudication indicator"),
        ("11042,1,Line Edit,x", 3, "adjudication indicator"),
        ("11042,1", 3, "2 fields"),
        ("11042,1,1 Line Edit,x,2020-01-01", 5, "effective date"),
        ("11042,1,1 Line Edit,x,,extra", 6, "unexpected field"),
        ("97597,1,1 Line Edit,x", 1, "already on line 5"),
    ],
)
def test_mue_bad_row_names_file_line_and_column(row: str, column: int, words: str) -> None:
    # A quoted two-line preamble first: line numbers are physical lines, not records.
    text = MUE_FILE + "\n" + row + "\n"
    with pytest.raises(CodeFileError) as caught:
        parse_mue(text, file="mue.csv")
    assert (caught.value.file, caught.value.line, caught.value.column) == ("mue.csv", 9, column)
    assert words in caught.value.message


def test_mue_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "MCR_MUE_DMESupplierServices.csv"
    path.write_bytes(MUE_FILE.encode("cp1252"))
    assert load_mue_file(path).get("J1100") == MueEdit("J1100", 60, 1, "Prescribing Information")
    path.write_text(MUE_FILE + "J1100,60,1 Line Edit,x\n", encoding="utf-8")
    with pytest.raises(CodeFileError) as caught:
        load_mue_file(path)
    assert (caught.value.file, caught.value.line) == (str(path), 8)


def test_mue_bytes_round_trip_and_damage() -> None:
    table = parse_mue(MUE_FILE)
    blob = table.to_bytes()
    again = MueTable.from_bytes(blob)
    assert [again.get(c) for c in ("11042", "97597", "J1100", "36415")] == [
        table.get(c) for c in ("11042", "97597", "J1100", "36415")
    ]
    for damaged in (blob[:-1], blob + b"x", b"NPTP" + blob[4:]):
        with pytest.raises(TableFormatError):
            MueTable.from_bytes(damaged)


def test_mue_from_edits_refuses_a_repeated_code_and_date() -> None:
    edit = MueEdit("11042", 1, 2)
    with pytest.raises(ValueError):
        MueTable.from_edits([edit, edit])
    with pytest.raises(ValueError):
        MueTable.from_edits([MueEdit("11042", 1, 4)])


# ---------------------------------------------------------------------------------------------
# The edits: fakes of the scrubber's line and history shapes
# ---------------------------------------------------------------------------------------------

DOS = date(2025, 3, 14)
PATIENT = "patient-7"
PROVIDER = "billing-1"


@dataclass(frozen=True)
class Line:
    """A claim line as the scrubber hands it over."""

    line_number: int
    procedure_code: str
    modifiers: tuple[str, ...] = ()
    units_thousandths: int = 1000
    service_date: date = DOS


@dataclass(frozen=True)
class Other:
    """A line of another claim of the same patient and date."""

    procedure_code: str
    modifiers: tuple[str, ...] = ()
    units_thousandths: int = 1000
    provider_key: str = PROVIDER


@dataclass
class History:
    """Other claims' lines per patient and date, remembering what was asked."""

    lines: dict[tuple[str, date], list[Other]] = field(default_factory=dict)
    asked: list[tuple[str, date]] = field(default_factory=list)

    def other_lines(self, patient_key: str, service_date: date) -> Iterable[Other]:
        """The lines stored for the patient and date."""
        self.asked.append((patient_key, service_date))
        return self.lines.get((patient_key, service_date), [])


NO_HISTORY = History()


def table_of(*edits: PtpEdit) -> PtpTable:
    """A PTP table of these edits."""
    return PtpTable.from_edits(edits)


PAIR_1 = PtpEdit("11042", "97597", date(2013, 1, 1), None, 1, "Misuse of column two code")
PAIR_0 = PtpEdit("99213", "36415", date(2010, 1, 1), None, 0)
PAIR_9 = PtpEdit("29881", "29880", date(1996, 1, 1), None, 9)
TABLE = table_of(PAIR_1, PAIR_0, PAIR_9)


def ptp(
    lines: Sequence[Line], table: PtpTable = TABLE, history: History = NO_HISTORY
) -> list[NcciFinding]:
    """ptp_findings for the test patient and provider."""
    return ptp_findings(lines, table, history, patient_key=PATIENT, provider_key=PROVIDER)


def places(findings: Sequence[NcciFinding]) -> list[tuple[str, int]]:
    """The edit ID and line of each finding."""
    return [(finding.edit_id, finding.line_number) for finding in findings]


# ---------------------------------------------------------------------------------------------
# PTP edit
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_ptp_pair_on_a_claim_denies_the_column_2_line(order: tuple[int, int]) -> None:
    first, second = order
    findings = ptp([Line(first, "11042"), Line(second, "97597")])
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.edit_id, finding.severity, finding.line_number, finding.field) == (
        "NCCI-PTP",
        "error",
        second,
        "procedure_code",
    )
    assert "97597" in finding.message and "11042" in finding.message
    assert f"line {first}" in finding.message
    assert "59" in finding.hint and "Misuse of column two code" in finding.hint


def test_ptp_unrelated_codes_and_a_single_line_pass() -> None:
    assert ptp([Line(1, "11042"), Line(2, "99213")]) == []
    assert ptp([Line(1, "11042")]) == []
    assert ptp([Line(1, "97597"), Line(2, "97597")]) == []


@pytest.mark.parametrize("modifier", sorted(NCCI_BYPASS_MODIFIERS))
@pytest.mark.parametrize("on_column", [1, 2])
def test_ptp_each_allowed_modifier_bypasses_indicator_1(modifier: str, on_column: int) -> None:
    lines = [
        Line(1, "11042", (modifier,) if on_column == 1 else ()),
        Line(2, "97597", ("GA", modifier) if on_column == 2 else ()),
    ]
    assert ptp(lines) == []


def test_ptp_the_bypass_list_is_cms_list() -> None:
    anatomic = {"E1", "E2", "E3", "E4", "FA", "TA", "LT", "RT", "LC", "LD", "RC", "LM", "RI"}
    anatomic |= {f"F{n}" for n in range(1, 10)} | {f"T{n}" for n in range(1, 10)}
    global_surgery = {"24", "25", "57", "58", "78", "79"}
    other = {"27", "59", "91", "XE", "XS", "XP", "XU"}
    assert anatomic | global_surgery | other == NCCI_BYPASS_MODIFIERS


@pytest.mark.parametrize("modifier", ["76", "77", "26", "TC", "50", "51", "GT", "95", "X1", "59 "])
def test_ptp_other_modifiers_do_not_bypass(modifier: str) -> None:
    lines = [Line(1, "11042", (modifier,)), Line(2, "97597", (modifier,))]
    assert places(ptp(lines)) == [("NCCI-PTP", 2)]


def test_ptp_indicator_0_is_never_bypassed() -> None:
    findings = ptp([Line(1, "99213", ("25",)), Line(2, "36415", ("59", "XU"))])
    assert places(findings) == [("NCCI-PTP", 2)]
    assert "modifier indicator 0" in findings[0].hint


def test_ptp_indicator_9_is_ignored() -> None:
    assert ptp([Line(1, "29881"), Line(2, "29880")]) == []


def test_ptp_deleted_pair_stops_on_its_deletion_date() -> None:
    deleted = table_of(PtpEdit("11042", "97597", date(2013, 1, 1), date(2024, 1, 1), 0))
    day_before = date(2023, 12, 31)
    lines_on = [
        Line(1, "11042", service_date=day_before),
        Line(2, "97597", service_date=day_before),
    ]
    assert places(ptp(lines_on, deleted)) == [("NCCI-PTP", 2)]
    on_deletion = [
        Line(1, "11042", service_date=date(2024, 1, 1)),
        Line(2, "97597", service_date=date(2024, 1, 1)),
    ]
    assert ptp(on_deletion, deleted) == []


def test_ptp_pair_not_yet_effective_does_not_fire() -> None:
    future = table_of(PtpEdit("11042", "97597", DOS + timedelta(days=1), None, 0))
    assert ptp([Line(1, "11042"), Line(2, "97597")], future) == []
    starts_today = table_of(PtpEdit("11042", "97597", DOS, None, 0))
    assert places(ptp([Line(1, "11042"), Line(2, "97597")], starts_today)) == [("NCCI-PTP", 2)]


def test_ptp_retroactive_deletion_never_applies() -> None:
    never = table_of(PtpEdit("11042", "97597", date(2020, 1, 1), date(2020, 1, 1), 0))
    assert ptp([Line(1, "11042"), Line(2, "97597")], never) == []


def test_ptp_pair_in_its_second_period_uses_that_periods_indicator() -> None:
    table = table_of(
        PtpEdit("11042", "97597", date(2010, 1, 1), date(2015, 1, 1), 0),
        PtpEdit("11042", "97597", date(2018, 1, 1), None, 1),
    )
    assert places(ptp([Line(1, "11042"), Line(2, "97597")], table)) == [("NCCI-PTP", 2)]
    with_59 = [Line(1, "11042"), Line(2, "97597", ("59",))]
    assert ptp(with_59, table) == []  # 2025: indicator 1, bypassed
    in_2012 = [
        Line(1, "11042", service_date=date(2012, 1, 1)),
        Line(2, "97597", ("59",), service_date=date(2012, 1, 1)),
    ]
    assert places(ptp(in_2012, table)) == [("NCCI-PTP", 2)]  # 2012: indicator 0
    in_2016 = [
        Line(1, "11042", service_date=date(2016, 1, 1)),
        Line(2, "97597", service_date=date(2016, 1, 1)),
    ]
    assert ptp(in_2016, table) == []  # between the periods


def test_ptp_different_dates_of_service_do_not_pair() -> None:
    lines = [Line(1, "11042"), Line(2, "97597", service_date=DOS + timedelta(days=1))]
    assert ptp(lines) == []


def test_ptp_column_1_on_another_claim_of_the_same_provider() -> None:
    history = History({(PATIENT, DOS): [Other("11042")]})
    findings = ptp([Line(1, "97597")], history=history)
    assert places(findings) == [("NCCI-PTP", 1)]
    assert "another claim" in findings[0].message
    assert history.asked == [(PATIENT, DOS)]


def test_ptp_column_2_on_another_claim_flags_our_column_1_line() -> None:
    history = History({(PATIENT, DOS): [Other("97597")]})
    findings = ptp([Line(3, "11042")], history=history)
    assert places(findings) == [("NCCI-PTP", 3)]
    assert "97597" in findings[0].message and "another claim" in findings[0].message


def test_ptp_other_claims_of_another_provider_or_date_do_not_count() -> None:
    other_provider = History({(PATIENT, DOS): [Other("11042", provider_key="billing-2")]})
    assert ptp([Line(1, "97597")], history=other_provider) == []
    other_day = History({(PATIENT, DOS - timedelta(days=1)): [Other("11042")]})
    assert ptp([Line(1, "97597")], history=other_day) == []


def test_ptp_bypass_modifier_on_the_other_claims_line_counts() -> None:
    history = History({(PATIENT, DOS): [Other("11042", ("XS",))]})
    assert ptp([Line(1, "97597")], history=history) == []


def test_ptp_pairs_only_within_other_claims_are_not_ours() -> None:
    history = History({(PATIENT, DOS): [Other("11042"), Other("97597")]})
    assert ptp([Line(1, "99213")], history=history) == []


def test_ptp_one_finding_per_line_and_pair() -> None:
    lines = [Line(1, "11042"), Line(2, "11042", ("76",)), Line(3, "97597")]
    assert places(ptp(lines)) == [("NCCI-PTP", 3)]


def test_ptp_findings_quote_no_patient_data() -> None:
    history = History({(PATIENT, DOS): [Other("11042")]})
    findings = ptp([Line(1, "97597"), Line(2, "99213"), Line(3, "36415")], history=history)
    assert places(findings) == [("NCCI-PTP", 1), ("NCCI-PTP", 3)]
    for finding in findings:
        text = finding.message + finding.hint
        assert PATIENT not in text and PROVIDER not in text
        assert DOS.isoformat() not in text and DOS.strftime("%m/%d/%Y") not in text
        assert "20250314" not in text


def test_ptp_lines_with_codes_in_no_pair_ask_no_history() -> None:
    history = History()
    assert ptp([Line(1, "G0439"), Line(2, "99999")], history=history) == []
    assert history.asked == []


CODES = ["11042", "97597", "99213", "36415", "G0101"]
DAYS = [date(2012, 1, 1), date(2016, 1, 1), date(2020, 1, 1)]


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(
        st.builds(
            PtpEdit,
            st.sampled_from(CODES),
            st.sampled_from(CODES),
            st.sampled_from(DAYS),
            st.one_of(st.none(), st.sampled_from(DAYS)),
            st.sampled_from([0, 1, 9]),
        ),
        max_size=12,
    ),
    own=st.lists(
        st.tuples(st.sampled_from(CODES), st.sampled_from(DAYS), st.booleans()), max_size=5
    ),
    others=st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(DAYS)), max_size=3),
)
def test_ptp_matches_a_plain_reading_of_the_rule(
    edits: list[PtpEdit],
    own: list[tuple[str, date, bool]],
    others: list[tuple[str, date]],
) -> None:
    lines = [
        Line(n, code, ("59",) if mod else (), service_date=day)
        for n, (code, day, mod) in enumerate(own, start=1)
    ]
    history = History()
    for code, day in others:
        history.lines.setdefault((PATIENT, day), []).append(Other(code))
    # Every ordered pair of distinct lines on a date, at least one of them ours.
    party: list[tuple[str, date, tuple[str, ...], int | None]] = [
        (line.procedure_code, line.service_date, line.modifiers, line.line_number) for line in lines
    ]
    party += [(code, day, (), None) for code, day in others]
    expected = set()
    for a, (code1, day1, mods1, n1) in enumerate(party):
        for b, (code2, day2, mods2, n2) in enumerate(party):
            if a == b or day1 != day2 or (n1 is None and n2 is None):
                continue
            for edit in edits:
                if (edit.column1, edit.column2) != (code1, code2) or not edit.in_effect(day1):
                    continue
                bypassed = "59" in mods1 or "59" in mods2
                if edit.modifier_indicator == 0 or (edit.modifier_indicator == 1 and not bypassed):
                    expected.add((n2 if n2 is not None else n1, code1, code2))
    got = ptp(lines, table_of(*edits), history)
    assert {(f.line_number, *_pair_in(f.message)) for f in got} == expected
    assert len(got) == len(expected)


def _pair_in(message: str) -> tuple[str, str]:
    """The column 1 and column 2 codes a PTP message names ("pair 11042/97597")."""
    pair = message.split("pair ", 1)[1].split()[0].rstrip(";,.")
    first, second = pair.split("/")
    return first, second


# ---------------------------------------------------------------------------------------------
# MUE edit
# ---------------------------------------------------------------------------------------------

MUE = MueTable.from_edits(
    [
        MueEdit("J1100", 60, 1, "Prescribing Information"),
        MueEdit("11042", 1, 2, "Anatomic Consideration"),
        MueEdit("97597", 1, 3, "Clinical: Data"),
        MueEdit("G0101", 0, 1),
        MueEdit("E0260", 1, 1, "", date(2026, 1, 1)),
    ]
)


def mue(lines: Sequence[Line], history: History = NO_HISTORY, **keys: str) -> list[NcciFinding]:
    """mue_findings for the test patient."""
    return mue_findings(lines, MUE, history, patient_key=PATIENT, **keys)


def test_mue_line_edit_compares_each_line() -> None:
    assert mue([Line(1, "J1100", units_thousandths=60_000)]) == []
    findings = mue([Line(1, "J1100", units_thousandths=60_001)])
    assert places(findings) == [("NCCI-MUE", 1)]
    assert (findings[0].severity, findings[0].field) == ("error", "units")
    assert "60.001 units of J1100" in findings[0].message and "MAI 1" in findings[0].message
    assert "CMS rationale: Prescribing Information." in findings[0].hint
    # Per line: two lines under the value pass even when their sum is over it.
    assert (
        mue(
            [Line(1, "J1100", units_thousandths=40_000), Line(2, "J1100", units_thousandths=40_000)]
        )
        == []
    )


def test_mue_fractional_units_over_a_value_of_one() -> None:
    findings = mue([Line(2, "11042", units_thousandths=1500)])
    assert places(findings) == [("NCCI-MUE", 2)]
    assert "1.5 units" in findings[0].message


def test_mue_zero_value_refuses_any_unit() -> None:
    assert places(mue([Line(1, "G0101", units_thousandths=1)])) == [("NCCI-MUE", 1)]


def test_mue_date_of_service_edit_sums_the_claims_lines() -> None:
    findings = mue([Line(1, "99213"), Line(2, "11042", ("RT",)), Line(4, "11042", ("LT",))])
    assert places(findings) == [("NCCI-MUE", 2)]
    assert "lines 2, 4" in findings[0].message and "MAI 2" in findings[0].message
    assert "CMS rationale: Anatomic Consideration." in findings[0].hint
    assert "not paid above its value, even on appeal" in findings[0].hint
    assert mue([Line(1, "11042")]) == []


def test_mue_mai_2_sums_across_other_claims() -> None:
    history = History({(PATIENT, DOS): [Other("11042", provider_key="billing-9")]})
    findings = mue([Line(1, "11042")], history)
    assert places(findings) == [("NCCI-MUE", 1)]
    assert "(1 unit on other claims)" in findings[0].message
    assert history.asked == [(PATIENT, DOS)]


def test_mue_mai_3_sums_across_other_claims_with_an_appeal_hint() -> None:
    history = History({(PATIENT, DOS): [Other("97597", units_thousandths=500)]})
    findings = mue([Line(1, "97597", units_thousandths=600)], history)
    assert places(findings) == [("NCCI-MUE", 1)]
    assert "MAI 3" in findings[0].message and "appeal" in findings[0].hint
    assert mue([Line(1, "97597", units_thousandths=500)], history) == []


def test_mue_other_claims_count_only_for_the_code_and_date() -> None:
    history = History(
        {
            (PATIENT, DOS): [Other("97597"), Other("J1100", units_thousandths=90_000)],
            (PATIENT, DOS + timedelta(days=1)): [Other("11042")],
        }
    )
    assert mue([Line(1, "11042")], history) == []


def test_mue_provider_key_limits_other_claims_when_given() -> None:
    history = History({(PATIENT, DOS): [Other("11042", provider_key="billing-9")]})
    assert mue([Line(1, "11042")], history, provider_key=PROVIDER) == []
    history.lines[(PATIENT, DOS)].append(Other("11042"))
    assert places(mue([Line(1, "11042")], history, provider_key=PROVIDER)) == [("NCCI-MUE", 1)]


def test_mue_row_not_yet_effective_does_not_apply() -> None:
    assert mue([Line(1, "E0260", units_thousandths=3000)]) == []  # 2025 date of service
    late = Line(1, "E0260", units_thousandths=3000, service_date=date(2026, 2, 1))
    assert places(mue([late])) == [("NCCI-MUE", 1)]


def test_mue_codes_without_a_value_ask_no_history() -> None:
    history = History()
    assert mue([Line(1, "99213", units_thousandths=9000), Line(2, "J1100")], history) == []
    assert history.asked == []


def test_mue_findings_quote_no_patient_data() -> None:
    history = History({(PATIENT, DOS): [Other("11042")]})
    for finding in mue([Line(1, "11042"), Line(2, "J1100", units_thousandths=70_000)], history):
        text = finding.message + finding.hint
        assert PATIENT not in text and DOS.isoformat() not in text and "2025" not in text
