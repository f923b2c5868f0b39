"""Streaming reader of 835 files (005010X221A1): claim by claim, or one Remittance per ST..SE."""

# stream_835 yields per ST..SE a TransactionStart, each ClaimPayment as soon as it is complete,
# and a TransactionEnd, holding nothing but the claim being read: memory stays flat however
# many claims a transaction set has. read_835 groups that stream into Remittances, so the two
# can never disagree.
# Faults raise X12Error naming the file, segment position and element; messages never quote
# names or member IDs. Layout quirks (BOM, line breaks, indents) are read and noted in
# `Reader835.warnings`, as edi.x12 does for every X12 file.
#
# The file is read in chunks of 64K characters, each split on the segment terminator at once;
# a chunk without line breaks, indents or empty segments (one regex search says so) goes
# straight to the parser, others are cleaned segment by segment. The parser's loop keeps its
# state in local variables and handles the segments of every claim inline; the rest goes
# through methods. Where the time goes, and what was measured: bench/README.md, "835 parsing".

from __future__ import annotations

import hashlib
import re
from collections.abc import Generator, Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import islice
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
_NUMBER = re.compile(r"-?\d*(?:\.\d*)?\Z")
_CACHE_LIMIT = 50_000  # amounts and dates repeat; a bounded memo keeps parsing cheap
_cents_memo: dict[str, int] = {}
_date_memo: dict[str, date] = {}
_decimal_memo: dict[str, Decimal] = {}
_procedure_memo: dict[str, dict[str, Procedure]] = {}  # by component separator, then text
_PAD = [""] * 25
_ENVELOPE = frozenset({"ISA", "GS", "ST", "GE", "IEA"})
_CHUNK = 1 << 16  # characters read at a time: about 190 claims
# The named tuples of the hot loop are built with tuple.__new__, skipping the Python-level
# __new__ a NamedTuple class has: half the cost, for records built a dozen times per claim.
_new = tuple.__new__


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
        separator, terminator = delimiters.element, delimiters.segment
        isa: list[str] | None = None
        gs: list[str] | None = None
        st: TransactionBuilder | None = None
        groups = transactions = 0
        gs_position = isa_position = position = 0
        for first, raws in _batches(self._segments):
            i, n = 0, len(raws)
            position = first + n - 1  # the last segment read, for the truncation message
            while i < n:
                if st is not None:
                    end = yield from st.take(raws, i, first + i)
                    stop = n if end is None else end - first
                    st.digest(raws[i:stop])
                    i = stop
                    if end is None:
                        break
                here = first + i
                raw = raws[i]
                i += 1
                elements = raw.split(separator)
                sid = elements[0]
                if st is not None:  # the SE that take() stopped at
                    count = here - st.position + 1
                    _check_trailer(elements, count, st.control, here, source, "ST", "SE")
                    st.finish(here)
                    yield from st.events
                    st = None
                elif sid == "ST":
                    if gs is None:
                        raise _err("ST outside a functional group (no GS)", source, here, sid)
                    if elements[1:2] != ["835"]:
                        raise _err("not an 835 transaction set", source, here, sid, 1)
                    transactions += 1
                    st = TransactionBuilder(
                        delimiters.component,
                        source,
                        here,
                        elements,
                        isa,
                        gs,
                        self.warnings,
                        element=separator,
                        repetition=delimiters.repetition,
                        segment=terminator,
                    )
                elif sid == "GS":
                    if isa is None or gs is not None:
                        raise _err("GS outside an interchange or inside a group", source, here, sid)
                    version = _get(elements, 8)
                    if version != VERSION:
                        raise _err(
                            f"not an 835 of version {VERSION} (GS08 {version or 'empty'})",
                            source,
                            here,
                            sid,
                            8,
                        )
                    gs, gs_position, transactions = elements, here, 0
                    groups += 1
                elif sid == "GE":
                    if gs is None:
                        raise _err("GE without a GS", source, here, sid)
                    _check_trailer(elements, transactions, _get(gs, 6), here, source, "GS", "GE")
                    gs = None
                elif sid == "ISA":
                    declared = parse_isa_delimiters(raw + terminator, source=self._segments.name)
                    if here > 1 and declared != delimiters:
                        raise _err(
                            "interchange declares other delimiters than the first one",
                            source,
                            here,
                            sid,
                        )
                    if isa is not None:
                        raise _err("ISA inside an interchange (no IEA)", source, here, sid)
                    isa, isa_position, groups = elements, here, 0
                elif sid == "IEA":
                    if isa is None or gs is not None:
                        raise _err("IEA outside an interchange or before GE", source, here, sid)
                    _check_trailer(elements, groups, _get(isa, 13), here, source, "ISA", "IEA")
                    isa = None
                else:
                    _check_id(sid, source, here)
                    raise _err("segment outside a transaction set (ST..SE)", source, here, sid)
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


def _batches(reader: SegmentReader) -> Iterator[tuple[int, list[str]]]:
    """Runs of complete segments as text, with the position of the first: edi.x12's rules."""
    terminator = reader.delimiters.segment
    # A run is tidy when every segment starts with a capital letter right after the terminator
    # and holds no line break: it is split at C speed. A regex with a literal first character
    # scans 64K in 70 us; one with alternatives took 1 ms, a quarter of the budget.
    untidy = re.compile(f"{re.escape(terminator)}[^A-Z]")
    breaks = [c for c in "\r\n" if c != terminator]
    unwrap = terminator not in "\r\n"  # "~" then CR/LF: the usual layout, undone with replace()

    def tidy(text: str) -> bool:
        return (
            "A" <= text[:1] <= "Z"
            and untidy.search(text) is None
            and not any(c in text for c in breaks)
        )

    name = reader.name
    buffer = reader._first  # edi.x12 read the ISA (delimiters, BOM); we go on from there
    position = 0
    line_breaks = leading_space = False
    while True:
        cut = buffer.rfind(terminator) + 1
        if cut:
            text, buffer = buffer[:cut], buffer[cut:]
            clean = tidy(text)
            if not clean and unwrap:
                shorter = text.replace(terminator + "\r\n", terminator).replace(
                    terminator + "\n", terminator
                )
                if len(shorter) != len(text):
                    line_breaks = True
                    text = shorter
                    clean = tidy(text)
            pieces = text.split(terminator)
            pieces.pop()  # text ends with the terminator: an empty last piece
            if not clean:
                tidied = []
                for raw in pieces:
                    segment = raw.strip("\r\n")
                    if segment != raw:
                        line_breaks = True
                    if segment[:1].isspace():
                        leading_space = True
                        segment = segment.lstrip()
                    if segment:
                        tidied.append(segment)
                pieces = tidied
            if pieces:
                yield position + 1, pieces
                position += len(pieces)
        chunk = reader._read(_CHUNK)
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
    """The header, payer (N1*PR) or payee (N1*PE) loop while it is read."""

    __slots__ = (
        "address",
        "amounts",
        "contacts",
        "dates",
        "elements",
        "n3",
        "position",
        "quantities",
        "references",
    )

    def __init__(self, position: int, elements: list[str] | None = None) -> None:
        self.position = position
        self.elements = elements or []
        self.references: tuple[Reference, ...] = ()
        self.dates: tuple[DateValue, ...] = ()
        self.amounts: tuple[Amount, ...] = ()
        self.quantities: tuple[Quantity, ...] = ()
        self.contacts: tuple[Contact, ...] = ()
        self.address: Address | None = None
        self.n3: list[str] | None = None


class TransactionBuilder:
    """Reads one ST..SE: take() yields its events; or feed() a segment at a time and drain
    `events` (a TransactionStart at the first LX or CLP, or PLB or SE when there is no claim;
    each ClaimPayment once the next loop begins; the TransactionEnd after finish())."""

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
        segment: str = "~",
    ) -> None:
        self.component = component
        self.element = element
        self.source = source
        self.position = position
        self.control = _get(st, 2)
        self.isa = isa or []
        self.gs = gs or []
        self.warnings = warnings if warnings is not None else []
        self.events: list[Event] = []
        self.started = False
        self.claim_count = 0
        self.claim_paid_cents = 0
        self.header = _Loop(position, st)
        # Where REF/DTM/AMT/QTY/N3/N4/PER go outside a claim; None once the claims began.
        self.target: _Loop | None = self.header
        self.payment: Payment | None = None
        self.trace: Trace | None = None
        self.payer: _Loop | None = None
        self.payee: _Loop | None = None
        self.claim: ClaimPayment | None = None
        self.line: ServiceLine | None = None
        self.headers: list[Header] = []
        self.lx: str | None = None  # LX01 of the open header number loop
        self.lx_position = 0
        self.ts3: tuple[str, ...] = ()
        self.ts2: tuple[str, ...] = ()
        self.plb: list[ProviderAdjustment] = []
        self._hash = hashlib.sha256()
        self._joiner = ""  # "~" once a segment has been hashed
        self._terminator = segment
        # Hashed text uses "~", "*", ":" and "^" whatever the interchange declared.
        canonical = {segment: "~", element: "*", component: ":"}
        if repetition:
            canonical[repetition] = "^"
        same = all(k == v for k, v in canonical.items())
        self._canonical = None if same else str.maketrans(canonical)

    def feed(self, pos: int, e: list[str]) -> None:
        """Take one segment (position and elements) between ST and SE; events gather."""
        raw = self.element.join(e)
        self.digest([raw])
        self.events += self.take([raw], 0, pos)

    def finish(self, se_position: int) -> None:
        """The SE at se_position has been reached: the last claim, then the TransactionEnd."""
        claim = self._close_claim()
        if claim is not None:
            self.events.append(claim)
        self._close_header()
        if not self.started:
            self.events.append(self._start(se_position, "SE"))
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

    def digest(self, raws: list[str]) -> None:
        """Add segments of this transaction set, as read, to its content hash."""
        if not raws:
            return
        text = self._terminator.join(raws)
        if self._canonical is not None:
            text = text.translate(self._canonical)
        self._hash.update((self._joiner + text).encode())
        self._joiner = "~"

    def take(
        self, raws: list[str], start: int, position: int
    ) -> Generator[Event, None, int | None]:
        """Read raws[start:] (the first at `position`), yielding each event as it completes.

        Returns the position of the SE it stopped at (not read), or None when raws ran out.
        """
        separator = self.element
        component = self.component
        # Each site below sees one type (a line, a claim, or a header loop), so that the
        # interpreter can specialise its attribute access (1-2% fewer instructions).
        claim, line = self.claim, self.line
        cents = _cents_memo.get
        dates = _date_memo.get
        procedures = _procedure_memo.setdefault(component, {}).get
        decimals = _decimal_memo.get
        groups = GROUPS.get
        new = _new
        for pos, raw in enumerate(islice(raws, start, None), position):
            e = raw.split(separator)
            sid = e[0]
            if sid == "CAS":
                adjustments: tuple[Adjustment, ...]
                if len(e) == 4:  # one triplet without a quantity: CAS*CO*45*117
                    _, code, reason, text = e
                    group = groups(code)
                    amount = cents(text)
                    if group is None or not reason or amount is None:
                        adjustments = self._cas(pos, e)
                    else:
                        adjustments = (new(Adjustment, (group, reason, amount, None, pos)),)
                else:
                    adjustments = self._cas(pos, e)
                if line is not None:
                    line.adjustments += adjustments
                elif claim is not None:
                    claim.adjustments += adjustments
                else:
                    raise self._error("CAS before any CLP", pos, sid)
            elif sid == "DTM":
                if len(e) < 3:
                    e += _PAD
                value = dates(e[2]) or self._date(pos, e, 2)
                if line is not None:
                    line.dates += (new(DateValue, (e[1], value, pos)),)
                elif claim is not None:
                    claim.dates += (new(DateValue, (e[1], value, pos)),)
                else:
                    self._into(pos, sid).dates += (new(DateValue, (e[1], value, pos)),)
            elif sid == "SVC":
                if claim is None:
                    raise self._error("SVC before any CLP", pos, sid)
                if len(e) < 8:
                    e += _PAD
                charge = cents(e[2])
                if charge is None:
                    charge = self._cents(pos, e, 2)
                paid = cents(e[3])
                if paid is None:
                    paid = self._cents(pos, e, 3)
                units = (decimals(e[5]) or self._decimal(pos, e, 5)) if e[5] else None
                line = ServiceLine(
                    len(claim.lines) + 1,
                    procedures(e[1]) or self._procedure(pos, e, 1),
                    charge,
                    paid,
                    e[4] or None,
                    units,
                    self._procedure(pos, e, 6) if e[6] else None,
                    self._decimal(pos, e, 7) if e[7] else None,
                    pos,
                )
                claim.lines += (line,)
            elif sid == "REF":
                if len(e) < 3:
                    e += _PAD
                if line is not None:
                    line.references += (new(Reference, (e[1], e[2], pos)),)
                elif claim is not None:
                    claim.references += (new(Reference, (e[1], e[2], pos)),)
                else:
                    self._into(pos, sid).references += (new(Reference, (e[1], e[2], pos)),)
            elif sid == "AMT":
                if len(e) < 3:
                    e += _PAD
                amount = cents(e[2])
                if amount is None:
                    amount = self._cents(pos, e, 2)
                if line is not None:
                    line.amounts += (new(Amount, (e[1], amount, pos)),)
                elif claim is not None:
                    claim.amounts += (new(Amount, (e[1], amount, pos)),)
                else:
                    self._into(pos, sid).amounts += (new(Amount, (e[1], amount, pos)),)
            elif sid == "NM1":
                if claim is None or line is not None:
                    raise self._error("NM1 outside a claim's names (loop 2100)", pos, sid)
                if len(e) < 10:
                    e += _PAD
                claim.people += (
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
                    ),
                )
            elif sid == "CLP":
                if claim is not None:
                    yield claim  # complete: the next claim begins
                elif not self.started:
                    yield self._start(pos, sid)
                self.claim = line = None
                claim = self._clp(pos, e)
            elif sid == "LQ":
                if line is None:
                    raise self._error("LQ outside a service line", pos, sid)
                if len(e) < 3:
                    e += _PAD
                line.remarks += (new(Remark, (e[1], e[2], pos)),)
            elif sid == "SE":
                self.claim, self.line = claim, line
                return pos
            elif sid in _ENVELOPE:
                raise self._error(
                    f"{sid} before the SE of the transaction set begun at segment {self.position}",
                    pos,
                    sid,
                )
            else:
                self.claim, self.line = claim, line
                done = self._other(pos, e, sid)
                claim, line = self.claim, self.line
                if done:
                    yield from done
        self.claim, self.line = claim, line
        return None

    # the segments met once per transaction set, or seldom in a claim

    def _other(self, pos: int, e: list[str], sid: str) -> list[Event]:
        n = len(e)
        e = e + _PAD  # every index below 25 exists, empty when the segment is shorter
        done: list[Event] = []
        if sid == "QTY":
            quantity = Quantity(e[1], self._decimal(pos, e, 2), pos)
            if self.line is not None:
                self.line.quantities += (quantity,)
            elif self.claim is not None:
                self.claim.quantities += (quantity,)
            else:
                self._into(pos, sid).quantities += (quantity,)
        elif sid == "MIA" or sid == "MOA":
            claim = self.claim
            if claim is None or self.line is not None:
                raise self._error(f"{sid} outside a claim (loop 2100)", pos, sid)
            codes = (5, 20, 21, 22, 23, 24) if sid == "MIA" else (3, 4, 5, 6, 7)
            remarks = tuple(e[i] for i in codes if e[i])
            claim.adjudications += (Adjudication(sid, tuple(e[1:n]), remarks, pos),)
        elif sid == "LX":
            claim = self._close_claim()
            if claim is not None:
                done.append(claim)
            self._close_header()
            if not self.started:
                done.append(self._start(pos, sid))
            self.lx, self.lx_position = e[1], pos
        elif sid == "TS3" or sid == "TS2":
            if self.lx is None or self.claim is not None:
                raise self._error(f"{sid} outside a header number loop (after LX)", pos, sid)
            if sid == "TS3":
                self.ts3 = tuple(e[1:n])
            else:
                self.ts2 = tuple(e[1:n])
        elif sid == "PLB":
            claim = self._close_claim()
            if claim is not None:
                done.append(claim)
            if not self.started:
                done.append(self._start(pos, sid))
            self._plb(pos, e, n)
        elif sid == "N1":
            self._n1(pos, e)
        elif sid == "N3" or sid == "N4" or sid == "PER":
            if self.claim is None:  # in a claim they carry nothing: passed over
                self._party_detail(self._into(pos, sid), pos, e, sid)
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
        elif sid == "TRN":
            if self.payer is None:
                self.trace = Trace(e[2], e[3], e[4] or None, pos)
        else:
            # Other segments (CUR, RDM, ...) carry nothing the engine uses; they are passed over.
            _check_id(sid, self.source, pos)
        return done

    def _party_detail(self, loop: _Loop, pos: int, e: list[str], sid: str) -> None:
        if sid == "N3":
            loop.n3 = e
        elif sid == "N4":
            n3 = loop.n3 or [sid]
            loop.address = Address(
                _get(n3, 1), _get(n3, 2) or None, e[1], e[2] or None,
                e[3] or None, e[4] or None,
            )  # fmt: skip
        else:
            numbers = tuple((e[i], e[i + 1]) for i in (3, 5, 7) if e[i])
            loop.contacts += (Contact(e[1], e[2] or None, numbers, pos),)

    def _start(self, pos: int, sid: str) -> TransactionStart:
        if self.payment is None:
            raise self._error("no BPR in the transaction set", self.position, "ST")
        payer, payee = self._need_parties(pos, sid)
        header = self.header
        self.started = True
        self.target = None  # the header has gone out: loop 2000 has LX, TS3 and TS2 only
        return TransactionStart(
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
            header.references,
            header.dates,
        )

    def _into(self, pos: int, sid: str) -> _Loop:
        """The header, payer or payee loop a segment outside the claims belongs to."""
        if self.target is None:
            # After the TransactionStart went out, a header segment would be lost: refuse it.
            raise self._error(f"{sid} after the claims began and outside a claim", pos, sid)
        return self.target

    def _n1(self, pos: int, e: list[str]) -> None:
        entity = e[1]
        if self.lx is not None or self.claim is not None or self.started:
            raise self._error("N1 after the claims began", pos, "N1")
        if entity == "PR" and self.payer is None:
            self.payer = self.target = _Loop(pos, e)
        elif entity == "PE" and self.payee is None and self.payer is not None:
            self.payee = self.target = _Loop(pos, e)
        else:
            raise self._error("N1 other than one payer (PR) then one payee (PE)", pos, "N1", 1)

    def _need_parties(self, pos: int, sid: str) -> tuple[Party, Party]:
        if self.payer is None or self.payee is None:
            raise self._error("payer (N1*PR) and payee (N1*PE) loops must come first", pos, sid)
        return _party(self.payer), _party(self.payee)

    def _clp(self, pos: int, e: list[str]) -> ClaimPayment:
        if len(e) < 12:
            e += _PAD
        status = STATUSES.get(e[2])
        if status is None:
            raise self._error("unknown claim status code (not one of REFERENCE.md)", pos, "CLP", 2)
        if not e[1]:
            raise self._error("no patient control number", pos, "CLP", 1)
        charge = _cents_memo.get(e[3])
        if charge is None:
            charge = self._cents(pos, e, 3)
        paid = _cents_memo.get(e[4])
        if paid is None:
            paid = self._cents(pos, e, 4)
        responsibility = None
        if e[5]:
            responsibility = _cents_memo.get(e[5])
            if responsibility is None:
                responsibility = self._cents(pos, e, 5)
        self.claim_count += 1
        self.claim_paid_cents += paid
        self.line = None
        self.target = None
        self.claim = claim = ClaimPayment(
            e[1],
            status,
            charge,
            paid,
            responsibility,
            e[6],
            e[7] or None,
            e[8] or None,
            e[9] or None,
            e[11] or None,
            pos,
            self.lx or None,
        )
        return claim

    def _close_claim(self) -> ClaimPayment | None:
        claim = self.claim
        self.claim = self.line = None
        return claim

    def _close_header(self) -> None:
        if self.lx is not None:
            self.headers.append(Header(self.lx, self.lx_position, self.ts3, self.ts2))
            self.lx, self.ts3, self.ts2 = None, (), ()

    # elements

    def _cas(self, pos: int, e: list[str]) -> tuple[Adjustment, ...]:
        n = len(e)
        if n > 20:
            raise self._error("more than 6 reason/amount/quantity triplets", pos, "CAS", 20)
        e = e + _PAD
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
            if not e[i + 1]:
                raise self._error("reason code without an amount", pos, "CAS", i + 1)
            out.append(
                Adjustment(
                    group,
                    reason,
                    self._cents(pos, e, i + 1),
                    self._thousandths(pos, e, i + 2) if e[i + 2] else None,
                    pos,
                )
            )
        if not out:
            raise self._error("no reason code", pos, "CAS", 2)
        return tuple(out)

    def _plb(self, pos: int, e: list[str], n: int) -> None:
        if n > 15:
            raise self._error("more than 6 adjustments", pos, "PLB", 15)
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
        memo = _procedure_memo.setdefault(self.component, {})
        known = memo.get(e[index])
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
        if remember and len(memo) < _CACHE_LIMIT:
            memo[e[index]] = procedure
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
        whole, _, fraction = text.partition(".")
        negative = whole[:1] == "-"
        if negative:
            whole = whole[1:]
        if (
            not (whole or fraction)
            or (whole and not whole.isdecimal())
            or (fraction and not fraction.isdecimal())
        ):
            raise self._error("not a number", pos, e[0], index)
        if len(fraction) > 2:
            raise self._error("more than 2 decimal places", pos, e[0], index)
        value = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
        if negative:
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
        if _NUMBER.match(text) is None or not text.strip("-."):
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
        loop.references,
        loop.contacts,
    )


def _check_id(sid: str, source: str | None, pos: int) -> None:
    if len(sid) > 3 or not sid.isalnum():
        raise X12Error("not a segment (bad segment ID)", source=source, segment=pos)


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
