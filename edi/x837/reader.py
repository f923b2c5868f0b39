"""Reading 837P and 837I files, ours and other systems', into the 837 value objects.

One Batch per GS group, because a Batch is what the writer turns back into a file: one
interchange, one group, its transaction sets split evenly by claims_per_transaction. A group
whose transaction sets cannot be written back that way (different submitters, receivers or
BHT03 references, or uneven claim counts) becomes one Batch per run of sets that can.

What the models do not carry is skipped and reported in Batch.skipped: whole segments (pay-to
loops, COB loops, PWK, NTE, ...) and single elements of kept segments (SBR04, CLM10, ...), so
a caller can warn. Faults in structure or data raise X12Error naming the segment position and
element, never a value from the file; nothing is returned from a file with a fault.

Written back, what was read gives the same segments, less the skipped ones, except where the
writer normalises: ISA01-04 and ISA12 are ours; ISA09/10 and BHT04/05 take GS04/05; BHT02 is
00; LX is renumbered and SE01 recounted; an SV105 equal to CLM05-1 is left out; SBR02 follows
the hierarchy; each claim gets HL 22/23 loops of its own; HI diagnoses are regrouped (837P one
HI; 837I by qualifier, 12 to a segment); a DTP*434 D8 becomes RD8; an undated 837I line takes
the statement's first day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from edi.envelope import EnvelopeWalker, source_name
from edi.x12 import Segment, read_segments
from edi.x837.models import (
    Address,
    Batch,
    BillingProvider,
    Claim,
    Diagnosis,
    Drug,
    Envelope,
    Institutional,
    Kind,
    Patient,
    Person,
    Provider,
    Receiver,
    ServiceLine,
    Skipped,
    Submitter,
    Subscriber,
)
from edi.x837.writer import MAX_CLAIMS_PER_TRANSACTION

KINDS = {kind.value: kind for kind in Kind}
# HI qualifiers of ICD-9-CM codes: diagnoses (BK principal, BF other, BJ admitting, PR reason
# for visit, BN external cause) and procedures (BR, BQ). ICD-9 has not been valid since 2015;
# principal and other ICD-9 diagnoses are still read (marked icd9) so the scrubber can hold the
# claim with a reason the sender understands, instead of the whole file being refused.
ICD9_QUALIFIERS = frozenset({"BK", "BF", "BJ", "PR", "BN", "BR", "BQ"})
ICD9_READ = {"BK": "ABK", "BF": "ABF"}
DIAGNOSIS_QUALIFIERS = {
    Kind.PROFESSIONAL: frozenset({"ABK", "ABF"}),
    Kind.INSTITUTIONAL: frozenset({"ABK", "ABF", "ABJ", "APR"}),
}
# Loop 2310 (claim providers) by NM101, and which of them the models keep: slot, PRV01.
CLAIM_PROVIDER_LOOPS = {
    Kind.PROFESSIONAL: {
        "DN": "2310A", "P3": "2310A", "82": "2310B", "77": "2310C", "DQ": "2310D",
        "PW": "2310E", "45": "2310F",
    },
    Kind.INSTITUTIONAL: {
        "71": "2310A", "72": "2310B", "ZZ": "2310C", "82": "2310D", "77": "2310E", "DN": "2310F",
    },
}  # fmt: skip
KEPT_PROVIDERS: dict[Kind, dict[str, tuple[str, str | None]]] = {
    Kind.PROFESSIONAL: {
        "DN": ("referring", None),
        "82": ("rendering", "PE"),
        "77": ("service_facility", None),
    },
    Kind.INSTITUTIONAL: {
        "71": ("attending", "AT"),
        "82": ("rendering", None),
        "77": ("service_facility", None),
        "DN": ("referring", None),
    },
}
LINE_PROVIDER_LOOPS = {
    Kind.PROFESSIONAL: {
        "82": "2420A", "QB": "2420B", "77": "2420C", "DQ": "2420D", "DK": "2420E",
        "DN": "2420F", "P3": "2420F", "PW": "2420G", "45": "2420H",
    },
    Kind.INSTITUTIONAL: {"72": "2420A", "ZZ": "2420B", "82": "2420C", "DN": "2420D"},
}  # fmt: skip
HL_LOOPS = {"20": "2000A", "22": "2000B", "23": "2000C"}
HL_PARENT = {"22": "20", "23": "22"}

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z")

# Elements of kept segments that the models carry (or that the writer writes as constants);
# any other element with a value is reported as skipped.
_NM1_PERSON = frozenset({1, 2, 3, 4, 5, 7, 8, 9})
_NM1_ORGANIZATION = frozenset({1, 2, 3, 8, 9})


def read_837(data: str | bytes | Path | TextIO, *, name: str | None = None) -> list[Batch]:
    """The batches of an 837P or 837I file (one per GS group); X12Error names any fault."""
    segments = read_segments(data, name=name)
    parser = _Parser(source_name(data, name), segments.delimiters.component)
    return parser.read(segments, "no 837 transaction set in the file")


@dataclass(slots=True)
class _Name:
    """An NM1 with the N3, N4 and PRV that follow it in its loop."""

    seg: Segment
    person: Person
    ident: str
    taxonomy: str | None = None
    n3: Segment | None = None
    n4: Segment | None = None

    def address(self) -> Address | None:
        if self.n3 is None or self.n4 is None:
            return None
        return Address(
            self.n3.get(1),
            self.n4.get(1),
            self.n4.get(2),
            self.n4.get(3),
            self.n3.get(2) or None,
        )

    def positions(self) -> list[Segment]:
        return [s for s in (self.n3, self.n4) if s is not None]


@dataclass(slots=True)
class _HL:
    """One HL loop and what its segments said (20 billing provider, 22 subscriber, 23 patient)."""

    seg: Segment
    level: str
    parent: _HL | None
    taxonomy: str | None = None  # 2000A PRV
    tin: str | None = None  # 2010AA REF*EI
    name: _Name | None = None  # NM1*85, NM1*IL or NM1*QC
    sbr: Segment | None = None
    pat: Segment | None = None
    dmg: Segment | None = None
    payer: _Name | None = None  # NM1*PR
    built: BillingProvider | Patient | None = None


@dataclass(slots=True)
class _Line:
    """Loop 2400 while it is read."""

    lx: Segment
    service: ServiceLine | None = None  # SV1/SV2 as read; date, REF*6R and drug come later
    dates: tuple[date, date | None] | None = None
    control_number: str | None = None
    lin: Segment | None = None
    drug: Drug | None = None  # LIN with its CTP


@dataclass(slots=True)
class _ClaimParts:
    """Loop 2300 while it is read."""

    clm: Segment
    hl: _HL
    total_cents: int
    location: list[str]  # CLM05: facility type or place of service, qualifier, frequency
    statement: tuple[date, date] | None = None
    admission: date | None = None
    cl1: Segment | None = None
    refs: dict[str, str] = field(default_factory=dict)
    principal: Diagnosis | None = None
    others: list[Diagnosis] = field(default_factory=list)
    orphan_other: Segment | None = None  # an ABF before any ABK
    admitting: str | None = None
    reasons: list[str] = field(default_factory=list)
    providers: dict[str, _Name] = field(default_factory=dict)
    lines: list[_Line] = field(default_factory=list)


@dataclass(slots=True)
class _Transaction:
    """One ST..SE as read."""

    st: Segment
    control: int
    submitter: Submitter | None = None
    receiver: Receiver | None = None
    reference: str = ""
    claims: list[Claim] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(slots=True)
class _Group:
    """One GS..GE as read."""

    gs: Segment
    kind: Kind
    envelope: Envelope
    transactions: list[_Transaction] = field(default_factory=list)


class _Parser(EnvelopeWalker[Batch, _Transaction]):
    """Follows loops segment by segment and builds the value objects."""

    functional_id = "HC"
    group_name = "health care claim group"
    versions = tuple(KINDS)
    version_message = "{found}: not an 837 version we read ({versions})"
    transaction_name = "an 837 transaction set"
    transaction_id = "837"

    def __init__(self, source: str | None, component: str) -> None:
        super().__init__(source, component)
        self.group: _Group | None = None
        self.kind = Kind.PROFESSIONAL
        self.loop = "HEADER"
        self.hls: dict[str, _HL] = {}
        self.hl: _HL | None = None
        self.claim: _ClaimParts | None = None
        self.line: _Line | None = None
        self.provider: _Name | None = None  # the kept 2310 provider whose loop this is
        self.provider_prv: str | None = None
        self.skipped_positions: set[int] = set()

    # -- errors and skipping ---------------------------------------------------------------

    def skip(self, seg: Segment, loop: str | None = None) -> None:
        if self.st is not None and seg.position not in self.skipped_positions:
            self.skipped_positions.add(seg.position)
            self.st.skipped.append(Skipped(seg.position, seg.id, loop or self.loop))

    def drop(self, seg: Segment, element: str) -> None:
        if self.st is not None:
            self.st.skipped.append(Skipped(seg.position, seg.id, self.loop, element))

    def extra(self, seg: Segment, kept: frozenset[int]) -> None:
        """Report every element with a value that the models do not carry."""
        for index in range(1, len(seg.elements)):
            if seg.elements[index] and index not in kept:
                self.drop(seg, f"{seg.id}{index:02d}")

    def components(self, seg: Segment, index: int, kept: int) -> list[str]:
        """The components of a composite element; those past `kept` are reported if set."""
        parts = seg.get(index).split(self.component)
        for n, value in enumerate(parts[kept:], start=kept + 1):
            if value:
                self.drop(seg, f"{seg.id}{index:02d}-{n}")
        return parts

    # -- values ----------------------------------------------------------------------------

    def scaled(self, seg: Segment, index: int, places: int, text: str | None = None) -> int:
        """An X12 decimal as an integer of 10**-places (cents, thousandths), exactly."""
        value = seg.get(index) if text is None else text
        if not value:
            raise self.error(seg, "required", index)
        if not _NUMBER.match(value):
            raise self.error(seg, "not a number", index)
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)  # the pattern admits no NaN or infinity
        if -exponent > places:
            raise self.error(seg, f"more than {places} decimal places", index)
        return int(number.scaleb(places))

    def person(self, seg: Segment) -> Person:
        if seg.get(2) == "2":
            self.extra(seg, _NM1_ORGANIZATION)
            return Person(seg.get(3), is_organization=True)
        self.extra(seg, _NM1_PERSON)
        return Person(seg.get(3), seg.get(4) or None, seg.get(5) or None, suffix=seg.get(7) or None)

    def identified(self, seg: Segment, qualifier: str, what: str) -> _Name:
        """An NM1 whose NM109 is an identifier of one kind (XX NPI, MI member ID, PI payer)."""
        if seg.get(9) and seg.get(8) != qualifier:
            raise self.error(seg, f"{what}: identifier qualifier {qualifier} expected", 8)
        return _Name(seg, self.person(seg), seg.get(9))

    # -- the walk --------------------------------------------------------------------------

    def body(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "BHT":
            self.bht(seg)
        elif sid == "HL":
            self.start_hl(seg)
        elif sid == "CLM":
            self.start_claim(seg)
        elif sid == "LX":
            self.start_line(seg)
        elif sid in ("SV1", "SV2"):
            self.service(seg)
        elif sid == "NM1":
            self.nm1(seg)
        else:
            self.other(seg)

    def start_group(self, isa: Segment, seg: Segment) -> None:
        kind = KINDS[seg.get(8)]
        envelope = Envelope(
            *self.group_header(isa, seg, self.control),
            isa.get(15),
            self.moment(seg, 4, 5, drop_bad_seconds=False),
            isa.get(14) == "1",
        )
        self.kind = kind
        self.group = _Group(seg, kind, envelope)

    def control(self, seg: Segment, index: int) -> int:
        value = seg.get(index).strip()
        if not value.isdigit():
            raise self.error(seg, "control number is not a number", index)
        return int(value)

    def start_transaction(self, seg: Segment) -> None:
        self.st = _Transaction(seg, self.control(seg, 2))
        self.loop = "HEADER"
        self.hls = {}
        self.hl = None
        self.claim = None
        self.line = None
        self.provider = None

    def end_transaction(self, se: Segment) -> None:
        tx, group = self.st, self.group
        assert tx is not None and group is not None
        self.end_claim()
        if tx.submitter is None:
            raise self.error(tx.st, "no submitter (loop 1000A, NM1*41)")
        if tx.receiver is None:
            raise self.error(tx.st, "no receiver (loop 1000B, NM1*40)")
        if not tx.claims:
            raise self.error(tx.st, "no claims (CLM) in the transaction set")
        group.transactions.append(tx)
        self.st = None

    def end_group(self, ge: Segment) -> None:
        group = self.group
        assert group is not None
        self.group = None
        run: list[_Transaction] = []
        for tx in group.transactions:
            if run and not _joins(run, tx):
                self.done.append(_batch(group, run))
                run = []
            run.append(tx)
        if run:
            self.done.append(_batch(group, run))

    def bht(self, seg: Segment) -> None:
        tx = self.st
        assert tx is not None
        if seg.get(6) != "CH":
            raise self.error(seg, "only chargeable claims (CH) are read", 6)
        tx.reference = seg.get(3)

    # -- header and hierarchy ----------------------------------------------------------------

    def nm1(self, seg: Segment) -> None:
        code = seg.get(1)
        region = self.region()
        tx = self.st
        assert tx is not None
        self.provider = None
        if region == "header":
            if code == "41" and tx.submitter is None:
                self.loop = "1000A"
                self.extra(seg, frozenset({1, 2, 3, 8, 9}))
                tx.submitter = Submitter(seg.get(3), seg.get(9), "", "")
                return
            if code == "40" and tx.receiver is None:
                self.loop = "1000B"
                self.extra(seg, frozenset({1, 2, 3, 8, 9}))
                tx.receiver = Receiver(seg.get(3), seg.get(9))
                return
            self.skip(seg)
        elif region in ("A", "B", "C"):
            self.hierarchy_name(seg, code)
        elif region == "claim":
            self.claim_name(seg, code)
        else:  # lines: 2420 providers are not kept
            self.loop = LINE_PROVIDER_LOOPS[self.kind].get(code, "2420")
            self.skip(seg)

    def region(self) -> str:
        loop = self.loop
        if loop in ("HEADER", "1000A", "1000B"):
            return "header"
        if loop.startswith("23"):
            return "claim"
        if loop.startswith("24"):
            return "line"
        return loop[4]  # 2000A/2010AA -> A, 2000B/2010BA -> B, 2000C/2010CA -> C

    def hierarchy_name(self, seg: Segment, code: str) -> None:
        hl = self.hl
        assert hl is not None
        wanted = {"20": {"85": "2010AA", "87": "2010AB", "PE": "2010AC"},
                  "22": {"IL": "2010BA", "PR": "2010BB"},
                  "23": {"QC": "2010CA"}}[hl.level]  # fmt: skip
        self.loop = wanted.get(code, self.loop)
        if code == "85" and hl.name is None:
            hl.name = self.identified(seg, "XX", "billing provider NPI")
        elif code == "IL" and hl.name is None:
            hl.name = self.identified(seg, "MI", "subscriber member ID")
        elif code == "QC" and hl.name is None:
            person = self.person(seg)
            for index in (8, 9):  # 5010 identifies the patient by name alone
                if seg.get(index):
                    self.drop(seg, f"NM1{index:02d}")
            hl.name = _Name(seg, person, "")
        elif code == "PR" and hl.payer is None:
            hl.payer = self.identified(seg, "PI", "payer ID")
        else:
            self.skip(seg)

    def start_hl(self, seg: Segment) -> None:
        self.end_claim()
        ident, parent_id, level = seg.get(1), seg.get(2), seg.get(3)
        if not ident:
            raise self.error(seg, "required", 1)
        if ident in self.hls:
            raise self.error(seg, f"repeats the HL at segment {self.hls[ident].seg.position}", 1)
        if level not in HL_LOOPS:
            raise self.error(seg, "level must be 20, 22 or 23", 3)
        parent = None
        if level == "20":
            if parent_id:
                raise self.error(seg, "a billing provider HL (20) has no parent", 2)
        else:
            parent = self.hls.get(parent_id)
            if parent is None:
                raise self.error(seg, "names no earlier HL of this transaction set", 2)
            if parent.level != HL_PARENT[level]:
                raise self.error(seg, f"an HL {level} must be under an HL {HL_PARENT[level]}", 2)
        self.extra(seg, frozenset({1, 2, 3, 4}))
        node = _HL(seg, level, parent)
        self.hls[ident] = node
        self.hl = node
        self.loop = HL_LOOPS[level]
        self.provider = None

    # -- claims and lines --------------------------------------------------------------------

    def start_claim(self, seg: Segment) -> None:
        self.end_claim()
        if self.hl is None or self.hl.level == "20":
            raise self.error(seg, "CLM outside a subscriber (HL 22) or patient (HL 23) loop")
        self.loop = "2300"
        self.provider = None
        if not seg.get(1):
            raise self.error(seg, "required", 1)
        professional = self.kind is Kind.PROFESSIONAL
        self.extra(seg, frozenset({1, 2, 5, 6, 7, 8, 9} if professional else {1, 2, 5, 7, 8, 9}))
        location = [*self.components(seg, 5, 3), "", "", ""][:3]
        if location[1] != ("B" if professional else "A"):
            self.drop(seg, "CLM05-2")
        self.claim = _ClaimParts(seg, self.hl, self.scaled(seg, 2, 2), location)

    def start_line(self, seg: Segment) -> None:
        if self.claim is None:
            raise self.error(seg, "service line (LX) before any CLM")
        self.line = _Line(seg)
        self.claim.lines.append(self.line)
        self.loop = "2400"
        self.provider = None
        self.extra(seg, frozenset({1}))

    def service(self, seg: Segment) -> None:
        if self.claim is None:
            raise self.error(seg, "service line before any CLM")
        expected = "SV1" if self.kind is Kind.PROFESSIONAL else "SV2"
        if seg.id != expected:
            raise self.error(seg, f"{seg.id} in an {self.kind.label} ({expected} expected)")
        if self.line is None or self.loop != "2400":
            raise self.error(seg, "service line without its LX")
        if self.line.service is not None:
            raise self.error(seg, "second service segment in one LX")
        self.line.service = self.service_line(seg)

    def service_line(self, seg: Segment) -> ServiceLine:
        """SV1 or SV2 as a ServiceLine still without its date, control number and drug."""
        if seg.id == "SV1":
            self.extra(seg, frozenset({1, 2, 3, 4, 5, 7}))
            procedure = self.procedure(seg, 1)
            assert procedure is not None
            pointers = []
            for text in seg.get(7).split(self.component) if seg.get(7) else []:
                if not text.isdigit():
                    raise self.error(seg, "diagnosis pointers must be numbers", 7)
                pointers.append(int(text))
            return ServiceLine(
                "",
                procedure[0],
                self.scaled(seg, 2, 2),
                self.scaled(seg, 4, 3),
                date.min,
                procedure[1],
                tuple(pointers),
                place_of_service=seg.get(5) or None,
                unit=seg.get(3),
            )
        self.extra(seg, frozenset({1, 2, 3, 4, 5}))
        procedure = self.procedure(seg, 2)
        return ServiceLine(
            "",
            procedure[0] if procedure else None,
            self.scaled(seg, 3, 2),
            self.scaled(seg, 5, 3),
            date.min,
            procedure[1] if procedure else (),
            revenue_code=seg.get(1) or None,
            unit=seg.get(4),
        )

    def claim_name(self, seg: Segment, code: str) -> None:
        claim = self.claim
        assert claim is not None
        if self.loop.startswith(("2320", "2330")):
            self.loop = {"IL": "2330A", "PR": "2330B"}.get(code, "2330")
            self.skip(seg)
            return
        self.loop = CLAIM_PROVIDER_LOOPS[self.kind].get(code, "2310")
        kept = KEPT_PROVIDERS[self.kind].get(code)
        if kept is None or kept[0] in claim.providers:
            self.skip(seg)
            return
        slot, prv = kept
        name = self.identified(seg, "XX", f"{slot} NPI")
        claim.providers[slot] = name
        self.provider = name
        self.provider_prv = prv

    def other(self, seg: Segment) -> None:
        """Every segment but the envelope, HL, CLM, LX, SV1/SV2 and NM1."""
        sid, region = seg.id, self.region()
        if region == "header":
            self.header_other(seg)
        elif region in ("A", "B", "C"):
            self.hierarchy_other(seg)
        elif region == "claim":
            if sid == "SBR":
                self.loop = "2320"
                self.provider = None
            elif sid in ("HI", "CL1") and not self.loop.startswith(("2320", "2330")):
                self.loop = "2300"  # 2300-only segments, sent after a provider loop
                self.provider = None
            if self.loop == "2300":
                self.claim_other(seg)
            elif self.provider is not None:
                self.provider_other(seg)
            else:
                self.skip(seg)
        else:
            if sid == "LIN":
                self.loop = "2410"
            elif sid == "SVD":
                self.loop = "2430"
            elif sid == "LQ":
                self.loop = "2440"
            self.line_other(seg)

    def header_other(self, seg: Segment) -> None:
        tx = self.st
        assert tx is not None
        if (
            seg.id == "PER"
            and self.loop == "1000A"
            and tx.submitter is not None
            and not tx.submitter.contact_name
        ):
            phone = ""
            for index in (3, 5, 7):
                if seg.get(index) == "TE" and not phone:
                    phone = seg.get(index + 1)
                else:  # fax, e-mail, extension: not carried
                    for n in (index, index + 1):
                        if seg.get(n):
                            self.drop(seg, f"PER{n:02d}")
            self.extra(seg, frozenset({1, 2, 3, 4, 5, 6, 7, 8}))
            tx.submitter = replace(tx.submitter, contact_name=seg.get(2), phone=phone)
        else:
            self.skip(seg)

    def hierarchy_other(self, seg: Segment) -> None:
        hl, sid, loop = self.hl, seg.id, self.loop
        assert hl is not None
        name = hl.name
        if loop == "2000A" and sid == "PRV" and hl.taxonomy is None and seg.get(1) == "BI":
            self.extra(seg, frozenset({1, 2, 3}))
            hl.taxonomy = seg.get(3)
        elif loop == "2010AA" and sid == "REF" and seg.get(1) in ("EI", "SY"):
            if seg.get(1) == "SY":
                raise self.error(seg, "a billing provider SSN (SY) is not read; EI expected", 1)
            if hl.tin is not None:
                self.skip(seg)
                return
            self.extra(seg, frozenset({1, 2}))
            hl.tin = seg.get(2)
        elif loop == "2000B" and sid == "SBR" and hl.sbr is None:
            self.extra(seg, frozenset({1, 2, 3, 9}))
            hl.sbr = seg
        elif loop == "2000C" and sid == "PAT" and hl.pat is None:
            self.extra(seg, frozenset({1}))
            hl.pat = seg
        elif loop in ("2010AA", "2010BA", "2010CA") and name is not None and sid in ("N3", "N4"):
            self.address_segment(seg, name)
        elif loop in ("2010BA", "2010CA") and sid == "DMG" and hl.dmg is None:
            if seg.get(1) != "D8":
                raise self.error(seg, "date format must be D8", 1)
            self.extra(seg, frozenset({1, 2, 3}))
            hl.dmg = seg
        else:
            self.skip(seg)

    def address_segment(self, seg: Segment, name: _Name) -> None:
        if seg.id == "N3" and name.n3 is None:
            self.extra(seg, frozenset({1, 2}))
            name.n3 = seg
        elif seg.id == "N4" and name.n4 is None:
            self.extra(seg, frozenset({1, 2, 3}))
            name.n4 = seg
        else:
            self.skip(seg)

    def provider_other(self, seg: Segment) -> None:
        name = self.provider
        assert name is not None
        if seg.id == "PRV" and self.provider_prv and seg.get(1) == self.provider_prv:
            if name.taxonomy is not None:
                self.skip(seg)
                return
            self.extra(seg, frozenset({1, 2, 3}))
            name.taxonomy = seg.get(3)
        elif seg.id in ("N3", "N4") and name.seg.get(1) == "77":
            self.address_segment(seg, name)
        else:
            self.skip(seg)

    def claim_other(self, seg: Segment) -> None:
        claim, sid, institutional = self.claim, seg.id, self.kind is Kind.INSTITUTIONAL
        assert claim is not None
        qualifier = seg.get(1)
        if sid == "HI":
            self.diagnoses(seg, claim)
        elif sid == "REF" and (
            qualifier in ("G1", "F8") or (qualifier == "X4" and not institutional)
        ):
            if qualifier in claim.refs:
                self.skip(seg)
                return
            self.extra(seg, frozenset({1, 2}))
            claim.refs[qualifier] = seg.get(2)
        elif institutional and sid == "DTP" and qualifier == "434" and claim.statement is None:
            self.extra(seg, frozenset({1, 2, 3}))
            start, end = self.period(seg)
            claim.statement = (start, end or start)
        elif institutional and sid == "DTP" and qualifier == "435" and claim.admission is None:
            self.extra(seg, frozenset({1, 2, 3}))
            claim.admission = self.admission(seg)
        elif institutional and sid == "CL1" and claim.cl1 is None:
            self.extra(seg, frozenset({1, 2, 3}))
            claim.cl1 = seg
        else:
            self.skip(seg)

    def admission(self, seg: Segment) -> date:
        value = seg.get(3)
        if seg.get(2) == "D8":
            return self.day(seg, 3)
        if seg.get(2) != "DT":
            raise self.error(seg, "date format must be D8 or DT", 2)
        day = self.day(seg, 3, value[:8])
        clock = value[8:]
        try:
            if len(clock) != 4 or not clock.isdigit():
                raise ValueError
            return datetime(day.year, day.month, day.day, int(clock[:2]), int(clock[2:]))
        except ValueError:
            raise self.error(seg, "not a date and time (CCYYMMDDHHMM)", 3) from None

    def diagnoses(self, seg: Segment, claim: _ClaimParts) -> None:
        kept_any = False
        wanted = DIAGNOSIS_QUALIFIERS[self.kind]
        institutional = self.kind is Kind.INSTITUTIONAL
        for index in range(1, len(seg.elements)):
            if not seg.elements[index]:
                continue
            parts = seg.elements[index].split(self.component)
            qualifier = parts[0]
            icd9 = qualifier in ICD9_READ
            if icd9:
                qualifier = ICD9_READ[qualifier]
            elif qualifier in ICD9_QUALIFIERS:
                raise self.error(
                    seg,
                    f"ICD-9-CM code (qualifier {qualifier}); only principal and other "
                    "diagnoses are read in ICD-9 (BK/BF)",
                    index,
                )
            if qualifier not in wanted:
                continue
            kept_any = True
            seen = [d.icd9 for d in (claim.principal, *claim.others) if d is not None]
            if seen and seen[0] != icd9:
                raise self.error(seg, "the claim mixes ICD-9-CM and ICD-10-CM diagnoses", index)
            code = parts[1] if len(parts) > 1 else ""
            if not code:
                raise self.error(seg, "diagnosis code missing", index)
            poa = parts[8] if institutional and len(parts) > 8 and parts[8] else None
            for n, value in enumerate(parts[2:], start=3):
                if value and not (n == 9 and poa and qualifier in ("ABK", "ABF")):
                    self.drop(seg, f"HI{index:02d}-{n}")
            if qualifier == "ABK":
                if claim.principal is not None:
                    raise self.error(seg, "a second principal diagnosis (ABK)", index)
                claim.principal = Diagnosis(code, poa, icd9)
            elif qualifier == "ABF":
                if claim.principal is None and claim.orphan_other is None:
                    claim.orphan_other = seg
                claim.others.append(Diagnosis(code, poa, icd9))
            elif qualifier == "ABJ":
                if claim.admitting is not None:
                    raise self.error(seg, "a second admitting diagnosis (ABJ)", index)
                claim.admitting = code
            else:
                claim.reasons.append(code)
        if not kept_any:
            self.skip(seg)
            return
        for index in range(1, len(seg.elements)):
            qualifier = seg.elements[index].split(self.component)[0]
            if seg.elements[index] and ICD9_READ.get(qualifier, qualifier) not in wanted:
                self.drop(seg, f"HI{index:02d}")

    def line_other(self, seg: Segment) -> None:
        line, sid, loop = self.line, seg.id, self.loop
        assert line is not None
        qualifier = seg.get(1)
        if loop == "2400" and sid == "DTP" and qualifier == "472" and line.dates is None:
            self.extra(seg, frozenset({1, 2, 3}))
            line.dates = self.period(seg)
        elif loop in ("2400", "2410") and sid == "REF" and qualifier == "6R":
            if line.control_number is not None:
                self.skip(seg)
                return
            self.extra(seg, frozenset({1, 2}))
            line.control_number = seg.get(2)
        elif loop == "2410" and sid == "LIN" and line.lin is None:
            if seg.get(2) != "N4":
                raise self.error(seg, "only NDC (N4) drug identifiers are read", 2)
            self.extra(seg, frozenset({2, 3}))
            line.lin = seg
        elif loop == "2410" and sid == "CTP" and line.lin is not None and line.drug is None:
            self.extra(seg, frozenset({4, 5}))
            unit = self.components(seg, 5, 1)[0]
            line.drug = Drug(line.lin.get(3), self.scaled(seg, 4, 3), unit)
        else:
            self.skip(seg)

    # -- building the value objects ----------------------------------------------------------

    def end_claim(self) -> None:
        parts, tx = self.claim, self.st
        if parts is None or tx is None:
            return
        self.claim = None
        self.line = None
        tx.claims.append(self.build_claim(parts))

    def build_claim(self, parts: _ClaimParts) -> Claim:
        clm, kind = parts.clm, self.kind
        patient_hl = parts.hl if parts.hl.level == "23" else None
        subscriber_hl = parts.hl.parent if patient_hl is not None else parts.hl
        assert subscriber_hl is not None and subscriber_hl.parent is not None
        billing = self.billing(subscriber_hl.parent)
        subscriber = self.subscriber(subscriber_hl, is_patient=patient_hl is None)
        patient = self.patient(patient_hl) if patient_hl is not None else None
        professional = kind is Kind.PROFESSIONAL
        location = parts.location
        if parts.principal is None and parts.others:
            assert parts.orphan_other is not None
            raise self.error(parts.orphan_other, "other diagnoses (ABF) without a principal (ABK)")
        diagnoses = ((parts.principal,) if parts.principal else ()) + tuple(parts.others)
        providers = {slot: self.provider_of(name) for slot, name in parts.providers.items()}
        institutional = None
        if not professional:
            institutional = self.institutional(parts, location, providers.get("attending"))
        lines = tuple(self.build_line(line, parts) for line in parts.lines)
        return Claim(
            clm.get(1),
            parts.total_cents,
            location[2],
            billing,
            subscriber,
            diagnoses,
            lines,
            place_of_service=location[0] if professional else "11",
            patient=patient,
            payer_claim_number=parts.refs.get("F8"),
            prior_authorization=parts.refs.get("G1"),
            clia_number=parts.refs.get("X4"),
            referring=providers.get("referring"),
            rendering=providers.get("rendering"),
            service_facility=providers.get("service_facility"),
            institutional=institutional,
            provider_signature=clm.get(6) if professional else "Y",
            assignment=clm.get(7),
            benefits_assigned=clm.get(8),
            release_of_information=clm.get(9),
        )

    def institutional(
        self, parts: _ClaimParts, location: list[str], attending: Provider | None
    ) -> Institutional:
        clm = parts.clm
        if parts.statement is None:
            raise self.error(clm, "837I claim without statement dates (DTP*434)")
        if parts.cl1 is None:
            raise self.error(clm, "837I claim without CL1")
        if not parts.cl1.get(3):
            raise self.error(parts.cl1, "patient status required", 3)
        return Institutional(
            location[0] + location[2],
            parts.statement[0],
            parts.statement[1],
            parts.cl1.get(1) or None,
            parts.cl1.get(2) or None,
            parts.cl1.get(3),
            admission_at=parts.admission,
            admitting_diagnosis=parts.admitting,
            reason_for_visit=tuple(parts.reasons),
            attending=attending,
        )

    def provider_of(self, name: _Name) -> Provider:
        return Provider(name.person, name.ident, name.taxonomy, name.address())

    def billing(self, hl: _HL) -> BillingProvider:
        if isinstance(hl.built, BillingProvider):
            return hl.built
        name = hl.name
        if name is None:
            raise self.error(hl.seg, "billing provider loop without NM1*85 (loop 2010AA)")
        address = name.address()
        if address is None:
            raise self.error(name.seg, "billing provider without N3 and N4")
        if hl.tin is None:
            raise self.error(name.seg, "billing provider without REF*EI (tax ID)")
        hl.built = BillingProvider(name.person, name.ident, hl.tin, address, hl.taxonomy)
        return hl.built

    def subscriber(self, hl: _HL, *, is_patient: bool) -> Subscriber:
        sbr, name, payer = hl.sbr, hl.name, hl.payer
        if sbr is None:
            raise self.error(hl.seg, "subscriber loop (HL 22) without SBR")
        if name is None:
            raise self.error(hl.seg, "subscriber loop without NM1*IL (loop 2010BA)")
        if payer is None:
            raise self.error(hl.seg, "subscriber loop without NM1*PR (loop 2010BB)")
        address, birth, sex = None, None, None
        if is_patient:
            address = name.address()
            if hl.dmg is not None:
                birth, sex = self.day(hl.dmg, 2), hl.dmg.get(3) or None
        else:
            # The guide sends the subscriber's address and demographics only when the
            # subscriber is the patient; for a dependent's claim they are not carried.
            for seg in [*name.positions(), *([hl.dmg] if hl.dmg else [])]:
                self.skip(seg, "2010BA")
        return Subscriber(
            sbr.get(1),
            name.person,
            name.ident,
            payer.person.last_name,
            payer.ident,
            sbr.get(9),
            sbr.get(3) or None,
            is_patient,
            address,
            birth,
            sex,
        )

    def patient(self, hl: _HL) -> Patient:
        if isinstance(hl.built, Patient):
            return hl.built
        name = hl.name
        if hl.pat is None:
            raise self.error(hl.seg, "patient loop (HL 23) without PAT")
        if name is None:
            raise self.error(hl.seg, "patient loop without NM1*QC (loop 2010CA)")
        address = name.address()
        if address is None:
            raise self.error(name.seg, "patient without N3 and N4")
        if hl.dmg is None:
            raise self.error(name.seg, "patient without DMG")
        hl.built = Patient(hl.pat.get(1), name.person, address, self.day(hl.dmg, 2), hl.dmg.get(3))
        return hl.built

    def build_line(self, line: _Line, parts: _ClaimParts) -> ServiceLine:
        if line.service is None:
            raise self.error(line.lx, "service line without SV1 or SV2")
        if line.dates is not None:
            start, end = line.dates
        elif self.kind is Kind.INSTITUTIONAL and parts.statement is not None:
            # An 837I line may go undated (inpatient): it takes the statement's first day.
            start, end = parts.statement[0], None
        else:
            raise self.error(line.lx, "service line without a DTP*472 service date")
        if line.lin is not None and line.drug is None:
            raise self.error(line.lin, "drug (LIN) without its quantity (CTP)")
        return replace(
            line.service,
            control_number=line.control_number or "",
            service_date=start,
            service_date_to=end,
            drug=line.drug,
        )

    def procedure(self, seg: Segment, index: int) -> tuple[str, tuple[str, ...]] | None:
        """SV101 / SV202: the HCPCS code and its modifiers (None when the element is empty)."""
        if not seg.get(index):
            if seg.id == "SV1":
                raise self.error(seg, "procedure required", index)
            return None
        parts = self.components(seg, index, 6)
        if parts[0] != "HC":
            raise self.error(seg, "only HCPCS/CPT procedure codes (HC) are read", index)
        if len(parts) < 2 or not parts[1]:
            raise self.error(seg, "procedure code missing", index)
        modifiers = list(parts[2:6])
        while modifiers and not modifiers[-1]:
            modifiers.pop()
        return parts[1], tuple(modifiers)


def _joins(run: list[_Transaction], tx: _Transaction) -> bool:
    """Whether tx can follow run in one Batch that the writer would split the same way."""
    first = run[0]
    size = len(first.claims)
    return (
        tx.submitter == first.submitter
        and tx.receiver == first.receiver
        and tx.reference == first.reference
        and all(len(t.claims) == size for t in run)
        and len(tx.claims) <= size
    )


def _batch(group: _Group, run: list[_Transaction]) -> Batch:
    first = run[0]
    assert first.submitter is not None and first.receiver is not None
    claims = tuple(claim for tx in run for claim in tx.claims)
    per = len(first.claims) if len(run) > 1 else max(len(claims), MAX_CLAIMS_PER_TRANSACTION)
    return Batch(
        group.kind,
        group.envelope,
        first.submitter,
        first.receiver,
        claims,
        tuple(tx.control for tx in run),
        first.reference,
        per,
        tuple(sorted((s for tx in run for s in tx.skipped), key=lambda s: s.position)),
    )
