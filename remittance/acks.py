"""Applying 999, 277CA and TA1 acknowledgments to the batches and claims they answer.

Each handler reads the whole file first (TA1 segments, then the 999 or 277CA groups): a
malformed file raises X12Error before anything is applied. Then each acknowledgment, in file
order, is checked against what was seen before, applied and committed on its own:

- A TA1 answers one interchange we sent (TA101 = the batch's ISA13): R rejects every claim in
  it and marks our kept 837 refused; A and E change no claim (the 999 follows).
- A 999 answers one group we sent (AK102 = the batch's GS06), and each AK2 one transaction set
  (AK202 = ST02). IK5 A or E moves the set's claims to received (E with its warnings kept on
  the step), R/M/W/X rejects them; AK9 R/M/W/X rejects every set of the group, AK9 A/E answers
  the sets it does not list, AK9 P is taken set by set. Each error is tied to its claim by
  CTX*CLM01, else by its position in the 837 we kept, and named by the field we wrote there.
- A 277CA names claims by 2200D TRN*2 (our CLM01): A2/A5 accepted, A0/A1 received,
  A3/A6/A7/A8 rejected, A4 and E0-E4 flagged for a person. A rejection at 2200B or 2200C
  rejects every claim beneath whatever the claim's own status says; otherwise the claim's own
  statuses decide (else its provider's, else its receiver's). REF*1K becomes the claim's
  payer claim number; REF*D9 and the codes are kept on the claim's history step, which points
  at the file and segment, so several 277CAs per claim stay in order. Lines match by REF*FJ.

Every rejection opens a rework item (source 999 or 277CA; a TA1's count as 999) with the codes,
the dollars at stake and the payer's timely-filing deadline; an acknowledgment that matches
nothing of ours opens one without a claim.

Idempotency (InboundTransaction, one row per acknowledgment applied): the key says what was
acknowledged and by whom, the content is the SHA-256 of the transaction set's segments between
ST and SE (so a copy re-sent in a new envelope is still the same acknowledgment):
- 999: "999|" sender (ISA05:ISA06) "|" AK101 "|" AK102: one answer per group we sent.
- 277CA: "277CA|" sender "|" BHT03 "|" BHT04 BHT05: one per report the sender made.
- TA1: "TA1|" sender "|" TA101, kept under kind 999 (the table has no TA1 kind and a migration
  for one would buy nothing: the prefix keeps the keys apart).
The same key and content again is a duplicate and changes nothing; the same key with other
content is a conflict: nothing is applied and a rework item asks a person to look.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from claims.claim.models import Claim, ClaimLine
from claims.claim.service import ClaimEvent, record_events
from claims.claim.state import Event
from claims.encounters.models import Encounter
from claims.files.models import (
    Batch,
    FileKind,
    FileStatus,
    InboundTransaction,
    StoredFile,
    TransactionKind,
)
from claims.practice.models import Payer, TradingPartner
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.rework.service import priority
from edi.ta1 import InterchangeAcknowledgment, read_ta1
from edi.x12 import Segment, X12Error, read_segments
from edi.x277ca import models as x277
from edi.x277ca.reader import read_277ca
from edi.x999.models import (
    ElementError,
    FunctionalAcknowledgment,
    SegmentError,
    TransactionResponse,
)
from edi.x999.reader import read_999
from remittance.ingest import Inbound
from remittance.report import CONFLICT, DUPLICATE, PROCESSED, FileReport, TransactionReport

_VERSIONS = {"005010X222A1": FileKind.X837P, "005010X223A2": FileKind.X837I}

# How the claim history steps written here tell apart what the trigger alone does not (the
# batch view reads them back): a step a TA1 recorded begins with TA1_REASON; a 999 acceptance
# with errors (IK5 E, or AK9 E for a set it does not list) says WITH_ERRORS.
TA1_REASON = "TA1 (file "
WITH_ERRORS = "accepted with errors"
_CHUNK = 500  # claim numbers per IN (...) query
_MAX_CODES = 200  # ReworkItem.codes


def ingest_999(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Apply a file of 999s (and any TA1 beside them), one acknowledgment at a time."""
    _ingest(session, inbound, report)


def ingest_277ca(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Apply a file of 277CAs (and any TA1 beside them), one transaction set at a time."""
    _ingest(session, inbound, report)


def ingest_ta1(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Apply a file of TA1s (and any 999 or 277CA groups beside them), one at a time."""
    _ingest(session, inbound, report)


# -- reading -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    """Everything a file holds, read before anything is applied."""

    ta1s: list[InterchangeAcknowledgment] = field(default_factory=list)
    acks_999: list[FunctionalAcknowledgment] = field(default_factory=list)
    acks_277: list[x277.ClaimAcknowledgment] = field(default_factory=list)
    digests: dict[int, str] = field(default_factory=dict)  # ST or TA1 position -> content

    def in_order(self) -> list[_Ack]:
        """Every acknowledgment, in file order."""
        found: list[_Ack] = [*self.ta1s, *self.acks_999, *self.acks_277]
        return sorted(found, key=lambda a: a.segment)


def _read(inbound: Inbound) -> _File:
    """The file's TA1s, 999s and 277CAs, with a digest of each; X12Error names any fault."""
    content, name = inbound.content, inbound.name
    read = _File()
    groups: dict[str, int] = {}
    has_ta1 = False
    body: hashlib._Hash | None = None
    start = 0
    for seg in read_segments(content, name=name):
        sid = seg.id
        if sid == "TA1":
            has_ta1 = True
            read.digests[seg.position] = _digest([seg])
        elif sid == "GS":
            groups.setdefault(seg.get(1), seg.position)
        elif sid == "ST":
            body, start = hashlib.sha256(), seg.position
        elif sid == "SE":
            if body is not None:
                read.digests[start] = body.hexdigest()
            body = None
        elif body is not None:
            body.update(_canonical(seg))
    for functional_id, position in groups.items():
        if functional_id not in ("FA", "HN"):
            raise X12Error(
                f"a {functional_id or 'blank'} group: acknowledgment files hold 999 (FA) and "
                "277CA (HN) groups",
                source=name, segment=position, segment_id="GS", element=1,
            )  # fmt: skip
    if has_ta1:
        read.ta1s = read_ta1(content, name=name)
    if "FA" in groups:
        read.acks_999 = read_999(content, name=name)
    if "HN" in groups:
        read.acks_277 = read_277ca(content, name=name)
    return read


def _canonical(seg: Segment) -> bytes:
    """A segment as bytes whatever the file's delimiters."""
    return "\x1f".join(seg.elements).encode() + b"\x1e"


def _digest(segments: Iterable[Segment]) -> str:
    digest = hashlib.sha256()
    for seg in segments:
        digest.update(_canonical(seg))
    return digest.hexdigest()


# -- the unit of work --------------------------------------------------------------------------


_Ack = InterchangeAcknowledgment | FunctionalAcknowledgment | x277.ClaimAcknowledgment


def _ingest(session: Session, inbound: Inbound, report: FileReport) -> None:
    read = _read(inbound)
    for ack in read.in_order():
        what, key = _identify(ack)
        control = str(ack.control_number)
        tx = TransactionReport(ack.segment, control, key[:200], PROCESSED)
        tx.details["acknowledgment"] = what
        kind = TransactionKind.X277CA if what == "277CA" else TransactionKind.X999
        seen = _seen(session, inbound, kind, tx.key, read.digests[ack.segment], ack.segment)
        if seen is not None:
            tx.status = seen
            if seen == CONFLICT:
                _conflict(session, inbound, tx)
            session.commit()
            report.transactions.append(tx)
            continue
        applier = _Applier(session, inbound, tx)
        if isinstance(ack, InterchangeAcknowledgment):
            applier.apply_ta1(ack)
        elif isinstance(ack, FunctionalAcknowledgment):
            applier.apply_999(ack)
        else:
            applier.apply_277ca(ack)
        applier.finish()
        session.commit()
        report.transactions.append(tx)


def _identify(ack: _Ack) -> tuple[str, str]:
    """What the acknowledgment is (TA1, 999, 277CA) and its idempotency key."""
    if isinstance(ack, InterchangeAcknowledgment):
        return "TA1", f"TA1|{ack.sender_qualifier}:{ack.sender_id}|{ack.control_number}"
    e = ack.envelope
    sender = f"{e.sender_qualifier}:{e.sender_id}"
    if isinstance(ack, FunctionalAcknowledgment):
        return "999", f"999|{sender}|{ack.functional_id}|{ack.group_control_number}"
    made = ack.created_at.strftime("%Y%m%d%H%M%S") if ack.created_at else ""
    return "277CA", f"277CA|{sender}|{ack.reference}|{made}"


def _seen(
    session: Session, inbound: Inbound, kind: TransactionKind, key: str, digest: str, position: int
) -> str | None:
    """Record the acknowledgment as seen; DUPLICATE or CONFLICT when it was seen before."""

    def earlier() -> str | None:
        found = session.scalar(
            select(InboundTransaction.content_sha256).where(
                InboundTransaction.practice_id == inbound.practice_id,
                InboundTransaction.kind == kind,
                InboundTransaction.key == key,
            )
        )
        if found is None:
            return None
        return DUPLICATE if found == digest else CONFLICT

    status = earlier()
    if status is not None:
        return status
    try:
        with session.begin_nested():  # another ingest of the same file may get there first
            session.add(
                InboundTransaction(
                    practice_id=inbound.practice_id, kind=kind, key=key, content_sha256=digest,
                    source_file_id=inbound.stored.id, position=position,
                )
            )  # fmt: skip
            session.flush()
    except IntegrityError:
        return earlier() or CONFLICT
    return None


def _conflict(session: Session, inbound: Inbound, tx: TransactionReport) -> None:
    """A rework item for an acknowledgment that came before with other content (once per file)."""
    what = tx.details["acknowledgment"]
    tx.exceptions.append(
        f"{what} at segment {tx.position}: came before with other content; nothing applied"
    )
    exists = session.scalar(
        select(ReworkItem.id).where(
            ReworkItem.practice_id == inbound.practice_id,
            ReworkItem.source_file_id == inbound.stored.id,
            ReworkItem.segment_position == tx.position,
            ReworkItem.codes == "CONFLICT",
        )
    )
    if exists is not None:
        return
    session.add(
        ReworkItem(
            practice_id=inbound.practice_id, source_file_id=inbound.stored.id,
            segment_position=tx.position,
            source=Source.ACK_277CA if what == "277CA" else Source.ACK_999,
            category=Category.OTHER, codes="CONFLICT",
            summary=(
                f"{what} at segment {tx.position} of file {inbound.stored.id} answers what an "
                "earlier acknowledgment already answered, with other content; nothing of it was "
                "applied. Compare the two files and apply the right one by hand."
            ),
            amount_cents=0, priority=0,
        )
    )  # fmt: skip
    tx.rework_items += 1
    session.flush()


# -- applying one acknowledgment ----------------------------------------------------------------


@dataclass(slots=True)
class _Rejection:
    """A rework item to open for a claim (or for nothing of ours, when claim is None)."""

    claim: Claim | None
    source: Source
    category: Category
    codes: str
    summary: str
    segment: int


class _Applier:
    """Applies one acknowledgment: claim events and rework items, then one flush."""

    def __init__(self, session: Session, inbound: Inbound, tx: TransactionReport) -> None:
        self.session = session
        self.inbound = inbound
        self.tx = tx
        self.events: list[ClaimEvent] = []
        self.items: list[_Rejection] = []
        self.counts: dict[str, int] = defaultdict(int)

    @property
    def file_id(self) -> int:
        return self.inbound.stored.id

    def event(
        self, claim: Claim, event: Event | None, reason: str, segment: int, note: str | None = None
    ) -> None:
        self.events.append(ClaimEvent(claim, event, reason[:2000], segment, note))

    def unmatched(self, source: Source, codes: str, summary: str, segment: int) -> None:
        self.tx.unmatched += 1
        self.tx.exceptions.append(summary)
        self.items.append(_Rejection(None, source, Category.OTHER, codes, summary, segment))

    def finish(self) -> None:
        """Record the events (one flush) and open the rework items they call for."""
        results = record_events(
            self.session, events=self.events, actor=self.inbound.actor, source_file_id=self.file_id
        )
        rejected_claims = {id(r.claim) for r in self.items if r.claim is not None}
        for item, result in zip(self.events, results, strict=True):
            if (
                result.attention
                and item.event is not None
                and id(item.claim) not in rejected_claims
            ):
                self.items.append(
                    _Rejection(
                        item.claim, Source.STATE, Category.OTHER, item.event.value,
                        f"claim {item.claim.patient_control_number}: {result.attention} "
                        f"(file {self.file_id}, segment {item.segment_position})",
                        item.segment_position or self.tx.position,
                    )
                )  # fmt: skip
            elif result.attention and item.event is not None:
                for rejection in self.items:
                    if rejection.claim is item.claim:
                        rejection.summary += f" Note: {result.attention}."
                        break
        deadlines = _deadlines(self.session, [r.claim.id for r in self.items if r.claim])
        today = self.inbound.today
        for r in self.items:
            amount = r.claim.total_charge_cents if r.claim is not None else 0
            deadline = deadlines.get(r.claim.id) if r.claim is not None else None
            self.session.add(
                ReworkItem(
                    practice_id=self.inbound.practice_id,
                    claim_id=r.claim.id if r.claim is not None else None,
                    source_file_id=self.file_id, segment_position=r.segment, source=r.source,
                    category=r.category, codes=r.codes[:_MAX_CODES], summary=r.summary,
                    amount_cents=amount, deadline=deadline, status=ItemStatus.OPEN,
                    priority=priority(amount_cents=amount, deadline=deadline, today=today),
                )
            )  # fmt: skip
        self.tx.rework_items += len(self.items)
        self.session.flush()
        for name in ("accepted", "received", "rejected", "flagged"):
            self.tx.details[name] = self.counts[name]
        self.tx.denials = 0

    # -- TA1 -------------------------------------------------------------------------------

    def apply_ta1(self, ack: InterchangeAcknowledgment) -> None:
        batch = _find_batch(
            self.session, self.inbound.practice_id, sender_id=ack.sender_id,
            interchange=ack.control_number,
        )  # fmt: skip
        what = f"TA1 {ack.code.value} {ack.note}"
        if batch is None:
            self.unmatched(
                Source.ACK_999, what,
                f"TA1 at segment {ack.segment} from {ack.sender_id} answers interchange "
                f"{ack.control_number}, which matches no batch we sent",
                ack.segment,
            )  # fmt: skip
            return
        self.tx.details["batch_id"] = batch.id
        claims = _batch_claims(self.session, batch)
        self.tx.claims = self.tx.matched = len(claims)
        if ack.code.value == "E":
            self.tx.exceptions.append(
                f"TA1 at segment {ack.segment}: interchange {ack.control_number} (batch "
                f"{batch.id}) accepted with errors: {ack.note_text} ({ack.note})"
            )
        if not ack.code.is_rejection:
            return
        sent = self.session.get_one(StoredFile, batch.stored_file_id)
        sent.status = FileStatus.REFUSED
        sent.error = f"TA1 R {ack.note}: {ack.note_text} (file {self.file_id})"
        reason = (
            f"{TA1_REASON}{self.file_id}, segment {ack.segment}): interchange "
            f"{ack.control_number} rejected: {ack.note_text} ({ack.note})"
        )
        for claim in claims:
            self.event(claim, Event.ACK_REJECTED, reason, ack.segment)
            self.counts["rejected"] += 1
            self.items.append(
                _Rejection(
                    claim, Source.ACK_999, Category.OTHER, what,
                    f"The receiver refused the whole interchange {ack.control_number} (batch "
                    f"{batch.id}): {ack.note_text}. Nothing in it was read; check the envelope "
                    "settings of the trading partner, then submit the claim again.",
                    ack.segment,
                )
            )  # fmt: skip

    # -- 999 -------------------------------------------------------------------------------

    def apply_999(self, ack: FunctionalAcknowledgment) -> None:
        e = ack.envelope
        batch = None
        if ack.functional_id == "HC":
            batch = _find_batch(
                self.session, self.inbound.practice_id, sender_id=e.sender_id,
                application_sender=e.application_sender, group=ack.group_control_number,
                version=ack.version,
            )  # fmt: skip
        if batch is None:
            self.unmatched(
                Source.ACK_999, f"999 AK1 {ack.functional_id} {ack.group_control_number}",
                f"999 at segment {ack.segment} from {e.sender_id} answers group "
                f"{ack.group_control_number} ({ack.functional_id}), which matches no batch we "
                "sent",
                ack.segment,
            )  # fmt: skip
            return
        self.tx.details["batch_id"] = batch.id
        numbers = [int(n) for n in batch.transaction_control_numbers.split(",")]
        claims = _batch_claims(self.session, batch)
        by_pcn = {c.patient_control_number: c for c in claims}
        responses: dict[int, TransactionResponse] = {}
        for response in ack.transactions:
            control = response.control_number.strip()
            if control.isdigit() and int(control) in numbers and int(control) not in responses:
                responses[int(control)] = response
            else:
                self.tx.unmatched += 1
                self.tx.exceptions.append(
                    f"999 AK2 at segment {response.segment}: transaction set {control} is not "
                    f"in batch {batch.id} (or is answered twice)"
                )
        sent = _SentFile.read(self.session, batch, numbers, responses) if (
            len(numbers) > 1 or any(r.errors for r in responses.values())
        ) else None  # fmt: skip
        self.tx.claims = len(claims)
        for number in numbers:
            members = (
                [by_pcn[p] for p in sent.claims.get(number, ()) if p in by_pcn]
                if sent is not None
                else claims
            )
            self.tx.matched += len(members)
            self.transaction_set(ack, batch, number, members, responses.get(number), sent)

    def transaction_set(
        self,
        ack: FunctionalAcknowledgment,
        batch: Batch,
        number: int,
        members: Sequence[Claim],
        response: TransactionResponse | None,
        sent: _SentFile | None,
    ) -> None:
        group_code = ack.code
        if response is None and not (group_code.is_acceptance or group_code.is_rejection):
            self.tx.exceptions.append(
                f"999 at segment {ack.segment}: no answer for transaction set {number} of batch "
                f"{batch.id} (AK9 {group_code.value}); its claims still wait"
            )
            return
        segment = response.segment if response is not None else ack.segment
        parts = []  # the codes as the 999 gave them: IK5 for the set, AK9 for the group
        if response is not None:
            code, label = response.code.value, response.code.label
            parts.append(f"IK5 {code}" + "".join(f" {c.value}" for c in response.error_codes))
        else:
            code, label = group_code.value, f"{group_code.label} (AK9)"
        rejected = group_code.is_rejection or (response is not None and response.code.is_rejection)
        # The group's own answer counts when no IK5 speaks for the set, or when it says more
        # than the IK5 (a rejection the IK5 did not give, or the group's error codes).
        by_group = response is None or (
            group_code.is_rejection and (not response.code.is_rejection or bool(ack.error_codes))
        )
        if by_group:
            group_codes = ack.error_codes if group_code.is_rejection or response is None else ()
            parts.append(f"AK9 {group_code.value}" + "".join(f" {c.value}" for c in group_codes))
        if group_code.is_rejection and response is not None and not response.code.is_rejection:
            label = f"{label}, but the whole group was {group_code.label} (AK9 {group_code.value})"
        head = "; ".join(parts)
        errors = _Errors(response, sent, number, {c.patient_control_number for c in members})
        self.tx.exceptions += errors.problems
        where = f"999 (file {self.file_id}, segment {segment})"
        for claim in members:
            own = errors.of(claim.patient_control_number)
            text = "; ".join(f.text for f in own)
            if not rejected:
                self.counts["received"] += 1
                reason = f"{where}: transaction set {number} {label} ({head})"
                if code == "E":
                    reason += f": {text}" if text else ": no error in this claim"
                self.event(claim, Event.ACK_ACCEPTED, reason, segment)
                continue
            self.counts["rejected"] += 1
            reason = f"{where}: transaction set {number} {label} ({head})"
            self.event(claim, Event.ACK_REJECTED, reason + (f": {text}" if text else ""), segment)
            if own:
                summary = (
                    f"999 rejected transaction set {number} of batch {batch.id}: {text}. Correct "
                    "the claim and submit it again."
                )
                category = own[0].category
            elif by_group and group_code.is_rejection and not errors.by_claim:
                why = ", ".join(c.label for c in ack.error_codes) or "no reason given"
                summary = (
                    f"999 rejected the whole functional group {ack.group_control_number} "
                    f"(batch {batch.id}, AK9 {group_code.value}): {why}. No error was named in "
                    "any claim: check the file's envelope with the clearinghouse, then submit "
                    "the claim again."
                )
                category = Category.OTHER
            else:
                others = sorted(errors.claims_named() - {claim.patient_control_number})
                named = f" (errors in claims {', '.join(others[:5])})" if others else ""
                header = "; ".join(f.text for f in errors.of(None))
                summary = (
                    f"999 rejected transaction set {number} of batch {batch.id}{named}"
                    + (f": {header}" if header else "")
                    + ". No error was named in this claim: submit it again once the rest "
                    "of the set is fixed."
                )  # fmt: skip
                category = errors.of(None)[0].category if errors.of(None) else Category.OTHER
            item_codes = "; ".join([head, *(f.codes for f in own or errors.of(None))])
            self.items.append(
                _Rejection(claim, Source.ACK_999, category, item_codes, summary, segment)
            )

    # -- 277CA -----------------------------------------------------------------------------

    def apply_277ca(self, ack: x277.ClaimAcknowledgment) -> None:
        self.rejections_without_claims(ack)
        pairs = list(ack.claims())
        found = _claims_by_number(
            self.session, self.inbound.practice_id, [c.claim_number for c, _ in pairs]
        )
        wanted = [found[c.claim_number].id for c, _ in pairs if c.lines and c.claim_number in found]
        lines = _lines(self.session, wanted)
        self.tx.claims = len(pairs)
        for value, statuses in pairs:
            claim = found.get(value.claim_number)
            if claim is None:
                self.unmatched(
                    Source.ACK_277CA, "277CA TRN*2",
                    f"277CA claim at segment {value.segment} ({value.claim_number}) matches no "
                    "claim of ours",
                    value.segment,
                )  # fmt: skip
                continue
            self.tx.matched += 1
            self.claim_status(claim, value, statuses, lines.get(claim.id, {}))

    def rejections_without_claims(self, ack: x277.ClaimAcknowledgment) -> None:
        """A rejection at 2200B or 2200C with no claim beneath it rejects claims the 277CA does
        not name: nothing can be moved, so a person is asked to find them (the guide wants
        every claim listed; a sender that lists none must not be taken as silence)."""
        for source in ack.sources:
            for receiver in source.receivers:
                rejected = [s for s in receiver.statuses if s.category.is_rejection]
                if rejected and not any(p.claims for p in receiver.providers):
                    self.unnamed(
                        ack, receiver.trace, receiver.segment, x277.Level.RECEIVER, rejected
                    )
                for provider in receiver.providers:
                    rejected = [s for s in provider.statuses if s.category.is_rejection]
                    if rejected and not provider.claims:
                        self.unnamed(
                            ack, receiver.trace, provider.segment, x277.Level.PROVIDER, rejected,
                            f" for billing provider {provider.identifier}",
                        )  # fmt: skip

    def unnamed(
        self,
        ack: x277.ClaimAcknowledgment,
        trace: str | None,
        segment: int,
        level: x277.Level,
        rejected: Sequence[x277.Status],
        whose: str = "",
    ) -> None:
        # 2200B TRN*2 echoes the BHT03 of our 837, which is the batch's ISA13.
        batch = None
        if trace is not None and trace.strip().isdigit():
            batch = _find_batch(
                self.session, self.inbound.practice_id, sender_id=ack.envelope.sender_id,
                interchange=int(trace),
            )  # fmt: skip
        sent = f"batch {batch.id}" if batch is not None else f"the file with trace {trace}"
        self.unmatched(
            Source.ACK_277CA, _codes(rejected),
            f"277CA at segment {segment} rejected {sent}{whose} at the {_LEVELS[level]} level "
            f"({level.value}) without naming its claims: {_worded(rejected)}. No claim was "
            "moved: ask the sender which claims it means, then correct and submit them again.",
            segment,
        )  # fmt: skip

    def claim_status(
        self,
        claim: Claim,
        value: x277.Claim,
        statuses: tuple[x277.Status, ...],
        lines: dict[str, int],
    ) -> None:
        above = [s for s in statuses if s.level is not x277.Level.CLAIM]
        rejected_above = [s for s in above if s.category.is_rejection]
        basis = _basis(value.statuses, above)
        rejections = rejected_above + [s for s in basis if s.category.is_rejection]
        notes = []
        if value.payer_claim_number:
            if claim.payer_claim_number and claim.payer_claim_number != value.payer_claim_number:
                notes.append(f"payer claim number was {claim.payer_claim_number}")
            notes.append(f"payer claim number {value.payer_claim_number}")
            claim.payer_claim_number = value.payer_claim_number
            self.counts["payer_claim_numbers"] += 1
            self.tx.details["payer_claim_numbers"] = self.counts["payer_claim_numbers"]
        if value.clearinghouse_trace:
            notes.append(f"clearinghouse trace {value.clearinghouse_trace}")
        line_rejections = []
        for line in value.lines:
            number = lines.get(line.control_number or "")
            if line.control_number and number is None:
                self.tx.exceptions.append(
                    f"277CA line at segment {line.segment}: REF*FJ names no line of claim "
                    f"{claim.patient_control_number}"
                )
            bad = [s for s in line.statuses if s.category.is_rejection]
            if bad:
                place = f"line {number}" if number is not None else f"line at {line.segment}"
                line_rejections.append(f"{place} {_codes(bad)}")
        where = f"277CA (file {self.file_id}, segment {value.segment})"
        shown = _codes(rejections or basis or statuses)
        level = ""
        if rejected_above:
            level = f" at the {_LEVELS[rejected_above[0].level]} level ({rejected_above[0].level})"
        if line_rejections:
            notes.append("lines rejected: " + ", ".join(line_rejections))
        detail = f"{where}: {shown}" + "".join(f"; {n}" for n in notes)
        segment = value.segment
        if rejections:
            self.counts["rejected"] += 1
            self.event(claim, Event.STATUS_REJECTED, f"{detail} (rejected{level})", segment)
            self.items.append(
                _Rejection(
                    claim, Source.ACK_277CA, _category_277(rejections), _codes(rejections),
                    f"277CA rejected the claim{level}: {_worded(rejections)}"
                    + (f"; {', '.join(line_rejections)}" if line_rejections else "")
                    + f". The sender's note, if any, is in file {self.file_id} at segment "
                    f"{segment}. Correct the claim and submit it again.",
                    segment,
                )
            )  # fmt: skip
            return
        flagged = [s for s in basis if s.category.needs_a_person]
        if flagged:
            self.counts["flagged"] += 1
            note = f"{_worded(flagged)}: a person should look"
            self.event(claim, None, detail, segment, note)
            self.items.append(
                _Rejection(
                    claim, Source.ACK_277CA, Category.OTHER, _codes(flagged),
                    f"277CA: {_worded(flagged)}. "
                    + _FLAG_ADVICE["A4" if flagged[0].category.value == "A4" else "E"],
                    segment,
                )
            )  # fmt: skip
            return
        if any(s.category.is_acceptance for s in basis):
            self.counts["accepted"] += 1
            if any(s.category is x277.Category.SPLIT for s in basis):
                notes.append("split by the payer: expect several claims for it in the 835")
                detail = f"{where}: {shown}" + "".join(f"; {n}" for n in notes)
            self.event(claim, Event.STATUS_ACCEPTED, detail, segment)
        else:
            self.counts["received"] += 1
            self.event(claim, Event.STATUS_RECEIVED, detail, segment)
        if line_rejections:
            self.items.append(
                _Rejection(
                    claim, Source.ACK_277CA, Category.OTHER,
                    "; ".join(line_rejections),
                    f"277CA accepted the claim but rejected {', '.join(line_rejections)}. "
                    "Expect no payment for those lines; correct them and bill them again.",
                    segment,
                )
            )  # fmt: skip


_LEVELS = {
    x277.Level.RECEIVER: "information receiver (the whole file)",
    x277.Level.PROVIDER: "billing provider",
    x277.Level.CLAIM: "claim",
    x277.Level.LINE: "line",
}
_FLAG_ADVICE = {
    "A4": "The payer cannot find the claim: check that it went to the right payer, then send it "
    "again or call.",
    "E": "No answer was possible: check the claim's status again later, or submit it again if "
    "the sender asks for that.",
}
# Entities in STC01-3 whose problems are the patient's registration or eligibility.
_PATIENT_ENTITIES = frozenset({"IL", "QC", "03", "PR"})


def _basis(own: Sequence[x277.Status], above: Sequence[x277.Status]) -> list[x277.Status]:
    """The statuses that decide a claim: its own, else its provider's, else its receiver's."""
    if own:
        return list(own)
    provider = [s for s in above if s.level is x277.Level.PROVIDER]
    return provider or [s for s in above if s.level is x277.Level.RECEIVER]


def _codes(statuses: Iterable[x277.Status]) -> str:
    """The STC composites, as category:status[:entity], in order, once each."""
    shown = dict.fromkeys(
        ":".join(p for p in (c.category.value, c.code, c.entity) if p)
        for s in statuses
        for c in s.codes
    )
    return " ".join(shown)


def _worded(statuses: Sequence[x277.Status]) -> str:
    return ", ".join(
        dict.fromkeys(
            f"{s.category.value} {s.category.label} (status {s.status.code}"
            + (f", entity {s.status.entity})" if s.status.entity else ")")
            for s in statuses
        )
    )


def _category_277(statuses: Sequence[x277.Status]) -> Category:
    """Where a 277CA rejection is routed: by the entity it names, then by its category."""
    for s in statuses:
        for c in s.codes:
            if c.entity in _PATIENT_ENTITIES:
                return Category.ELIGIBILITY
    first = statuses[0].category
    return Category.OTHER if first is x277.Category.RETURNED else Category.MISSING_INFORMATION


# -- matching what we sent ---------------------------------------------------------------------


def _find_batch(
    session: Session,
    practice_id: int,
    *,
    sender_id: str,
    application_sender: str | None = None,
    group: int | None = None,
    interchange: int | None = None,
    version: str | None = None,
) -> Batch | None:
    """The batch an acknowledgment answers: sent to its sender (our ISA08 or GS03 is its ISA06
    or GS02), with the control number it names; the newest when numbers have wrapped."""
    query = (
        select(Batch, TradingPartner.receiver_id, TradingPartner.application_receiver)
        .join(TradingPartner, TradingPartner.id == Batch.trading_partner_id)
        .where(Batch.practice_id == practice_id)
        .order_by(Batch.id.desc())
    )
    if group is not None:
        query = query.where(Batch.group_control_number == group)
    if interchange is not None:
        query = query.where(Batch.interchange_control_number == interchange)
    if version:
        kind = _VERSIONS.get(version)
        if kind is None:
            return None
        query = query.where(Batch.kind == kind)
    for batch, receiver_id, application_receiver in session.execute(query):
        if receiver_id.strip() == sender_id.strip() or (
            application_sender is not None and application_receiver == application_sender
        ):
            return batch
    return None


def _batch_claims(session: Session, batch: Batch) -> list[Claim]:
    """The claims a batch carried, in id order, without their lines."""
    return list(
        session.scalars(
            select(Claim)
            .where(Claim.batch_id == batch.id)
            .options(lazyload(Claim.lines))
            .order_by(Claim.id)
        )
    )


def _claims_by_number(
    session: Session, practice_id: int, numbers: Sequence[str]
) -> dict[str, Claim]:
    """The practice's claims by patient control number (CLM01)."""
    found: dict[str, Claim] = {}
    unique = list(dict.fromkeys(numbers))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        for claim in session.scalars(
            select(Claim)
            .where(Claim.practice_id == practice_id, Claim.patient_control_number.in_(chunk))
            .options(lazyload(Claim.lines))
        ):
            found[claim.patient_control_number] = claim
    return found


def _lines(session: Session, claim_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per claim, its line numbers by line item control number (REF*6R, echoed as REF*FJ)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    ids = list(dict.fromkeys(claim_ids))
    for start in range(0, len(ids), _CHUNK):
        for claim_id, control, number in session.execute(
            select(ClaimLine.claim_id, ClaimLine.line_control_number, ClaimLine.line_number).where(
                ClaimLine.claim_id.in_(ids[start : start + _CHUNK])
            )
        ):
            out[claim_id][control] = number
    return out


def _deadlines(session: Session, claim_ids: Sequence[int]) -> dict[int, date]:
    """Each claim's timely-filing deadline: its payer's limit from its date of service, or
    from the prior payer's remittance for a claim to a later payer (filing_from)."""
    out: dict[int, date] = {}
    ids = list(dict.fromkeys(claim_ids))
    for start in range(0, len(ids), _CHUNK):
        for claim_id, served, filing_from, days in session.execute(
            select(Claim.id, Encounter.service_date, Claim.filing_from, Payer.timely_filing_days)
            .join(Encounter, Encounter.id == Claim.encounter_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .where(Claim.id.in_(ids[start : start + _CHUNK]))
        ):
            out[claim_id] = (filing_from or served) + timedelta(days=days)
    return out


# -- the 837 we kept, for 999 errors -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Place:
    """A segment of our 837 as a 999 error points at it: the loop, entity and line it is in."""

    elements: tuple[str, ...]
    loop: str
    entity: str | None  # NM101 of the name the segment belongs to
    line: int | None  # LX of the service line it is in


@dataclass(slots=True)
class _SentFile:
    """Our kept 837 of a batch, read once: the claims of each transaction set, which claim
    each segment belongs to, and the segments a 999 names."""

    claims: dict[int, list[str]] = field(default_factory=dict)  # ST02 -> CLM01s in order
    starts: dict[int, list[int]] = field(default_factory=dict)  # ST02 -> block starts
    owners: dict[int, list[str | None]] = field(default_factory=dict)  # ST02 -> block CLM01
    places: dict[tuple[int, int], _Place] = field(default_factory=dict)

    @classmethod
    def read(
        cls,
        session: Session,
        batch: Batch,
        numbers: Sequence[int],
        responses: dict[int, TransactionResponse],
    ) -> _SentFile:
        """The batch's file, with the places of the segments the responses name."""
        stored = session.get_one(StoredFile, batch.stored_file_id)
        wanted = {(n, e.position) for n, r in responses.items() for e in r.errors}
        sent = cls()
        institutional = batch.kind is FileKind.X837I
        number: int | None = None
        position = 0
        walker = _LoopWalker(institutional)
        pending: list[int] = []  # blocks since the subscriber's HL that await their CLM
        for seg in read_segments(stored.content):
            sid = seg.id
            if sid == "ST":
                control = seg.get(2).strip()
                number = int(control) if control.isdigit() else None
                position, pending = 1, []
                walker = _LoopWalker(institutional)
                if number is not None:
                    sent.claims[number], sent.starts[number], sent.owners[number] = [], [], []
                continue
            if number is None:
                continue
            position += 1
            if sid == "SE":
                number = None
                continue
            starts, owners = sent.starts[number], sent.owners[number]
            if sid == "HL":
                starts.append(position)
                owners.append(None)
                # A patient (23) loop and the subscriber (22) loop above it belong to the
                # claim that follows; a billing provider (20) loop belongs to none.
                level = seg.get(3)
                pending = [*pending, len(owners) - 1] if level == "23" else (
                    [len(owners) - 1] if level == "22" else []
                )  # fmt: skip
            elif sid == "CLM":
                pcn = seg.get(1)
                sent.claims[number].append(pcn)
                if owners and owners[-1] is None and pending:
                    for index in pending:
                        owners[index] = pcn
                    pending = []
                else:  # a further claim of the same subscriber or patient
                    starts.append(position)
                    owners.append(pcn)
            place = walker.feed(seg)
            if (number, position) in wanted:
                sent.places[(number, position)] = place
        return sent

    def owner(self, number: int, position: int) -> str | None:
        """The CLM01 of the claim the segment at this position of a set belongs to, if any."""
        starts = self.starts.get(number, [])
        index = bisect.bisect_right(starts, position) - 1
        return self.owners[number][index] if index >= 0 else None


# NM1 entity codes we write, as 999 errors name them.
_ENTITIES = {
    "41": "submitter", "40": "receiver", "85": "billing provider", "87": "pay-to provider",
    "PE": "pay-to plan", "IL": "subscriber", "PR": "payer", "QC": "patient",
    "DN": "referring provider", "82": "rendering provider", "77": "service facility",
    "71": "attending provider", "72": "operating physician", "ZZ": "other operating physician",
    "DQ": "supervising provider", "DK": "ordering provider", "QB": "purchased service provider",
}  # fmt: skip
_HEADER_LOOPS = {"41": "1000A", "40": "1000B"}
_HL_LOOPS = {"20": "2000A", "22": "2000B", "23": "2000C"}
_NAME_LOOPS = {
    "20": {"85": "2010AA", "87": "2010AB", "PE": "2010AC"},
    "22": {"IL": "2010BA", "PR": "2010BB"},
    "23": {"QC": "2010CA"},
}
_CLAIM_LOOPS = {
    False: {"DN": "2310A", "82": "2310B", "77": "2310C", "DQ": "2310D", "PW": "2310E"},
    True: {"71": "2310A", "72": "2310B", "ZZ": "2310C", "82": "2310D", "77": "2310E",
           "DN": "2310F"},
}  # fmt: skip
_LINE_LOOPS = {
    False: {"82": "2420A", "QB": "2420B", "77": "2420C", "DQ": "2420D", "DK": "2420E",
            "DN": "2420F"},
    True: {"72": "2420A", "ZZ": "2420B", "82": "2420C", "DN": "2420D"},
}  # fmt: skip
_ID_NAMES = {"XX": "NPI", "MI": "member ID", "PI": "payer ID", "FI": "tax ID", "46": "ID"}
_NM1_FIELDS = {1: "entity code", 2: "entity type", 3: "name", 4: "first name",
               5: "middle name", 7: "name suffix", 8: "ID qualifier"}  # fmt: skip
_FIELDS: dict[str, dict[int, str]] = {
    "N3": {1: "address", 2: "address line 2"},
    "N4": {1: "city", 2: "state", 3: "ZIP code"},
    "DMG": {1: "date format", 2: "birth date", 3: "sex"},
    "PER": {2: "contact name", 4: "contact phone"},
    "PRV": {3: "taxonomy"},
    "SBR": {1: "payer responsibility", 2: "relationship", 3: "group number",
            9: "claim filing indicator"},
    "PAT": {1: "relationship to the subscriber"},
    "CLM": {1: "patient control number", 2: "total charge", 5: "place of service and frequency",
            6: "provider signature", 7: "assignment", 8: "benefits assignment",
            9: "release of information"},
    "SV1": {1: "procedure code and modifiers", 2: "charge", 3: "unit", 4: "units",
            5: "place of service", 7: "diagnosis pointers"},
    "SV2": {1: "revenue code", 2: "procedure code and modifiers", 3: "charge", 4: "unit",
            5: "units"},
    "CL1": {1: "admission type", 2: "admission source", 3: "patient status"},
    "LIN": {3: "NDC"},
    "CTP": {4: "NDC quantity", 5: "NDC unit"},
    "LX": {1: "line number"},
    "HL": {1: "hierarchical ID", 2: "parent ID", 3: "level code", 4: "child code"},
}  # fmt: skip
_SEGMENT_NAMES = {
    "NM1": "name", "N3": "address", "N4": "city, state and ZIP code", "DMG": "demographics",
    "CLM": "claim information", "SV1": "service line", "SV2": "service line",
    "HI": "diagnoses", "SBR": "subscriber information", "PAT": "patient information",
    "PRV": "taxonomy", "HL": "hierarchy", "PER": "contact", "CL1": "institutional information",
}  # fmt: skip
_DATES = {
    "472": "service date", "434": "statement dates", "435": "admission date",
    "096": "discharge hour", "431": "onset date", "454": "initial treatment date",
}  # fmt: skip
_REFS = {"6R": "line item control number", "G1": "prior authorization",
         "9F": "referral number", "X4": "CLIA number", "F8": "payer claim number",
         "EI": "tax ID", "D9": "clearinghouse trace", "SY": "social security number"}  # fmt: skip


class _LoopWalker:
    """Follows the loops of one 837 transaction set we wrote, segment by segment."""

    def __init__(self, institutional: bool) -> None:
        self.institutional = institutional
        self.level: str | None = None  # HL03 of the open HL
        self.loop = "header"
        self.entity: str | None = None
        self.line: int | None = None
        self.in_claim = False

    def feed(self, seg: Segment) -> _Place:
        sid = seg.id
        if sid == "HL":
            self.level = seg.get(3)
            self.loop = _HL_LOOPS.get(self.level, "2000")
            self.entity, self.line, self.in_claim = None, None, False
        elif sid == "CLM":
            self.loop, self.entity, self.line, self.in_claim = "2300", None, None, True
        elif sid == "LX":
            number = seg.get(1)
            self.loop, self.entity = "2400", None
            self.line = int(number) if number.isdigit() else None
        elif sid == "SBR" and self.in_claim:
            self.loop, self.entity = "2320", None  # other payers (COB)
        elif sid == "NM1":
            self.entity = seg.get(1)
            self.loop = self.name_loop(self.entity)
        return _Place(seg.elements, self.loop, self.entity, self.line)

    def name_loop(self, code: str) -> str:
        if self.level is None:
            return _HEADER_LOOPS.get(code, "1000")
        if self.line is not None:
            return _LINE_LOOPS[self.institutional].get(code, "2420")
        if self.loop in ("2320", "2330"):
            return "2330"
        if self.in_claim:
            return _CLAIM_LOOPS[self.institutional].get(code, "2310")
        return _NAME_LOOPS.get(self.level, {}).get(code, "2010")


@dataclass(frozen=True, slots=True)
class _Found:
    """One 999 error as it reads for a person: the field we wrote and what is wrong with it."""

    text: str
    codes: str
    category: Category


def _describe(error: SegmentError, place: _Place | None) -> list[_Found]:
    """The error, one entry per element in error (or one for the segment)."""
    seg_id = error.segment_id
    if place is not None and place.elements[0] != seg_id:
        place = None  # the 999 names another segment than the one we wrote there
    head = f"IK3 {seg_id} {error.position} {error.code.value}"
    category = _category_999(seg_id, place)
    elements: Sequence[ElementError | None] = error.elements or [None]
    found = []
    for element in elements:
        name = _field_name(seg_id, error.position, place, element)
        what = element.code.label if element is not None else error.code.label
        codes = head + (f"; IK4 {element.position} {element.code.value}" if element else "")
        found.append(_Found(f"{name}: {what}", codes, category))
    return found


def _field_name(
    seg_id: str, position: int, place: _Place | None, element: ElementError | None
) -> str:
    """The field we wrote, such as "subscriber member ID (loop 2010BA NM109)"."""
    index = element.position if element is not None else None
    where = f"{seg_id}{index:02d}" if index is not None else seg_id
    if place is None:
        return f"{where} (segment {position} of the transaction set)"
    values = place.elements
    qualifier = values[1] if len(values) > 1 else ""
    if seg_id == "NM1":
        id_type = _ID_NAMES.get(values[8] if len(values) > 8 else "", "ID")
        name = id_type if index == 9 else _NM1_FIELDS.get(index or 0, "name")
    elif seg_id == "DTP":
        name = _DATES.get(qualifier, "date")
    elif seg_id == "REF":
        name = _REFS.get(qualifier, f"reference {qualifier}")
    elif seg_id == "HI":
        name = "diagnosis"
    elif index is not None and index in _FIELDS.get(seg_id, {}):
        name = _FIELDS[seg_id][index]
    else:
        name = _SEGMENT_NAMES.get(seg_id, "segment")
    subject = ""
    if place.entity is not None and place.loop[:4] in ("1000", "2010", "2310", "2420", "2330"):
        subject = _ENTITIES.get(place.entity, f"entity {place.entity}")
    elif place.line is not None:
        subject = f"line {place.line}"
    elif place.loop == "2300":
        subject = "claim"
    return f"{subject} {name} (loop {place.loop} {where})".strip()


def _category_999(seg_id: str, place: _Place | None) -> Category:
    """Where a 999 error is routed, by the field it names."""
    if seg_id in ("SBR", "PAT", "DMG") or (
        place is not None and place.entity in ("IL", "QC", "PR")
    ):
        return Category.ELIGIBILITY
    if seg_id in ("HI", "SV1", "SV2", "LIN", "CTP", "CL1"):
        return Category.CODING
    if seg_id == "REF" and place is not None and place.elements[1:2] in (("G1",), ("9F",)):
        return Category.AUTHORIZATION
    return Category.MISSING_INFORMATION


class _Errors:
    """A transaction set's 999 errors, tied to the claims they are in (None: the set itself)."""

    def __init__(
        self,
        response: TransactionResponse | None,
        sent: _SentFile | None,
        number: int,
        members: set[str],
    ) -> None:
        self.by_claim: dict[str | None, list[_Found]] = defaultdict(list)
        self.problems: list[str] = []
        for error in response.errors if response is not None else ():
            pcn = error.claim_number
            if pcn is not None and pcn not in members:
                self.problems.append(
                    f"999 IK3 at segment {error.segment}: CTX names claim {pcn}, which is not in "
                    f"transaction set {number}"
                )
                pcn = None
            if pcn is None and sent is not None:
                pcn = sent.owner(number, error.position)
                pcn = pcn if pcn in members else None
            place = sent.places.get((number, error.position)) if sent is not None else None
            self.by_claim[pcn] += _describe(error, place)

    def of(self, pcn: str | None) -> list[_Found]:
        """The errors in one claim (or, for None, in the set outside any claim)."""
        return self.by_claim.get(pcn, [])

    def claims_named(self) -> set[str]:
        """The claims that have errors of their own."""
        return {pcn for pcn, found in self.by_claim.items() if pcn is not None and found}
