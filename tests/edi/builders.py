"""Small 837 value objects for tests: a professional and an institutional claim, a batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

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
    Submitter,
    Subscriber,
)
from edi.x837.writer import transactions_needed

ADDRESS = Address("100 RIVER ROAD", "PORTLAND", "OR", "972011234")
BILLING = BillingProvider(
    Person("RIVERSIDE FAMILY MEDICINE", is_organization=True),
    "1234567893",
    "841234567",
    ADDRESS,
    "207Q00000X",
)
RENDERING = Provider(Person("OSEI", "AMARA"), "1987654328", "207Q00000X")
REFERRING = Provider(Person("NAKAMURA", "KENJI"), "1432109878")
SUBSCRIBER = Subscriber(
    "P", Person("ALDER", "AVA"), "M123456789", "ACME HEALTH PLAN", "ACME1", "CI", "GRP1001",
    True, ADDRESS, date(1980, 1, 2), "F",
)  # fmt: skip
DOS = date(2026, 5, 1)


def professional(pcn: str = "CLAIMP1", **changes: object) -> Claim:
    lines = (
        ServiceLine(f"{pcn}L1", "99214", 22500, 1000, DOS, ("25",), (1, 2)),
        ServiceLine(f"{pcn}L2", "20610", 22000, 1000, DOS, ("RT",), (1,)),
        ServiceLine(
            f"{pcn}L3", "J3301", 4800, 4000, DOS, (), (1,), drug=Drug("00003029305", 4000, "ML")
        ),
    )  # fmt: skip
    claim = Claim(
        pcn, 49300, "1", BILLING, SUBSCRIBER, (Diagnosis("M1711"), Diagnosis("I10")), lines,
        rendering=RENDERING, referring=REFERRING, prior_authorization="AUTH123",
    )  # fmt: skip
    return replace(claim, **changes)  # type: ignore[arg-type]


def dependent(pcn: str = "CLAIMD1") -> Claim:
    subscriber = replace(
        SUBSCRIBER, name=Person("BIRCH", "LIAM"), is_patient=False, address=None, birth_date=None,
        sex=None,
    )  # fmt: skip
    patient = Patient("19", Person("BIRCH", "MIA"), ADDRESS, date(2016, 3, 3), "F")
    line = ServiceLine(f"{pcn}L1", "99213", 15000, 1000, DOS, (), (1,))
    return Claim(
        pcn, 15000, "1", BILLING, subscriber, (Diagnosis("J069"),), (line,), patient=patient
    )


def institutional(pcn: str = "CLAIMI1") -> Claim:
    inst = Institutional(
        "131", DOS, DOS, "1", "7", "01", reason_for_visit=("R079",), attending=RENDERING,
    )  # fmt: skip
    lines = (
        ServiceLine(f"{pcn}L1", "99284", 50000, 1000, DOS, revenue_code="0450"),
        ServiceLine(f"{pcn}L2", "93005", 7500, 1000, DOS, revenue_code="0730"),
    )
    dx = (Diagnosis("R079", "Y"), Diagnosis("I10", "Y"))
    return Claim(pcn, 57500, "1", BILLING, SUBSCRIBER, dx, lines, institutional=inst)


ENVELOPE = Envelope(
    "ZZ", "RIVERSIDEFM", "ZZ", "DEMOCH", "RIVERSIDEFM", "DEMOCH", 17, 23, "T",
    datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
)  # fmt: skip


def batch(kind: Kind, claims: tuple[Claim, ...], per_transaction: int = 5000) -> Batch:
    count = transactions_needed(len(claims), per_transaction)
    return Batch(
        kind, ENVELOPE,
        Submitter("RIVERSIDE FAMILY MEDICINE", "RIVERSIDEFM", "BILLING", "5035550100"),
        Receiver("DEMO CLEARINGHOUSE", "DEMOCH"), claims, tuple(range(1, count + 1)),
        claims_per_transaction=per_transaction,
    )  # fmt: skip
