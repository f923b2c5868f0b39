"""Writing 999 implementation acknowledgments (005010X231A1) from the 999 value objects.

What read_999 gives, write_999 writes back: one interchange and one functional group (FA)
holding a 999 transaction set per acknowledgment, under the first acknowledgment's envelope.
Read back, the text gives the same value objects (positions aside); a file read and written
again is the same file when it was written in our style (ISA01-04 "00" and blanks, ISA14 0,
GS05 as HHMM, no trailing empty elements).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from edi.x12 import Delimiters, Element, format_segment
from edi.x999.models import (
    VERSION,
    Context,
    ElementError,
    Envelope,
    FunctionalAcknowledgment,
    SegmentError,
    TransactionResponse,
)

# Where the helpers put each segment they format.
_Seg = Callable[..., None]


def write_999(
    acks: Sequence[FunctionalAcknowledgment],
    *,
    delimiters: Delimiters | None = None,
    newline: bool = True,
) -> str:
    """The 999 file for one or more acknowledgments sharing the first one's envelope."""
    if not acks:
        raise ValueError("acks: at least one acknowledgment")
    envelope = acks[0].envelope
    if any(_identity(a.envelope) != _identity(envelope) for a in acks[1:]):
        raise ValueError("acks: every acknowledgment must share the first one's envelope")
    d = delimiters or Delimiters()
    out: list[str] = []

    def seg(*elements: Element) -> None:
        out.append(format_segment(elements, d))

    e, at = envelope, envelope.created_at
    seg(
        "ISA", "00", " " * 10, "00", " " * 10, e.sender_qualifier, e.sender_id.ljust(15),
        e.receiver_qualifier, e.receiver_id.ljust(15), at.strftime("%y%m%d"),
        at.strftime("%H%M"), d.repetition or "^", "00501", f"{e.interchange_control_number:09d}",
        "0", "T" if e.is_test else "P", d.component,
    )  # fmt: skip
    seg(
        "GS", "FA", e.application_sender, e.application_receiver, at.strftime("%Y%m%d"),
        at.strftime("%H%M"), str(e.group_control_number), "X", VERSION,
    )  # fmt: skip
    for ack in acks:
        start = len(out)
        seg("ST", "999", ack.control_number, VERSION)
        seg("AK1", ack.functional_id, str(ack.group_control_number), ack.version)
        for response in ack.transactions:
            _response(seg, response)
        seg(
            "AK9", ack.code.value, str(ack.included), str(ack.received), str(ack.accepted),
            *(code.value for code in ack.error_codes),
        )  # fmt: skip
        seg("SE", str(len(out) - start + 1), ack.control_number)
    seg("GE", str(len(acks)), str(e.group_control_number))
    seg("IEA", "1", f"{e.interchange_control_number:09d}")
    end = "\n" if newline else ""
    return end.join(out) + end


def _identity(e: Envelope) -> tuple[object, ...]:
    return (
        e.sender_qualifier, e.sender_id, e.receiver_qualifier, e.receiver_id,
        e.application_sender, e.application_receiver, e.interchange_control_number,
        e.group_control_number,
    )  # fmt: skip


def _response(seg: _Seg, response: TransactionResponse) -> None:
    seg("AK2", response.transaction_set_id, response.control_number, response.convention)
    for error in response.errors:
        _segment_error(seg, error)
    seg("IK5", response.code.value, *(code.value for code in response.error_codes))


def _segment_error(seg: _Seg, error: SegmentError) -> None:
    seg("IK3", error.segment_id, str(error.position), error.loop_id, error.code.value)
    for context in error.contexts:
        _context(seg, context)
    for element in error.elements:
        _element_error(seg, element)


def _element_error(seg: _Seg, error: ElementError) -> None:
    place = (str(error.position), _number(error.component), _number(error.repetition))
    seg("IK4", place, error.reference_number, error.code.value, error.bad_value)
    for context in error.contexts:
        _context(seg, context)


def _context(seg: _Seg, context: Context) -> None:
    seg(
        "CTX", (context.name, context.reference or ""), context.segment_id,
        _number(context.position),
        context.loop_id, (_number(context.element_position), _number(context.component_position)),
        context.reference_number,
    )  # fmt: skip


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
