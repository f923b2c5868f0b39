"""Streaming reader of 835 files (005010X221A1): claim by claim, or one Remittance per ST..SE."""

# stream_835 yields per ST..SE a TransactionStart, each ClaimPayment as soon as it is complete,
# and a TransactionEnd, holding nothing but the claim being read: memory stays flat however
# many claims a transaction set has. read_835 groups that stream into Remittances, so the two
# can never disagree.
# Faults raise X12Error naming the file, segment position and element; messages never quote
# names or member IDs. Layout quirks (BOM, line breaks, indents) are read and noted in
# `Reader835.warnings`, as edi.x12 does for every X12 file.

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from edi.x12 import SegmentReader, X12Error, parse_isa_delimiters, read_segments
from edi.x835.models import (
    VERSION,
    Address,
    Adjudication,
    Adjustment,
    AdjustmentGroup,
    Amount,
    ClaimPayment,
    ClaimStatus,
    Contact,
    DateValue,
    Header,
    Party,
    Payment,
    Person,
    Procedure,
    ProviderAdjustment,
    Quantity,
    Reference,
    Remark,
    Remittance,
    ServiceLine,
    Trace,
    TransactionEnd,
    TransactionStart,
)

Event = TransactionStart | ClaimPayment | TransactionEnd

STATUSES = {s.value: s for s in ClaimStatus}
GROUPS = {g.value: g for g in AdjustmentGroup}
_AMOUNT = re.compile(r"(-?)(\d*)(?:\.(\d*))?\Z")
_CACHE_LIMIT = 50_000  # amounts and dates repeat; a bounded memo keeps parsing cheap
_cents_memo: dict[str, int] = {}
_date_memo: dict[str, date] = {}
_decimal_memo: dict[str, Decimal] = {}
_procedure_memo: dict[str, Procedure] = {}
_BREAKS = ("\r", "\n")
_PAD = [""] * 20
_ENVELOPE = frozenset({"ISA", "GS", "ST", "GE", "IEA"})


def stream_835(data: str | bytes | Path | TextIO, *, name: str | None = None) -> Iterator[Event]:
    """Per ST..SE: a TransactionStart, each ClaimPayment once complete, then a TransactionEnd."""
    return Reader835(data, name=name).events()


def read_835(data: str | bytes | Path | TextIO, *, name: str | None = None) -> Iterator[Remittance]:
    """The remittances of an 835 file, one per ST..SE, yielded as each SE is read."""
    return iter(Reader835(data, name=name))


def remittances(events: Iterable[Event]) -> Iterator[Remittance]:
    """The stream of stream_835 grouped into one Remittance per ST..SE."""
    start: TransactionStart | None = None
    claims: list[ClaimPayment] = []
    for event in events:
        if isinstance(event, ClaimPayment):
            claims.append(event)
        elif isinstance(event, TransactionStart):
            start, claims = event, []
        elif start is not None:
            yield Remittance(
                start.control_number,
                start.position,
                start.interchange_control,
                start.group_control,
                start.sender,
                start.receiver,
                start.payment,
                start.trace,
                start.payer,
                start.payee,
                tuple(claims),
                event.provider_adjustments,
                start.references,
                start.dates,
                event.headers,
                event.end_position,
                event.content_sha256,
            )
            start, claims = None, []


class Reader835:
    """Reads an 835 file as a stream of events or of remittances; `warnings` once read."""

    def __init__(self, data: str | bytes | Path | TextIO, *, name: str | None = None) -> None:
        self.source = name if name is not None else (str(data) if isinstance(data, Path) else None)
        self._segments = read_segments(data, name=self.source)
        self.warnings = self._segments.warnings

    def __iter__(self) -> Iterator[Remittance]:
        return remittances(self.events())

    def events(self) -> Iterator[Event]:
        """Per ST..SE: a TransactionStart, each ClaimPayment once complete, a TransactionEnd."""
        source = self.source
        delimiters = self._segments.delimiters
        component = delimiters.component
        isa: list[str] | None = None
        gs: list[str] | None = None
        st: TransactionBuilder | None = None
        groups = transactions = count = 0
        gs_position = isa_position = position = 0
        for position, elements in _raw_segments(self._segments):
            sid = elements[0]
            if st is not None:
                count += 1
                if sid != "SE":
                    if sid in _ENVELOPE:
                        raise _err(
                            f"{sid} before the SE of the transaction set begun at segment "
                            f"{st.position}",
                            source,
                            position,
                            sid,
                        )
                    st.feed(position, elements)
                    if st.events:
                        yield from st.events
                        st.events.clear()
                    continue
                _check_trailer(elements, count, st.control, position, source, "ST", "SE")
                st.finish(position)
                yield from st.events
                st = None
            elif sid == "ST":
                if gs is None:
                    raise _err("ST outside a functional group (no GS)", source, position, sid)
                if elements[1:2] != ["835"]:
                    raise _err("not an 835 transaction set", source, position, sid, 1)
                transactions += 1
                count = 1
                st = TransactionBuilder(
                    component,
                    source,
                    position,
                    elements,
                    isa,
                    gs,
                    self.warnings,
                    element=delimiters.element,
                    repetition=delimiters.repetition,
                )
            elif sid == "GS":
                if isa is None or gs is not None:
                    raise _err("GS outside an interchange or inside a group", source, position, sid)
                if _get(elements, 8) != VERSION:
                    raise _err(
                        f"not an 835 of version {VERSION} (GS08 {_get(elements, 8) or 'empty'})",
                        source,
                        position,
                        sid,
                        8,
                    )
                gs, gs_position, transactions = elements, position, 0
                groups += 1
            elif sid == "GE":
                if gs is None:
                    raise _err("GE without a GS", source, position, sid)
                _check_trailer(elements, transactions, _get(gs, 6), position, source, "GS", "GE")
                gs = None
            elif sid == "ISA":
                if isa is not None:
                    raise _err("ISA inside an interchange (no IEA)", source, position, sid)
                isa, isa_position, groups = elements, position, 0
            elif sid == "IEA":
                if isa is None or gs is not None:
                    raise _err("IEA outside an interchange or before GE", source, position, sid)
                _check_trailer(elements, groups, _get(isa, 13), position, source, "ISA", "IEA")
                isa = None
            else:
                raise _err("segment outside a transaction set (ST..SE)", source, position, sid)
        opened = [
            (begun, trailer)
            for begun, trailer in (
                (st.position if st is not None else 0, "SE"),
                (gs_position if gs is not None else 0, "GE"),
                (isa_position if isa is not None else 0, "IEA"),
            )
            if begun
        ]
        if opened:
            begun, trailer = opened[0]
            raise _err(
                f"file ends inside the envelope begun at segment {begun} (no {trailer}): "
                "truncated?",
                source,
                position,
            )


def _raw_segments(reader: SegmentReader) -> Iterator[tuple[int, list[str]]]:
    """Position and elements of each segment: edi.x12's rules, without a Segment per segment."""
    d = reader.delimiters
    terminator, separator = d.segment, d.element
    # edi.x12 reads the ISA (delimiters, BOM) before iteration; we go on from where it stopped.
    buffer = reader._first
    position = 0
    line_breaks = leading_space = False
    name = reader.name
    while True:
        *complete, buffer = buffer.split(terminator)
        for raw in complete:
            if raw[:1].isalpha() and raw[-1:] not in _BREAKS:
                text = raw
            else:
                text = raw.strip("\r\n")
                if text != raw:
                    line_breaks = True
                if text[:1].isspace():
                    leading_space = True
                    text = text.lstrip()
                if not text:
                    continue
            position += 1
            elements = text.split(separator)
            sid = elements[0]
            if len(sid) > 3 or not sid.isalnum():
                raise X12Error("not a segment (bad segment ID)", source=name, segment=position)
            if (
                sid == "ISA"
                and position > 1
                and parse_isa_delimiters(text + terminator, source=name) != d
            ):
                raise X12Error(
                    "interchange declares other delimiters than the first one",
                    source=name,
                    segment=position,
                    segment_id="ISA",
                )
            yield position, elements
        chunk = reader._read(1 << 16)
        if not chunk:
            break
        buffer += chunk
    if buffer.strip():
        raise X12Error(
            "file ends inside a segment (no segment terminator): truncated?",
            source=name,
            segment=position + 1,
        )
    if position == 0:
        raise X12Error("no segments", source=name)
    if line_breaks:
        reader.warnings.append("line breaks between segments")
    if leading_space:
        reader.warnings.append("spaces before segments")


class _Loop:
    """A loop while it is read: header, payer, payee, claim (2100) or service line (2110)."""

    __slots__ = (
        "address",
        "adjudications",
        "adjustments",
        "amounts",
        "contacts",
        "dates",
        "elements",
        "lines",
        "n3",
        "people",
        "position",
        "quantities",
        "references",
        "remarks",
    )

    def __init__(self, elements: list[str], position: int) -> None:
        self.elements = elements
        self.position = position
        self.adjustments: list[Adjustment] = []
        self.people: list[Person] = []
        self.adjudications: list[Adjudication] = []
        self.references: list[Reference] = []
        self.dates: list[DateValue] = []
        self.amounts: list[Amount] = []
        self.quantities: list[Quantity] = []
        self.remarks: list[Remark] = []
        self.lines: list[ServiceLine] = []
        self.contacts: list[Contact] = []
        self.address: Address | None = None
        self.n3: list[str] | None = None


class TransactionBuilder:
    """Reads one ST..SE fed a segment at a time; the events it completes gather in `events`.

    The caller drains `events` after each feed(): a TransactionStart at the first LX or CLP
    (PLB or SE when there is no claim), each ClaimPayment once the next loop begins, and the
    TransactionEnd after finish().
    """

    def __init__(
        self,
        component: str,
        source: str | None,
        position: int,
        st: list[str],
        isa: list[str] | None = None,
        gs: list[str] | None = None,
        warnings: list[str] | None = None,
        *,
        element: str = "*",
        repetition: str = "^",
    ) -> None:
        self.component = component
        self.events: list[Event] = []
        self.started = False
        self.claim_count = 0
        self.claim_paid_cents = 0
        self._hash = hashlib.sha256()
        self._joiner = ""  # "~" once a segment has been hashed
        # Hashed text uses "*", ":" and "^" whatever the interchange declared.
        canonical = {element: "*", component: ":"}
        if repetition:
            canonical[repetition] = "^"
        self._canonical = (
            None
            if all(k == v for k, v in canonical.items())
            else str.maketrans({k: v for k, v in canonical.items() if k != element})
        )
        self.warnings = warnings if warnings is not None else []
        self.source = source
        self.position = position
        self.control = _get(st, 2)
        self.isa = isa or []
        self.gs = gs or []
        self.header = _Loop(st, position)
        self.target = self.header  # the loop REF/DTM/AMT/QTY/N3/N4/PER belong to
        # Where target points between claims once they began (LX, TS3, TS2, PLB): nowhere.
        self._outside = _Loop(st, position)
        self.payment: Payment | None = None
        self.trace: Trace | None = None
        self.payer: _Loop | None = None
        self.payee: _Loop | None = None
        self.claim: _Loop | None = None
        self.line: _Loop | None = None
        self.headers: list[Header] = []
        self.lx: list[str] | None = None
        self.lx_position = 0
        self.ts3: tuple[str, ...] = ()
        self.ts2: tuple[str, ...] = ()
        self.plb: list[ProviderAdjustment] = []

    def feed(self, pos: int, e: list[str]) -> None:
        """Take one segment (position and elements) between ST and SE."""
        sid = e[0]
        n = len(e)
        table = self._canonical
        text = "*".join(e if table is None else [x.translate(table) for x in e])
        self._hash.update((self._joiner + text).encode())
        self._joiner = "~"
        e += _PAD  # every index below 21 exists, empty when the segment is shorter
        if sid == "CAS":
            owner = self.line or self.claim
            if owner is None:
                raise self._error("CAS before any CLP", pos, sid)
            if n > 20:
                raise self._error("more than 6 reason/amount/quantity triplets", pos, sid, 20)
            owner.adjustments += self._cas(pos, e)
        elif sid == "DTM":
            self._into(pos, sid).dates.append(DateValue(e[1], self._date(pos, e, 2), pos))
        elif sid == "SVC":
            claim = self.claim
            if claim is None:
                raise self._error("SVC before any CLP", pos, sid)
            if self.line is not None:
                claim.lines.append(self._close_line(self.line, len(claim.lines) + 1))
            self.line = self.target = _Loop(e, pos)
            self._cents(pos, e, 2)
            self._cents(pos, e, 3)
        elif sid == "REF":
            self._into(pos, sid).references.append(Reference(e[1], e[2], pos))
        elif sid == "AMT":
            self._into(pos, sid).amounts.append(Amount(e[1], self._cents(pos, e, 2), pos))
        elif sid == "CLP":
            self._clp(pos, e)
        elif sid == "NM1":
            if self.claim is None or self.line is not None:
                raise self._error("NM1 outside a claim's names (loop 2100)", pos, sid)
            self.claim.people.append(
                Person(
                    e[1],
                    e[2] == "2",
                    e[3],
                    e[4] or None,
                    e[5] or None,
                    e[7] or None,
                    e[8] or None,
                    e[9] or None,
                    pos,
                )
            )
        elif sid == "LQ":
            if self.line is None:
                raise self._error("LQ outside a service line", pos, sid)
            self.line.remarks.append(Remark(e[1], e[2], pos))
        elif sid == "QTY":
            self._into(pos, sid).quantities.append(Quantity(e[1], self._decimal(pos, e, 2), pos))
        elif sid == "MIA" or sid == "MOA":
            if self.claim is None or self.line is not None:
                raise self._error(f"{sid} outside a claim (loop 2100)", pos, sid)
            codes = (5, 20, 21, 22, 23, 24) if sid == "MIA" else (3, 4, 5, 6, 7)
            remarks = tuple(e[i] for i in codes if e[i])
            self.claim.adjudications.append(Adjudication(sid, tuple(e[1:n]), remarks, pos))
        elif sid == "LX":
            self._close_claim()
            self._close_header()
            if not self.started:
                self._start(pos, sid)
            self.lx, self.lx_position = e, pos
            self.target = self._outside
        elif sid == "TS3" or sid == "TS2":
            if self.lx is None or self.claim is not None:
                raise self._error(f"{sid} outside a header number loop (after LX)", pos, sid)
            if sid == "TS3":
                self.ts3 = tuple(e[1:n])
            else:
                self.ts2 = tuple(e[1:n])
        elif sid == "PLB":
            self._close_claim()
            if not self.started:
                self._start(pos, sid)
            self._plb(pos, e[:n])
        elif sid == "N1":
            self._n1(pos, e)
        elif sid == "N3":
            self._into(pos, sid).n3 = e
        elif sid == "N4":
            target = self._into(pos, sid)
            n3 = target.n3 or [sid]
            target.address = Address(
                _get(n3, 1), _get(n3, 2) or None, e[1], e[2] or None,
                e[3] or None, e[4] or None,
            )  # fmt: skip
        elif sid == "PER":
            numbers = tuple((e[i], e[i + 1]) for i in (3, 5, 7) if e[i])
            self._into(pos, sid).contacts.append(Contact(e[1], e[2] or None, numbers, pos))
        elif sid == "BPR":
            if self.payment is not None or self.payer is not None:
                raise self._error("BPR repeated or out of place", pos, sid)
            self.payment = Payment(
                e[1],
                self._cents(pos, e, 2),
                e[3],
                e[4],
                e[5] or None,
                tuple(e[6:10] if n > 6 else ()),
                e[10] or None,
                tuple(e[12:16] if n > 12 else ()),
                self._date(pos, e, 16) if e[16] else None,
                pos,
            )
        elif sid == "TRN" and self.payer is None:
            self.trace = Trace(e[2], e[3], e[4] or None, pos)
        # Other segments (CUR, RDM, ...) carry nothing the engine uses; they are passed over.

    def finish(self, se_position: int) -> None:
        """The SE at se_position has been reached: the last claim, then the TransactionEnd."""
        self._close_claim()
        self._close_header()
        if not self.started:
            self._start(se_position, "SE")
        self.events.append(
            TransactionEnd(
                self.control,
                se_position,
                tuple(self.plb),
                tuple(self.headers),
                self.claim_count,
                self.claim_paid_cents,
                self._hash.hexdigest(),
            )
        )

    def _start(self, pos: int, sid: str) -> None:
        if self.payment is None:
            raise self._error("no BPR in the transaction set", self.position, "ST")
        payer, payee = self._need_parties(pos, sid)
        header = self.header
        self.events.append(
            TransactionStart(
                self.control,
                self.position,
                _get(self.isa, 13),
                _get(self.gs, 6),
                _get(self.gs, 2),
                _get(self.gs, 3),
                self.payment,
                self.trace,
                payer,
                payee,
                tuple(header.references),
                tuple(header.dates),
            )
        )
        self.started = True
        self.target = self._outside

    def _into(self, pos: int, sid: str) -> _Loop:
        """The loop a REF/DTM/AMT/QTY/N3/N4/PER at pos belongs to."""
        target = self.target
        if target is self._outside:
            # The header went out with the TransactionStart: loop 2000 has LX, TS3 and TS2 only.
            raise self._error(f"{sid} after the claims began and outside a claim", pos, sid)
        return target

    # loops

    def _n1(self, pos: int, e: list[str]) -> None:
        entity = e[1]
        if self.lx is not None or self.claim is not None:
            raise self._error("N1 after the claims began", pos, "N1")
        if entity == "PR" and self.payer is None:
            self.payer = self.target = _Loop(e, pos)
        elif entity == "PE" and self.payee is None and self.payer is not None:
            self.payee = self.target = _Loop(e, pos)
        else:
            raise self._error("N1 other than one payer (PR) then one payee (PE)", pos, "N1", 1)

    def _need_parties(self, pos: int, sid: str) -> tuple[Party, Party]:
        if self.payer is None or self.payee is None:
            raise self._error("payer (N1*PR) and payee (N1*PE) loops must come first", pos, sid)
        return _party(self.payer), _party(self.payee)

    def _clp(self, pos: int, e: list[str]) -> None:
        self._close_claim()
        if not self.started:
            self._start(pos, "CLP")
        if e[2] not in STATUSES:
            raise self._error("unknown claim status code (not one of REFERENCE.md)", pos, "CLP", 2)
        if not e[1]:
            raise self._error("no patient control number", pos, "CLP", 1)
        self._cents(pos, e, 3)
        self._cents(pos, e, 4)
        if e[5]:
            self._cents(pos, e, 5)
        self.claim = self.target = _Loop(e, pos)

    def _close_line(self, line: _Loop, number: int) -> ServiceLine:
        e = line.elements
        pos = line.position
        original = e[6]
        self.line = None
        return ServiceLine(
            number,
            self._procedure(pos, e, 1),
            _cents_memo.get(e[2]) or self._cents(pos, e, 2),
            _cents_memo.get(e[3]) or self._cents(pos, e, 3),
            e[4] or None,
            self._decimal(pos, e, 5) if e[5] else None,
            self._procedure(pos, e, 6) if original else None,
            self._decimal(pos, e, 7) if e[7] else None,
            pos,
            tuple(line.dates),
            tuple(line.adjustments),
            tuple(line.references),
            tuple(line.amounts),
            tuple(line.quantities),
            tuple(line.remarks),
        )

    def _close_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        if self.line is not None:
            claim.lines.append(self._close_line(self.line, len(claim.lines) + 1))
        e = claim.elements
        pos = claim.position
        paid = _cents_memo.get(e[4]) or self._cents(pos, e, 4)
        self.claim_count += 1
        self.claim_paid_cents += paid
        self.events.append(
            ClaimPayment(
                e[1],
                STATUSES[e[2]],
                _cents_memo.get(e[3]) or self._cents(pos, e, 3),
                paid,
                self._cents(pos, e, 5) if e[5] else None,
                e[6],
                e[7] or None,
                e[8] or None,
                e[9] or None,
                e[11] or None,
                pos,
                _get(self.lx, 1) or None if self.lx is not None else None,
                tuple(claim.adjustments),
                tuple(claim.people),
                tuple(claim.adjudications),
                tuple(claim.references),
                tuple(claim.dates),
                tuple(claim.amounts),
                tuple(claim.quantities),
                tuple(claim.lines),
            )
        )
        self.claim = None
        self.target = self._outside

    def _close_header(self) -> None:
        if self.lx is not None:
            self.headers.append(Header(_get(self.lx, 1), self.lx_position, self.ts3, self.ts2))
            self.lx, self.ts3, self.ts2 = None, (), ()

    # segments

    def _cas(self, pos: int, e: list[str]) -> list[Adjustment]:
        group = GROUPS.get(e[1])
        if group is None:
            if e[1] == "CR":
                message = "group code CR is 4010 only; 5010 uses CO, OA, PI or PR"
            else:
                message = "unknown adjustment group code (CO, OA, PI or PR)"
            raise self._error(message, pos, "CAS", 1)
        out = []
        for i in (2, 5, 8, 11, 14, 17):
            reason = e[i]
            if not reason:
                if e[i + 1] or e[i + 2]:
                    raise self._error("amount without a reason code", pos, "CAS", i)
                continue
            amount = e[i + 1]
            if not amount:
                raise self._error("reason code without an amount", pos, "CAS", i + 1)
            cents = _cents_memo.get(amount)
            if cents is None:
                cents = self._cents(pos, e, i + 1)
            quantity = e[i + 2]
            out.append(
                Adjustment(
                    group,
                    reason,
                    cents,
                    self._thousandths(pos, e, i + 2) if quantity else None,
                    pos,
                )
            )
        if not out:
            raise self._error("no reason code", pos, "CAS", 2)
        return out

    def _plb(self, pos: int, e: list[str]) -> None:
        n = len(e)
        if n > 15:
            raise self._error("more than 6 adjustments", pos, "PLB", 15)
        e = e + _PAD
        provider, period = e[1], self._date(pos, e, 2)
        found = False
        for i in range(3, n, 2):
            if not e[i]:
                continue
            reason, _, rest = e[i].partition(self.component)
            if not reason:
                raise self._error("no adjustment reason code", pos, "PLB", i)
            reference = rest.partition(self.component)[0] or None
            amount = self._cents(pos, e, i + 1)
            self.plb.append(ProviderAdjustment(provider, period, reason, reference, amount, pos))
            found = True
        if not found:
            raise self._error("no adjustment", pos, "PLB", 3)

    def _procedure(self, pos: int, e: list[str], index: int) -> Procedure:
        key = self.component + e[index]
        known = _procedure_memo.get(key)
        if known is not None:
            return known
        parts = e[index].split(self.component)
        remember = len(parts) >= 2
        if not remember:
            parts = self._other_component(e[index], pos, e[0], index)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise self._error("procedure needs a qualifier and a code", pos, e[0], index)
        modifiers = tuple(m for m in parts[2:6] if m)
        procedure = Procedure(parts[0], parts[1], modifiers, _get(parts, 6) or None)
        if remember and len(_procedure_memo) < _CACHE_LIMIT:
            _procedure_memo[key] = procedure
        return procedure

    def _other_component(self, value: str, pos: int, sid: str, index: int) -> list[str]:
        # Some payers declare ":" in ISA16 and write ">" (or the reverse); read it, and say so.
        other = ">" if self.component == ":" else ":"
        parts = value.split(other)
        if len(parts) >= 2 and len(parts[0]) == 2 and parts[0].isalpha():
            note = f"{sid}{index:02d} uses {other!r} as component separator, not ISA16's"
            if note not in self.warnings:
                self.warnings.append(note)
            return parts
        return [value]

    def _cents(self, pos: int, e: list[str], index: int) -> int:
        text = e[index]
        value = _cents_memo.get(text)
        if value is not None:
            return value
        match = _AMOUNT.match(text)
        if match is None or not (match[2] or match[3]):
            raise self._error("not a number", pos, e[0], index)
        fraction = match[3] or ""
        if len(fraction) > 2:
            raise self._error("more than 2 decimal places", pos, e[0], index)
        value = int(match[2] or "0") * 100 + int(fraction.ljust(2, "0"))
        if match[1]:
            value = -value
        if len(_cents_memo) < _CACHE_LIMIT:
            _cents_memo[text] = value
        return value

    def _thousandths(self, pos: int, e: list[str], index: int) -> int:
        value = self._decimal(pos, e, index)
        scaled = value * 1000
        if scaled != scaled.to_integral_value():
            raise self._error("more than 3 decimal places", pos, e[0], index)
        return int(scaled)

    def _decimal(self, pos: int, e: list[str], index: int) -> Decimal:
        text = e[index]
        value = _decimal_memo.get(text)
        if value is not None:
            return value
        match = _AMOUNT.match(text)
        if match is None or not (match[2] or match[3]):
            raise self._error("not a number", pos, e[0], index)
        value = Decimal(text)
        if len(_decimal_memo) < _CACHE_LIMIT:
            _decimal_memo[text] = value
        return value

    def _date(self, pos: int, e: list[str], index: int) -> date:
        text = e[index]
        value = _date_memo.get(text)
        if value is not None:
            return value
        try:
            if len(text) != 8 or not text.isdigit():
                raise ValueError
            value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise self._error("not a date (CCYYMMDD)", pos, e[0], index) from None
        if len(_date_memo) < _CACHE_LIMIT:
            _date_memo[text] = value
        return value

    def _error(self, message: str, pos: int, sid: str, element: int | None = None) -> X12Error:
        return _err(message, self.source, pos, sid, element)


def _party(loop: _Loop) -> Party:
    e = loop.elements
    return Party(
        _get(e, 1),
        _get(e, 2),
        _get(e, 3) or None,
        _get(e, 4) or None,
        loop.position,
        loop.address,
        tuple(loop.references),
        tuple(loop.contacts),
    )


def _check_trailer(
    e: list[str], count: int, control: str, pos: int, source: str | None, header: str, sid: str
) -> None:
    declared = _get(e, 1)
    if not declared.isdigit():
        raise _err("not a number", source, pos, sid, 1)
    if int(declared) != count:
        counted = {"SE": "segments", "GE": "transaction sets", "IEA": "functional groups"}[sid]
        raise _err(f"{int(declared)} {counted} declared, {count} found", source, pos, sid, 1)
    trailer = _get(e, 2)
    same = (
        int(trailer) == int(control)
        if trailer.isdigit() and control.isdigit()
        else trailer.strip() == control.strip()
    )
    if not same:
        element = {"ST": "ST02", "GS": "GS06", "ISA": "ISA13"}[header]
        raise _err(f"control number differs from {element}", source, pos, sid, 2)


def _get(e: list[str], index: int) -> str:
    return e[index] if index < len(e) else ""


def _err(
    message: str, source: str | None, pos: int, sid: str | None = None, element: int | None = None
) -> X12Error:
    return X12Error(message, source=source, segment=pos, segment_id=sid, element=element)
