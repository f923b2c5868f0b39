"""Posting 835 files: each transaction set once, atomically, through ERA clearing.

A file is read as a stream (claims are applied in chunks as they arrive, so a transaction
set of 200,000 claims is never held whole). The file's transaction sets share one database
transaction, each in its own savepoint: a malformed file (found anywhere, even at its end)
is refused whole with nothing applied, and a transaction set that does not balance is rolled
back to its savepoint and held, whole, in unapplied cash for a person.

Per transaction set, every claim payment moves clearing <-> insurance A/R, every PLB moves
clearing <-> its account, and one deposit entry moves clearing -> cash for BPR02; so ERA
clearing nets to zero for each remittance (`claims check` verifies it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, SessionTransaction

from claims.claim.models import Claim
from claims.errors import InvalidInput, NotFound
from claims.files.models import InboundTransaction, StoredFile, TransactionKind
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, EntryKind
from claims.practice.models import PartnerPayerId, Payer, Practice
from claims.remittances.models import Remittance, RemittanceKind, RemittanceStatus
from claims.rework.models import Category, ReworkItem, Source
from claims.rework.service import priority
from edi.x835.balance import money, transaction_imbalance_of
from edi.x835.models import ClaimPayment, ProviderAdjustment, TransactionEnd, TransactionStart
from edi.x835.reader import Event, stream_835
from remittance.ingest import Inbound
from remittance.posting import CHUNK, Context, Poster, Totals
from remittance.report import CONFLICT, DUPLICATE, HELD, POSTED, FileReport, TransactionReport
from remittance.treatments import Treatments, load_treatments
from remittance.underpayment import open_underpayments

ACTOR_PREFIX = "835"
# PLB reasons that name a claim in PLB03-2: overpayment recovery, authorized return, forward
# balance.
CLAIM_PLB_REASONS = frozenset({"WO", "72", "FB"})


@dataclass(frozen=True, slots=True)
class Accounts:
    """The practice-wide accounts an ERA posts to."""

    clearing: int
    cash: int
    unapplied: int
    contractual: int
    other_adjustment: int
    plb: int
    interest: int

    @classmethod
    def of(cls, session: Session, practice_id: int) -> Accounts:
        """Each account, created on first use."""

        def get(kind: AccountKind) -> int:
            return ledger.account(session, practice_id=practice_id, kind=kind)

        return cls(
            get(AccountKind.ERA_CLEARING), get(AccountKind.CASH), get(AccountKind.UNAPPLIED_CASH),
            get(AccountKind.CONTRACTUAL), get(AccountKind.OTHER_ADJUSTMENT), get(AccountKind.PLB),
            get(AccountKind.INTEREST),
        )  # fmt: skip


def idempotency_key(start: TransactionStart) -> str:
    """TRN03 (payer) + TRN02 (check or EFT trace) + the payee's identifier."""
    trace = start.trace
    payee = start.payee.id or start.payee.name
    if trace is None:
        return f"|no TRN|{payee}|{start.payment.amount_cents}"
    return f"{trace.payer_id}|{trace.number}|{payee}"[:200]


def ingest_835(session: Session, inbound: Inbound, report: FileReport) -> None:
    """Post every transaction set of an 835 file (the ingest handler for 835s)."""
    post_stream(session, inbound, stream_835(inbound.content, name=inbound.name), report)


def post_stream(
    session: Session,
    inbound: Inbound,
    events: Iterable[Event],
    report: FileReport,
    *,
    kind: TransactionKind = TransactionKind.X835,
) -> None:
    """Post a stream of remittance events (an 835's, or a paper EOB's read as one) and
    commit: each transaction set once, in its own savepoint."""
    treatments = load_treatments()
    accounts = Accounts.of(session, inbound.practice_id)
    current: _Transaction | None = None
    for event in events:
        if isinstance(event, ClaimPayment):
            assert current is not None  # the reader yields a start before any claim
            current.claim(event)
        elif isinstance(event, TransactionStart):
            current = _Transaction(session, inbound, event, accounts, treatments, kind=kind)
        else:
            assert current is not None
            report.transactions.append(current.finish(event))
            current = None
    session.commit()
    session.expire_all()  # claims moved by Core statements: reload them when next read


def repost(
    session: Session,
    *,
    remittance: Remittance,
    actor: str,
    today: date,
    chosen: dict[int, int] | None = None,
) -> tuple[Totals, TransactionEnd]:
    """Post a remittance's stored transaction set again, through the normal path, into that
    remittance: with `chosen`, only the claim payments at those positions, each to the claim a
    person chose; without, every claim payment and PLB (releasing a held ERA). No deposit and
    no balance check: the caller settles what is left in clearing. Flushes; never commits."""
    stored = session.get(StoredFile, remittance.source_file_id)
    if stored is None or stored.practice_id != remittance.practice_id:
        raise NotFound(f"remittance {remittance.id}: its stored file is missing")
    inbound = Inbound(remittance.practice_id, stored, stored.content, stored.name, actor, today)
    current: _Transaction | None = None
    for event in _stored_events(session, remittance, stored):
        if isinstance(event, TransactionStart):
            if event.position == remittance.position:
                accounts = Accounts.of(session, remittance.practice_id)
                current = _Transaction(
                    session, inbound, event, accounts, load_treatments(), record=remittance,
                    chosen=chosen, kind=_KIND_OF[remittance.kind],
                )  # fmt: skip
        elif current is None:
            continue
        elif isinstance(event, ClaimPayment):
            if chosen is None or event.position in chosen:
                current.claim(event)
        else:
            assert current.poster is not None
            current.poster.apply(current.buffer)
            if chosen is None:
                current._provider_adjustments(event.provider_adjustments, current.poster.totals)
            current.poster.totals.rework_items += open_underpayments(
                session, remittance_id=remittance.id, today=today
            )
            return current.poster.totals, event
    raise InvalidInput(
        f"remittance {remittance.id}: stored file {stored.id} has no transaction set at "
        f"segment {remittance.position}"
    )


def _stored_events(session: Session, remittance: Remittance, stored: StoredFile) -> Iterable[Event]:
    """The events of a remittance's stored file: its 835, or the paper EOB a person entered."""
    if remittance.kind is RemittanceKind.ERA:
        return stream_835(stored.content, name=stored.name)
    from remittance.eob import eob_events, read_eob

    practice = session.get(Practice, remittance.practice_id)
    assert practice is not None
    return eob_events(read_eob(stored.content, name=stored.name), practice_name=practice.name)


_KIND_OF = {RemittanceKind.ERA: TransactionKind.X835, RemittanceKind.MANUAL: TransactionKind.EOB}


class _Transaction:
    """One ST..SE being posted (or, when its key was seen before, only compared)."""

    def __init__(
        self,
        session: Session,
        inbound: Inbound,
        start: TransactionStart,
        accounts: Accounts,
        treatments: Treatments,
        *,
        record: Remittance | None = None,
        chosen: dict[int, int] | None = None,
        kind: TransactionKind = TransactionKind.X835,
    ) -> None:
        """record: the remittance of a stored transaction set posted again (see repost)."""
        self.session = session
        self.kind = kind
        self.inbound = inbound
        self.start = start
        self.accounts = accounts
        self.treatments = treatments
        self.key = idempotency_key(start)
        self.buffer: list[ClaimPayment] = []
        self.claims_seen = 0
        self.savepoint: SessionTransaction | None = None
        self.poster: Poster | None = None
        if record is not None:
            self.seen = None
            self.record = record
            self.poster = Poster(session, self._context(record.id), chosen=chosen)
            return
        self.seen = session.scalar(
            select(InboundTransaction).where(
                InboundTransaction.practice_id == inbound.practice_id,
                InboundTransaction.kind == kind,
                InboundTransaction.key == self.key,
            )
        )
        if self.seen is None:
            self.savepoint = session.begin_nested()
            self.record = self._records(RemittanceStatus.POSTED)
            self.poster = Poster(session, self._context(self.record.id))

    def claim(self, clp: ClaimPayment) -> None:
        """Take one claim payment; chunks are applied as they fill."""
        self.claims_seen += 1
        if self.poster is None:
            return
        self.buffer.append(clp)
        if len(self.buffer) >= CHUNK:
            self.poster.apply(self.buffer)
            self.buffer = []

    def finish(self, end: TransactionEnd) -> TransactionReport:
        """Close the transaction set: PLB, the deposit, and the balance check."""
        report = TransactionReport(
            position=self.start.position, control_number=self.start.control_number,
            key=self.key, status=POSTED, claims=end.claim_count,
            provider_adjustment_cents=end.provider_adjustment_cents,
        )  # fmt: skip
        if self.seen is not None:
            return self._repeat(end, report)
        assert self.poster is not None and self.savepoint is not None
        self.poster.apply(self.buffer)
        imbalance = transaction_imbalance_of(self.start, end)
        if imbalance is not None:
            self.savepoint.rollback()
            self.savepoint = self.session.begin_nested()
            return self._hold(end, report, imbalance.message)
        totals = self.poster.totals
        self._provider_adjustments(end.provider_adjustments, totals)
        self._deposit()
        self._settle(self.record, end, totals, RemittanceStatus.POSTED)
        totals.rework_items += open_underpayments(
            self.session, remittance_id=self.record.id, today=self.inbound.today
        )
        self.savepoint.commit()
        report.remittance_id = self.record.id
        _fill(report, totals)
        return report

    # ------------------------------------------------------------------ records

    def _records(self, status: RemittanceStatus) -> Remittance:
        start, inbound = self.start, self.inbound
        seen = InboundTransaction(
            practice_id=inbound.practice_id, kind=self.kind, key=self.key,
            content_sha256="", source_file_id=inbound.stored.id, position=start.position,
        )  # fmt: skip
        self.session.add(seen)
        self.session.flush()
        trace = start.trace
        manual = self.kind is TransactionKind.EOB
        record = Remittance(
            practice_id=inbound.practice_id,
            kind=RemittanceKind.MANUAL if manual else RemittanceKind.ERA,
            inbound_transaction_id=seen.id, source_file_id=inbound.stored.id,
            position=start.position, control_number=start.control_number[:9],
            payer_id=_payer_id(self.session, inbound.practice_id, start),
            payer_identifier=(trace.payer_id if trace else start.payer.id or "")[:80],
            trace_number=(trace.number if trace else "")[:80],
            payee_identifier=(start.payee.id or start.payee.name)[:80],
            method=start.payment.method[:3], payment_cents=start.payment.signed_cents,
            payment_date=start.payment.date or inbound.today, status=status, claim_count=0,
            applied_count=0, unapplied_count=0, applied_cents=0, unapplied_cents=0,
            provider_adjustment_cents=0, actor=self._actor,
        )  # fmt: skip
        self.session.add(record)
        self.session.flush()
        self.inbound_record = seen
        return record

    @property
    def _actor(self) -> str:
        prefix = "eob" if self.kind is TransactionKind.EOB else ACTOR_PREFIX
        return f"{prefix}:{self.inbound.actor}"[:80]

    def _context(self, remittance_id: int) -> Context:
        start, a = self.start, self.accounts
        produced = next((d.value for d in start.dates if d.qualifier == "405"), None)
        return Context(
            practice_id=self.inbound.practice_id, remittance_id=remittance_id,
            source_file_id=self.inbound.stored.id, payer_id=self.record.payer_id,
            cash_account_id=a.clearing, unapplied_account_id=a.unapplied,
            contractual_account_id=a.contractual, other_adjustment_account_id=a.other_adjustment,
            posting_date=self.inbound.today, deposit_date=start.payment.date,
            adjudicated_on=produced or start.payment.date or self.inbound.today,
            actor=self._actor, treatments=self.treatments, today=self.inbound.today,
        )  # fmt: skip

    def _settle(
        self, record: Remittance, end: TransactionEnd, totals: Totals, status: RemittanceStatus
    ) -> None:
        record.status = status
        record.claim_count = end.claim_count
        record.applied_count = totals.matched
        record.unapplied_count = totals.unmatched
        record.applied_cents = totals.applied_cents
        record.unapplied_cents = totals.unapplied_cents
        record.provider_adjustment_cents = end.provider_adjustment_cents
        self.inbound_record.content_sha256 = end.content_sha256
        self.session.flush()

    # ------------------------------------------------------------------ money

    def _post(self, postings: list[ledger.Posting]) -> None:
        ledger.post(self.session, practice_id=self.inbound.practice_id, postings=postings)

    def _entry(
        self,
        debit: int,
        credit: int,
        cents: int,
        kind: EntryKind,
        *,
        position: int,
        claim_id: int | None = None,
        reason: str | None = None,
    ) -> ledger.Posting | None:
        """An entry moving signed cents from credit to debit (swapped when negative)."""
        if cents == 0:
            return None
        if cents < 0:
            debit, credit, cents = credit, debit, -cents
        return ledger.Posting(
            debit_account_id=debit, credit_account_id=credit, amount_cents=cents, kind=kind,
            posting_date=self.inbound.today, actor=self._actor, claim_id=claim_id,
            deposit_date=self.start.payment.date, source_file_id=self.inbound.stored.id,
            remittance_id=self.record.id, segment_position=position, reason_code=reason,
        )  # fmt: skip

    def _deposit(self) -> None:
        """BPR02 moves from ERA clearing to cash (a debit BPR03 D moves back)."""
        payment = self.start.payment
        a = self.accounts
        entry = self._entry(
            a.cash, a.clearing, payment.signed_cents, EntryKind.DEPOSIT, position=payment.position
        )
        self._post([entry] if entry else [])

    def _provider_adjustments(
        self, adjustments: tuple[ProviderAdjustment, ...], totals: Totals
    ) -> None:
        """Each PLB against clearing: interest (L6) allocated to the claims by AMT*I, WO/72/FB
        linked to the claim PLB03-2 names, the rest to the PLB account."""
        a = self.accounts
        entries: list[ledger.Posting | None] = []
        interest = list(totals.interest)
        for adj in adjustments:
            # A positive amount reduces the payment: it leaves clearing for the account.
            if adj.reason == "L6":
                left = -adj.amount_cents  # interest paid to us
                while interest and left > 0:
                    claim_id, cents = interest[0]
                    share = min(cents, left)
                    entries.append(
                        self._entry(a.clearing, a.interest, share, EntryKind.INTEREST,
                                    position=adj.position, claim_id=claim_id, reason="L6")
                    )  # fmt: skip
                    left -= share
                    interest[0] = (claim_id, cents - share)
                    if interest[0][1] == 0:
                        interest.pop(0)
                entries.append(
                    self._entry(a.clearing, a.interest, left, EntryKind.INTEREST,
                                position=adj.position, reason="L6")
                )  # fmt: skip
                continue
            named = None
            if adj.reason in CLAIM_PLB_REASONS and adj.reference:
                named = _claim_named(self.session, self.inbound.practice_id, adj.reference)
            entries.append(
                self._entry(a.plb, a.clearing, adj.amount_cents, EntryKind.PROVIDER_ADJUSTMENT,
                            position=adj.position, claim_id=named, reason=adj.reason[:5])
            )  # fmt: skip
        self._post([e for e in entries if e is not None])

    # ------------------------------------------------------------------ the other outcomes

    def _hold(self, end: TransactionEnd, report: TransactionReport, why: str) -> TransactionReport:
        """BPR02 does not balance: nothing of it is applied; its cash waits for a person."""
        assert self.savepoint is not None
        self.record = self._records(RemittanceStatus.HELD)
        a = self.accounts
        payment = self.start.payment
        entries = [
            self._entry(a.cash, a.clearing, payment.signed_cents, EntryKind.DEPOSIT,
                        position=payment.position),
            self._entry(a.clearing, a.unapplied, payment.signed_cents, EntryKind.UNAPPLIED,
                        position=payment.position),
        ]  # fmt: skip
        self._post([e for e in entries if e is not None])
        totals = Totals(unapplied_cents=payment.signed_cents, unmatched=end.claim_count)
        self._settle(self.record, end, totals, RemittanceStatus.HELD)
        summary = (
            f"{why}: the whole payment ({money(payment.signed_cents)}, trace "
            f"{self.start.trace.number if self.start.trace else 'none'}) is held in unapplied "
            "cash; check the remittance with the payer, then release it"
        )
        self.session.add(
            ReworkItem(
                practice_id=self.inbound.practice_id, source_file_id=self.inbound.stored.id,
                remittance_id=self.record.id, segment_position=payment.position,
                source=Source.REMIT_835, category=Category.OTHER, codes="BPR02", summary=summary,
                amount_cents=abs(payment.signed_cents),
                priority=priority(amount_cents=abs(payment.signed_cents), deadline=None,
                                  today=self.inbound.today),
            )
        )  # fmt: skip
        self.session.flush()
        self.savepoint.commit()
        report.status = HELD
        report.remittance_id = self.record.id
        report.unmatched = end.claim_count
        report.unapplied_cents = payment.signed_cents
        report.rework_items = 1
        report.exceptions.append(summary)
        return report

    def _repeat(self, end: TransactionEnd, report: TransactionReport) -> TransactionReport:
        """A key seen before: the same content is a duplicate, other content a conflict."""
        assert self.seen is not None
        if self.seen.content_sha256 == end.content_sha256:
            report.status = DUPLICATE
            return report
        report.status = CONFLICT
        summary = (
            f"transaction set {self.start.control_number}: payer {self.key.split('|')[0]} trace "
            f"{self.start.trace.number if self.start.trace else 'none'} was posted before from "
            f"stored file {self.seen.source_file_id} with other content; nothing of this one "
            "was posted: compare the two with the payer"
        )
        self.session.add(
            ReworkItem(
                practice_id=self.inbound.practice_id, source_file_id=self.inbound.stored.id,
                segment_position=self.start.position, source=Source.REMIT_835,
                category=Category.DUPLICATE, codes="TRN", summary=summary,
                amount_cents=abs(self.start.payment.signed_cents),
                priority=priority(amount_cents=abs(self.start.payment.signed_cents),
                                  deadline=None, today=self.inbound.today),
            )
        )  # fmt: skip
        self.session.flush()
        report.rework_items = 1
        report.exceptions.append(summary)
        return report


def _fill(report: TransactionReport, totals: Totals) -> None:
    report.matched = totals.matched
    report.unmatched = totals.unmatched
    report.posted_cents = totals.applied_cents
    report.unapplied_cents = totals.unapplied_cents
    report.denials = totals.denials
    report.rework_items = totals.rework_items
    report.exceptions.extend(totals.exceptions)


def _payer_id(session: Session, practice_id: int, start: TransactionStart) -> int | None:
    """Our payer this remittance comes from: N1*PR N104, else TRN03, by payer code or a
    trading partner's payer ID; None when it is not one of ours for sure."""
    codes = [c for c in (start.payer.id, start.trace.payer_id if start.trace else None) if c]
    for code in codes:
        found = list(
            session.scalars(
                select(Payer.id).where(Payer.practice_id == practice_id, Payer.payer_code == code)
            )
        )
        if len(found) != 1:
            found = list(
                session.scalars(
                    select(PartnerPayerId.payer_id)
                    .join(Payer, Payer.id == PartnerPayerId.payer_id)
                    .where(Payer.practice_id == practice_id, PartnerPayerId.payer_code == code)
                    .distinct()
                )
            )
        if len(found) == 1:
            return found[0]
    return None


def _claim_named(session: Session, practice_id: int, reference: str) -> int | None:
    """The claim a PLB03-2 reference names (patient control number or payer claim number),
    when exactly one does."""
    found = list(
        session.scalars(
            select(Claim.id).where(
                Claim.practice_id == practice_id,
                or_(
                    Claim.patient_control_number == reference, Claim.payer_claim_number == reference
                ),
            )
        )
    )
    return found[0] if len(found) == 1 else None


__all__ = ["idempotency_key", "ingest_835", "post_stream", "repost"]
