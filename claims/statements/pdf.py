"""A patient statement drawn as a PDF (fpdf2, core fonts): practice header, the patient's
lines with what insurance paid and adjusted and what the patient owes, aging, amount due."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fpdf import FPDF

from claims.money import to_decimal
from claims.receivables.service import BUCKETS


@dataclass(frozen=True, slots=True)
class DocLine:
    """One charge line as the statement shows it (cents)."""

    service_date: date
    procedure_code: str
    charge_cents: int
    insurance_paid_cents: int
    insurance_adjusted_cents: int
    patient_paid_cents: int
    patient_adjusted_cents: int
    patient_owes_cents: int


@dataclass(frozen=True, slots=True)
class StatementDoc:
    """Everything printed on one statement."""

    practice_name: str
    remit_to: tuple[str, ...]  # the billing provider: name, address lines
    phone: str | None
    patient_name: str
    patient_address: tuple[str, ...]
    account_number: str
    statement_number: int
    statement_date: date
    due_on: date
    lines: tuple[DocLine, ...]
    aging_cents: tuple[int, int, int, int, int]  # by BUCKETS
    amount_due_cents: int
    insurance_pending_cents: int


def money(cents: int) -> str:
    """Dollars as printed: 1,234.56 (a credit shows a minus sign)."""
    return f"{to_decimal(cents):,.2f}"


def _text(value: str) -> str:
    """What the core fonts can print (Latin-1): accents folded, anything else dropped."""
    folded = unicodedata.normalize("NFKD", value)
    return (
        "".join(c for c in folded if not unicodedata.combining(c))
        .encode("latin-1", "ignore")
        .decode("latin-1")
    )


# Column titles and widths (mm) of the line table; 186 mm between letter margins.
_COLUMNS = (
    ("Date", 22.0),
    ("Service", 22.0),
    ("Charge", 22.0),
    ("Insurance paid", 26.0),
    ("Ins. adjusted", 24.0),
    ("You paid", 22.0),
    ("Adjusted", 22.0),
    ("You owe", 26.0),
)
_MARGIN = 15.0
_ROW = 6.0


def render_statement(doc: StatementDoc) -> bytes:
    """The statement as PDF bytes (the same document always gives the same bytes)."""
    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_creation_date(datetime.combine(doc.statement_date, datetime.min.time(), tzinfo=UTC))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    _header(pdf, doc)
    _table_head(pdf)
    totals = [0] * 6
    for line in doc.lines:
        if pdf.get_y() > 240:
            pdf.add_page()
            pdf.set_font("Helvetica", "", 9)
            pdf.cell(0, 5, _text(f"Statement {doc.statement_number} (continued)"), new_x="LMARGIN",
                     new_y="NEXT")  # fmt: skip
            _table_head(pdf)
        figures = (
            line.charge_cents, line.insurance_paid_cents, line.insurance_adjusted_cents,
            line.patient_paid_cents, line.patient_adjusted_cents, line.patient_owes_cents,
        )  # fmt: skip
        totals = [t + f for t, f in zip(totals, figures, strict=True)]
        _row(
            pdf, (line.service_date.strftime("%m/%d/%Y"), line.procedure_code, *map(money, figures))
        )
    pdf.set_font("Helvetica", "B", 9)
    _row(pdf, ("Total", "", *map(money, totals)), bold=True)
    if pdf.get_y() > 215:
        pdf.add_page()
    _aging(pdf, doc)
    _amount_due(pdf, doc)
    return bytes(pdf.output())


def _header(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 7, _text(doc.practice_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for part in doc.remit_to:
        pdf.cell(0, 4.5, _text(part), new_x="LMARGIN", new_y="NEXT")
    if doc.phone:
        pdf.cell(0, 4.5, _text(f"Billing questions: {_phone(doc.phone)}"), new_x="LMARGIN",
                 new_y="NEXT")  # fmt: skip
    top = pdf.get_y() + 4
    pdf.set_xy(130, _MARGIN)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(71, 7, "PATIENT STATEMENT", align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for label, value in (
        ("Statement", str(doc.statement_number)),
        ("Statement date", doc.statement_date.strftime("%m/%d/%Y")),
        ("Account", doc.account_number),
        ("Please pay by", doc.due_on.strftime("%m/%d/%Y")),
    ):
        pdf.set_x(130)
        pdf.cell(71, 4.5, _text(f"{label}: {value}"), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(_MARGIN, max(top, pdf.get_y() + 4))
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 5, _text(doc.patient_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for part in doc.patient_address:
        pdf.cell(0, 4.5, _text(part), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def _table_head(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "B", 8)
    pdf.set_fill_color(230, 230, 230)
    for index, (title, width) in enumerate(_COLUMNS):
        pdf.cell(width, _ROW, title, border=1, align="L" if index < 2 else "R", fill=True)
    pdf.ln(_ROW)
    pdf.set_font("Helvetica", "", 8)


def _row(pdf: FPDF, values: tuple[str, ...], *, bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 8)
    for index, (value, (_, width)) in enumerate(zip(values, _COLUMNS, strict=True)):
        pdf.cell(width, _ROW, _text(value), border=1, align="L" if index < 2 else "R")
    pdf.ln(_ROW)
    pdf.set_font("Helvetica", "", 8)


def _aging(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Your balance by age (days since it became yours to pay)", new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    width = 186.0 / len(BUCKETS)
    pdf.set_font("Helvetica", "B", 8)
    for name in BUCKETS:
        pdf.cell(width, _ROW, f"{name} days", border=1, align="C", fill=True)
    pdf.ln(_ROW)
    pdf.set_font("Helvetica", "", 8)
    for cents in doc.aging_cents:
        pdf.cell(width, _ROW, money(cents), border=1, align="C")
    pdf.ln(_ROW)


def _amount_due(pdf: FPDF, doc: StatementDoc) -> None:
    pdf.ln(6)
    if doc.insurance_pending_cents > 0:
        pdf.set_font("Helvetica", "", 9)
        pending = f"Still with your insurance (not due now): ${money(doc.insurance_pending_cents)}"
        pdf.cell(0, 5, pending, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, f"AMOUNT DUE: ${money(doc.amount_due_cents)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, _text(f"Please pay by {doc.due_on.strftime('%m/%d/%Y')}. Write account "
                         f"{doc.account_number} on your check."), new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip


def _phone(digits: str) -> str:
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits
