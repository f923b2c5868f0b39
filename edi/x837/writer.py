"""Writing an 837P or 837I file from a Batch: envelope, loops, counts and control numbers.

Every claim is checked for the data the guide requires before anything is written; a claim
that lacks it raises InvalidClaim naming the claim and the field, and no file is produced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from edi.x12 import Delimiters, Element, format_segment
from edi.x837.models import (
    Address,
    Batch,
    BillingProvider,
    Claim,
    ClaimAdjustment,
    Diagnosis,
    Kind,
    OtherPayer,
    Person,
    Provider,
    ServiceLine,
)

MAX_CLAIMS_PER_TRANSACTION = 5000
MAX_LINES = {Kind.PROFESSIONAL: 50, Kind.INSTITUTIONAL: 999}
MAX_PROFESSIONAL_DIAGNOSES = 12
MAX_OTHER_DIAGNOSES_PER_HI = 12
UNITS = {Kind.PROFESSIONAL: ("UN", "MJ"), Kind.INSTITUTIONAL: ("UN", "DA")}
MAX_OTHER_PAYERS = 10  # loop 2320 repeats
MAX_LINE_ADJUDICATIONS = 15  # loop 2430 repeats
MAX_CAS_SEGMENTS = 5  # per 2320 or 2430 loop
CAS_TRIPLETS = 6  # reason/amount/quantity triplets per CAS segment
GROUP_CODES = ("CO", "OA", "PI", "PR")
RELATIONSHIPS = ("01", "18", "19", "20", "21", "39", "40", "53", "G8")  # 2320 SBR02


class InvalidClaim(ValueError):
    """A claim that lacks data the guide requires; names the claim (CLM01) and the field."""

    def __init__(self, patient_control_number: str, field: str, message: str) -> None:
        self.patient_control_number = patient_control_number
        self.field = field
        super().__init__(f"claim {patient_control_number}: {field}: {message}")


@dataclass(frozen=True, slots=True)
class ClaimSpan:
    """Where a claim's segments lie in the file (1-based positions, inclusive)."""

    patient_control_number: str
    first_segment: int
    last_segment: int


@dataclass(frozen=True, slots=True)
class Written:
    """A written file: its text and where each claim lies in it."""

    text: str
    claim_spans: tuple[ClaimSpan, ...]
    segment_count: int


def transactions_needed(claim_count: int, per_transaction: int = MAX_CLAIMS_PER_TRANSACTION) -> int:
    """How many ST..SE transactions a batch of this many claims takes."""
    return max(1, -(-claim_count // per_transaction))


def amount(cents: int) -> str:
    """X12 decimal (R) from cents: no trailing zeros, no needless point (150, 150.5, 150.55)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    if part == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{part // 10}" if part % 10 == 0 else f"{sign}{whole}.{part:02d}"


def quantity(thousandths: int) -> str:
    """X12 decimal (R) from thousandths (1000 -> 1, 1500 -> 1.5)."""
    whole, part = divmod(thousandths, 1000)
    return str(whole) if part == 0 else f"{whole}.{part:03d}".rstrip("0")


@lru_cache(maxsize=8192)
def d8(day: date) -> str:
    """CCYYMMDD (cached: a batch repeats the same few hundred dates)."""
    return day.strftime("%Y%m%d")


def write_batch(
    batch: Batch, delimiters: Delimiters | None = None, *, newline: bool = True
) -> Written:
    """The 837 file for a batch; InvalidClaim when a claim lacks required data."""
    d = delimiters or Delimiters()
    per_st = batch.claims_per_transaction
    if not 1 <= per_st <= MAX_CLAIMS_PER_TRANSACTION:
        raise ValueError(f"claims_per_transaction: 1 to {MAX_CLAIMS_PER_TRANSACTION}")
    if not batch.claims:
        raise ValueError("claims: a batch needs at least one claim")
    needed = transactions_needed(len(batch.claims), per_st)
    if len(batch.transaction_control_numbers) != needed:
        raise ValueError(
            f"transaction_control_numbers: {needed} needed for {len(batch.claims)} claims"
        )
    for claim in batch.claims:
        check_claim(claim, batch.kind)
    writer = _Writer(batch, d)
    writer.write()
    text = ("\n" if newline else "").join(writer.out) + ("\n" if newline else "")
    return Written(text, tuple(writer.spans), writer.position)


def check_claim(claim: Claim, kind: Kind) -> None:
    """Raise InvalidClaim for the first required datum the claim lacks."""
    pcn = claim.patient_control_number

    def need(ok: object, field: str, message: str) -> None:
        if not ok:
            raise InvalidClaim(pcn or "(no CLM01)", field, message)

    bp = claim.billing_provider
    need(len(bp.npi) == 10 and bp.npi.isdigit(), "billing_provider.npi", "10 digits")
    # 5010 wants the full ZIP+4 for the billing provider and the service facility.
    zip9 = "9-digit ZIP code (ZIP+4) required"
    need(_is_zip9(bp.address.postal_code), "billing_provider.address.postal_code", zip9)
    need(len(bp.tin) == 9 and bp.tin.isdigit(), "billing_provider.tin", "9 digits")
    named = {
        "referring": claim.referring,
        "rendering": claim.rendering,
        "service_facility": claim.service_facility,
        "attending": claim.institutional.attending if claim.institutional else None,
    }
    for name, provider in named.items():
        # A service facility may have no NPI (NM108/NM109 are situational in 2310C/2310E).
        if provider is not None and (provider.npi or name != "service_facility"):
            need(len(provider.npi) == 10 and provider.npi.isdigit(), f"{name}.npi", "10 digits")
    facility = claim.service_facility
    if facility is not None:
        need(facility.address, "service_facility.address", "required")
        if facility.address is not None:
            need(
                _is_zip9(facility.address.postal_code), "service_facility.address.postal_code", zip9
            )
    need(pcn and len(pcn) <= 38 and pcn.isalnum(), "patient_control_number", "1-38 letters/digits")
    need(claim.frequency in ("1", "7", "8"), "frequency", "must be 1, 7 or 8")
    if claim.frequency in ("7", "8"):
        need(claim.payer_claim_number, "payer_claim_number", "required on frequency 7 and 8")
    need(claim.lines, "lines", "at least one service line")
    need(len(claim.lines) <= MAX_LINES[kind], "lines", f"at most {MAX_LINES[kind]} per claim")
    need(
        claim.total_charge_cents == sum(line.charge_cents for line in claim.lines),
        "total_charge",
        "CLM02 must equal the sum of the line charges",
    )
    need(claim.diagnoses, "diagnoses", "at least one diagnosis")
    need(claim.assignment in ("A", "B", "C"), "assignment", "CLM07 must be A, B or C")
    need(claim.benefits_assigned in ("N", "W", "Y"), "benefits_assigned", "CLM08: N, W or Y")
    need(claim.release_of_information in ("I", "Y"), "release_of_information", "CLM09: I or Y")
    sub = claim.subscriber
    need(sub.member_id, "subscriber.member_id", "required")
    need(sub.payer_id and sub.payer_name, "subscriber.payer", "payer name and ID required")
    need(sub.payer_responsibility in ("P", "S", "T"), "subscriber.payer_responsibility", "P/S/T")
    need(sub.claim_filing_indicator, "subscriber.claim_filing_indicator", "SBR09 required")
    if sub.is_patient:
        need(claim.patient is None, "patient", "omit when the subscriber is the patient")
        need(sub.address and sub.birth_date and sub.sex, "subscriber", "address, birth date, sex")
    else:
        need(
            claim.patient is not None, "patient", "required when the subscriber is not the patient"
        )
    if kind is Kind.PROFESSIONAL:
        need(
            len(claim.diagnoses) <= MAX_PROFESSIONAL_DIAGNOSES,
            "diagnoses",
            f"at most {MAX_PROFESSIONAL_DIAGNOSES} on an 837P",
        )
        need(claim.place_of_service, "place_of_service", "required")
        need(claim.provider_signature in ("N", "Y"), "provider_signature", "CLM06: N or Y")
        count = len(claim.diagnoses)
        for n, line in enumerate(claim.lines, start=1):
            pointers = line.pointers
            if (
                line.procedure_code
                and 1 <= len(pointers) <= 4
                and min(pointers) >= 1
                and max(pointers) <= count
            ):
                continue  # the common case, checked without building any message
            need(line.procedure_code, f"lines[{n}].procedure_code", "required on an 837P")
            need(1 <= len(pointers) <= 4, f"lines[{n}].pointers", "1 to 4 diagnosis pointers")
            for p in pointers:
                need(1 <= p <= count, f"lines[{n}].pointers", "points at no diagnosis")
    else:
        inst = claim.institutional
        need(inst is not None, "institutional", "type of bill and statement dates required")
        assert inst is not None
        need(
            len(inst.type_of_bill) == 3 and inst.type_of_bill.isdigit(), "type_of_bill", "3 digits"
        )
        need(inst.statement_from <= inst.statement_to, "statement_dates", "from after to")
        need(inst.attending is not None, "attending", "attending provider required")
        others = len(claim.diagnoses) - 1
        need(others <= 2 * MAX_OTHER_DIAGNOSES_PER_HI, "diagnoses", "at most 24 other diagnoses")
        for n, line in enumerate(claim.lines, start=1):
            need(line.revenue_code, f"lines[{n}].revenue_code", "required on an 837I")
    units = UNITS[kind]
    for n, line in enumerate(claim.lines, start=1):
        if (
            line.charge_cents >= 0
            and line.units_thousandths > 0
            and line.control_number
            and len(line.modifiers) <= 4
            and line.unit in units
            and (line.service_date_to is None or line.service_date_to >= line.service_date)
        ):
            continue
        need(line.charge_cents >= 0, f"lines[{n}].charge", "must not be negative")
        need(line.units_thousandths > 0, f"lines[{n}].units", "must be positive")
        need(line.control_number, f"lines[{n}].control_number", "REF*6R required")
        need(len(line.modifiers) <= 4, f"lines[{n}].modifiers", "at most 4")
        need(line.unit in UNITS[kind], f"lines[{n}].unit", f"one of {', '.join(UNITS[kind])}")
        need(
            line.service_date_to is None or line.service_date_to >= line.service_date,
            f"lines[{n}].service_date_to",
            "before the service date",
        )
    if claim.other_payers or any(line.adjudications for line in claim.lines):
        _check_other_payers(claim)


def cas_segments(adjustments: Sequence[ClaimAdjustment]) -> list[tuple[str, list[ClaimAdjustment]]]:
    """Adjustments as CAS segments: one per group code (in order of first use), six
    reason/amount/quantity triplets at most in each."""
    by_group: dict[str, list[ClaimAdjustment]] = {}
    for adj in adjustments:
        by_group.setdefault(adj.group, []).append(adj)
    return [
        (group, items[start : start + CAS_TRIPLETS])
        for group, items in by_group.items()
        for start in range(0, len(items), CAS_TRIPLETS)
    ]


def _check_other_payers(claim: Claim) -> None:
    """Loops 2320/2330/2430: each other payer named once, and each that adjudicated the claim
    balancing at claim and line level (charge less adjustments is what it paid)."""
    pcn = claim.patient_control_number

    def need(ok: object, field: str, message: str) -> None:
        if not ok:
            raise InvalidClaim(pcn, field, message)

    others = claim.other_payers
    need(len(others) <= MAX_OTHER_PAYERS, "other_payers", f"at most {MAX_OTHER_PAYERS}")
    sequence = [claim.subscriber.payer_responsibility] + [o.payer_responsibility for o in others]
    need(
        len(set(sequence)) == len(sequence),
        "other_payers.payer_responsibility",
        "each payer of the claim needs its own SBR01 (P, S, T)",
    )
    ids = [o.payer_id for o in others]
    need(len(set(ids)) == len(ids), "other_payers.payer_id", "each other payer named once")
    adjudicated = {o.payer_id: o for o in others if o.paid_cents is not None}
    line_adjustments: dict[str, int] = dict.fromkeys(adjudicated, 0)
    with_lines: set[str] = set()
    line_eaf: set[str] = set()
    for n, line in enumerate(claim.lines, start=1):
        place = f"lines[{n}].adjudications"
        need(len(line.adjudications) <= MAX_LINE_ADJUDICATIONS, place, "at most 15 (loop 2430)")
        seen: set[str] = set()
        for adj in line.adjudications:
            need(adj.payer_id in adjudicated, place, "SVD01 names no other payer that paid")
            need(adj.payer_id not in seen, place, "one loop 2430 per other payer")
            seen.add(adj.payer_id)
            _check_cas(adj.adjustments, place, need)
            taken = sum(a.amount_cents for a in adj.adjustments)
            need(
                line.charge_cents - taken == adj.paid_cents,
                place,
                f"the line does not balance for payer {adj.payer_id}: charge less adjustments "
                "must equal the paid amount (SVD02)",
            )
            line_adjustments[adj.payer_id] += taken
            with_lines.add(adj.payer_id)
            if adj.remaining_patient_liability_cents is not None:
                line_eaf.add(adj.payer_id)
    for n, other in enumerate(others, start=1):
        place = f"other_payers[{n}]"
        need(
            other.payer_responsibility in ("P", "S", "T"),
            f"{place}.payer_responsibility",
            "P, S or T",
        )
        need(other.relationship in RELATIONSHIPS, f"{place}.relationship", "an SBR02 code")
        need(other.claim_filing_indicator, f"{place}.claim_filing_indicator", "SBR09 required")
        need(other.member_id, f"{place}.member_id", "required (2330A NM109)")
        need(other.subscriber.last_name, f"{place}.subscriber", "name required (2330A)")
        need(other.payer_id and other.payer_name, f"{place}.payer", "name and ID required")
        need(other.benefits_assigned in ("N", "W", "Y"), f"{place}.benefits_assigned", "N/W/Y")
        need(other.release_of_information in ("I", "Y"), f"{place}.release_of_information", "I/Y")
        _check_cas(other.adjustments, f"{place}.adjustments", need)
        if other.paid_cents is None:
            need(
                not other.adjustments and other.remaining_patient_liability_cents is None,
                f"{place}.paid",
                "adjustments and patient liability need the payer's paid amount (AMT*D)",
            )
            continue
        taken = sum(a.amount_cents for a in other.adjustments) + line_adjustments[other.payer_id]
        need(
            claim.total_charge_cents - taken == other.paid_cents,
            f"{place}.paid",
            f"the claim does not balance for payer {other.payer_id}: CLM02 less claim and "
            "line adjustments must equal the paid amount (AMT*D)",
        )
        need(
            other.payer_id in with_lines or other.adjudicated_on is not None,
            f"{place}.adjudicated_on",
            "DTP*573 required when no line carries the payer's adjudication (loop 2430)",
        )
        need(
            other.remaining_patient_liability_cents is None or other.payer_id not in line_eaf,
            f"{place}.remaining_patient_liability",
            "AMT*EAF at claim or line level, never both",
        )


def _check_cas(
    adjustments: Sequence[ClaimAdjustment], place: str, need: Callable[[object, str, str], None]
) -> None:
    for adj in adjustments:
        need(adj.group in GROUP_CODES, place, "CAS group code must be CO, OA, PI or PR")
        need(adj.reason, place, "CAS reason code required")
    need(
        len(cas_segments(adjustments)) <= MAX_CAS_SEGMENTS,
        place,
        f"at most {MAX_CAS_SEGMENTS} CAS segments (six adjustments of one group code each)",
    )


def _qualifier(principal: bool, dx: Diagnosis) -> str:
    """HI qualifier: ABK/ABF for ICD-10-CM, BK/BF for an ICD-9-CM code read from elsewhere."""
    if dx.icd9:
        return "BK" if principal else "BF"
    return "ABK" if principal else "ABF"


def _is_zip9(postal_code: str) -> bool:
    return len(postal_code) == 9 and postal_code.isdigit()


class _Writer:
    """Builds segments in order and keeps the counts the trailers need."""

    def __init__(self, batch: Batch, d: Delimiters) -> None:
        self.batch = batch
        self.d = d
        self.out: list[str] = []
        self.spans: list[ClaimSpan] = []
        bad = {d.element, d.component, d.segment} | ({d.repetition} if d.repetition else set())
        self._clean_table = str.maketrans({c: " " for c in bad})

    def seg(self, *elements: Element) -> None:
        self.out.append(format_segment(elements, self.d))

    def text(self, value: str | None) -> str | None:
        """Free text (names, addresses) with any delimiter character replaced by a space."""
        return value.translate(self._clean_table).strip() if value else value

    @property
    def position(self) -> int:
        """How many segments have been written (the position of the last one)."""
        return len(self.out)

    def write(self) -> None:
        """Every segment of the batch, in order, into self.out."""
        b, e, kind = self.batch, self.batch.envelope, self.batch.kind
        self.seg(
            "ISA", "00", " " * 10, "00", " " * 10,
            e.sender_qualifier, e.sender_id.ljust(15),
            e.receiver_qualifier, e.receiver_id.ljust(15),
            e.created_at.strftime("%y%m%d"), e.created_at.strftime("%H%M"),
            self.d.repetition or "^", "00501", f"{e.interchange_control_number:09d}",
            "1" if e.acknowledgment_requested else "0", e.usage, self.d.component,
        )  # fmt: skip
        self.seg(
            "GS", "HC", e.application_sender, e.application_receiver, d8(e.created_at),
            e.created_at.strftime("%H%M"), str(e.group_control_number), "X", kind.value,
        )  # fmt: skip
        per = b.claims_per_transaction
        for index, st_number in enumerate(b.transaction_control_numbers):
            self._transaction(st_number, b.claims[index * per : (index + 1) * per])
        self.seg("GE", str(len(b.transaction_control_numbers)), str(e.group_control_number))
        self.seg("IEA", "1", f"{e.interchange_control_number:09d}")

    def _transaction(self, st_number: int, claims: Sequence[Claim]) -> None:
        b, kind = self.batch, self.batch.kind
        start = self.position + 1
        control = f"{st_number:04d}"
        created: datetime = b.envelope.created_at
        self.seg("ST", "837", control, kind.value)
        self.seg("BHT", "0019", "00", b.reference, d8(created), created.strftime("%H%M"), "CH")
        s = b.submitter
        self.seg("NM1", "41", "2", self.text(s.name), "", "", "", "", "46", s.id)
        self.seg("PER", "IC", self.text(s.contact_name), "TE", s.phone)
        self.seg("NM1", "40", "2", self.text(b.receiver.name), "", "", "", "", "46", b.receiver.id)
        hl = 0
        provider_hl = 0
        current: BillingProvider | None = None
        for claim in claims:
            if claim.billing_provider != current:
                current = claim.billing_provider
                hl += 1
                provider_hl = hl
                self._billing_provider(hl, current)
            hl += 1
            subscriber_hl = hl
            first = self.position + 1
            self._subscriber(hl, provider_hl, claim)
            if claim.patient is not None:
                hl += 1
                self._patient(hl, subscriber_hl, claim)
            self._claim(claim, kind)
            self.spans.append(ClaimSpan(claim.patient_control_number, first, self.position))
        count = self.position - start + 2  # ST through SE, SE included
        self.seg("SE", str(count), control)

    def _name(self, code: str, person: Person, qualifier: str | None, ident: str | None) -> None:
        self.seg(
            "NM1", code, "2" if person.is_organization else "1", self.text(person.last_name),
            None if person.is_organization else self.text(person.first_name),
            None if person.is_organization else self.text(person.middle_name),
            "", None if person.is_organization else self.text(person.suffix),
            qualifier if ident else None, ident,
        )  # fmt: skip

    def _address(self, address: Address) -> None:
        self.seg("N3", self.text(address.line1), self.text(address.line2))
        self.seg("N4", self.text(address.city), address.state, address.postal_code)

    def _billing_provider(self, hl: int, bp: BillingProvider) -> None:
        self.seg("HL", str(hl), "", "20", "1")
        if bp.taxonomy:
            self.seg("PRV", "BI", "PXC", bp.taxonomy)
        self._name("85", bp.name, "XX", bp.npi)
        self._address(bp.address)
        self.seg("REF", "EI", bp.tin)

    def _subscriber(self, hl: int, parent: int, claim: Claim) -> None:
        sub = claim.subscriber
        self.seg("HL", str(hl), str(parent), "22", "0" if claim.patient is None else "1")
        self.seg(
            "SBR", sub.payer_responsibility, "18" if sub.is_patient else "", sub.group_number,
            "", "", "", "", "", sub.claim_filing_indicator,
        )  # fmt: skip
        self._name("IL", sub.name, "MI", sub.member_id)
        if sub.is_patient and sub.address is not None and sub.birth_date is not None:
            self._address(sub.address)
            self.seg("DMG", "D8", d8(sub.birth_date), sub.sex)
        self.seg("NM1", "PR", "2", self.text(sub.payer_name), "", "", "", "", "PI", sub.payer_id)

    def _patient(self, hl: int, parent: int, claim: Claim) -> None:
        patient = claim.patient
        assert patient is not None
        self.seg("HL", str(hl), str(parent), "23", "0")
        self.seg("PAT", patient.relationship)
        self._name("QC", patient.name, None, None)
        self._address(patient.address)
        self.seg("DMG", "D8", d8(patient.birth_date), patient.sex)

    def _claim(self, claim: Claim, kind: Kind) -> None:
        total = amount(claim.total_charge_cents)
        inst = claim.institutional
        if kind is Kind.PROFESSIONAL:
            self.seg(
                "CLM", claim.patient_control_number, total, "", "",
                (claim.place_of_service, "B", claim.frequency), claim.provider_signature,
                claim.assignment, claim.benefits_assigned, claim.release_of_information,
            )  # fmt: skip
        else:
            assert inst is not None
            self.seg(
                "CLM", claim.patient_control_number, total, "", "",
                (inst.type_of_bill[:2], "A", claim.frequency), "", claim.assignment,
                claim.benefits_assigned, claim.release_of_information,
            )  # fmt: skip
            self.seg("DTP", "434", "RD8", f"{d8(inst.statement_from)}-{d8(inst.statement_to)}")
            admitted = inst.admission_at
            if isinstance(admitted, datetime):
                self.seg("DTP", "435", "DT", admitted.strftime("%Y%m%d%H%M"))
            elif admitted is not None:
                self.seg("DTP", "435", "D8", d8(admitted))
            self.seg("CL1", inst.admission_type, inst.admission_source, inst.patient_status)
        if claim.prior_authorization:
            self.seg("REF", "G1", claim.prior_authorization)
        if claim.frequency in ("7", "8"):
            self.seg("REF", "F8", claim.payer_claim_number)
        if claim.clia_number and kind is Kind.PROFESSIONAL:
            self.seg("REF", "X4", claim.clia_number)
        self._diagnoses(claim, kind)
        if kind is Kind.PROFESSIONAL:
            self._provider("DN", claim.referring, with_taxonomy=None)
            self._provider("82", claim.rendering, with_taxonomy="PE")
            self._facility(claim.service_facility)
        else:
            assert inst is not None
            self._provider("71", inst.attending, with_taxonomy="AT")
            self._provider("82", claim.rendering, with_taxonomy=None)
            self._facility(claim.service_facility)
            self._provider("DN", claim.referring, with_taxonomy=None)
        for other in claim.other_payers:
            self._other_payer(other, claim)
        for number, line in enumerate(claim.lines, start=1):
            self._line(number, line, claim, kind)

    def _diagnoses(self, claim: Claim, kind: Kind) -> None:
        dx = claim.diagnoses
        if kind is Kind.PROFESSIONAL:
            self.seg("HI", *[(_qualifier(i == 0, x), x.code) for i, x in enumerate(dx)])
            return
        inst = claim.institutional
        assert inst is not None

        def poa(qualifier: str, x: Diagnosis) -> tuple[str, ...]:
            # HI0n-9 carries the present-on-admission indicator.
            if x.present_on_admission:
                return (qualifier, x.code, "", "", "", "", "", "", x.present_on_admission)
            return (qualifier, x.code)

        self.seg("HI", poa(_qualifier(True, dx[0]), dx[0]))
        if inst.admitting_diagnosis:
            self.seg("HI", ("ABJ", inst.admitting_diagnosis))
        if inst.reason_for_visit:
            self.seg("HI", *[("APR", code) for code in inst.reason_for_visit[:3]])
        others = dx[1:]
        for start in range(0, len(others), MAX_OTHER_DIAGNOSES_PER_HI):
            chunk = others[start : start + MAX_OTHER_DIAGNOSES_PER_HI]
            self.seg("HI", *[poa(_qualifier(False, x), x) for x in chunk])

    def _provider(self, code: str, provider: Provider | None, *, with_taxonomy: str | None) -> None:
        if provider is None:
            return
        self._name(code, provider.name, "XX", provider.npi)
        if with_taxonomy and provider.taxonomy:
            self.seg("PRV", with_taxonomy, "PXC", provider.taxonomy)

    def _facility(self, facility: Provider | None) -> None:
        if facility is None or facility.address is None:
            return
        self._name("77", facility.name, "XX", facility.npi)
        self._address(facility.address)

    def _line(self, number: int, line: ServiceLine, claim: Claim, kind: Kind) -> None:
        # The hot path of a batch: LX, SV1/SV2, DTP and REF are built directly, without the
        # general formatter (values are codes and numbers; no trimming is needed but SV1's).
        e, c, t, out = self.d.element, self.d.component, self.d.segment, self.out
        out.append(f"LX{e}{number}{t}")
        procedure = (
            c.join(("HC", line.procedure_code, *line.modifiers)) if line.procedure_code else ""
        )
        charge, units = amount(line.charge_cents), quantity(line.units_thousandths)
        if kind is Kind.PROFESSIONAL:
            pos = line.place_of_service if line.place_of_service != claim.place_of_service else ""
            pointers = c.join([str(p) for p in line.pointers])
            sv1 = e.join(("SV1", procedure, charge, line.unit, units, pos or "", "", pointers))
            out.append(sv1.rstrip(e) + t)
        else:
            out.append(
                f"SV2{e}{line.revenue_code}{e}{procedure}{e}{charge}{e}{line.unit}{e}{units}{t}"
            )
        if line.service_date_to is None:
            out.append(f"DTP{e}472{e}D8{e}{d8(line.service_date)}{t}")
        else:
            span = f"{d8(line.service_date)}-{d8(line.service_date_to)}"
            out.append(f"DTP{e}472{e}RD8{e}{span}{t}")
        out.append(f"REF{e}6R{e}{line.control_number}{t}")
        if line.drug is not None:
            self.seg("LIN", "", "N4", line.drug.ndc)
            self.seg("CTP", "", "", "", quantity(line.drug.quantity_thousandths), (line.drug.unit,))
        for adj in line.adjudications:
            code = ("HC", line.procedure_code, *line.modifiers) if line.procedure_code else None
            self.seg(
                "SVD", adj.payer_id, amount(adj.paid_cents), code,
                line.revenue_code if kind is Kind.INSTITUTIONAL else None, units,
            )  # fmt: skip
            self._cas(adj.adjustments)
            self.seg("DTP", "573", "D8", d8(adj.adjudicated_on))
            if adj.remaining_patient_liability_cents is not None:
                self.seg("AMT", "EAF", amount(adj.remaining_patient_liability_cents))

    def _cas(self, adjustments: Sequence[ClaimAdjustment]) -> None:
        for group, items in cas_segments(adjustments):
            elements: list[Element] = ["CAS", group]
            for adj in items:
                elements += [
                    adj.reason, amount(adj.amount_cents),
                    quantity(adj.quantity_thousandths) if adj.quantity_thousandths else None,
                ]  # fmt: skip
            self.seg(*elements)

    def _other_payer(self, other: OtherPayer, claim: Claim) -> None:
        """Loops 2320, 2330A and 2330B of one other payer."""
        self.seg(
            "SBR", other.payer_responsibility, other.relationship, other.group_number,
            "", "", "", "", "", other.claim_filing_indicator,
        )  # fmt: skip
        self._cas(other.adjustments)
        if other.paid_cents is not None:
            self.seg("AMT", "D", amount(other.paid_cents))
        if other.remaining_patient_liability_cents is not None:
            self.seg("AMT", "EAF", amount(other.remaining_patient_liability_cents))
        self.seg("OI", "", "", other.benefits_assigned, "", "", other.release_of_information)
        self._name("IL", other.subscriber, "MI", other.member_id)
        if other.subscriber_address is not None:
            self._address(other.subscriber_address)
        self.seg("NM1", "PR", "2", self.text(other.payer_name), "", "", "", "", "PI",
                 other.payer_id)  # fmt: skip
        on_lines = any(
            adj.payer_id == other.payer_id for line in claim.lines for adj in line.adjudications
        )
        # The guide wants the date once: on each line (2430) when the payer adjudicated lines,
        # else here.
        if other.adjudicated_on is not None and not on_lines:
            self.seg("DTP", "573", "D8", d8(other.adjudicated_on))
