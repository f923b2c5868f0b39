"""Paper EOBs and checks entered by a person, posted through the same rules as an 835.

A person types what the paper says into a JSON document (format below, documented in
docs/billing-guide.md). It is read into the 835 reader's value objects (one TransactionStart,
a ClaimPayment per claim, one TransactionEnd), so matching, treatments, denials, transfers,
idempotency and ERA clearing are exactly those of an ERA; the remittance is kind "manual".

Unlike an 835, which is posted as far as it balances, an EOB is checked whole first: a person
can correct a typo at once, so a claim or the check that does not balance is refused with the
field named, and nothing of it is posted.

    {"kind": "eob", "payer": "AETNA",
     "payment": {"method": "CHK", "number": "100234", "date": "2026-11-20", "amount": "212.00"},
     "claims": [{"claim": "PCN1", "charge": "250.00", "paid": "180.00",
                 "adjustments": [{"group": "CO", "reason": "45", "amount": "50.00"},
                                 {"group": "PR", "reason": "2", "amount": "20.00"}],
                 "lines": [{"procedure": "99213", "charge": "250.00", "paid": "180.00",
                            "adjustments": [...]}]}],
     "provider_adjustments": [{"reason": "L6", "amount": "-2.00"}]}

Positions, which every ledger entry records, count the document's parts in order: 1 is the
payment, then each claim and each of its lines, then each provider adjustment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.errors import InvalidInput, NotFound
from claims.files.models import TransactionKind
from claims.money import CENT, to_cents, to_thousandths
from claims.practice.models import Payer, Practice
from edi.x835.balance import claim_findings, money
from edi.x835.models import (
    Adjudication,
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimStatus,
    DateValue,
    Party,
    Payment,
    Person,
    Procedure,
    ProviderAdjustment,
    Reference,
    Remark,
    ServiceLine,
    Trace,
    TransactionEnd,
    TransactionStart,
)
from edi.x835.reader import Event
from remittance.era import post_stream
from remittance.ingest import Inbound
from remittance.report import FileReport

_PATIENT = AdjustmentGroup.PATIENT_RESPONSIBILITY
# Amounts are kept with two places (212 is 212.00), so that the same EOB typed either way
# hashes the same and is a duplicate, not a conflict.
Money = Annotated[
    Decimal,
    Field(decimal_places=2, max_digits=15),
    AfterValidator(lambda d: d.quantize(CENT)),
]
# CAS04 units, stored as integer thousandths: finer or larger ones are refused here, by field.
Quantity = Annotated[Decimal, Field(decimal_places=3, max_digits=15)]
Code = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9.\-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EobAdjustment(_Strict):
    """A CAS triplet as printed: group code, reason code (CARC), amount (and units)."""

    group: AdjustmentGroup
    reason: Code
    amount: Money
    quantity: Quantity | None = None


class EobLine(_Strict):
    """A service line as printed on the EOB."""

    procedure: Code
    modifiers: list[Annotated[str, Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=4
    )
    revenue_code: Code | None = None
    charge: Money
    paid: Money
    units: Decimal | None = None
    service_date: date | None = None
    control_number: Code | None = None  # our line item control number (REF*6R), if printed
    adjustments: list[EobAdjustment] = Field(default_factory=list)
    remarks: list[Code] = Field(default_factory=list)  # RARCs


class EobClaim(_Strict):
    """A claim as printed on the EOB."""

    claim: Annotated[str, Field(min_length=1, max_length=38)]  # our patient control number
    status: ClaimStatus = ClaimStatus.PRIMARY
    payer_claim_number: Annotated[str, Field(max_length=50)] | None = None
    charge: Money
    paid: Money
    patient_responsibility: Money | None = None
    member_id: Annotated[str, Field(max_length=80)] | None = None
    service_date: date | None = None
    interest: Money | None = None
    adjustments: list[EobAdjustment] = Field(default_factory=list)
    remarks: list[Code] = Field(default_factory=list)
    lines: list[EobLine] = Field(default_factory=list)


class EobPayment(_Strict):
    """The check or EFT: how, its number, its date and its amount."""

    method: Literal["CHK", "ACH", "FWT", "BOP", "NON"] = "CHK"
    number: Annotated[str, Field(min_length=1, max_length=50)]
    date: date
    amount: Money


class EobProviderAdjustment(_Strict):
    """A provider-level adjustment (PLB): positive reduces the payment (L6 interest is
    negative: it adds to it)."""

    reason: Annotated[str, Field(min_length=1, max_length=5)]
    reference: Annotated[str, Field(max_length=50)] | None = None
    amount: Money


class Eob(_Strict):
    """A paper EOB or a check with its claims, as a person enters it."""

    kind: Literal["eob"]
    payer: Annotated[str, Field(min_length=1, max_length=80)]  # our payer code
    payee: Annotated[str, Field(max_length=80)] | None = None  # the payee's NPI or TIN on it
    payment: EobPayment
    claims: list[EobClaim] = Field(min_length=1)
    provider_adjustments: list[EobProviderAdjustment] = Field(default_factory=list)


def read_eob(content: bytes, *, name: str | None = None) -> Eob:
    """The document, validated; InvalidInput naming the file and the field otherwise."""
    where = name or "EOB"
    try:
        data = json.loads(content.decode("utf-8-sig"), parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        # ValueError: bad UTF-8, bad JSON, or an integer longer than Python converts (4300
        # digits); RecursionError: nesting deeper than the parser goes.
        raise InvalidInput(f"{where}: not a JSON document ({exc})") from None
    try:
        return Eob.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_field(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise InvalidInput(f"{where}: " + "; ".join(problems[:5])) from None


def check_balances(eob: Eob, *, name: str | None = None) -> None:
    """Every line, claim and the payment balance, or InvalidInput naming the first that
    does not, with the figures."""
    where = name or "EOB"
    problems: list[str] = []
    paid = 0
    for index, clp in enumerate(_claims(eob)):
        paid += clp.paid_cents
        for finding in claim_findings(clp):
            place = f"claims[{index}]" + (
                f".lines[{finding.line - 1}]" if finding.line is not None else ""
            )
            problems.append(
                f"{place}: charge less adjustments is {finding.expected} but paid is "
                f"{finding.found}"
            )
    plb = sum(to_cents(a.amount) for a in eob.provider_adjustments)
    amount = to_cents(eob.payment.amount)
    if paid - plb != amount:
        problems.append(
            f"payment.amount: {money(amount)} but claims paid {money(paid)} less provider "
            f"adjustments {money(plb)} is {money(paid - plb)}"
        )
    if problems:
        raise InvalidInput(f"{where}: does not balance: " + "; ".join(problems[:5]))


def check_payer(session: Session, eob: Eob, *, practice_id: int, name: str | None) -> None:
    """The payer code names exactly one of the practice's payers."""
    found = session.scalars(
        select(Payer.id).where(Payer.practice_id == practice_id, Payer.payer_code == eob.payer)
    ).all()
    if len(found) != 1:
        raise InvalidInput(
            f"{name or 'EOB'}: payer: {eob.payer!r} is not the code of one of the practice's "
            "payers (see `claims payers list`)"
        )


def eob_events(eob: Eob, *, practice_name: str) -> Iterator[Event]:
    """The EOB as the 835 reader's stream: start, each claim payment, end."""
    p = eob.payment
    payment = Payment(
        handling="C" if p.amount else "H", amount_cents=abs(to_cents(p.amount)),
        credit_debit="D" if p.amount < 0 else "C", method=p.method, format=None, payer_bank=(),
        originating_company=None, payee_bank=(), date=p.date, position=1,
    )  # fmt: skip
    yield TransactionStart(
        control_number="EOB", position=1, interchange_control="", group_control="",
        sender="", receiver="", payment=payment,
        trace=Trace(number=p.number, payer_id=eob.payer, supplemental=None, position=1),
        payer=Party(entity="PR", name=eob.payer, id_qualifier="PI", id=eob.payer, position=1),
        payee=Party(
            entity="PE", name=practice_name, id_qualifier="XX" if eob.payee else None,
            id=eob.payee, position=1,
        ),
        dates=(DateValue("405", p.date, 1),),
    )  # fmt: skip
    claims = _claims(eob)
    yield from claims
    position = max((c.lines[-1].position if c.lines else c.position for c in claims), default=1)
    adjustments = tuple(
        ProviderAdjustment(
            provider_id=eob.payee or "",
            fiscal_period=p.date,
            reason=a.reason,
            reference=a.reference,
            amount_cents=to_cents(a.amount),
            position=position + n,
        )
        for n, a in enumerate(eob.provider_adjustments, 1)
    )
    yield TransactionEnd(
        control_number="EOB", end_position=position + len(adjustments) + 1,
        provider_adjustments=adjustments, headers=(), claim_count=len(claims),
        claim_paid_cents=sum(c.paid_cents for c in claims), content_sha256=content_sha256(eob),
    )  # fmt: skip


def ingest_eob(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Post a paper EOB (the ingest handler for EOB documents): refused whole, with the field
    named, unless it reads, names one of our payers and balances."""
    eob = read_eob(inbound.content, name=inbound.name)
    check_payer(session, eob, practice_id=inbound.practice_id, name=inbound.name)
    check_balances(eob, name=inbound.name)
    practice = session.get(Practice, inbound.practice_id)
    if practice is None:
        raise NotFound(f"practice {inbound.practice_id} not found")
    events = eob_events(eob, practice_name=practice.name)
    post_stream(session, inbound, events, report, kind=TransactionKind.EOB)


def content_sha256(eob: Eob) -> str:
    """The digest of what the EOB says (its JSON, keys sorted, amounts as entered), so that
    the same EOB entered again is a duplicate whatever its spacing or key order."""
    canonical = json.dumps(eob.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claims(eob: Eob) -> list[ClaimPayment]:
    position = 1
    out: list[ClaimPayment] = []
    for c in eob.claims:
        position += 1
        claim_position = position
        lines = []
        for number, line in enumerate(c.lines, 1):
            position += 1
            lines.append(_line(line, number, position))
        people: tuple[Person, ...] = ()
        if c.member_id:
            people = (Person("IL", False, "", None, None, None, "MI", c.member_id, claim_position),)
        responsibility = c.patient_responsibility
        if responsibility is None:
            responsibility = sum(
                (a.amount for a in _all_adjustments(c) if a.group is _PATIENT),
                Decimal(0),
            )
        out.append(
            ClaimPayment(
                patient_control_number=c.claim, status=c.status, charge_cents=to_cents(c.charge),
                paid_cents=to_cents(c.paid),
                patient_responsibility_cents=to_cents(responsibility),
                filing_indicator="", payer_claim_number=c.payer_claim_number, facility=None,
                frequency=None, drg=None, position=claim_position,
                adjustments=_adjustments(c.adjustments, claim_position),
                people=people,
                adjudications=(
                    (Adjudication("MOA", (), tuple(c.remarks), claim_position),)
                    if c.remarks else ()
                ),
                dates=_dated("232", c.service_date, claim_position),
                amounts=(),
                lines=tuple(lines),
            )
        )  # fmt: skip
    return out


def _line(line: EobLine, number: int, position: int) -> ServiceLine:
    return ServiceLine(
        number=number,
        procedure=Procedure("HC", line.procedure, tuple(line.modifiers)),
        charge_cents=to_cents(line.charge), paid_cents=to_cents(line.paid),
        revenue_code=line.revenue_code, units=line.units, original_procedure=None,
        original_units=None, position=position,
        dates=_dated("472", line.service_date, position),
        adjustments=_adjustments(line.adjustments, position),
        references=(
            (Reference("6R", line.control_number, position),) if line.control_number else ()
        ),
        remarks=tuple(Remark("HE", code, position) for code in line.remarks),
    )  # fmt: skip


def _adjustments(adjustments: list[EobAdjustment], position: int) -> tuple[Adjustment, ...]:
    return tuple(
        Adjustment(
            a.group,
            a.reason,
            to_cents(a.amount),
            to_thousandths(a.quantity) if a.quantity is not None else None,
            position,
        )
        for a in adjustments
    )


def _dated(qualifier: str, value: date | None, position: int) -> tuple[DateValue, ...]:
    return (DateValue(qualifier, value, position),) if value else ()


def _all_adjustments(c: EobClaim) -> Iterator[EobAdjustment]:
    yield from c.adjustments
    for line in c.lines:
        yield from line.adjustments


def _field(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as the document's path: claims[0].lines[1].paid."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "document"


__all__ = [
    "Eob",
    "check_balances",
    "check_payer",
    "content_sha256",
    "eob_events",
    "ingest_eob",
    "read_eob",
]
