"""Plain value objects of an 837 batch: what the writer writes and the reader reads.

Money is integer cents and quantities integer thousandths, as everywhere inside the engine;
the writer formats them by the guide's data types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class Kind(enum.StrEnum):
    """Which 837 and its implementation guide version (GS08 and ST03)."""

    PROFESSIONAL = "005010X222A1"
    INSTITUTIONAL = "005010X223A2"

    @property
    def label(self) -> str:
        """837P or 837I."""
        return "837P" if self is Kind.PROFESSIONAL else "837I"


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A person or organization named in an NM1 (organizations use last_name only)."""

    last_name: str
    first_name: str | None = None
    middle_name: str | None = None
    is_organization: bool = False
    suffix: str | None = None  # NM107, such as JR


@dataclass(frozen=True, slots=True)
class Provider:
    """A provider identified by NPI: rendering, referring, attending or a facility."""

    name: Person
    npi: str
    taxonomy: str | None = None
    address: Address | None = None  # service facility only


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """Loop 2010AA."""

    name: Person
    npi: str
    tin: str
    address: Address
    taxonomy: str | None = None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Loop 2000B/2010BA: the insured, and the payer of this claim (2010BB)."""

    payer_responsibility: str  # SBR01: P, S, T
    name: Person
    member_id: str
    payer_name: str
    payer_id: str
    claim_filing_indicator: str  # SBR09
    group_number: str | None = None
    is_patient: bool = True  # SBR02 = 18 and no loop 2000C
    address: Address | None = None
    birth_date: date | None = None
    sex: str | None = None


@dataclass(frozen=True, slots=True)
class Patient:
    """Loop 2000C/2010CA: a dependent who cannot be identified by the subscriber's member ID."""

    relationship: str  # PAT01: 01 spouse, 19 child, G8 other
    name: Person
    address: Address
    birth_date: date
    sex: str


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """An ICD-10-CM code (no dot) and, on 837I, its present-on-admission indicator.

    icd9 marks an ICD-9-CM code (HI qualifiers BK/BF) read from another system's file: it is
    kept so that the scrubber can hold the claim with a clear reason, and written back as it
    came; ICD-9 has not been valid on claims since October 2015.
    """

    code: str
    present_on_admission: str | None = None
    icd9: bool = False


@dataclass(frozen=True, slots=True)
class Drug:
    """Loop 2410: the NDC and the quantity dispensed."""

    ndc: str
    quantity_thousandths: int
    unit: str  # F2, GR, ME, ML, UN


@dataclass(frozen=True, slots=True)
class ClaimAdjustment:
    """One CAS triplet of another payer's adjudication: group code, CARC, amount, quantity."""

    group: str  # CO, OA, PI, PR
    reason: str  # CARC
    amount_cents: int
    quantity_thousandths: int | None = None


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """Loop 2430: what another payer did with one service line (SVD, CAS, DTP*573, AMT*EAF).

    The line balances: its charge (SV102 / SV203) less these adjustments is what was paid.
    """

    payer_id: str  # SVD01: the 2330B NM109 of the payer that adjudicated it
    paid_cents: int  # SVD02
    adjudicated_on: date  # DTP*573
    adjustments: tuple[ClaimAdjustment, ...] = ()
    remaining_patient_liability_cents: int | None = None  # AMT*EAF


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """Loops 2320, 2330A and 2330B: another payer of the claim (the primary, on a claim to the
    secondary) with its subscriber and, once it has adjudicated the claim, its claim-level
    adjustments, what it paid and when.

    The claim balances for each adjudicating payer: CLM02 less its claim-level adjustments
    less its line adjustments (loop 2430) is what it paid (AMT*D).
    """

    payer_responsibility: str  # SBR01: P, S, T
    relationship: str  # SBR02: the patient's relationship to this payer's subscriber
    claim_filing_indicator: str  # SBR09
    subscriber: Person  # 2330A
    member_id: str  # 2330A NM109
    payer_name: str  # 2330B NM103
    payer_id: str  # 2330B NM109; SVD01 of its line adjudications
    group_number: str | None = None  # SBR03
    subscriber_address: Address | None = None  # 2330A N3/N4
    paid_cents: int | None = None  # AMT*D; None: this payer has not adjudicated the claim
    adjustments: tuple[ClaimAdjustment, ...] = ()  # 2320 CAS: claim-level adjustments
    remaining_patient_liability_cents: int | None = None  # 2320 AMT*EAF (claim level only)
    adjudicated_on: date | None = None  # 2330B DTP*573, when no line carries loop 2430
    benefits_assigned: str = "Y"  # OI03
    release_of_information: str = "Y"  # OI06


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """Loop 2400: SV1 (837P) or SV2 (837I) with its date and line item control number."""

    control_number: str  # REF*6R
    procedure_code: str | None  # CPT/HCPCS; optional on an 837I room-and-board line
    charge_cents: int
    units_thousandths: int
    service_date: date
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = ()  # 837P: 1-based positions in the claim's diagnoses
    place_of_service: str | None = None  # 837P, when it differs from the claim's
    revenue_code: str | None = None  # 837I
    drug: Drug | None = None
    unit: str = "UN"  # SV103 / SV204: UN units, MJ minutes (837P), DA days (837I)
    service_date_to: date | None = None  # the end of a DTP*472 RD8 range
    adjudications: tuple[LineAdjudication, ...] = ()  # loop 2430, one per other payer


@dataclass(frozen=True, slots=True)
class Institutional:
    """What only an 837I claim carries."""

    type_of_bill: str  # 3 digits: facility type (2) + frequency (1) is built by the writer
    statement_from: date
    statement_to: date
    admission_type: str | None = None  # CL101
    admission_source: str | None = None  # CL102
    patient_status: str = "01"  # CL103
    admission_at: date | None = None  # DTP*435: a datetime is written DT, a date D8
    admitting_diagnosis: str | None = None  # HI*ABJ
    reason_for_visit: tuple[str, ...] = ()  # HI*APR, outpatient
    attending: Provider | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """Loop 2300 with everything above it that it needs: provider, subscriber, patient."""

    patient_control_number: str  # CLM01
    total_charge_cents: int  # CLM02 = sum of line charges
    frequency: str  # CLM05-3: 1, 7, 8
    billing_provider: BillingProvider
    subscriber: Subscriber
    diagnoses: tuple[Diagnosis, ...]
    lines: tuple[ServiceLine, ...]
    place_of_service: str = "11"  # 837P CLM05-1
    patient: Patient | None = None  # only when the 2000C loop is needed
    payer_claim_number: str | None = None  # REF*F8 on frequency 7 and 8
    prior_authorization: str | None = None  # REF*G1
    clia_number: str | None = None  # REF*X4
    referring: Provider | None = None
    rendering: Provider | None = None  # 2310B (837P) / 2310D (837I), when not the billing one
    service_facility: Provider | None = None
    institutional: Institutional | None = None
    provider_signature: str = "Y"  # CLM06 (837P only)
    assignment: str = "A"  # CLM07: A, B, C
    benefits_assigned: str = "Y"  # CLM08: Y, N, W
    release_of_information: str = "Y"  # CLM09: Y, I
    other_payers: tuple[OtherPayer, ...] = ()  # loops 2320/2330, in payment order


@dataclass(frozen=True, slots=True)
class Envelope:
    """ISA/GS identities, control numbers and usage for one interchange."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    application_sender: str
    application_receiver: str
    interchange_control_number: int
    group_control_number: int
    usage: str  # ISA15: T or P
    created_at: datetime
    acknowledgment_requested: bool = False  # ISA14 (TA1)


@dataclass(frozen=True, slots=True)
class Submitter:
    """Loop 1000A."""

    name: str
    id: str
    contact_name: str
    phone: str


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 1000B."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """What the reader read but does not carry: a segment, or one element of a kept segment."""

    position: int  # 1-based position of the segment in the file
    segment_id: str
    loop: str  # such as "2010AB" or "2320"
    element: str | None = None  # such as "CLM10" or "SV101-7"; None for the whole segment

    def __str__(self) -> str:
        what = f" element {self.element}" if self.element else ""
        return f"segment {self.position} ({self.segment_id}){what} in loop {self.loop}"


@dataclass(frozen=True, slots=True)
class Batch:
    """One 837 file: one interchange, one group, as many transactions as the claims need."""

    kind: Kind
    envelope: Envelope
    submitter: Submitter
    receiver: Receiver
    claims: tuple[Claim, ...]
    transaction_control_numbers: tuple[int, ...]  # one per ST, at most 5000 claims each
    reference: str = "1"  # BHT03, the originator's batch reference
    claims_per_transaction: int = 5000
    skipped: tuple[Skipped, ...] = ()  # read from a file but not carried (edi.x837.reader)
