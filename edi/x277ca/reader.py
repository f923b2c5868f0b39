"""Reading 277CA claim acknowledgments (005010X214) into the 277CA value objects."""

# read_277ca gives one ClaimAcknowledgment per 277 transaction set, in file order, each with its
# hierarchy: 2000A source -> 2000B receiver -> 2000C billing provider -> 2000D claim -> 2220D
# lines. Patient names and member IDs (2100D NM1*QC) are read past and not kept: a claim is
# matched by TRN*2 (our CLM01). Faults raise X12Error naming the segment position and element;
# messages quote codes, never patient data. A trailer control number (GE02, IEA02) that differs
# from its header is kept as a warning on the envelope, as in the 999 reader.

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from edi.envelope import TRAILER_CONTROLS, EnvelopeWalker, source_name
from edi.x12 import Segment, read_segments
from edi.x277ca.models import (
    VERSION,
    Category,
    Claim,
    ClaimAcknowledgment,
    Envelope,
    Level,
    Provider,
    Receiver,
    ServiceLine,
    Source,
    Status,
    StatusCode,
)

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z")
# HL03 level codes: 20 information source, 21 receiver, 19 provider, PT patient (the claim).
_LOOPS = {"20": "2000A", "21": "2000B", "19": "2000C", "PT": "2000D"}
_PARENT = {"21": "20", "19": "21", "PT": "19"}
_STATUS_LEVEL = {"21": Level.RECEIVER, "19": Level.PROVIDER, "PT": Level.CLAIM}
_TRN_TYPE = {"20": "1", "21": "2", "19": "1", "PT": "2"}
_SEGMENTS = frozenset({"NM1", "PER", "TRN", "DTP", "STC", "QTY", "AMT", "REF", "SVC"})


def read_277ca(
    data: str | bytes | Path | TextIO, *, name: str | None = None
) -> list[ClaimAcknowledgment]:
    """The 277CA transaction sets of a file, in order; X12Error names any fault."""
    segments = read_segments(data, name=name)
    parser = _Parser(source_name(data, name), segments.delimiters.component)
    return parser.read(segments, "no 277CA transaction set in the file")


@dataclass(slots=True)
class _Line:
    svc: Segment
    statuses: list[Status] = field(default_factory=list)
    control_number: str | None = None
    period: tuple[date, date | None] | None = None


@dataclass(slots=True)
class _Node:
    """One HL loop while it is read."""

    hl: Segment
    level: str  # HL03
    children: list[_Node] = field(default_factory=list)
    nm1: Segment | None = None
    trn: Segment | None = None
    statuses: list[Status] = field(default_factory=list)
    dates: dict[str, tuple[date, date | None]] = field(default_factory=dict)
    quantities: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, int] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    lines: list[_Line] = field(default_factory=list)


@dataclass(slots=True)
class _ST:
    seg: Segment
    bht: Segment | None = None
    nodes: dict[str, _Node] = field(default_factory=dict)
    roots: list[_Node] = field(default_factory=list)
    node: _Node | None = None
    line: _Line | None = None


class _Parser(EnvelopeWalker[ClaimAcknowledgment, _ST]):
    """Follows the 277CA hierarchy segment by segment and builds the value objects."""

    tolerated = TRAILER_CONTROLS
    functional_id = "HN"
    group_name = "health care claim status group"
    versions = (VERSION,)
    version_message = "not the 277CA version we read ({versions})"
    transaction_name = "a 277 transaction set"
    transaction_id = "277"

    envelope: Envelope | None = None  # of the open group

    # -- envelope ----------------------------------------------------------------------------

    def start_group(self, isa: Segment, gs: Segment) -> None:
        self.envelope = Envelope(
            *self.group_header(isa, gs), self.moment(gs, 4, 5), isa.get(15) == "T"
        )

    def start_transaction(self, seg: Segment) -> None:
        self.st = _ST(seg)

    def end_transaction(self, se: Segment) -> None:
        st, envelope = self.st, self.envelope
        assert st is not None and envelope is not None
        self.st = None
        if st.bht is None:
            raise self.error(st.seg, "no BHT in the transaction set")
        if not st.roots:
            raise self.error(se, "no information source (HL 20) in the transaction set")
        bht = st.bht
        created = self.moment(bht, 4, 5) if bht.get(4) else None
        self.done.append(
            ClaimAcknowledgment(
                envelope,
                st.seg.position,
                st.seg.get(2),
                bht.get(3),
                created,
                tuple(self.source_of(node) for node in st.roots),
            )
        )

    def warned(self, result: ClaimAcknowledgment, warnings: tuple[str, ...]) -> ClaimAcknowledgment:
        return replace(result, envelope=replace(result.envelope, warnings=warnings))

    # -- the hierarchy -----------------------------------------------------------------------

    def body(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        sid = seg.id
        if sid == "BHT":
            if st.bht is not None or st.nodes:
                raise self.error(seg, "BHT must be the first segment after ST, once")
            st.bht = seg
            return
        if st.bht is None:
            raise self.error(seg, f"{sid} before BHT")
        if sid == "HL":
            self.start_hl(st, seg)
            return
        if sid not in _SEGMENTS:
            raise self.error(seg, "not a 277CA segment")
        node = st.node
        if node is None:
            raise self.error(seg, f"{sid} before the first HL")
        if sid == "SVC":
            self.start_line(st, node, seg)
        elif st.line is not None and sid in ("STC", "REF", "DTP"):
            self.line_segment(st.line, seg)
        elif sid == "NM1":
            if node.nm1 is not None or node.trn is not None:
                raise self.error(seg, f"a second NM1 in the HL at segment {node.hl.position}")
            node.nm1 = seg
        elif sid == "TRN":
            self.trn(node, seg)
        elif sid == "STC":
            self.stc(node, seg)
        elif sid == "DTP":
            if node.level in ("20", "PT"):
                node.dates.setdefault(self.required(seg, 1), self.period(seg))
        elif sid == "QTY":
            if node.level == "21":
                node.quantities[self.required(seg, 1)] = self.count(seg, 2)
        elif sid == "AMT":
            if node.level == "21":
                node.amounts[self.required(seg, 1)] = self.cents(seg, 2)
        elif sid == "REF":
            if node.level != "PT":
                raise self.error(seg, "REF outside a claim (loop 2200D)")
            node.refs.setdefault(self.required(seg, 1), self.required(seg, 2))
        # PER (2100A contact) carries nothing we keep.

    def start_hl(self, st: _ST, seg: Segment) -> None:
        st.line = None
        ident, parent_id, level = seg.get(1), seg.get(2), seg.get(3)
        if not ident:
            raise self.error(seg, "required", 1)
        if ident in st.nodes:
            raise self.error(seg, f"repeats the HL at segment {st.nodes[ident].hl.position}", 1)
        if level not in _LOOPS:
            raise self.error(seg, "level must be 20, 21, 19 or PT", 3)
        node = _Node(seg, level)
        if level == "20":
            if parent_id:
                raise self.error(seg, "an information source HL (20) has no parent", 2)
            st.roots.append(node)
        else:
            parent = st.nodes.get(parent_id)
            if parent is None:
                raise self.error(seg, "names no earlier HL of this transaction set", 2)
            if parent.level != _PARENT[level]:
                raise self.error(seg, f"an HL {level} must be under an HL {_PARENT[level]}", 2)
            parent.children.append(node)
        st.nodes[ident] = node
        st.node = node

    def trn(self, node: _Node, seg: Segment) -> None:
        if node.trn is not None:
            raise self.error(seg, f"a second TRN in the HL at segment {node.hl.position}")
        expected = _TRN_TYPE[node.level]
        if seg.get(1) != expected:
            raise self.error(seg, f"trace type {expected} expected in loop {_LOOPS[node.level]}", 1)
        self.required(seg, 2)
        node.trn = seg

    def stc(self, node: _Node, seg: Segment) -> None:
        if node.level == "20":
            raise self.error(seg, "STC under the information source (HL 20)")
        if node.trn is None:
            loop = _STATUS_LEVEL[node.level].value
            raise self.error(seg, f"STC before the TRN of loop {loop} (what the status is about)")
        node.statuses.append(self.status(seg, _STATUS_LEVEL[node.level]))

    def start_line(self, st: _ST, node: _Node, seg: Segment) -> None:
        if node.level != "PT" or node.trn is None:
            raise self.error(seg, "SVC outside a claim with its TRN (loop 2200D)")
        self.required(seg, 1)
        self.cents(seg, 2)
        st.line = _Line(seg)
        node.lines.append(st.line)

    def line_segment(self, line: _Line, seg: Segment) -> None:
        if seg.id == "STC":
            line.statuses.append(self.status(seg, Level.LINE))
        elif seg.id == "REF":
            if seg.get(1) != "FJ":
                raise self.error(seg, "only REF*FJ (line item control number) in loop 2220D", 1)
            if line.control_number is None:
                line.control_number = self.required(seg, 2)
        elif line.period is None:
            line.period = self.period(seg)

    # -- building ----------------------------------------------------------------------------

    def source_of(self, node: _Node) -> Source:
        nm1 = self.named(node, "information source (NM1 in loop 2100A)")
        received, processed = node.dates.get("050"), node.dates.get("009")
        return Source(
            node.hl.position,
            nm1.get(3),
            nm1.get(9),
            node.trn.get(2) if node.trn is not None else None,
            received[0] if received else None,
            processed[0] if processed else None,
            tuple(self.receiver_of(child) for child in node.children),
        )

    def receiver_of(self, node: _Node) -> Receiver:
        nm1 = self.named(node, "information receiver (NM1 in loop 2100B)")
        return Receiver(
            node.hl.position,
            nm1.get(9),
            tuple(node.statuses),
            node.trn.get(2) if node.trn is not None else None,
            node.quantities.get("90"),
            node.quantities.get("AA"),
            node.amounts.get("YU"),
            node.amounts.get("YY"),
            tuple(self.provider_of(child) for child in node.children),
        )

    def provider_of(self, node: _Node) -> Provider:
        nm1 = self.named(node, "billing provider (NM1 in loop 2100C)")
        return Provider(
            node.hl.position,
            nm1.get(9),
            nm1.get(8),
            tuple(node.statuses),
            node.trn.get(2) if node.trn is not None else None,
            tuple(self.claim_of(child) for child in node.children),
        )

    def claim_of(self, node: _Node) -> Claim:
        trn = node.trn
        if trn is None:
            raise self.error(node.hl, "claim (HL PT) without its TRN*2 (our claim number)")
        if not node.statuses:
            raise self.error(trn, "claim without a status (no STC in loop 2200D)")
        period = node.dates.get("472")
        return Claim(
            trn.position,
            trn.get(2),
            tuple(node.statuses),
            node.refs.get("1K"),
            node.refs.get("D9"),
            node.refs.get("BLT"),
            period[0] if period else None,
            period[1] if period else None,
            tuple(self.line_of(line) for line in node.lines),
        )

    def line_of(self, line: _Line) -> ServiceLine:
        svc = line.svc
        procedure = ":".join(svc.get(1).split(self.component))
        return ServiceLine(
            svc.position,
            procedure,
            self.cents(svc, 2),
            tuple(line.statuses),
            svc.get(4) or None,
            svc.get(7) or None,
            line.control_number,
            line.period[0] if line.period else None,
            line.period[1] if line.period else None,
        )

    def named(self, node: _Node, what: str) -> Segment:
        if node.nm1 is None:
            raise self.error(node.hl, f"no {what}")
        return node.nm1

    # -- values ------------------------------------------------------------------------------

    def status(self, seg: Segment, level: Level) -> Status:
        return Status(
            level,
            seg.position,
            self.status_code(seg, 1),
            self.day(seg, 2) if seg.get(2) else None,
            seg.get(3) or None,
            self.cents(seg, 4) if seg.get(4) else None,
            tuple(self.status_code(seg, i) for i in (10, 11) if seg.get(i)),
            seg.get(12) or None,
        )

    def status_code(self, seg: Segment, index: int) -> StatusCode:
        parts = [*seg.get(index).split(self.component), "", ""]
        category, code, entity = parts[0], parts[1], parts[2]
        if not category:
            raise self.error(seg, "status category code (component 1) required", index)
        try:
            known = Category(category)
        except ValueError:
            shown = repr(category) if len(category) <= 3 and category.isalnum() else "value"
            raise self.error(
                seg, f"{shown} is not a 277CA status category code (A0-A8, E0-E4)", index
            ) from None
        if not code:
            raise self.error(seg, "status code (component 2) required", index)
        return StatusCode(known, code, entity or None)

    def count(self, seg: Segment, index: int) -> int:
        value = self.required(seg, index)
        if not _NUMBER.match(value) or Decimal(value) != int(Decimal(value)):
            raise self.error(seg, "not a whole number", index)
        return int(Decimal(value))

    def cents(self, seg: Segment, index: int) -> int:
        value = self.required(seg, index)
        if not _NUMBER.match(value):
            raise self.error(seg, "not a number", index)
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)  # the pattern admits no NaN or infinity
        if -exponent > 2 and number != number.quantize(Decimal("0.01")):
            raise self.error(seg, "more than 2 decimal places", index)
        return int(number.scaleb(2))
