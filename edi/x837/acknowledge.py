"""Our acknowledgments of an 837 we received: a 999 for the file, a 277CA for its claims.

Pure: the caller reads the file (and keeps it), decides what became of each claim, and gets
X12 text back. The 999 answers every transaction set of every group: all accepted when the
file was read, or, when the reader refused it, the group with the fault rejected with the
segment and element it names (IK3/IK4) and every other group rejected as well, since nothing
of a refused file is imported. The 277CA has a transaction set per batch the reader made, the
billing providers and claims in file order, each claim keyed by the sender's CLM01 (TRN*2)
with our own claim number as the clearinghouse trace (REF*D9). Our envelopes answer the
sender: ISA and GS sender and receiver swapped, the same usage (T or P).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from edi.x12 import Delimiters, Segment, X12Error, read_segments
from edi.x277ca import models as x277
from edi.x277ca.writer import ClaimReport, Party, ProviderReport, Report, StatusReport, write_277ca
from edi.x837 import models as x837
from edi.x999 import models as x999
from edi.x999.writer import write_999


@dataclass(frozen=True, slots=True)
class TransactionHeader:
    """One ST of the file: where it is and what it says."""

    position: int
    control_number: str  # ST02 as sent
    convention: str | None  # ST03
    end: int | None = None  # position of its SE, if the file has one


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """One GS of the file and its transaction sets."""

    position: int
    functional_id: str  # GS01
    application_sender: str  # GS02
    application_receiver: str  # GS03
    control_number: str  # GS06 as sent
    version: str  # GS08
    transactions: tuple[TransactionHeader, ...]
    end: int | None = None  # position of its GE


@dataclass(frozen=True, slots=True)
class Outline:
    """The envelopes of a file as far as they could be read (a refused file included)."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, trimmed
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, trimmed
    is_test: bool  # ISA15 = T
    delimiters: Delimiters
    groups: tuple[GroupHeader, ...]


def outline(data: bytes | str) -> Outline | None:
    """The envelopes of an X12 file, read as far as they go; None without a readable ISA."""
    isa: Segment | None = None
    groups: list[GroupHeader] = []
    sets: list[TransactionHeader] = []
    gs: Segment | None = None
    try:
        segments = read_segments(data)
        delimiters = segments.delimiters
        for seg in segments:
            if seg.id == "ISA" and isa is None:
                isa = seg
            elif seg.id == "GS":
                gs, sets = seg, []
                groups.append(_group(seg, sets, None))
            elif seg.id == "ST" and gs is not None:
                sets.append(TransactionHeader(seg.position, seg.get(2), seg.get(3) or None))
                groups[-1] = _group(gs, sets, None)
            elif seg.id == "SE" and sets and sets[-1].end is None:
                last = sets[-1]
                sets[-1] = TransactionHeader(
                    last.position, last.control_number, last.convention, seg.position
                )
                groups[-1] = _group(gs, sets, None) if gs is not None else groups[-1]
            elif seg.id == "GE" and gs is not None:
                groups[-1] = _group(gs, sets, seg.position)
                gs = None
    except X12Error:
        if isa is None:
            return None
    if isa is None:
        return None
    return Outline(
        isa.get(5), isa.get(6).strip(), isa.get(7), isa.get(8).strip(), isa.get(15) == "T",
        delimiters, tuple(groups),
    )  # fmt: skip


def _group(gs: Segment, sets: list[TransactionHeader], end: int | None) -> GroupHeader:
    return GroupHeader(
        gs.position, gs.get(1), gs.get(2), gs.get(3), gs.get(6), gs.get(8), tuple(sets), end
    )


def acknowledge_file(
    found: Outline, *, error: X12Error | None, interchange_control_number: int, created_at: datetime
) -> str | None:
    """The 999 for a file we received: every set accepted, or (when the reader refused it)
    rejected, the fault named where it lies; None when the file holds no group."""
    if not found.groups:
        return None
    envelope = _envelope_999(found, interchange_control_number, created_at)
    acks = []
    for number, group in enumerate(found.groups, start=1):
        acks.append(_group_answer(envelope, group, f"{number:04d}", error))
    return write_999(acks, delimiters=found.delimiters)


def _envelope_999(found: Outline, control: int, created_at: datetime) -> x999.Envelope:
    first = found.groups[0]
    return x999.Envelope(
        found.receiver_qualifier, found.receiver_id, found.sender_qualifier, found.sender_id,
        first.application_receiver, first.application_sender, control, control,
        created_at.replace(second=0, microsecond=0, tzinfo=None), found.is_test,
    )  # fmt: skip


def _group_answer(
    envelope: x999.Envelope, group: GroupHeader, control: str, error: X12Error | None
) -> x999.FunctionalAcknowledgment:
    count = len(group.transactions)
    number = int(group.control_number) if group.control_number.strip().isdigit() else 0
    version = group.version or None
    if error is None:
        responses = tuple(
            x999.TransactionResponse(
                0, "837", t.control_number, x999.TransactionCode.ACCEPTED, t.convention
            )
            for t in group.transactions
        )
        return x999.FunctionalAcknowledgment(
            envelope, 0, control, group.functional_id, number, x999.GroupCode.ACCEPTED, count,
            count, count, version, responses,
        )  # fmt: skip
    faulty = _faulty_set(group, error.segment)
    responses = ()
    group_codes: tuple[x999.GroupErrorCode, ...] = ()
    if faulty is not None:
        responses = (_rejected_set(faulty, error),)
    elif error.segment_id == "GE" and _inside(group.position, group.end, error.segment):
        group_codes = _GE_CODES.get(error.element or 0, ())
    return x999.FunctionalAcknowledgment(
        envelope, 0, control, group.functional_id, number, x999.GroupCode.REJECTED, count,
        count, 0, version, responses, group_codes,
    )  # fmt: skip


_GE_CODES = {
    1: (x999.GroupErrorCode.COUNT_MISMATCH,),
    2: (x999.GroupErrorCode.CONTROL_MISMATCH,),
}
_SE_CODES = {
    1: x999.TransactionErrorCode.COUNT_MISMATCH,
    2: x999.TransactionErrorCode.CONTROL_MISMATCH,
}


def _inside(start: int, end: int | None, position: int | None) -> bool:
    return position is not None and start <= position and (end is None or position <= end)


def _faulty_set(group: GroupHeader, position: int | None) -> TransactionHeader | None:
    """The transaction set the fault lies in (its SE included), if any."""
    sets = group.transactions
    for index, header in enumerate(sets):
        end = header.end
        if end is None:  # no SE: up to the next ST or the GE
            following = sets[index + 1].position - 1 if index + 1 < len(sets) else group.end
            end = following
        if _inside(header.position, end, position):
            return header
    return None


def _rejected_set(header: TransactionHeader, error: X12Error) -> x999.TransactionResponse:
    """IK3/IK4 for the fault, or an IK5 code alone when it lies in the ST or SE."""
    assert error.segment is not None
    reject = x999.TransactionCode.REJECTED
    if error.segment_id == "SE" or "file ends inside" in error.message:
        code = _SE_CODES.get(error.element or 0, x999.TransactionErrorCode.TRAILER_MISSING)
        if error.segment_id != "SE":
            code = x999.TransactionErrorCode.TRAILER_MISSING  # truncated
        return x999.TransactionResponse(0, "837", header.control_number, reject,
                                        header.convention, (), (code,))  # fmt: skip
    elements: tuple[x999.ElementError, ...] = ()
    if error.element is not None:
        elements = (x999.ElementError(0, error.element, _element_code(error.message)),)
        segment_code = x999.SegmentErrorCode.ELEMENT_ERRORS
    elif "without" in error.message or error.message.startswith("no "):
        segment_code = x999.SegmentErrorCode.DEPENDENT_MISSING
    else:
        segment_code = x999.SegmentErrorCode.UNEXPECTED
    position = error.segment - header.position + 1
    segment = x999.SegmentError(
        0, error.segment_id or "ST", position, segment_code, elements=elements
    )
    return x999.TransactionResponse(
        0, "837", header.control_number, reject, header.convention, (segment,),
        (x999.TransactionErrorCode.SEGMENTS_IN_ERROR,),
    )  # fmt: skip


def _element_code(message: str) -> x999.ElementErrorCode:
    """The IK403 closest to what our reader said of the element."""
    text = message.lower()
    codes = x999.ElementErrorCode
    if "required" in text or "missing" in text:
        return codes.REQUIRED_MISSING
    if "date" in text:
        return codes.INVALID_DATE
    if "time" in text:
        return codes.INVALID_TIME
    if "longer" in text or "too long" in text:
        return codes.TOO_LONG
    if "number" in text or "decimal" in text:
        return codes.INVALID_CHARACTER
    return codes.INVALID_CODE


# -- the 277CA ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimAnswer:
    """What became of one claim of the file: a status (category, code) and our claim number."""

    category: x277.Category  # A2 accepted, A5 split, A1 received (held here), A3 refused
    code: str  # claim status code: 20 accepted, 19 received, 21 missing or invalid information
    message: str | None = None  # STC12: field names and edit IDs, never PHI
    claim_number: str | None = None  # our CLM01 for it (REF*D9)


def acknowledge_claims(
    found: Outline,
    batches: Sequence[x837.Batch],
    answers: Sequence[ClaimAnswer],
    *,
    interchange_control_number: int,
    created_at: datetime,
) -> str:
    """The 277CA for the claims of a file we read: one answer per claim, in file order."""
    claims = [c for b in batches for c in b.claims]
    if len(answers) != len(claims):
        raise ValueError(f"answers: {len(claims)} needed, one per claim in file order")
    at = created_at.replace(second=0, microsecond=0, tzinfo=None)
    first = found.groups[0] if found.groups else None
    envelope = x277.Envelope(
        found.receiver_qualifier, found.receiver_id, found.sender_qualifier, found.sender_id,
        first.application_receiver if first else found.receiver_id,
        first.application_sender if first else found.sender_id, interchange_control_number,
        interchange_control_number, at, found.is_test,
    )  # fmt: skip
    reports = []
    remaining = list(answers)
    for number, batch in enumerate(batches, start=1):
        mine, remaining = remaining[: len(batch.claims)], remaining[len(batch.claims) :]
        reports.append(_report(batch, mine, f"{number:04d}", interchange_control_number, at))
    return write_277ca(envelope, reports, delimiters=found.delimiters)


def _report(
    batch: x837.Batch, answers: Sequence[ClaimAnswer], control: str, ours: int, at: datetime
) -> Report:
    day = at.date()
    providers: list[tuple[x837.BillingProvider, list[ClaimReport]]] = []
    for value, answer in zip(batch.claims, answers, strict=True):
        if not providers or providers[-1][0] != value.billing_provider:
            providers.append((value.billing_provider, []))
        providers[-1][1].append(_claim(value, answer, day))
    return Report(
        control, str(ours), at,
        Party("AY", batch.receiver.name, "46", batch.receiver.id), str(ours), day, day,
        Party("41", batch.submitter.name, "46", batch.submitter.id), batch.reference,
        _status(x277.Category.RECEIVED, "19", day),
        tuple(
            ProviderReport(
                _provider(bp), str(n), _status(x277.Category.RECEIVED, "19", day, "85"),
                tuple(claims),
            )
            for n, (bp, claims) in enumerate(providers, start=1)
        ),
    )  # fmt: skip


def _status(
    category: x277.Category, code: str, day: date, entity: str | None = None
) -> StatusReport:
    return StatusReport((x277.StatusCode(category, code, entity),), day)


def _provider(bp: x837.BillingProvider) -> Party:
    name = bp.name
    person = not name.is_organization
    return Party(
        "85", name.last_name, "XX", bp.npi, first_name=(name.first_name or "") if person else None,
        middle_name=name.middle_name if person else None,
    )  # fmt: skip


def _claim(value: x837.Claim, answer: ClaimAnswer, day: date) -> ClaimReport:
    person = value.patient.name if value.patient is not None else value.subscriber.name
    patient = Party(
        "QC", person.last_name, "MI", value.subscriber.member_id,
        first_name=person.first_name or "", middle_name=person.middle_name, suffix=person.suffix,
    )  # fmt: skip
    inst = value.institutional
    if inst is not None:
        start, end = inst.statement_from, inst.statement_to
    else:
        start = min(line.service_date for line in value.lines)
        end = max(line.service_date_to or line.service_date for line in value.lines)
    status = StatusReport(
        (x277.StatusCode(answer.category, answer.code),), day, message=answer.message
    )
    return ClaimReport(
        patient, value.patient_control_number, (status,), value.total_charge_cents, start,
        end, clearinghouse_trace=answer.claim_number,
        bill_type=inst.type_of_bill if inst is not None else None,
    )  # fmt: skip
