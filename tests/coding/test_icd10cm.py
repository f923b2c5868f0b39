"""Tests of coding/icd10cm.py: the CDC order file, releases, classes, date validity, bytes."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from claims.demo import VISITS
from coding.errors import CodeFileError, TableFormatError
from coding.icd10cm import (
    DxStatus,
    IcdRelease,
    IcdReleaseSet,
    build_release,
    is_code_format,
    is_external_cause,
    natural_end,
    parse_order_file,
)
from tests.coding.helpers import order_file, order_line, shipped_release

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    ("A00", False, "Cholera"),
    ("A000", True, "Cholera due to Vibrio cholerae 01, biovar cholerae"),
    ("D63", False, "Anemia in chronic diseases classified elsewhere"),
    ("D631", True, "Anemia in chronic kidney disease"),
    ("G63", True, "Polyneuropathy in diseases classified elsewhere"),
    ("I10", True, "Essential (primary) hypertension"),
    ("R69", True, "Illness, unspecified, not elsewhere classified"),
    ("W19", False, "Unspecified fall"),
    ("W19X", False, "Unspecified fall"),
    ("W19XXXA", True, "Unspecified fall, initial encounter"),
]


def test_the_order_layout_is_read_by_columns() -> None:
    line = order_line(7, "A000", True, "Short title", "A longer title")
    assert line[:5] == "00007" and line[6:13] == "A000   " and line[14] == "1"
    assert line[16:76].rstrip() == "Short title" and line[77:] == "A longer title"
    release = parse_order_file(
        (order_file(ROWS) + "\r\n\r\n").encode(), effective_from=date(2025, 10, 1), file="o.txt"
    )
    assert release.effective_from == date(2025, 10, 1)
    assert release.counts() == {"billable": 6, "headers": 4, "manifestation": 3}
    assert release.status("A000") is DxStatus.BILLABLE
    assert release.status("A00") is DxStatus.HEADER
    assert release.status("A001") is DxStatus.UNKNOWN
    assert release.is_billable("W19XXXA") and release.is_valid("W19")


def test_manifestation_codes_come_from_titles_and_their_categories() -> None:
    release = build_release(date(2025, 10, 1), ROWS)
    # G63's own title; D63.1 through its category D63; "not elsewhere classified" is not it.
    assert release.is_manifestation("G63")
    assert release.is_manifestation("D631") and release.is_manifestation("D63")
    assert not release.is_manifestation("R69")
    assert not release.is_manifestation("I10")
    assert not release.is_manifestation("D6")  # not a code at all


def test_external_cause_codes_are_chapter_20() -> None:
    assert is_external_cause("W19XXXA") and is_external_cause("V0001XA")
    assert is_external_cause("Y929")
    assert not is_external_cause("S72001A") and not is_external_cause("")


@pytest.mark.parametrize("code", ["I10", "E785", "QA00101", "S72001A", "C4A0"])
def test_code_format_accepts_codes_without_the_dot(code: str) -> None:
    assert is_code_format(code)


@pytest.mark.parametrize("code", ["I1", "E78.5", "e785", "1E78", "E7_85", "E785 ", "ABCDEFGH"])
def test_code_format_refuses_other_shapes(code: str) -> None:
    assert not is_code_format(code)


GOOD = order_line(2, "A000", True, "Short title", "Long title")


def _put(line: str, column: int, text: str) -> str:
    """The line with text written from a 1-based column on."""
    return line[: column - 1] + text + line[column - 1 + len(text) :]


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (_put(GOOD, 1, "0000A"), 1, "order number"),
        (_put(GOOD, 6, "x"), 6, "column 6 must be blank"),
        (_put(GOOD, 7, "A00.0  "), 7, "not an ICD-10-CM code"),
        (_put(GOOD, 7, "a000   "), 7, "not an ICD-10-CM code"),
        (_put(GOOD, 14, "x"), 14, "column 14 must be blank"),
        (_put(GOOD, 15, "2"), 15, "billable flag"),
        (_put(GOOD, 16, "x"), 16, "column 16 must be blank"),
        (_put(GOOD, 77, "x"), 77, "column 77 must be blank"),
        (GOOD[:14], 11, "too short"),  # trailing blanks do not count
    ],
)
def test_order_file_errors_name_line_and_column(line: str, column: int, words: str) -> None:
    text = order_line(1, "I10", True, "Essential hypertension") + "\n" + line + "\n"
    with pytest.raises(CodeFileError) as caught:
        parse_order_file(text, effective_from=date(2025, 10, 1), file="order.txt")
    error = caught.value
    assert (error.file, error.line, error.column) == ("order.txt", 2, column)
    assert words in error.message


def test_a_code_twice_or_an_empty_file_is_refused() -> None:
    text = order_file([("I10", True, "Hypertension"), ("I10", True, "Hypertension")])
    with pytest.raises(CodeFileError, match="appears twice") as caught:
        parse_order_file(text, effective_from=date(2025, 10, 1), file="o.txt")
    assert caught.value.line == 2
    with pytest.raises(CodeFileError, match="no ICD-10-CM codes"):
        parse_order_file("\n\n", effective_from=date(2025, 10, 1), file="o.txt")


def test_release_bytes_round_trip() -> None:
    release = build_release(date(2025, 10, 1), ROWS)
    data = release.to_bytes()
    again = IcdRelease.from_bytes(data)
    assert again.effective_from == date(2025, 10, 1)
    assert again.counts() == release.counts()
    for code, _, _ in ROWS:
        assert again.status(code) is release.status(code)
        assert again.is_manifestation(code) is release.is_manifestation(code)
    with pytest.raises(TableFormatError):
        IcdRelease.from_bytes(data.replace(b"icd10cm", b"icd10pc", 1))


def test_natural_end_is_the_next_september_30() -> None:
    assert natural_end(date(2025, 10, 1)) == date(2026, 9, 30)
    assert natural_end(date(2026, 4, 1)) == date(2026, 9, 30)
    assert natural_end(date(2026, 9, 30)) == date(2026, 9, 30)


def _release(start: date) -> IcdRelease:
    return build_release(start, [("I10", True, "Hypertension")])


def test_the_release_in_force_follows_the_date_of_service() -> None:
    october, april, next_october = (
        _release(date(2025, 10, 1)), _release(date(2026, 4, 1)), _release(date(2026, 10, 1)),
    )  # fmt: skip
    releases = IcdReleaseSet.of(april, next_october, october)
    assert releases.newest is next_october
    assert releases.for_date(date(2025, 10, 1)) == (october, True)
    assert releases.for_date(date(2026, 3, 31)) == (october, True)
    assert releases.for_date(date(2026, 4, 1)) == (april, True)
    assert releases.for_date(date(2026, 9, 30)) == (april, True)
    assert releases.for_date(date(2026, 10, 1)) == (next_october, True)
    # Before the first release and after the last one ends: the newest, not in force.
    assert releases.for_date(date(2025, 9, 30)) == (next_october, False)
    assert releases.for_date(date(2027, 10, 1)) == (next_october, False)
    assert releases.in_force(date(2027, 10, 1)) is None
    assert releases.in_force(date(2026, 5, 1)) is april


def test_an_october_release_without_an_april_update_lasts_the_year() -> None:
    october = _release(date(2025, 10, 1))
    releases = IcdReleaseSet.of(october)
    assert releases.for_date(date(2026, 6, 1)) == (october, True)
    assert releases.for_date(date(2026, 10, 1)) == (october, False)


def test_release_with_finds_the_newest_release_holding_a_code() -> None:
    old = build_release(date(2025, 10, 1), [("I10", True, "x"), ("Z9999", True, "gone")])
    new = build_release(date(2026, 4, 1), [("I10", True, "x")])
    releases = IcdReleaseSet.of(old, new)
    assert releases.release_with("Z9999") is old
    assert releases.release_with("I10") is new
    assert releases.release_with("Q0000") is None


def test_a_release_set_needs_distinct_releases() -> None:
    with pytest.raises(ValueError):
        IcdReleaseSet(())
    with pytest.raises(ValueError):
        IcdReleaseSet.of(_release(date(2026, 4, 1)), _release(date(2026, 4, 1)))


def test_the_shipped_release() -> None:
    release = shipped_release()
    assert release.effective_from == date(2026, 4, 1)
    counts = release.counts()
    assert counts["billable"] > 70_000 and counts["headers"] > 20_000
    for visit in VISITS:  # the demo's codes are billable in the shipped release
        for code in visit.diagnoses:
            assert release.status(code.replace(".", "")) is DxStatus.BILLABLE, code
    assert release.status("E11") is DxStatus.HEADER
    assert release.status("I101") is DxStatus.UNKNOWN
    # Manifestations: own titles, inherited ones, and the B95-B97 agents.
    for code in ("G63", "D631", "F0280", "J910", "B9562"):
        assert release.is_manifestation(code), code
    for code in ("I10", "E119", "A419", "E1142", "R6889"):
        assert not release.is_manifestation(code), code


def test_loading_the_shipped_release_takes_milliseconds() -> None:
    data = shipped_release().to_bytes()
    assert len(data) < 200_000
    started = time.perf_counter()
    IcdRelease.from_bytes(data)
    assert time.perf_counter() - started < 0.5  # about 15 ms; generous for slow CI machines


def test_importing_the_scrubber_does_not_load_the_icd_package() -> None:
    code = (
        "import sys, coding.scrub, coding.icd10cm\n"
        "assert 'simple_icd_10_cm' not in sys.modules, 'loaded'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_order_file_of_the_shipped_release_reads_as_the_shipped_release() -> None:
    # The CDC layout written from simple-icd-10-cm's data: both import paths must agree.
    import simple_icd_10_cm as icd

    rows = [
        (code, bool(icd.is_leaf(code)), icd.get_description(code))
        for code in dict.fromkeys(icd.get_all_codes(False))
        if icd.is_category_or_subcategory(code) or icd.is_extended_subcategory(code)
    ]
    started = time.perf_counter()
    release = parse_order_file(order_file(rows), effective_from=date(2026, 4, 1), file="o.txt")
    elapsed = time.perf_counter() - started
    shipped = shipped_release()
    assert release.counts() == shipped.counts()
    assert release.to_bytes() == shipped.to_bytes()
    assert elapsed < 10  # about a second for 98,000 lines
