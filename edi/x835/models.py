"""Plain value objects of an 835: one Remittance per ST..SE, or the claim-level stream events."""

# Money is integer cents and CAS quantities integer thousandths; every record keeps the 1-based
# position of its segment in the file so that each posting can name where it came from. Names
# and member IDs (NM1) are protected health information: kept, but left out of repr().
#
# Records of one segment each (CAS triplets, REF, DTM, AMT, QTY, LQ, PLB pairs, procedures) are
# named tuples: as immutable as frozen dataclasses and about five times cheaper to build, which
# is what an 835 of 200,000 claims spends its time on (bench/README.md, "835 parsing"). The
# records built once or more per claim (ClaimPayment, ServiceLine, Person, Adjudication) are
# slotted dataclasses that are not frozen: a frozen one sets each field through
# object.__setattr__, which made a 20-field ClaimPayment cost 3.6 us against 0.5 us. The reader
# hands them over complete and nothing changes them afterwards; treat them as read-only.

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

VERSION = "005010X221A1"


class ClaimStatus(enum.StrEnum):
    """CLP02: how the payer processed the claim."""

    PRIMARY = "1"
    SECONDARY = "2"
    TERTIARY = "3"
    DENIED = "4"
    PRIMARY_FORWARDED = "19"
    SECONDARY_FORWARDED = "20"
    TERTIARY_FORWARDED = "21"
    REVERSAL = "22"
    NOT_OUR_CLAIM = "23"
    PREDETERMINATION = "25"

    @property
    def forwarded(self) -> bool:
        """Processed and forwarded to another payer (crossover), or not ours and forwarded."""
        return self in _FORWARDED


_FORWARDED = frozenset(
    {
        ClaimStatus.PRIMARY_FORWARDED,
        ClaimStatus.SECONDARY_FORWARDED,
        ClaimStatus.TERTIARY_FORWARDED,
        ClaimStatus.NOT_OUR_CLAIM,
    }
)


class AdjustmentGroup(enum.StrEnum):
    """CAS01 in 5010 (CR, correction and reversal, is 4010 only)."""

    CONTRACTUAL = "CO"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    PATIENT_RESPONSIBILITY = "PR"


class Adjustment(NamedTuple):
    """One CAS reason/amount/quantity triplet."""

    group: AdjustmentGroup
    reason: str  # CARC
    amount_cents: int
    quantity_thousandths: int | None
    position: int


class Reference(NamedTuple):
    """A REF: qualifier and value."""

    qualifier: str
    value: str
    position: int


class DateValue(NamedTuple):
    """A DTM: qualifier (such as 232, 050, 472) and date."""

    qualifier: str
    value: date
    position: int


class Amount(NamedTuple):
    """An AMT (such as I interest, AU coverage, B6 allowed): qualifier and cents."""

    qualifier: str
    cents: int
    position: int


class Quantity(NamedTuple):
    """A QTY: qualifier and quantity."""

    qualifier: str
    value: Decimal
    position: int


@dataclass(frozen=True, slots=True)
class Address:
    """N3/N4."""

    line1: str
    line2: str | None
    city: str
    state: str | None
    postal_code: str | None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A PER: function code, name, and (qualifier, number) pairs."""

    function: str
    name: str | None
    numbers: tuple[tuple[str, str], ...]
    position: int


@dataclass(frozen=True, slots=True)
class Party:
    """An N1 loop (payer PR, payee PE) with its address, references and contacts."""

    entity: str  # N101
    name: str
    id_qualifier: str | None  # N103: XV, XX (NPI), FI (TIN), PI ...
    id: str | None
    position: int
    address: Address | None = None
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()


@dataclass(slots=True)
class Person:
    """A claim NM1: QC patient, IL insured, 74 corrected patient, 82 rendering, TT crossover."""

    entity: str  # NM101
    is_organization: bool  # NM102 = 2
    last_name: str = field(repr=False)
    first_name: str | None = field(repr=False)
    middle_name: str | None = field(repr=False)
    suffix: str | None = field(repr=False)
    id_qualifier: str | None
    id: str | None = field(repr=False)
    position: int


@dataclass(frozen=True, slots=True)
class Payment:
    """BPR: the money and how it moves."""

    handling: str  # BPR01: C payment with remittance, H notification only, I, P, U, X
    amount_cents: int  # BPR02
    credit_debit: str  # BPR03: C or D
    method: str  # BPR04: ACH, BOP, CHK, FWT, NON
    format: str | None  # BPR05: CCP, CTX
    payer_bank: tuple[str, ...]  # BPR06-09: qualifier, DFI id, account qualifier, account
    originating_company: str | None  # BPR10
    payee_bank: tuple[str, ...]  # BPR12-15
    date: date | None  # BPR16
    position: int

    @property
    def signed_cents(self) -> int:
        """BPR02 as money to the provider: a debit (BPR03 D) counts negative."""
        return -self.amount_cents if self.credit_debit == "D" else self.amount_cents


@dataclass(frozen=True, slots=True)
class Trace:
    """TRN: the check or EFT trace number and the payer's identifier (the idempotency key)."""

    number: str  # TRN02
    payer_id: str  # TRN03
    supplemental: str | None  # TRN04
    position: int


class Procedure(NamedTuple):
    """An SVC01/SVC06 composite: qualifier (HC, NU revenue, AD, ER, ...), code, modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...] = ()
    description: str | None = None


class Remark(NamedTuple):
    """An LQ (HE: RARC) or a MIA/MOA remark code."""

    qualifier: str
    code: str
    position: int


@dataclass(slots=True)
class ServiceLine:
    """Loop 2110: an SVC and what follows it."""

    number: int  # 1-based within its claim
    procedure: Procedure
    charge_cents: int  # SVC02
    paid_cents: int  # SVC03
    revenue_code: str | None  # SVC04
    units: Decimal | None  # SVC05
    original_procedure: Procedure | None  # SVC06
    original_units: Decimal | None  # SVC07
    position: int
    dates: tuple[DateValue, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    references: tuple[Reference, ...] = ()
    amounts: tuple[Amount, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    remarks: tuple[Remark, ...] = ()

    def reference(self, qualifier: str) -> str | None:
        """The first REF value with this qualifier (6R: line item control number)."""
        return next((r.value for r in self.references if r.qualifier == qualifier), None)


@dataclass(slots=True)
class Adjudication:
    """MIA (inpatient) or MOA (outpatient): the elements as read, and the remark codes."""

    segment: str  # MIA or MOA
    elements: tuple[str, ...]
    remarks: tuple[str, ...]
    position: int


@dataclass(slots=True)
class ClaimPayment:
    """Loop 2100: a CLP and everything under it."""

    patient_control_number: str  # CLP01
    status: ClaimStatus  # CLP02
    charge_cents: int  # CLP03
    paid_cents: int  # CLP04
    patient_responsibility_cents: int | None  # CLP05
    filing_indicator: str  # CLP06
    payer_claim_number: str | None  # CLP07
    facility: str | None  # CLP08
    frequency: str | None  # CLP09
    drg: str | None  # CLP11
    position: int
    header_number: str | None = None  # LX01 of the loop 2000 it is in
    adjustments: tuple[Adjustment, ...] = ()
    people: tuple[Person, ...] = ()
    adjudications: tuple[Adjudication, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateValue, ...] = ()
    amounts: tuple[Amount, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    lines: tuple[ServiceLine, ...] = ()

    @property
    def is_reversal(self) -> bool:
        """CLP02 22: reverses an earlier payment, every amount negated."""
        return self.status is ClaimStatus.REVERSAL

    @property
    def crossover(self) -> bool:
        """Forwarded to another payer (CLP02 19/20/21/23 or an NM1*TT crossover carrier)."""
        return self.status.forwarded or any(p.entity == "TT" for p in self.people)

    def person(self, entity: str) -> Person | None:
        """The NM1 with this NM101 (QC, IL, 74, 82, TT), if any."""
        return next((p for p in self.people if p.entity == entity), None)

    def amount(self, qualifier: str) -> int | None:
        """The cents of the first AMT with this qualifier (I interest, AU coverage)."""
        return next((a.cents for a in self.amounts if a.qualifier == qualifier), None)


class ProviderAdjustment(NamedTuple):
    """One PLB reason/reference/amount pair; positive amounts reduce the payment."""

    provider_id: str  # PLB01
    fiscal_period: date  # PLB02
    reason: str  # PLBxx-1: L6 interest, WO overpayment recovery, 72, FB, CV, ...
    reference: str | None  # PLBxx-2
    amount_cents: int
    position: int


@dataclass(frozen=True, slots=True)
class Header:
    """Loop 2000: LX with its TS3/TS2 (provider summary) elements as read."""

    number: str
    position: int
    summary: tuple[str, ...] = ()  # TS3 elements
    supplemental: tuple[str, ...] = ()  # TS2 elements


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction set (ST..SE): one payment to one payee."""

    control_number: str  # ST02
    position: int  # of the ST
    interchange_control: str  # ISA13
    group_control: str  # GS06
    sender: str  # GS02
    receiver: str  # GS03
    payment: Payment
    trace: Trace | None
    payer: Party
    payee: Party
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateValue, ...] = ()
    headers: tuple[Header, ...] = ()
    end_position: int = 0  # of the SE
    content_sha256: str = ""  # TransactionEnd.content_sha256

    @property
    def claim_paid_cents(self) -> int:
        """Sum of CLP04."""
        return sum(c.paid_cents for c in self.claims)

    @property
    def provider_adjustment_cents(self) -> int:
        """Sum of PLB amounts (positive reduces the payment)."""
        return sum(a.amount_cents for a in self.provider_adjustments)


# The claim-level stream (edi.x835.reader.stream_835): per ST..SE one TransactionStart, each
# ClaimPayment as soon as it is complete, then one TransactionEnd, so that a transaction set of
# 200,000 claims is posted without holding its claims.


@dataclass(frozen=True, slots=True)
class TransactionStart:
    """What an ST..SE says before its first claim: envelope, payment, trace and parties."""

    control_number: str  # ST02
    position: int  # of the ST
    interchange_control: str  # ISA13
    group_control: str  # GS06
    sender: str  # GS02
    receiver: str  # GS03
    payment: Payment
    trace: Trace | None
    payer: Party
    payee: Party
    references: tuple[Reference, ...] = ()
    dates: tuple[DateValue, ...] = ()


@dataclass(frozen=True, slots=True)
class TransactionEnd:
    """What an ST..SE says after its last claim, with the totals and the content hash."""

    control_number: str  # ST02
    end_position: int  # of the SE
    provider_adjustments: tuple[ProviderAdjustment, ...]
    headers: tuple[Header, ...]
    claim_count: int
    claim_paid_cents: int  # sum of CLP04
    # SHA-256 (hex) of the segments from BPR up to the SE, elements joined by "*", components
    # by ":", repetitions by "^", segments by "~": the same content under other control
    # numbers, delimiters or line breaks hashes the same; any other element changes it.
    content_sha256: str

    @property
    def provider_adjustment_cents(self) -> int:
        """Sum of PLB amounts (positive reduces the payment)."""
        return sum(a.amount_cents for a in self.provider_adjustments)
