"""Reading 999 implementation acknowledgments (005010X231A1) into the 999 value objects."""

# read_999 gives one FunctionalAcknowledgment per 999 transaction set, in file order; a file may
# hold several interchanges, groups and transaction sets, and TA1 segments (read_ta1 reads
# those). Faults in structure or data raise X12Error naming the segment position and element;
# messages quote codes and claim numbers, never an IK404 copy of a bad element. A trailer
# control number (GE02, IEA02) that differs from its header is kept as a warning on the
# envelope: the content is complete and counted, and refusing it would lose the answer.

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TextIO, TypeVar

from edi.envelope import TRAILER_CONTROLS, EnvelopeWalker, source_name
from edi.x12 import Segment, X12Error, read_segments
from edi.x999.models import (
    VERSION,
    Context,
    ElementError,
    ElementErrorCode,
    Envelope,
    FunctionalAcknowledgment,
    GroupCode,
    GroupErrorCode,
    SegmentError,
    SegmentErrorCode,
    TransactionCode,
    TransactionErrorCode,
    TransactionResponse,
)

_E = TypeVar("_E", bound=StrEnum)


def read_999(
    data: str | bytes | Path | TextIO, *, name: str | None = None
) -> list[FunctionalAcknowledgment]:
    """The 999 transaction sets of a file, in order; X12Error names any fault."""
    segments = read_segments(data, name=name)
    parser = _Parser(source_name(data, name), segments.delimiters.component)
    return parser.read(segments, "no 999 transaction set in the file")


@dataclass(slots=True)
class _IK3:
    seg: Segment
    code: SegmentErrorCode
    contexts: list[Context] = field(default_factory=list)
    elements: list[ElementError] = field(default_factory=list)
    ik4: Segment | None = None  # the open IK4, whose CTX follow it
    ik4_contexts: list[Context] = field(default_factory=list)


@dataclass(slots=True)
class _AK2:
    seg: Segment
    errors: list[SegmentError] = field(default_factory=list)
    ik3: _IK3 | None = None
    response: TransactionResponse | None = None  # set by IK5


@dataclass(slots=True)
class _ST:
    seg: Segment
    ak1: Segment | None = None
    ak2: _AK2 | None = None
    responses: list[TransactionResponse] = field(default_factory=list)
    ak9: Segment | None = None


class _Parser(EnvelopeWalker[FunctionalAcknowledgment, _ST]):
    """Follows the 999 loops segment by segment and builds the value objects."""

    tolerated = TRAILER_CONTROLS
    functional_id = "FA"
    group_name = "functional acknowledgment group"
    versions = (VERSION,)
    version_message = "not the 999 version we read ({versions})"
    transaction_name = "a 999 transaction set"
    transaction_id = "999"

    envelope: Envelope | None = None  # of the open group

    # -- envelope ----------------------------------------------------------------------------

    def start_group(self, isa: Segment, gs: Segment) -> None:
        self.envelope = Envelope(
            *self.group_header(isa, gs), self.created_at(gs), isa.get(15) == "T"
        )

    def start_transaction(self, seg: Segment) -> None:
        self.st = _ST(seg)

    def end_transaction(self, se: Segment) -> None:
        st, envelope = self.st, self.envelope
        assert st is not None and envelope is not None
        self.close_ak2(se)
        self.st = None
        if st.ak1 is None:
            raise self.error(st.seg, "no AK1 (the group acknowledged) in the transaction set")
        if st.ak9 is None:
            raise self.error(se, "no AK9 (the group's acknowledgment code) before SE")
        ak1, ak9 = st.ak1, st.ak9
        self.done.append(
            FunctionalAcknowledgment(
                envelope,
                st.seg.position,
                st.seg.get(2),
                self.required(ak1, 1),
                self.number(ak1, 2),
                self.code(ak9, 1, GroupCode),
                self.number(ak9, 2),
                self.number(ak9, 3),
                self.number(ak9, 4),
                ak1.get(3) or None,
                tuple(st.responses),
                tuple(self.code(ak9, i, GroupErrorCode) for i in range(5, 10) if ak9.get(i)),
            )
        )

    def warned(
        self, result: FunctionalAcknowledgment, warnings: tuple[str, ...]
    ) -> FunctionalAcknowledgment:
        return replace(result, envelope=replace(result.envelope, warnings=warnings))

    # -- the transaction set -----------------------------------------------------------------

    def body(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        sid = seg.id
        if st.ak9 is not None:
            raise self.error(seg, "segment after AK9 (only SE may follow)")
        if sid == "AK1":
            if st.ak1 is not None:
                raise self.error(seg, f"a second AK1 (the first is at segment {st.ak1.position})")
            st.ak1 = seg
            self.number(seg, 2)
            self.required(seg, 1)
            return
        if st.ak1 is None:
            raise self.error(seg, f"{sid} before AK1")
        if sid == "AK2":
            self.close_ak2(seg)
            self.required(seg, 1)
            self.required(seg, 2)
            st.ak2 = _AK2(seg)
        elif sid == "AK9":
            self.close_ak2(seg)
            st.ak9 = seg
            self.code(seg, 1, GroupCode)
            for index in range(2, 5):
                self.number(seg, index)
        elif sid in ("IK3", "IK4", "CTX", "IK5"):
            ak2 = st.ak2
            if ak2 is None or ak2.response is not None:
                raise self.error(seg, f"{sid} outside a transaction set response (no AK2 before)")
            if sid == "IK3":
                self.close_ik3(ak2)
                self.required(seg, 1)
                self.number(seg, 2)
                ak2.ik3 = _IK3(seg, self.code(seg, 4, SegmentErrorCode))
            elif sid == "IK4":
                ik3 = self.open_ik3(ak2, seg)
                self.close_ik4(ik3)
                ik3.ik4 = seg
            elif sid == "CTX":
                ik3 = self.open_ik3(ak2, seg)
                context = self.context(seg)
                (ik3.ik4_contexts if ik3.ik4 is not None else ik3.contexts).append(context)
            else:
                self.close_ik3(ak2)
                ak2.response = self.response(ak2, seg)
                st.responses.append(ak2.response)
        else:
            raise self.error(seg, "not a 999 segment")

    def open_ik3(self, ak2: _AK2, seg: Segment) -> _IK3:
        if ak2.ik3 is None:
            raise self.error(seg, f"{seg.id} without an IK3 (the segment in error) before it")
        return ak2.ik3

    def close_ak2(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        ak2 = st.ak2
        if ak2 is not None and ak2.response is None:
            raise self.error(
                seg, f"the transaction set response at segment {ak2.seg.position} has no IK5"
            )
        st.ak2 = None

    def close_ik3(self, ak2: _AK2) -> None:
        ik3 = ak2.ik3
        if ik3 is None:
            return
        self.close_ik4(ik3)
        seg = ik3.seg
        ak2.errors.append(
            SegmentError(
                seg.position,
                seg.get(1),
                self.number(seg, 2),
                ik3.code,
                seg.get(3) or None,
                tuple(ik3.contexts),
                tuple(ik3.elements),
            )
        )
        ak2.ik3 = None

    def close_ik4(self, ik3: _IK3) -> None:
        seg = ik3.ik4
        if seg is None:
            return
        place = seg.get(1).split(self.component)
        ik3.elements.append(
            ElementError(
                seg.position,
                self.number(seg, 1, place[0]),
                self.code(seg, 3, ElementErrorCode),
                self.optional_number(seg, 1, place, 1),
                self.optional_number(seg, 1, place, 2),
                seg.get(2) or None,
                seg.get(4) or None,
                tuple(ik3.ik4_contexts),
            )
        )
        ik3.ik4 = None
        ik3.ik4_contexts = []

    def context(self, seg: Segment) -> Context:
        name, _, reference = seg.get(1).partition(self.component)
        if not name:
            raise self.error(seg, "required", 1)
        place = seg.get(5).split(self.component)
        return Context(
            seg.position,
            name,
            reference or None,
            seg.get(2) or None,
            self.number(seg, 3) if seg.get(3) else None,
            seg.get(4) or None,
            self.optional_number(seg, 5, place, 0),
            self.optional_number(seg, 5, place, 1),
            seg.get(6).split(self.component)[0] or None,
        )

    def response(self, ak2: _AK2, ik5: Segment) -> TransactionResponse:
        seg = ak2.seg
        return TransactionResponse(
            seg.position,
            seg.get(1),
            seg.get(2),
            self.code(ik5, 1, TransactionCode),
            seg.get(3) or None,
            tuple(ak2.errors),
            tuple(self.code(ik5, i, TransactionErrorCode) for i in range(2, 7) if ik5.get(i)),
        )

    # -- values ------------------------------------------------------------------------------

    def optional_number(self, seg: Segment, index: int, parts: list[str], at: int) -> int | None:
        value = parts[at] if at < len(parts) else ""
        return self.number(seg, index, value) if value else None

    def code(self, seg: Segment, index: int, table: type[_E]) -> _E:
        value = seg.get(index)
        if not value:
            raise self.error(seg, "required", index)
        try:
            return table(value)
        except ValueError:
            raise self.error(seg, _unknown(value, table), index) from None

    def created_at(self, gs: Segment) -> datetime:
        try:
            return self.moment(gs, 4, 5)
        except X12Error:
            raise self.error(gs, "not a date and time (CCYYMMDD, HHMM)", 4) from None


def _unknown(value: str, table: type[StrEnum]) -> str:
    """The message for a value not in a code table; only short codes are quoted."""
    known = ", ".join(member.value for member in table)
    shown = f"{value!r} is" if len(value) <= 3 and value.isalnum() else "the value is"
    return f"{shown} not a code ({known})"
