"""Plain value objects of a 277CA claim acknowledgment (005010X214) and its category codes."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

VERSION = "005010X214"


class Category(enum.StrEnum):
    """STC01-1 claim status category codes of a 277CA."""

    FORWARDED = "A0"
    RECEIVED = "A1"
    ACCEPTED = "A2"
    RETURNED = "A3"
    NOT_FOUND = "A4"
    SPLIT = "A5"
    MISSING_INFORMATION = "A6"
    INVALID_INFORMATION = "A7"
    RELATIONAL_ERROR = "A8"
    RESPONSE_NOT_POSSIBLE = "E0"
    NO_RESPONSE_FROM_PAYER = "E1"
    SYSTEM_STATUS = "E2"
    PAYER_UNAVAILABLE = "E3"
    RESUBMIT_LATER = "E4"

    @property
    def label(self) -> str:
        """Our short wording."""
        return _LABELS[self.value]

    @property
    def is_rejection(self) -> bool:
        """Returned unprocessable (A3) or rejected for missing, invalid or related data (A6-A8)."""
        return self.value in ("A3", "A6", "A7", "A8")

    @property
    def is_acceptance(self) -> bool:
        """Accepted into adjudication (A2), or accepted and split into several claims (A5)."""
        return self.value in ("A2", "A5")

    @property
    def is_received(self) -> bool:
        """Received or forwarded, not yet accepted (A0, A1)."""
        return self.value in ("A0", "A1")

    @property
    def needs_a_person(self) -> bool:
        """Not found (A4) or no response possible (E0-E4): someone has to look."""
        return self.value == "A4" or self.value.startswith("E")


_LABELS = {
    "A0": "forwarded to another entity",
    "A1": "received, not yet accepted",
    "A2": "accepted into adjudication",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A5": "split upon acceptance",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected for a relational field in error",
    "E0": "response not possible: error in the submitted request",
    "E1": "response not possible: no response from the payer",
    "E2": "response not possible: system status",
    "E3": "response not possible: payer unavailable",
    "E4": "response not possible: resubmit later",
}


class Level(enum.StrEnum):
    """The loop a status was given at, and so what it applies to."""

    RECEIVER = "2200B"  # the whole file
    PROVIDER = "2200C"  # every claim of the billing provider
    CLAIM = "2200D"
    LINE = "2220D"


@dataclass(frozen=True, slots=True)
class StatusCode:
    """One STC composite (STC01, STC10 or STC11): category, status code and entity."""

    category: Category  # -1
    code: str  # -2: claim status code (code list 508)
    entity: str | None = None  # -3: entity identifier code, such as 85 billing provider


@dataclass(frozen=True, slots=True)
class Status:
    """One STC and the level it was given at."""

    level: Level
    segment: int  # 1-based position of the STC in the file
    status: StatusCode  # STC01
    effective: date | None = None  # STC02
    action: str | None = None  # STC03, such as WQ (accepted) or U (rejected)
    total_charge_cents: int | None = None  # STC04
    additional: tuple[StatusCode, ...] = ()  # STC10, STC11
    message: str | None = None  # STC12, free text

    @property
    def category(self) -> Category:
        """STC01-1."""
        return self.status.category

    @property
    def codes(self) -> tuple[StatusCode, ...]:
        """STC01 and the additional composites, in order."""
        return (self.status, *self.additional)


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """Loop 2220D: one line of a claim, echoed with its statuses."""

    segment: int  # 1-based position of the SVC in the file
    procedure: str  # SVC01 as sent, components joined by ":" (such as HC:99213:25)
    charge_cents: int  # SVC02
    statuses: tuple[Status, ...]
    revenue_code: str | None = None  # SVC04
    units: str | None = None  # SVC07
    control_number: str | None = None  # REF*FJ: our REF*6R line item control number
    service_from: date | None = None  # DTP*472
    service_to: date | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """Loop 2000D/2200D: one claim we sent, keyed by TRN02 (our CLM01)."""

    segment: int  # 1-based position of the TRN in the file
    claim_number: str  # TRN02: our CLM01
    statuses: tuple[Status, ...]
    payer_claim_number: str | None = None  # REF*1K
    clearinghouse_trace: str | None = None  # REF*D9
    bill_type: str | None = None  # REF*BLT (837I)
    service_from: date | None = None  # DTP*472
    service_to: date | None = None
    lines: tuple[ServiceLine, ...] = ()

    @property
    def total_charge_cents(self) -> int | None:
        """STC04 of the first status that gives it."""
        return next((s.total_charge_cents for s in self.statuses if s.total_charge_cents), None)


@dataclass(frozen=True, slots=True)
class Provider:
    """Loop 2000C/2200C: a billing provider and its claims."""

    segment: int  # 1-based position of the HL in the file
    identifier: str  # NM109: NPI (XX) or other
    qualifier: str  # NM108
    statuses: tuple[Status, ...]  # 2200C: apply to every claim beneath
    trace: str | None = None  # TRN*1 provider of service trace
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 2000B/2200B: the information receiver (the submitter) and its providers."""

    segment: int  # 1-based position of the HL in the file
    identifier: str  # NM109, such as our submitter ID
    statuses: tuple[Status, ...]  # 2200B: apply to the whole file
    trace: str | None = None  # TRN*2: the receiver's batch trace
    accepted: int | None = None  # QTY*90
    rejected: int | None = None  # QTY*AA
    accepted_cents: int | None = None  # AMT*YU
    rejected_cents: int | None = None  # AMT*YY
    providers: tuple[Provider, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """Loop 2000A/2200A: the information source (payer or clearinghouse)."""

    segment: int  # 1-based position of the HL in the file
    name: str  # NM103 (an organization)
    identifier: str  # NM109
    trace: str | None = None  # TRN*1
    received: date | None = None  # DTP*050
    processed: date | None = None  # DTP*009
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True, slots=True)
class Envelope:
    """The interchange and group that carried the 277CA."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, trimmed
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, trimmed
    application_sender: str  # GS02
    application_receiver: str  # GS03
    interchange_control_number: int  # ISA13
    group_control_number: int  # GS06
    created_at: datetime  # GS04/GS05
    is_test: bool  # ISA15 = T
    warnings: tuple[str, ...] = ()  # trailer control numbers that differ (IEA02, GE02)


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgment:
    """One 277CA transaction set: its hierarchy of sources, receivers, providers and claims."""

    envelope: Envelope
    segment: int  # 1-based position of the ST in the file
    control_number: str  # ST02
    reference: str  # BHT03
    created_at: datetime | None  # BHT04/BHT05
    sources: tuple[Source, ...]

    def claims(self) -> Iterator[tuple[Claim, tuple[Status, ...]]]:
        """Each claim with every status that applies to it: 2200B, then 2200C, then its own."""
        for source in self.sources:
            for receiver in source.receivers:
                for provider in receiver.providers:
                    above = (*receiver.statuses, *provider.statuses)
                    for claim in provider.claims:
                        yield claim, (*above, *claim.statuses)
