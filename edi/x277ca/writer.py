"""Writing 277CA claim acknowledgments (005010X214): our answer, claim by claim, to an 837.

The reader's value objects leave out what a 277CA must carry but we never keep from one
(names, the patient's member ID), so the writer takes value objects of its own: a Report per
transaction set, with its information source, receiver, billing providers and claims. The
counts and amounts of loops 2200B and 2200C (QTY, AMT) are computed from the claims: a claim
whose first status is a rejection counts as rejected, any other as accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from edi.x12 import Delimiters, Element, format_segment
from edi.x277ca.models import VERSION, Envelope, StatusCode
from edi.x837.writer import amount, d8

MAX_MESSAGE = 264  # STC12


@dataclass(frozen=True, slots=True)
class Party:
    """One NM1: entity code, name, and the ID with its qualifier."""

    entity: str  # NM101: AY clearinghouse, PR payer, 41 submitter, 85 billing provider, QC
    name: str  # NM103: last or organization name
    qualifier: str  # NM108: 46 ETIN, XX NPI, MI member ID, ...
    identifier: str  # NM109
    first_name: str | None = None  # NM104: set for a person
    middle_name: str | None = None  # NM105
    suffix: str | None = None  # NM107

    @property
    def is_person(self) -> bool:
        """A person (NM102 1) rather than an organization (2)."""
        return self.first_name is not None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One STC we give: its codes (STC01, then STC10 and STC11), date, amount and words."""

    codes: tuple[StatusCode, ...]
    effective: date  # STC02
    charge_cents: int | None = None  # STC04
    message: str | None = None  # STC12, free text: codes and field names, never PHI

    @property
    def is_rejection(self) -> bool:
        """Its first code rejects (A3, A6, A7, A8)."""
        return self.codes[0].category.is_rejection

    @property
    def action(self) -> str:
        """STC03: WQ accepted (received, forwarded, accepted, split), U otherwise."""
        category = self.codes[0].category
        return "WQ" if category.is_acceptance or category.is_received else "U"


@dataclass(frozen=True, slots=True)
class LineReport:
    """Loop 2220D: one line echoed with its status."""

    procedure: tuple[str, ...]  # SVC01 components, such as ("HC", "99213", "25")
    charge_cents: int  # SVC02
    status: StatusReport
    control_number: str | None = None  # REF*FJ: the sender's line item control number
    revenue_code: str | None = None  # SVC04
    units: str | None = None  # SVC07
    service_from: date | None = None  # DTP*472
    service_to: date | None = None


@dataclass(frozen=True, slots=True)
class ClaimReport:
    """Loops 2000D-2220D: one claim of the 837, keyed by the sender's CLM01."""

    patient: Party  # 2100D NM1*QC
    claim_number: str  # TRN02: the sender's CLM01
    statuses: tuple[StatusReport, ...]
    total_charge_cents: int
    service_from: date  # DTP*472
    service_to: date | None = None
    payer_claim_number: str | None = None  # REF*1K
    clearinghouse_trace: str | None = None  # REF*D9
    bill_type: str | None = None  # REF*BLT (837I)
    lines: tuple[LineReport, ...] = ()

    @property
    def is_rejected(self) -> bool:
        """Its first status rejects it."""
        return self.statuses[0].is_rejection


@dataclass(frozen=True, slots=True)
class ProviderReport:
    """Loops 2000C-2200C: a billing provider, its status and its claims."""

    provider: Party  # NM1*85
    trace: str  # TRN*1
    status: StatusReport
    claims: tuple[ClaimReport, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """One 277CA transaction set: who answers (2000A), to whom (2000B), and the claims."""

    control_number: str  # ST02
    reference: str  # BHT03
    created_at: datetime  # BHT04/BHT05
    source: Party  # 2100A NM1 (AY or PR)
    source_trace: str  # 2200A TRN*1
    received: date  # DTP*050
    processed: date  # DTP*009
    receiver: Party  # 2100B NM1*41
    receiver_trace: str  # 2200B TRN*2: the batch answered
    receiver_status: StatusReport
    providers: tuple[ProviderReport, ...]


def write_277ca(
    envelope: Envelope,
    reports: Sequence[Report],
    *,
    delimiters: Delimiters | None = None,
    newline: bool = True,
) -> str:
    """The 277CA file: one interchange and group (HN) holding a transaction set per report."""
    if not reports:
        raise ValueError("reports: at least one transaction set")
    writer = _Writer(delimiters or Delimiters())
    writer.write(envelope, reports)
    end = "\n" if newline else ""
    return end.join(writer.out) + end


class _Writer:
    """Builds the segments in order and keeps the counts the trailers need."""

    def __init__(self, d: Delimiters) -> None:
        self.d = d
        self.out: list[str] = []
        bad = {d.element, d.component, d.segment} | ({d.repetition} if d.repetition else set())
        self._clean = str.maketrans({c: " " for c in bad})

    def seg(self, *elements: Element) -> None:
        self.out.append(format_segment(elements, self.d))

    def text(self, value: str | None) -> str | None:
        """Free text with any delimiter character replaced by a space (runs of spaces as one)."""
        return " ".join(value.translate(self._clean).split()) if value else value

    def write(self, e: Envelope, reports: Sequence[Report]) -> None:
        at = e.created_at
        self.seg(
            "ISA", "00", " " * 10, "00", " " * 10, e.sender_qualifier, e.sender_id.ljust(15),
            e.receiver_qualifier, e.receiver_id.ljust(15), at.strftime("%y%m%d"),
            at.strftime("%H%M"), self.d.repetition or "^", "00501",
            f"{e.interchange_control_number:09d}", "0", "T" if e.is_test else "P", self.d.component,
        )  # fmt: skip
        self.seg(
            "GS", "HN", e.application_sender, e.application_receiver, d8(at.date()),
            at.strftime("%H%M"), str(e.group_control_number), "X", VERSION,
        )  # fmt: skip
        for report in reports:
            self.transaction(report)
        self.seg("GE", str(len(reports)), str(e.group_control_number))
        self.seg("IEA", "1", f"{e.interchange_control_number:09d}")

    def transaction(self, r: Report) -> None:
        start = len(self.out)
        self.seg("ST", "277", r.control_number, VERSION)
        self.seg(
            "BHT", "0085", "08", r.reference, d8(r.created_at.date()),
            r.created_at.strftime("%H%M"), "TH",
        )  # fmt: skip
        self.seg("HL", "1", "", "20", "1")
        self.party(r.source)
        self.seg("TRN", "1", r.source_trace)
        self.seg("DTP", "050", "D8", d8(r.received))
        self.seg("DTP", "009", "D8", d8(r.processed))
        self.seg("HL", "2", "1", "21", "1" if r.providers else "0")
        self.party(r.receiver)
        self.seg("TRN", "2", r.receiver_trace)
        claims = [c for p in r.providers for c in p.claims]
        self.status(r.receiver_status, sum(c.total_charge_cents for c in claims))
        self.totals(claims, accepted="90", rejected="AA")
        hl = 2
        for provider in r.providers:
            hl += 1
            provider_hl = hl
            self.seg("HL", str(hl), "2", "19", "1")
            self.party(provider.provider)
            self.seg("TRN", "1", provider.trace)
            charges = sum(c.total_charge_cents for c in provider.claims)
            self.status(provider.status, charges, dated=False)  # 2200C STC02 is not used
            self.totals(list(provider.claims), accepted="QA", rejected="QC")
            for claim in provider.claims:
                hl += 1
                self.seg("HL", str(hl), str(provider_hl), "PT")
                self.claim(claim)
        self.seg("SE", str(len(self.out) - start + 1), r.control_number)

    def party(self, p: Party) -> None:
        self.seg(
            "NM1", p.entity, "1" if p.is_person else "2", self.text(p.name),
            self.text(p.first_name), self.text(p.middle_name), "", self.text(p.suffix),
            p.qualifier, p.identifier,
        )  # fmt: skip

    def status(
        self, s: StatusReport, charge_cents: int | None, *, line: bool = False, dated: bool = True
    ) -> None:
        codes = [(c.category.value, c.code, c.entity or "") for c in s.codes]
        if len(codes) > 3:
            raise ValueError("a status carries at most three codes (STC01, STC10, STC11)")
        charge = s.charge_cents if s.charge_cents is not None else charge_cents
        message = self.text(s.message)
        self.seg(
            "STC", codes[0], d8(s.effective) if dated else "", "U" if line else s.action,
            None if charge is None else amount(charge), "", "", "", "", "",
            codes[1] if len(codes) > 1 else None, codes[2] if len(codes) > 2 else None,
            message[:MAX_MESSAGE] if message else None,
        )  # fmt: skip

    def totals(self, claims: list[ClaimReport], *, accepted: str, rejected: str) -> None:
        good = [c for c in claims if not c.is_rejected]
        bad = [c for c in claims if c.is_rejected]
        if good:
            self.seg("QTY", accepted, str(len(good)))
        if bad:
            self.seg("QTY", rejected, str(len(bad)))
        if good:
            self.seg("AMT", "YU", amount(sum(c.total_charge_cents for c in good)))
        if bad:
            self.seg("AMT", "YY", amount(sum(c.total_charge_cents for c in bad)))

    def claim(self, c: ClaimReport) -> None:
        self.party(c.patient)
        self.seg("TRN", "2", c.claim_number)
        for s in c.statuses:
            self.status(s, c.total_charge_cents)
        if c.payer_claim_number:
            self.seg("REF", "1K", c.payer_claim_number)
        if c.clearinghouse_trace:
            self.seg("REF", "D9", c.clearinghouse_trace)
        if c.bill_type:
            self.seg("REF", "BLT", c.bill_type)
        self.dates(c.service_from, c.service_to)
        for line in c.lines:
            self.seg(
                "SVC", line.procedure, amount(line.charge_cents), "", line.revenue_code, "", "",
                line.units,
            )  # fmt: skip
            self.status(line.status, None, line=True)
            if line.control_number:
                self.seg("REF", "FJ", line.control_number)
            if line.service_from is not None:
                self.dates(line.service_from, line.service_to)

    def dates(self, start: date, end: date | None) -> None:
        if end is None or end == start:
            self.seg("DTP", "472", "D8", d8(start))
        else:
            self.seg("DTP", "472", "RD8", f"{d8(start)}-{d8(end)}")
