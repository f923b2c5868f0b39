"""The CMS-1500 PDF: pages per claim, every box we have data for, read back with pypdf."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

from edi.cms1500 import render_cms1500
from edi.x837.models import Address, Claim, Diagnosis, Person, ServiceLine
from edi.x837.writer import InvalidClaim
from tests.edi.builders import dependent, institutional, professional

# A caption that names a box: "2 Patient name...", "17b NPI", "Original ref. no.", "City".
BOX_CAPTION = re.compile(r"^(\d{1,2}[A-Za-z]?\s|Original ref|City|State|ZIP code|Telephone)")


@dataclass(frozen=True, slots=True)
class Run:
    """One piece of text as drawn: position in points from the bottom left, and its font."""

    x: float
    y: float
    text: str
    caption: bool  # the form's own wording (Helvetica) rather than data (Courier)


def pages(pdf: bytes) -> list[list[Run]]:
    """Every text run of every page, read from the content streams."""
    reader = PdfReader(io.BytesIO(pdf))
    out: list[list[Run]] = []
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        font_table = cast(DictionaryObject, resources["/Font"].get_object())
        fonts = {name: str(f.get_object()["/BaseFont"]) for name, f in font_table.items()}
        font, at, runs = "", (0.0, 0.0), list[Run]()
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font = fonts[operands[0]]
            elif operator == b"Td":
                at = (float(operands[0]), float(operands[1]))
            elif operator == b"Tj":
                runs.append(Run(at[0], at[1], str(operands[0]), font == "/Helvetica"))
        out.append(runs)
    return out


def find(runs: list[Run], text: str) -> list[Run]:
    """The data runs with this text, top to bottom, then left to right."""
    return sorted((r for r in runs if r.text == text and not r.caption), key=lambda r: (-r.y, r.x))


def box(runs: list[Run], datum: Run) -> str:
    """The caption of the box a datum sits in: the nearest box caption above it, on its left."""
    above = [
        c
        for c in runs
        if c.caption and BOX_CAPTION.match(c.text) and c.x <= datum.x + 0.5 and c.y > datum.y
    ]
    return min(above, key=lambda c: (round(c.y - datum.y), -c.x)).text if above else ""


def box_of(runs: list[Run], text: str) -> str:
    """The box of the one datum with this text."""
    (datum,) = find(runs, text)
    return box(runs, datum)


def in_box(runs: list[Run], prefix: str) -> list[str]:
    """Every datum in the box whose caption starts with prefix."""
    return [r.text for r in runs if not r.caption and box(runs, r).startswith(prefix)]


def column_of(runs: list[Run], text: str) -> str:
    """The item 24 column heading (24A...24J) every datum with this text sits under."""
    columns = set()
    for datum in find(runs, text):
        heads = [c for c in runs if c.caption and c.text.startswith("24") and c.x <= datum.x + 0.5]
        columns.add(max(heads, key=lambda c: c.x).text.split()[0])
    (column,) = columns
    return column


def marked(runs: list[Run]) -> list[str]:
    """The labels of the check boxes that carry an X, top to bottom."""
    labels = []
    for mark in sorted((r for r in runs if r.text == "X" and not r.caption), key=lambda r: -r.y):
        beside = [c for c in runs if c.caption and abs(c.y - mark.y) < 1 and c.x > mark.x]
        labels.append(min(beside, key=lambda c: c.x).text)
    return labels


def data(runs: list[Run]) -> set[str]:
    return {r.text for r in runs if not r.caption}


def with_lines(count: int) -> Claim:
    """The professional claim with its three lines and more therapy lines, up to count."""
    claim = professional()
    extra = tuple(
        ServiceLine(f"CLAIMP1L{n}", "97110", 5000, 2000, date(2026, 5, n % 28 + 1), ("GP",), (2,))
        for n in range(4, count + 1)
    )
    lines = (claim.lines + extra)[:count]
    return replace(claim, lines=lines, total_charge_cents=sum(li.charge_cents for li in lines))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_a_three_line_claim_is_one_pdf_page() -> None:
    pdf = render_cms1500([professional()])
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in ("M123456789", "M17.11", "AB", "493.00", "N400003029305 ML4"):
        assert expected in text
    assert "SIGNATURE ON FILE" in text


def test_the_professional_claim_fills_its_boxes() -> None:
    (runs,) = pages(render_cms1500([professional()]))
    assert box_of(runs, "M123456789").startswith("1a ")
    assert box_of(runs, "GRP1001").startswith("11 ")
    payer, plan = find(runs, "ACME HEALTH PLAN")  # the payer block at the top, and 11c
    assert box(runs, payer) == "" and box(runs, plan) == "11c Insurance plan or program name"
    assert [box(runs, r)[:2] for r in find(runs, "ALDER, AVA")] == ["2 ", "4 "]
    assert [box(runs, r)[:4] for r in find(runs, "01 02 1980")] == ["3 Pa", "11a "]
    assert box_of(runs, "DN KENJI NAKAMURA").startswith("17 ")
    assert box_of(runs, "1432109878") == "17b NPI"
    assert box_of(runs, "AUTH123").startswith("23 ")
    assert box_of(runs, "841234567").startswith("25 ")
    assert box_of(runs, "CLAIMP1").startswith("26 ")
    assert box_of(runs, "493.00") == "28 Total charge"
    assert box_of(runs, "1234567893") == "33a NPI"
    assert box_of(runs, "ZZ207Q00000X") == "33b Other ID"
    assert box_of(runs, "RIVERSIDE FAMILY MEDICINE").startswith("33 ")
    assert [box(runs, r)[:3] for r in find(runs, "SIGNATURE ON FILE")] == ["12 ", "13 ", "31 "]
    assert box_of(runs, "0") == "21 Diagnoses (relate A-L to the service lines, 24E)"  # ICD ind.
    assert "97201-1234" in data(runs)
    # Item 1 from SBR09 CI, 3 sex, 6 self, 11a sex (a hair above 10a), 10a-c no, 25 EIN, 27 yes.
    assert marked(runs) == ["GROUP HEALTH PLAN", "F", "SELF", "F", "NO", "NO", "NO", "EIN", "YES"]


def test_diagnoses_are_lettered_with_the_dot_back_in() -> None:
    codes = ("M1711", "I10", "J069", "E119", "R51", "Z0000", "K219", "N390", "L409", "G439")
    claim = professional(diagnoses=tuple(Diagnosis(c) for c in (*codes, "F419", "H6690")))
    (runs,) = pages(render_cms1500([claim]))
    shown = ("M17.11", "I10", "J06.9", "E11.9", "R51", "Z00.00", "K21.9", "N39.0", "L40.9")
    for letter, code in zip("ABCDEFGHIJKL", (*shown, "G43.9", "F41.9", "H66.90"), strict=True):
        (datum,) = find(runs, code)
        label = max(
            (c for c in runs if c.caption and abs(c.y - datum.y) < 0.5 and c.x < datum.x),
            key=lambda c: c.x,
        )
        assert label.text == f"{letter}.", code
        assert box_of(runs, code).startswith("21 ")


def test_service_lines_fill_item_24() -> None:
    (runs,) = pages(render_cms1500([professional()]))
    assert column_of(runs, "99214") == "24D"
    assert column_of(runs, "25") == "24D"  # modifier
    assert column_of(runs, "AB") == "24E"
    assert column_of(runs, "225.00") == "24F"
    assert column_of(runs, "48.00") == "24F"
    assert column_of(runs, "4") == "24G"  # 4000 thousandths
    assert len(find(runs, "05 01 26")) == 6  # from and to on three lines
    assert column_of(runs, "05 01 26") == "24A"
    assert column_of(runs, "11") == "24B"  # the claim's place of service on every line
    assert len(find(runs, "1987654328")) == 3 and column_of(runs, "1987654328") == "24J"
    assert column_of(runs, "207Q00000X") == "24J"  # taxonomy, shaded, after ZZ in 24I
    # The NDC sits in the shaded band of the drug's line (line 3), from the left edge of 24A.
    (ndc,) = find(runs, "N400003029305 ML4")
    (line2,), (line3,) = find(runs, "20610"), find(runs, "J3301")
    assert line3.y < ndc.y < line2.y
    assert column_of(runs, "N400003029305 ML4") == "24A"


def test_signatures_assignment_suffix_and_date_span_follow_the_claim() -> None:
    claim = professional()
    subscriber = replace(claim.subscriber, name=Person("ALDER", "AVA", "JUNE", suffix="JR"))
    span = replace(claim.lines[1], service_date_to=date(2026, 5, 3))
    claim = replace(claim, subscriber=subscriber, lines=(claim.lines[0], span, claim.lines[2]))
    (runs,) = pages(render_cms1500([claim]))
    assert [box(runs, r)[:2] for r in find(runs, "ALDER JR, AVA, J")] == ["2 ", "4 "]
    (until,) = find(runs, "05 03 26")
    assert column_of(runs, "05 03 26") == "24A" and until.y == find(runs, "20610")[0].y
    unsigned = replace(
        claim,
        provider_signature="N",
        assignment="C",
        benefits_assigned="N",
        release_of_information="I",
    )
    (runs,) = pages(render_cms1500([unsigned]))
    assert find(runs, "SIGNATURE ON FILE") == []
    assert marked(runs)[-2:] == ["EIN", "NO"]  # 27: assignment not accepted


def test_a_dependent_is_the_patient_and_the_subscriber_the_insured() -> None:
    (runs,) = pages(render_cms1500([dependent()]))
    assert box_of(runs, "BIRCH, MIA").startswith("2 ")
    assert box_of(runs, "BIRCH, LIAM").startswith("4 ")
    assert box_of(runs, "03 03 2016").startswith("3 ")
    assert box_of(runs, "J06.9").startswith("21 ")
    assert "CHILD" in marked(runs) and "SELF" not in marked(runs)
    # No rendering provider: the billing provider rendered, as in the 837P without 2310B.
    line, total = find(runs, "150.00")
    assert box(runs, total) == "28 Total charge" and box(runs, line).startswith("24F")
    rendering, billing = find(runs, "1234567893")
    assert box(runs, rendering).startswith("24J") and box(runs, billing) == "33a NPI"
    assert in_box(runs, "7 ") == []  # the subscriber's address is not known


def test_a_nine_line_claim_continues_on_a_second_page() -> None:
    pdf = render_cms1500([with_lines(9)])
    assert pdf.startswith(b"%PDF-") and page_count(pdf) == 2
    first, second = pages(pdf)
    assert "PAGE 1 OF 2" in data(first) and "PAGE 2 OF 2" in data(second)
    assert box_of(first, "CONTINUED") == "28 Total charge"
    assert box_of(second, "793.00") == "28 Total charge"
    assert "793.00" not in data(first) and "CONTINUED" not in data(second)
    assert "LINES 1-6 OF 9  CHARGES 643.00" in data(first)
    assert "LINES 7-9 OF 9  CHARGES 150.00" in data(second)
    assert len(find(first, "50.00")) == 3 and len(find(second, "50.00")) == 3
    # Everything but items 24 and 28 repeats on the continuation sheet.
    for datum in ("M123456789", "ALDER, AVA", "M17.11", "I10", "AUTH123", "CLAIMP1"):
        assert datum in data(first) and datum in data(second)
    assert "05 09 26" in data(second) and "05 09 26" not in data(first)


@pytest.mark.parametrize(("lines", "sheets"), [(1, 1), (6, 1), (7, 2), (12, 2), (13, 3), (50, 9)])
def test_six_lines_a_sheet(lines: int, sheets: int) -> None:
    pdf = render_cms1500([with_lines(lines)])
    assert page_count(pdf) == sheets
    cents = with_lines(lines).total_charge_cents
    totals = [in_box(sheet, "28 ") for sheet in pages(pdf)]
    assert totals == [["CONTINUED"]] * (sheets - 1) + [[f"{cents // 100}.{cents % 100:02d}"]]


def test_every_claim_starts_a_new_sheet() -> None:
    sheets = pages(render_cms1500([professional(), with_lines(9), dependent()]))
    assert [in_box(s, "26 ") for s in sheets] == [["CLAIMP1"]] * 3 + [["CLAIMD1"]]
    assert [[r.text for r in s if r.text.startswith("PAGE ")] for s in sheets] == [
        ["PAGE 1 OF 1"], ["PAGE 1 OF 2"], ["PAGE 2 OF 2"], ["PAGE 1 OF 1"]
    ]  # fmt: skip


def test_a_replacement_claim_shows_its_frequency_and_the_payer_claim_number() -> None:
    claim = professional(frequency="7", payer_claim_number="PAYER20260501X9")
    (runs,) = pages(render_cms1500([claim]))
    assert box_of(runs, "7") == "22 Resubmission code"
    assert box_of(runs, "PAYER20260501X9") == "Original ref. no."
    (original,) = pages(render_cms1500([professional()]))
    assert in_box(original, "22 ") == [] and in_box(original, "Original") == []


@pytest.mark.parametrize(
    ("indicator", "plan"),
    [("MB", "MEDICARE"), ("MC", "MEDICAID"), ("CH", "TRICARE"), ("VA", "CHAMPVA"),
     ("BL", "GROUP HEALTH PLAN"), ("WC", "OTHER")],
)  # fmt: skip
def test_item_1_follows_the_claim_filing_indicator(indicator: str, plan: str) -> None:
    claim = professional()
    claim = replace(claim, subscriber=replace(claim.subscriber, claim_filing_indicator=indicator))
    (runs,) = pages(render_cms1500([claim]))
    assert marked(runs)[0] == plan


def test_text_is_upper_case_ascii_and_money_has_cents() -> None:
    claim = professional()
    subscriber = replace(claim.subscriber, name=Person("Núñez", "José", "maría"))
    line = replace(claim.lines[0], charge_cents=10, units_thousandths=1500)
    lines = (line, *claim.lines[1:])
    claim = replace(
        claim,
        subscriber=subscriber,
        lines=lines,
        total_charge_cents=sum(x.charge_cents for x in lines),
    )
    payer = Address("PO Box 77", "Salem", "OR", "97301")
    (runs,) = pages(render_cms1500([claim], payer_address=payer))
    assert [box(runs, r)[:2] for r in find(runs, "NUNEZ, JOSE, M")] == ["2 ", "4 "]
    assert {"0.10", "1.5", "268.10", "PO BOX 77", "SALEM OR 97301"} <= data(runs)


def test_long_identifiers_are_set_smaller_never_cut() -> None:
    claim = professional("A" * 38, prior_authorization="P" * 50)
    (runs,) = pages(render_cms1500([claim]))
    assert box_of(runs, "A" * 38).startswith("26 ")
    assert box_of(runs, "P" * 50).startswith("23 ")


def test_refusals_name_the_claim_and_field() -> None:
    with pytest.raises(InvalidClaim, match="CLAIMI1: institutional"):
        render_cms1500([professional(), institutional()])
    bad = professional("BAD1", lines=(replace(professional().lines[0], pointers=(3,)),))
    with pytest.raises(InvalidClaim, match=r"BAD1: lines\[1\].pointers"):
        render_cms1500([replace(bad, total_charge_cents=22500)])
    with pytest.raises(ValueError, match="no claims"):
        render_cms1500([])


def test_the_pdf_metadata_carries_no_patient_data() -> None:
    reader = PdfReader(io.BytesIO(render_cms1500([dependent()])))
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert "BIRCH" not in meta.upper() and "M123456789" not in meta and "CLAIMD1" not in meta


def test_a_claim_to_the_secondary_names_the_primary_and_what_it_paid() -> None:
    from tests.edi.test_x837_secondary import secondary_professional

    (runs,) = pages(render_cms1500([secondary_professional()]))
    (first,) = [r for r in find(runs, "ALDER, AVA") if box(runs, r).startswith("9 ")]
    assert box(runs, first).startswith("9 Other insured name")
    assert box_of(runs, "G77").startswith("9a ")
    assert box_of(runs, "FIRST HEALTH PLAN").startswith("9d ")
    assert box_of(runs, "350.00") == "29 Amount paid"
    # 11d (another health benefit plan) is yes, between 10a-c and item 25.
    assert marked(runs) == [
        "GROUP HEALTH PLAN", "F", "SELF", "F", "NO", "NO", "NO", "YES", "EIN", "YES",
    ]  # fmt: skip
