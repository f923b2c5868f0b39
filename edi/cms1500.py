"""CMS-1500 (02/12) paper claims: a professional Claim drawn as a facsimile form in a PDF."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from edi.x837.models import Address, Claim, Kind, Person, Provider, ServiceLine
from edi.x837.writer import InvalidClaim, check_claim, quantity

LINES_PER_PAGE = 6
CONTINUED = "CONTINUED"
SIGNATURE_ON_FILE = "SIGNATURE ON FILE"

# Item 1 from the claim filing indicator (SBR09). No SBR09 code means FECA Black Lung, so that
# box is never marked; Medicare Advantage (16) and the non-health programs (WC, AM, LM, OF,
# TV, DS, 09, 10, 11, ZZ) go to OTHER. FI is the Federal Employees (FEHB) group plan, not FECA.
MEDICARE, MEDICAID, TRICARE, CHAMPVA = "MEDICARE", "MEDICAID", "TRICARE", "CHAMPVA"
GROUP, FECA, OTHER = "GROUP HEALTH PLAN", "FECA BLK LUNG", "OTHER"
PLAN_TYPES = (MEDICARE, MEDICAID, TRICARE, CHAMPVA, GROUP, FECA, OTHER)
PLAN_TYPE_BY_FILING_INDICATOR = {
    "MA": MEDICARE, "MB": MEDICARE, "MC": MEDICAID, "CH": TRICARE, "VA": CHAMPVA,
    "CI": GROUP, "BL": GROUP, "HM": GROUP, "FI": GROUP,
    "12": GROUP, "13": GROUP, "14": GROUP, "15": GROUP, "17": GROUP,
}  # fmt: skip

# Item 6 from SBR02 (18) or PAT01; the other PAT01 codes (20, 21, 39, 40, 53, G8) are OTHER.
RELATIONSHIPS = ("SELF", "SPOUSE", "CHILD", "OTHER")
RELATIONSHIP_BY_CODE = {"18": "SELF", "01": "SPOUSE", "19": "CHILD"}

# Red "ink" for the form itself, black for the data, as on the printed form: the payer's
# scanner can drop the red and read only what we filled in.
INK = (200, 30, 45)
SHADE = (252, 232, 232)
DATA = (0, 0, 0)
CAPTION_FONT = ("Helvetica", 5.2)
DATA_FONT = ("Courier", 9.0)

# Letter paper, in millimetres; the form spans X0..X0 + WIDTH in three columns whose
# boundaries follow the printed 1500 (items 2/5/9 | 3/6/10 | 1a/4/7/11).
X0, WIDTH = 8.0, 200.0
COL_B, COL_C, END = X0 + 80.0, X0 + 122.0, X0 + WIDTH


@dataclass(frozen=True, slots=True)
class _Page:
    """One sheet of a claim: up to six of its lines and where they sit in the claim."""

    claim: Claim
    lines: tuple[ServiceLine, ...]
    number: int
    count: int
    first_line: int  # 1-based position of lines[0] in the claim


def render_cms1500(claims: Sequence[Claim], *, payer_address: Address | None = None) -> bytes:
    """Render professional claims as CMS-1500 (02/12) facsimile pages in one PDF.

    Every claim starts on a new page. The form has six service lines; a claim with more
    continues on further sheets that repeat everything but items 24 and 28, as payers'
    published multi-page instructions ask (we found no NUCC text on it): each sheet is marked
    "PAGE n OF m" at the top right with the line numbers and the charges of its own lines
    beside the title, item 28 reads CONTINUED on every sheet but the last, and the last carries
    the claim's total charge. Diagnosis pointers on every sheet refer to item 21, which each
    sheet repeats in full. A claim the 837P writer would refuse is refused here too
    (InvalidClaim naming the claim and field) before anything is drawn.
    """
    if not claims:
        raise ValueError("no claims to render")
    for claim in claims:
        if claim.institutional is not None:
            raise InvalidClaim(
                claim.patient_control_number, "institutional", "a CMS-1500 is for 837P claims"
            )
        check_claim(claim, Kind.PROFESSIONAL)
    form = _Form()
    for claim in claims:
        for page in _pages(claim):
            form.draw(page, payer_address)
    return form.output()


def _pages(claim: Claim) -> list[_Page]:
    chunks = [
        claim.lines[start : start + LINES_PER_PAGE]
        for start in range(0, len(claim.lines), LINES_PER_PAGE)
    ]
    return [
        _Page(claim, chunk, n, len(chunks), (n - 1) * LINES_PER_PAGE + 1)
        for n, chunk in enumerate(chunks, start=1)
    ]


# Formatting: all text upper case ASCII (payers' OCR), money from cents without floats.


def _clean(text: str | None) -> str:
    """Upper-case ASCII: accents dropped, anything else unprintable becomes '?'."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return plain.upper().encode("ascii", "replace").decode("ascii")


def _money(cents: int) -> str:
    """Dollars and cents without a sign, commas or a dollar sign (22500 -> 225.00)."""
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}"


def _diagnosis(code: str) -> str:
    bare = code.replace(".", "")
    return f"{bare[:3]}.{bare[3:]}" if len(bare) > 3 else bare


def _last_first(person: Person) -> str:
    """Items 2 and 4: LAST SUFFIX, FIRST, MIDDLE INITIAL."""
    if person.is_organization or not person.first_name:
        return _clean(person.last_name)
    last = f"{person.last_name} {person.suffix}" if person.suffix else person.last_name
    parts = [last, person.first_name]
    if person.middle_name:
        parts.append(person.middle_name[0])
    return _clean(", ".join(parts))


def _first_last(person: Person) -> str:
    """Items 17, 32 and 33: FIRST MIDDLE-INITIAL LAST (organizations by name)."""
    if person.is_organization:
        return _clean(person.last_name)
    middle = person.middle_name[0] if person.middle_name else None
    names = (person.first_name, middle, person.last_name, person.suffix)
    return _clean(" ".join(p for p in names if p))


def _zip(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == 9 else code


def _mmddyy(day: date) -> str:
    return day.strftime("%m %d %y")


def _mmddyyyy(day: date) -> str:
    return day.strftime("%m %d %Y")


def _pointers(line: ServiceLine) -> str:
    return "".join("ABCDEFGHIJKL"[p - 1] for p in line.pointers)


def _ndc(line: ServiceLine) -> str:
    """The shaded supplemental line: N4, the 11-digit NDC, then unit and quantity."""
    if line.drug is None:
        return ""
    ndc = line.drug.ndc.replace("-", "")
    return f"N4{ndc} {line.drug.unit}{quantity(line.drug.quantity_thousandths)}"


class _Form:
    """The PDF being drawn, with the few primitives a form needs."""

    def __init__(self) -> None:
        pdf = FPDF(orientation="portrait", unit="mm", format="letter")
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.set_title("CMS-1500 claim forms")  # no names or IDs: metadata is not PHI-safe
        pdf.set_creator("claims-engine edi.cms1500")
        self.pdf = pdf

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # Primitives ------------------------------------------------------------------------

    def caption(self, x: float, y: float, text: str, size: float | None = None) -> None:
        """Form wording in red; y is the baseline."""
        self.pdf.set_text_color(*INK)
        self.pdf.set_font(CAPTION_FONT[0], "", size or CAPTION_FONT[1])
        self.pdf.text(x, y, text)

    def box(self, x: float, y: float, w: float, h: float, caption: str = "") -> None:
        """A ruled box with its caption in the top-left corner."""
        self.pdf.set_draw_color(*INK)
        self.pdf.set_line_width(0.2)
        self.pdf.rect(x, y, w, h)
        if caption:
            self.caption(x + 0.8, y + 2.1, caption)

    def put(
        self, x: float, y: float, text: str, width: float, *, right: bool = False, cut: bool = False
    ) -> None:
        """Data in black monospace; y is the baseline. Too wide for its box, it is set smaller;
        free text (names, addresses: cut=True) is then cut, codes and identifiers never are."""
        pdf = self.pdf
        pdf.set_text_color(*DATA)
        text = _clean(text)
        size = DATA_FONT[1]
        smallest = 7.0 if cut else 4.5
        pdf.set_font(DATA_FONT[0], "", size)
        while size > smallest and pdf.get_string_width(text) > width:
            size -= 0.5
            pdf.set_font(DATA_FONT[0], "", size)
        while cut and text and pdf.get_string_width(text) > width:
            text = text[:-1]
        if not text:
            return
        if right:
            x = x + width - pdf.get_string_width(text)
        pdf.text(x, y, text)

    def check(self, x: float, y: float, label: str, marked: bool) -> float:
        """A check box with its label to the right; y is the baseline. Returns the x after."""
        pdf = self.pdf
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.2)
        pdf.rect(x, y - 2.3, 2.6, 2.6)
        if marked:
            pdf.set_text_color(*DATA)
            pdf.set_font(DATA_FONT[0], "B", DATA_FONT[1])
            pdf.text(x + 0.35, y, "X")
        self.caption(x + 3.3, y - 0.2, label)
        return x + 3.3 + pdf.get_string_width(label) + 2.5

    def yes_no(self, x: float, y: float, value: bool | None) -> float:
        x = self.check(x, y, "YES", value is True)
        return self.check(x, y, "NO", value is False)

    # The form ------------------------------------------------------------------------------

    def draw(self, page: _Page, payer_address: Address | None) -> None:
        self.pdf.add_page()
        claim = page.claim
        self._header(page, payer_address)
        self._side_labels()
        y = self._plan_and_names(claim, 34.0)
        y = self._addresses(claim, y)
        y = self._other_coverage(claim, y)
        y = self._signatures(claim, y)
        y = self._physician(claim, y)
        y = self._diagnoses(claim, y)
        y = self._service_lines(page, y)
        y = self._totals(page, y)
        y = self._providers(claim, y)
        self.caption(
            X0,
            y + 5,
            "FACSIMILE IN THE LAYOUT OF THE 1500 CLAIM FORM (02/12) - CAPTIONS ARE ABRIDGED, "
            "NOT THE OFFICIAL FORM WORDING",
            4.6,
        )

    def _header(self, page: _Page, payer_address: Address | None) -> None:
        pdf = self.pdf
        self.caption(X0, 14, "HEALTH INSURANCE CLAIM FORM", 13)
        self.caption(X0, 19, "LAYOUT OF FORM 1500 (02/12) - PRINTED FACSIMILE", 6.5)
        if page.count > 1:
            last = page.first_line + len(page.lines) - 1
            total = sum(line.charge_cents for line in page.lines)
            self.caption(X0, 27.5, "THIS SHEET")
            self.put(
                X0 + 12,
                27.5,
                f"LINES {page.first_line}-{last} OF {len(page.claim.lines)}  "
                f"CHARGES {_money(total)}",
                100,
            )
        # Top right: page marker, then the payer (the carrier block of the printed form).
        self.put(COL_C, 9, f"PAGE {page.number} OF {page.count}", END - COL_C, right=True)
        self.caption(COL_C, 12.5, "PAYER")
        sub = page.claim.subscriber
        payer = [sub.payer_name]
        if payer_address is not None:
            street = " ".join(p for p in (payer_address.line1, payer_address.line2) if p)
            payer += [street, _city_line(payer_address)]
        for n, text in enumerate(payer):
            self.put(COL_C, 16.5 + 4 * n, text, END - COL_C, cut=True)
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.5)
        pdf.line(X0, 33.2, END, 33.2)

    def _side_labels(self) -> None:
        # Vertical section names in the right margin, as on the printed form.
        for label, top, bottom in (
            ("CARRIER", 6.0, 33.0),
            ("PATIENT AND INSURED INFORMATION", 34.0, 117.0),
            ("PHYSICIAN OR SUPPLIER INFORMATION", 117.0, 263.0),
        ):
            self.pdf.set_font(CAPTION_FONT[0], "B", 5.5)
            length = self.pdf.get_string_width(label)
            x, y = END + 4.5, (top + bottom + length) / 2
            with self.pdf.rotation(90, x, y):
                self.caption(x, y, label, 5.5)

    def _plan_and_names(self, claim: Claim, y: float) -> float:
        sub = claim.subscriber
        h = 9.0
        self.box(X0, y, COL_C - X0, h, "1 Plan type")
        plan = PLAN_TYPE_BY_FILING_INDICATOR.get(sub.claim_filing_indicator, OTHER)
        x = X0 + 1.5
        for label in PLAN_TYPES:
            x = self.check(x, y + 6.8, label, label == plan)
        self.box(COL_C, y, END - COL_C, h, "1a Insured ID (for the program in item 1)")
        self.put(COL_C + 1.5, y + 7.2, sub.member_id, END - COL_C - 3)
        y += h

        patient = claim.patient
        self.box(X0, y, COL_B - X0, h, "2 Patient name (last, first, middle initial)")
        self.put(
            X0 + 1.5, y + 7.2, _last_first(patient.name if patient else sub.name), 77, cut=True
        )
        self.box(COL_B, y, COL_C - COL_B, h, "3 Patient birth date (MM DD YYYY) / sex")
        born = patient.birth_date if patient else sub.birth_date
        sex = patient.sex if patient else sub.sex
        self.put(COL_B + 1.5, y + 7.2, _mmddyyyy(born) if born else "", 22)
        x = self.check(COL_B + 25, y + 7.0, "M", sex == "M")
        self.check(x, y + 7.0, "F", sex == "F")
        self.box(COL_C, y, END - COL_C, h, "4 Insured name (last, first, middle initial)")
        self.put(COL_C + 1.5, y + 7.2, _last_first(sub.name), END - COL_C - 3, cut=True)
        return y + h

    def _address_block(self, x: float, y: float, w: float, item: str, a: Address | None) -> None:
        row = 7.0
        self.box(x, y, w, row, f"{item} address (no., street)")
        self.box(x, y + row, w - 18, row, "City")
        self.box(x + w - 18, y + row, 18, row, "State")
        self.box(x, y + 2 * row, w * 0.45, row, "ZIP code")
        self.box(x + w * 0.45, y + 2 * row, w * 0.55, row, "Telephone (incl. area code)")
        if a is None:
            return
        street = " ".join(p for p in (a.line1, a.line2) if p)
        self.put(x + 1.5, y + 5.6, street, w - 3, cut=True)
        self.put(x + 1.5, y + row + 5.6, a.city, w - 21, cut=True)
        self.put(x + w - 16.5, y + row + 5.6, a.state, 15)
        self.put(x + 1.5, y + 2 * row + 5.6, _zip(a.postal_code), w * 0.45 - 3)

    def _addresses(self, claim: Claim, y: float) -> float:
        sub, patient = claim.subscriber, claim.patient
        address = patient.address if patient else sub.address
        self._address_block(X0, y, COL_B - X0, "5 Patient", address)
        self.box(COL_B, y, COL_C - COL_B, 7.0, "6 Patient relationship to insured")
        code = "18" if sub.is_patient else (patient.relationship if patient else "")
        relationship = RELATIONSHIP_BY_CODE.get(code, "OTHER") if code else ""
        x = COL_B + 1.2
        for label in RELATIONSHIPS:
            x = self.check(x, y + 5.8, label, label == relationship) - 1.2
        self.box(COL_B, y + 7, COL_C - COL_B, 14.0, "8 Reserved for NUCC use")
        self._address_block(COL_C, y, END - COL_C, "7 Insured", sub.address)
        return y + 21.0

    def _other_coverage(self, claim: Claim, y: float) -> float:
        sub = claim.subscriber
        row = 6.0
        left = (
            "9 Other insured name (last, first, middle initial)",
            "9a Other insured policy or group number",
            "9b Reserved for NUCC use",
            "9c Reserved for NUCC use",
            "9d Other insured plan or program name",
        )
        for n, caption in enumerate(left):
            self.box(X0, y + n * row, COL_B - X0, row, caption)
        others = claim.other_payers
        if others:  # a claim to a later payer: items 9, 9a and 9d name the payer before it
            other, left_width = others[0], COL_B - X0 - 3
            self.put(X0 + 1.5, y + 5.1, _last_first(other.subscriber), left_width, cut=True)
            policy = other.group_number or other.member_id
            self.put(X0 + 1.5, y + row + 5.1, policy, left_width)
            self.put(X0 + 1.5, y + 4 * row + 5.1, other.payer_name, left_width, cut=True)
        # Item 10: the 837 we would send has no CLM11 (related causes), so the answer is no.
        middle = (
            "10 Is the condition related to:",
            "10a Employment (current or previous)",
            "10b Auto accident  (place: state)",
            "10c Other accident",
            "10d Claim codes (designated by NUCC)",
        )
        for n, caption in enumerate(middle):
            self.box(COL_B, y + n * row, COL_C - COL_B, row, caption)
        for n in (1, 2, 3):
            self.yes_no(COL_B + 2, y + n * row + 5.2, False)
        right = (
            "11 Insured policy group or FECA number",
            "11a Insured birth date (MM DD YYYY) / sex",
            "11b Other claim ID (designated by NUCC)",
            "11c Insurance plan or program name",
            "11d Another health benefit plan?",
        )
        for n, caption in enumerate(right):
            self.box(COL_C, y + n * row, END - COL_C, row, caption)
        width = END - COL_C - 3
        self.put(COL_C + 1.5, y + 5.1, sub.group_number or "", width)
        if sub.birth_date:
            self.put(COL_C + 1.5, y + row + 5.1, _mmddyyyy(sub.birth_date), 24)
        x = self.check(COL_C + 45, y + row + 5.1, "M", sub.sex == "M")
        self.check(x, y + row + 5.1, "F", sub.sex == "F")
        self.put(COL_C + 1.5, y + 3 * row + 5.1, sub.payer_name, width, cut=True)
        if others:
            self.yes_no(COL_C + 45, y + 4 * row + 5.1, True)
        return y + 5 * row

    def _signatures(self, claim: Claim, y: float) -> float:
        h = 10.0
        # 12 from CLM09 (Y: release signed; I: informed consent only, no signature) and 13
        # from CLM08 (Y: benefits assigned to the provider), as the 837P says them.
        self.box(X0, y, COL_C - X0, h, "12 Patient or authorized person signature (release)")
        if claim.release_of_information == "Y":
            self.put(X0 + 1.5, y + 7.8, SIGNATURE_ON_FILE, 70)
        self.caption(X0 + 80, y + 7.8, "DATE")
        self.box(COL_C, y, END - COL_C, h, "13 Insured or authorized signature (payment)")
        if claim.benefits_assigned == "Y":
            self.put(COL_C + 1.5, y + 7.8, SIGNATURE_ON_FILE, END - COL_C - 3)
        pdf = self.pdf
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.5)
        pdf.line(X0, y + h, END, y + h)
        return y + h

    def _physician(self, claim: Claim, y: float) -> float:
        h = 8.0
        self.box(X0, y, COL_B - X0, h, "14 Date of current illness, injury or pregnancy")
        self.box(COL_B, y, COL_C - COL_B, h, "15 Other date")
        self.box(COL_C, y, END - COL_C, h, "16 Dates patient unable to work (from / to)")
        y += h
        split = X0 + 58
        self.box(X0, y, split - X0, h, "17 Referring provider or other source")
        self.box(split, y, COL_C - split, h / 2, "17a")
        self.box(split, y + h / 2, COL_C - split, h / 2, "17b NPI")
        self.box(COL_C, y, END - COL_C, h, "18 Hospitalization dates (from / to)")
        if claim.referring is not None:
            # DN: referring provider, the qualifier NUCC asks for before the name.
            self.put(X0 + 1.5, y + 6.6, f"DN {_first_last(claim.referring.name)}", 55, cut=True)
            self.put(split + 12, y + h - 0.9, claim.referring.npi, COL_C - split - 14)
        y += h
        self.box(X0, y, COL_C - X0, h, "19 Additional claim information")
        self.box(COL_C, y, END - COL_C, h, "20 Outside lab? / charges")
        return y + h

    def _diagnoses(self, claim: Claim, y: float) -> float:
        h = 20.0
        self.box(X0, y, COL_C - X0, h, "21 Diagnoses (relate A-L to the service lines, 24E)")
        # ICD indicator 0: ICD-10-CM, the only code set the 837P writer sends.
        self.caption(X0 + 78, y + 2.1, "ICD IND.")
        self.put(X0 + 88, y + 2.6, "0", 4)
        col = (COL_C - X0 - 4) / 4
        for n in range(12):
            x = X0 + 2 + (n % 4) * col
            base = y + 8 + (n // 4) * 5
            self.caption(x, base, f"{'ABCDEFGHIJKL'[n]}.", 6)
            if n < len(claim.diagnoses):
                self.put(x + 3.5, base, _diagnosis(claim.diagnoses[n].code), col - 5)
        half = h / 2
        split = COL_C + 28
        self.box(COL_C, y, split - COL_C, half, "22 Resubmission code")
        self.box(split, y, END - split, half, "Original ref. no.")
        if claim.frequency in ("7", "8"):
            self.put(COL_C + 1.5, y + 7.8, claim.frequency, split - COL_C - 3)
            self.put(split + 1.5, y + 7.8, claim.payer_claim_number or "", END - split - 3)
        self.box(COL_C, y + half, END - COL_C, half, "23 Prior authorization number")
        self.put(COL_C + 1.5, y + half + 7.8, claim.prior_authorization or "", END - COL_C - 3)
        return y + h

    def _service_lines(self, page: _Page, y: float) -> float:
        claim = page.claim
        # Column edges of item 24, left to right: A from, A to, B, C, D code, D modifiers
        # (4), E, F, G, H, I, J.
        widths = [21.0, 21.0, 9.0, 7.0, 16.0, 7.0, 7.0, 7.0, 7.0, 15.0, 25.0, 13.0, 7.0, 8.0]
        widths.append(WIDTH - sum(widths))
        edges = [X0]
        for w in widths:
            edges.append(edges[-1] + w)
        head = 9.0
        self.box(X0, y, WIDTH, head)
        heads = (
            (0, 2, "24A Dates of service", "FROM MM DD YY      TO MM DD YY"),
            (2, 3, "24B", "POS"),
            (3, 4, "24C", "EMG"),
            (4, 9, "24D Procedure / modifiers", "CPT/HCPCS      MODIFIERS"),
            (9, 10, "24E Dx", "pointer"),
            (10, 11, "24F Charges", "$"),
            (11, 12, "24G Units", "days/units"),
            (12, 13, "24H", "EPSDT"),
            (13, 14, "24I ID", "qual."),
            (14, 15, "24J Rendering", "provider ID"),
        )
        for first, last, upper, lower in heads:
            self.box(edges[first], y, edges[last] - edges[first], head)
            self.caption(edges[first] + 0.8, y + 3.2, upper, 5.4)
            self.caption(edges[first] + 0.8, y + 7.2, lower, 5.0)
        y += head
        shaded, plain = 4.5, 5.0
        rendering = claim.rendering
        npi = rendering.npi if rendering else claim.billing_provider.npi
        taxonomy = rendering.taxonomy if rendering else claim.billing_provider.taxonomy
        pdf = self.pdf
        for n in range(LINES_PER_PAGE):
            top = y + n * (shaded + plain)
            pdf.set_fill_color(*SHADE)
            pdf.set_draw_color(*INK)
            pdf.rect(X0, top, WIDTH, shaded, style="F")
            for first, last in ((0, 13), (13, 14), (14, 15)):
                self.box(edges[first], top, edges[last] - edges[first], shaded)
            for i in range(len(widths)):
                self.box(edges[i], top + shaded, widths[i], plain)
            self.caption(X0 - 4, top + shaded + 3.6, str(n + 1), 7)
            self.caption(edges[13] + 1.5, top + shaded + 3.6, "NPI", 5.4)
            if n >= len(page.lines):
                continue
            line = page.lines[n]
            base = top + shaded + 3.8
            self.put(edges[0] + 1, top + 3.4, _ndc(line), edges[13] - edges[0] - 2)
            until = line.service_date_to or line.service_date
            self.put(edges[0] + 1, base, _mmddyy(line.service_date), widths[0] - 2)
            self.put(edges[1] + 1, base, _mmddyy(until), widths[1] - 2)
            pos = line.place_of_service or claim.place_of_service
            self.put(edges[2] + 1, base, pos, widths[2] - 2)
            self.put(edges[4] + 1, base, line.procedure_code or "", widths[4] - 2)
            for m, modifier in enumerate(line.modifiers[:4]):
                self.put(edges[5 + m] + 1, base, modifier, widths[5 + m] - 1.5)
            self.put(edges[9] + 1, base, _pointers(line), widths[9] - 2)
            self.put(edges[10] + 1, base, _money(line.charge_cents), widths[10] - 2, right=True)
            self.put(edges[11] + 1, base, quantity(line.units_thousandths), widths[11] - 2)
            if taxonomy:
                self.put(edges[13] + 1, top + 3.4, "ZZ", widths[13] - 2)
                self.put(edges[14] + 1, top + 3.4, taxonomy, widths[14] - 2)
            self.put(edges[14] + 1, base, npi, widths[14] - 2)
        return y + LINES_PER_PAGE * (shaded + plain)

    def _totals(self, page: _Page, y: float) -> float:
        claim = page.claim
        h = 10.0
        tax, account, assign = X0 + 52, X0 + 92, COL_C
        paid, nucc = COL_C + 32, COL_C + 56
        self.box(X0, y, tax - X0, h, "25 Federal tax ID")
        self.put(X0 + 1.5, y + 7.8, claim.billing_provider.tin, 27)
        x = self.check(X0 + 32, y + 7.6, "SSN", False)
        self.check(x - 1, y + 7.6, "EIN", True)  # BillingProvider.tin is an EIN (REF*EI)
        self.box(tax, y, account - tax, h, "26 Patient account no.")
        self.put(tax + 1.5, y + 7.8, claim.patient_control_number, account - tax - 3)
        self.box(account, y, assign - account, h, "27 Accept assignment?")
        # CLM07: A accepts assignment; B (clinical lab only) and C do not, for the claim.
        self.yes_no(account + 2, y + 7.6, claim.assignment == "A")
        self.box(assign, y, paid - assign, h, "28 Total charge")
        total = _money(claim.total_charge_cents) if page.number == page.count else CONTINUED
        self.put(assign + 1.5, y + 7.8, total, paid - assign - 3, right=True)
        self.box(paid, y, nucc - paid, h, "29 Amount paid")
        # What the payers before this one paid (item 29 is for other payers' and the patient's
        # payments on the covered services); on the last sheet, beside the total.
        prior = sum(o.paid_cents or 0 for o in claim.other_payers)
        if claim.other_payers and page.number == page.count:
            self.put(paid + 1.5, y + 7.8, _money(prior), nucc - paid - 3, right=True)
        self.box(nucc, y, END - nucc, h, "30 Rsvd for NUCC use")
        return y + h

    def _providers(self, claim: Claim, y: float) -> float:
        h, ids = 26.0, 6.0
        facility_x, billing_x = X0 + 52, COL_C
        self.box(X0, y, facility_x - X0, h, "31 Signature of physician or supplier")
        self.caption(X0 + 0.8, y + 4.4, "(including degrees or credentials)")
        if claim.provider_signature == "Y":  # CLM06
            self.put(X0 + 1.5, y + 12, SIGNATURE_ON_FILE, facility_x - X0 - 3)
        self.caption(X0 + 0.8, y + h - 2, "DATE")

        self.box(facility_x, y, billing_x - facility_x, h, "32 Service facility location")
        self._ids(facility_x, y + h - ids, billing_x - facility_x, "32a NPI", "32b Other ID")
        facility = claim.service_facility
        if facility is not None:
            self._name_address(facility_x, y, billing_x - facility_x, facility.name, facility)
            self.put(facility_x + 9, y + h - 1.3, facility.npi, 22)

        bp = claim.billing_provider
        self.box(billing_x, y, END - billing_x, h, "33 Billing provider info & phone  (     )")
        self._ids(billing_x, y + h - ids, END - billing_x, "33a NPI", "33b Other ID")
        self._name_address(billing_x, y, END - billing_x, bp.name, bp.address)
        self.put(billing_x + 9, y + h - 1.3, bp.npi, 24)
        if bp.taxonomy:
            self.put(billing_x + 46, y + h - 1.3, f"ZZ{bp.taxonomy}", END - billing_x - 47)
        return y + h

    def _ids(self, x: float, y: float, w: float, first: str, second: str) -> None:
        self.box(x, y, w * 0.45, 6.0)
        self.box(x + w * 0.45, y, w * 0.55, 6.0)
        self.caption(x + 0.8, y + 2.1, first)
        self.caption(x + w * 0.45 + 0.8, y + 2.1, second)

    def _name_address(
        self, x: float, y: float, w: float, name: Person, where: Address | Provider | None
    ) -> None:
        address = where.address if isinstance(where, Provider) else where
        rows = [_first_last(name)]
        if address is not None:
            rows.append(" ".join(p for p in (address.line1, address.line2) if p))
            rows.append(_city_line(address))
        for n, text in enumerate(rows):
            self.put(x + 1.5, y + 7.5 + 4 * n, text, w - 3, cut=True)


def _city_line(address: Address) -> str:
    return f"{address.city} {address.state} {_zip(address.postal_code)}"
