"""The appeal letter: a one- or two-page PDF a person signs by hand and sends with the claim."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from claims.money import to_decimal


@dataclass(frozen=True, slots=True)
class LetterLine:
    """A service line as the payer adjudicated it."""

    service_date: date
    procedure: str  # with its modifiers, such as 99214-25
    charge_cents: int
    paid_cents: int
    adjustments: str  # "CO-16 125.00, PR-2 20.00"


@dataclass(frozen=True, slots=True)
class AppealLetter:
    """Everything the letter says."""

    written_on: date
    level: int
    provider_name: str
    provider_address: tuple[str, ...]
    provider_npi: str
    payer_name: str
    payer_address: tuple[str, ...]
    patient_name: str
    member_id: str
    patient_control_number: str
    payer_claim_number: str | None
    service_from: date
    service_to: date
    charge_cents: int
    paid_cents: int
    appealed_cents: int
    denial_codes: str
    deadline: date | None
    reason: str
    lines: tuple[LetterLine, ...]


def render_appeal_letter(letter: AppealLetter) -> bytes:
    """The letter as PDF bytes."""
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    _write(pdf, letter.provider_name, height=6)
    pdf.set_font("Helvetica", "", 10)
    for line in (*letter.provider_address, f"NPI {letter.provider_npi}"):
        _write(pdf, line)
    pdf.ln(6)
    _write(pdf, letter.written_on.strftime("%B %d, %Y"))
    pdf.ln(4)
    for line in (letter.payer_name, "Attn: Appeals / Reconsideration", *letter.payer_address):
        _write(pdf, line)
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 10)
    ordinal = {1: "First", 2: "Second", 3: "Third"}.get(letter.level, f"Level {letter.level}")
    _write(pdf, f"RE: {ordinal}-level appeal of claim {letter.patient_control_number}")
    pdf.set_font("Helvetica", "", 10)
    facts = [
        ("Patient", letter.patient_name),
        ("Member ID", letter.member_id),
        ("Payer claim number", letter.payer_claim_number or "not assigned"),
        ("Dates of service", _period(letter.service_from, letter.service_to)),
        ("Billed", _money(letter.charge_cents)),
        ("Paid", _money(letter.paid_cents)),
        ("Amount appealed", _money(letter.appealed_cents)),
        ("Denial codes", letter.denial_codes or "none given"),
    ]
    if letter.deadline is not None:
        facts.append(("Appeal deadline", letter.deadline.isoformat()))
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(45, 5, _latin(label + ":"))
        pdf.set_font("Helvetica", "", 10)
        _write(pdf, value)
    pdf.ln(4)
    _write(
        pdf,
        "We ask you to reconsider the claim above. The services were provided as billed; the "
        "reason for this appeal follows, and the claim's lines as you adjudicated them are "
        "listed below.",
    )
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    _write(pdf, "Reason for appeal")
    pdf.set_font("Helvetica", "", 10)
    _write(pdf, letter.reason)
    pdf.ln(4)
    _table(pdf, letter.lines)
    pdf.ln(8)
    _write(pdf, "Please contact our billing office with any question about this appeal.")
    pdf.ln(10)
    _write(pdf, "Sincerely,")
    pdf.ln(12)
    _write(pdf, "_" * 40)  # signed by hand
    _write(pdf, f"Billing office, {letter.provider_name}")
    return bytes(pdf.output())


def _table(pdf: FPDF, lines: tuple[LetterLine, ...]) -> None:
    widths = (24, 30, 24, 24, 68)
    heads = ("Date", "Procedure", "Billed", "Paid", "Adjustments")
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 6, head, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in lines:
        cells = (
            line.service_date.isoformat(),
            line.procedure,
            _money(line.charge_cents),
            _money(line.paid_cents),
            line.adjustments or "-",
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 5, _latin(text)[:44])
        pdf.ln()


def _write(pdf: FPDF, text: str, *, height: float = 5) -> None:
    pdf.multi_cell(0, height, _latin(text), new_x="LMARGIN", new_y="NEXT")


def _latin(text: str) -> str:
    """What the PDF core fonts can draw: accents kept where Latin-1 has them, else dropped."""
    folded = unicodedata.normalize("NFKC", text)
    if all(ord(c) < 256 for c in folded):
        return folded
    bare = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return bare.encode("latin-1", "replace").decode("latin-1")


def _money(cents: int) -> str:
    return f"${to_decimal(cents):,}"


def _period(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"


__all__ = ["AppealLetter", "LetterLine", "render_appeal_letter"]
