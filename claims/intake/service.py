"""Importing inbound 837P/837I files: each claim mapped onto the practice, recorded and scrubbed."""

from __future__ import annotations

import enum
import logging
import secrets
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from claims.audit.models import AuditEvent
from claims.base import utcnow
from claims.claim import service as claim_service
from claims.claim.models import Claim, ClaimTransition
from claims.codesets.service import load_tables
from claims.encounters.models import ClaimKind, Encounter
from claims.encounters.service import (
    ChargeInput,
    EncounterInput,
    create_encounter,
    responsible_account,
)
from claims.errors import ClaimsError
from claims.files.models import Direction, FileKind, FileStatus, StoredFile
from claims.files.service import MAX_CONTROL_NUMBER, store_file
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind
from claims.patients.models import Coverage, CoverageOrder, Patient, Relationship, Sex
from claims.practice.models import (
    BillingProvider,
    Facility,
    PartnerPayerId,
    Payer,
    Provider,
    TradingPartner,
)
from claims.rework.models import ItemStatus, ReworkItem, Source
from claims.scrubbing.service import scrub_claims
from coding.payer_rules import PayerRules
from coding.scrub import CodeTables
from edi.x12 import X12Error
from edi.x277ca.models import Category as StatusCategory
from edi.x837 import models as x837
from edi.x837.acknowledge import ClaimAnswer, acknowledge_claims, acknowledge_file, outline
from edi.x837.reader import read_837

log = logging.getLogger(__name__)

# Encounter.external_ref of an imported claim: the sender's CLM01 under a prefix of its own, so
# it never meets the references other sources (API, CSV, FHIR) give, and stays unique per
# practice: a CLM01 seen before is a duplicate claim.
EXTERNAL_REF_PREFIX = "837:"
MAX_CLM01 = 50 - len(EXTERNAL_REF_PREFIX)
# A new patient's account number: "PM" (from a practice-management system) and 10 random
# letters and digits without look-alikes. Random rather than a counter (no race between two
# imports) or a hash (a hash of name and birth date could be reversed by trying them).
ACCOUNT_PREFIX = "PM"
_ACCOUNT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_ACCOUNT_LENGTH = 10
# The audit log records how a file was processed: one event per file, one per rejected claim
# (a duplicate import reads them back). Details hold IDs, codes and field names only.
AUDIT_ENTITY = "stored_files"
AUDIT_IMPORTED = "intake_import"
AUDIT_REJECTED = "intake_reject"

_FILE_KIND = {x837.Kind.PROFESSIONAL: FileKind.X837P, x837.Kind.INSTITUTIONAL: FileKind.X837I}
_CLAIM_KIND = {
    x837.Kind.PROFESSIONAL: ClaimKind.PROFESSIONAL,
    x837.Kind.INSTITUTIONAL: ClaimKind.INSTITUTIONAL,
}
# Loops of the claim-level providers (2310x), for messages.
_LOOPS = {
    x837.Kind.PROFESSIONAL: {"referring": "2310A", "rendering": "2310B", "facility": "2310C"},
    x837.Kind.INSTITUTIONAL: {
        "attending": "2310A", "rendering": "2310D", "facility": "2310E", "referring": "2310F",
    },
}  # fmt: skip
# PAT01 codes a coverage can hold (Relationship); the guide allows a few more (20, 21, 39...).
_DEPENDENT = {r.value: r for r in Relationship if r is not Relationship.SELF}
_SEXES = {s.value: s for s in Sex}


class IntakeStatus(enum.StrEnum):
    """What became of a file."""

    IMPORTED = "imported"  # read: each claim imported or rejected with its reason
    DUPLICATE = "duplicate"  # the same bytes came before: nothing changed
    REFUSED = "refused"  # malformed: stored with the error, nothing else created


@dataclass(frozen=True, slots=True)
class ImportedClaim:
    """A claim version created from the file, as the scrubber left it (or as it is now)."""

    claim_id: int
    patient_control_number: str  # our CLM01, which the claim is sent with
    state: str
    scrub_errors: tuple[str, ...] = ()  # edit IDs that hold it


@dataclass(frozen=True, slots=True)
class IntakeClaim:
    """One claim of the file: the versions it became (a split gives several), or why not."""

    clm01: str  # the sender's patient control number
    claims: tuple[ImportedClaim, ...] = ()
    rejected: str | None = None  # the reason, naming the field (never a PHI value)
    warnings: tuple[str, ...] = ()  # what was read but is not sent as it came

    @property
    def state(self) -> str:
        """rejected, or the state of its claim versions (mixed when they differ)."""
        if self.rejected is not None:
            return "rejected"
        states = {c.state for c in self.claims}
        return states.pop() if len(states) == 1 else "mixed"


@dataclass(frozen=True, slots=True)
class Acknowledgment:
    """A 999 or 277CA we made for the sender of a file, kept as an outbound file."""

    kind: str  # "999" or "277CA"
    file_id: int
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """What an import did with a file."""

    file_id: int
    sha256: str
    kind: str  # 837P, 837I, or other when a refused file is not recognisably an 837
    status: IntakeStatus
    claims: tuple[IntakeClaim, ...] = ()
    error: str | None = None  # why the file (or, for a duplicate, its first import) was refused
    skipped_segments: int = 0  # what the reader read but does not carry (Batch.skipped)
    # Our answers to the sender: a 999 for the file (none when its ISA is unreadable) and,
    # when it was read, a 277CA for its claims after the scrubber ran.
    acknowledgments: tuple[Acknowledgment, ...] = ()

    @property
    def imported(self) -> tuple[IntakeClaim, ...]:
        """The claims that were recorded."""
        return tuple(c for c in self.claims if c.rejected is None)

    @property
    def rejected(self) -> tuple[IntakeClaim, ...]:
        """The claims that were not recorded, each with its reason."""
        return tuple(c for c in self.claims if c.rejected is not None)

    @property
    def ok(self) -> bool:
        """Whether the file was read and every claim in it imported."""
        return self.error is None and self.status is not IntakeStatus.REFUSED and not self.rejected


class Rejected(Exception):
    """A claim of the file that cannot be recorded; the message names the field."""


def import_837(
    session: Session,
    *,
    practice_id: int,
    data: bytes,
    name: str,
    actor: str,
    today: date,
    tables: CodeTables | None = None,
    rules: Mapping[str, PayerRules] | None = None,
) -> IntakeResult:
    """Store an inbound 837 and import its claims: recorded and scrubbed, or rejected with why."""
    stored, is_new = store_file(
        session, practice_id=practice_id, content=data, direction=Direction.INBOUND,
        kind=_sniff(data), name=name[:255], actor=actor, status=FileStatus.RECEIVED,
    )  # fmt: skip
    if not is_new:
        log.info("837 intake: file %s is a duplicate", stored.id)
        return _earlier_result(session, stored)
    try:
        batches = read_837(data, name=name)
    except X12Error as exc:
        stored.status = FileStatus.REFUSED
        stored.error = str(exc)
        stored.processed_at = utcnow()
        session.flush()
        log.info("837 intake: file %s refused", stored.id)
        acks = _acknowledge(session, stored, data, actor=actor, error=exc)
        return IntakeResult(
            stored.id, stored.sha256, stored.kind.value, IntakeStatus.REFUSED, error=stored.error,
            acknowledgments=acks,
        )  # fmt: skip
    stored.kind = _FILE_KIND[batches[0].kind]
    intake = _Intake(session, practice_id, actor, today, stored.id)
    made: list[tuple[x837.Claim, list[Claim] | str, tuple[str, ...]]] = []
    for batch in batches:
        partner_id = intake.partner(batch)
        for value in batch.claims:
            made.append((value, *intake.claim(batch.kind, partner_id, value)))
    new_ids = [c.id for _, outcome, _ in made if isinstance(outcome, list) for c in outcome]
    errors: dict[int, tuple[str, ...]] = {}
    if new_ids:
        verdicts = scrub_claims(
            session, practice_id=practice_id, today=today, actor=actor, claim_ids=new_ids,
            tables=tables if tables is not None else load_tables(session), rules=rules,
        )  # fmt: skip
        errors = {v.claim_id: tuple(f.edit_id for f in v.errors) for v in verdicts}
    results = tuple(_outcome(value, outcome, warnings, errors) for value, outcome, warnings in made)
    skipped = sum(len(b.skipped) for b in batches)
    rejected = sum(1 for r in results if r.rejected is not None)
    stored.status = FileStatus.PROCESSED
    stored.processed_at = utcnow()
    session.add(
        AuditEvent(
            practice_id=practice_id, actor=actor[:80], action=AUDIT_IMPORTED,
            entity=AUDIT_ENTITY, entity_id=str(stored.id),
            detail=f"{stored.kind.value}: {len(results) - rejected} claims imported as "
            f"{len(new_ids)} claim versions, {rejected} rejected, {skipped} segments skipped",
        )
    )  # fmt: skip
    session.flush()
    log.info(
        "837 intake: file %s: %d claims imported, %d rejected, %d segments skipped",
        stored.id, len(results) - rejected, rejected, skipped,
    )  # fmt: skip
    answers = [_answer(outcome, errors) for _, outcome, _ in made]
    acks = _acknowledge(
        session, stored, data, actor=actor, error=None, batches=batches, answers=answers
    )
    return IntakeResult(
        stored.id, stored.sha256, stored.kind.value, IntakeStatus.IMPORTED, results,
        skipped_segments=skipped, acknowledgments=acks,
    )  # fmt: skip


# Our acknowledgments are numbered from the file they answer (999: 2n - 1, 277CA: 2n), so
# every file we answer gets its own interchange numbers and a re-run gives the same ones.
ACK_KINDS = {"999": (FileKind.X999, 1), "277CA": (FileKind.X277CA, 0)}


def ack_name(kind: str, file_id: int) -> str:
    """The name we keep our 999 or 277CA for an inbound file under."""
    return f"{kind}-in{file_id}.x12"


def _acknowledge(
    session: Session,
    stored: StoredFile,
    data: bytes,
    *,
    actor: str,
    error: X12Error | None,
    batches: list[x837.Batch] | None = None,
    answers: list[ClaimAnswer] | None = None,
) -> tuple[Acknowledgment, ...]:
    """Write and keep our 999 (and, for a file read, 277CA) for the sender of a file."""
    found = outline(data)
    if found is None:
        return ()  # no readable ISA: there is no one to address an answer to
    now = utcnow()
    texts: dict[str, str | None] = {
        "999": acknowledge_file(
            found, error=error, interchange_control_number=_ack_number(stored.id, "999"),
            created_at=now,
        ),
    }  # fmt: skip
    if batches is not None and answers is not None:
        texts["277CA"] = acknowledge_claims(
            found, batches, answers, interchange_control_number=_ack_number(stored.id, "277CA"),
            created_at=now,
        )  # fmt: skip
    out = []
    for kind, text in texts.items():
        if text is None:
            continue
        name = ack_name(kind, stored.id)
        kept, _ = store_file(
            session, practice_id=stored.practice_id, content=text.encode(),
            direction=Direction.OUTBOUND, kind=ACK_KINDS[kind][0], name=name, actor=actor,
            status=FileStatus.SENT,
        )  # fmt: skip
        out.append(Acknowledgment(kind, kept.id, name, text))
    session.flush()
    return tuple(out)


def _ack_number(file_id: int, kind: str) -> int:
    return (2 * file_id - ACK_KINDS[kind][1] - 1) % MAX_CONTROL_NUMBER + 1


def _answer(outcome: list[Claim] | str, errors: dict[int, tuple[str, ...]]) -> ClaimAnswer:
    """What our 277CA says of one claim of the file."""
    # ":" is the usual component separator, which the writer would turn into a space.
    if isinstance(outcome, str):
        return ClaimAnswer(StatusCategory.RETURNED, "21", outcome.replace(": ", " - "))
    ours = outcome[0].patient_control_number
    held = [(c, errors[c.id]) for c in outcome if errors.get(c.id)]
    if held:
        edits = "; ".join(f"claim {c.patient_control_number} {', '.join(e)}" for c, e in held)
        return ClaimAnswer(
            StatusCategory.RECEIVED, "19", f"held here for correction ({edits})", ours
        )
    if len(outcome) > 1:
        parts = ", ".join(c.patient_control_number for c in outcome)
        return ClaimAnswer(StatusCategory.SPLIT, "20", f"split into claims {parts}", ours)
    return ClaimAnswer(StatusCategory.ACCEPTED, "20", None, ours)


def _kept_acknowledgments(session: Session, stored: StoredFile) -> tuple[Acknowledgment, ...]:
    """The 999 and 277CA made when the file first came."""
    out = []
    for kind, (file_kind, _) in ACK_KINDS.items():
        kept = session.scalar(
            select(StoredFile)
            .where(
                StoredFile.practice_id == stored.practice_id,
                StoredFile.direction == Direction.OUTBOUND,
                StoredFile.kind == file_kind,
                StoredFile.name == ack_name(kind, stored.id),
            )
            .order_by(StoredFile.id)
            .limit(1)
        )
        if kept is not None:
            out.append(Acknowledgment(kind, kept.id, kept.name or "", kept.content.decode()))
    return tuple(out)


def _sniff(data: bytes) -> FileKind:
    """The kind a file says it is (GS08), before it is read: a refused file is stored as that."""
    found = sorted(
        (at, file_kind)
        for version, file_kind in _FILE_KIND.items()
        if (at := data.find(version.value.encode())) >= 0
    )
    return found[0][1] if found else FileKind.OTHER


def _outcome(
    value: x837.Claim,
    outcome: list[Claim] | str,
    warnings: tuple[str, ...],
    errors: dict[int, tuple[str, ...]],
) -> IntakeClaim:
    if isinstance(outcome, str):
        return IntakeClaim(value.patient_control_number, rejected=outcome, warnings=warnings)
    versions = tuple(
        ImportedClaim(c.id, c.patient_control_number, c.state.value, errors.get(c.id, ()))
        for c in outcome
    )
    return IntakeClaim(value.patient_control_number, versions, warnings=warnings)


class _Intake:
    """One file's claims mapped onto one practice's records."""

    def __init__(
        self, session: Session, practice_id: int, actor: str, today: date, file_id: int
    ) -> None:
        self.session = session
        self.practice_id = practice_id
        self.actor = actor
        self.today = today
        self.file_id = file_id

    def partner(self, batch: x837.Batch) -> int | None:
        """The practice's trading partner the file is addressed to (ISA08, 1000B NM109), if any."""
        # A file made for a clearinghouse names payers by that clearinghouse's payer IDs.
        best: tuple[int, int] | None = None
        for partner in self.session.scalars(
            select(TradingPartner)
            .where(TradingPartner.practice_id == self.practice_id)
            .order_by(TradingPartner.id)
        ):
            score = int(partner.receiver_id.strip() == batch.envelope.receiver_id) + int(
                partner.receiver_code == batch.receiver.id
            )
            if score and (best is None or score > best[0]):
                best = (score, partner.id)
        return best[1] if best else None

    def claim(
        self, kind: x837.Kind, partner_id: int | None, value: x837.Claim
    ) -> tuple[list[Claim] | str, tuple[str, ...]]:
        """The claim versions one claim of the file became (or why not), and its warnings."""
        # A savepoint per claim: a rejected claim leaves nothing behind.
        warnings: list[str] = []
        try:
            with self.session.begin_nested():
                claims = self.record(kind, partner_id, value, warnings)
        except (Rejected, ClaimsError) as exc:
            reason = str(exc)
            clm01 = value.patient_control_number
            self.session.add(
                AuditEvent(
                    practice_id=self.practice_id, actor=self.actor[:80], action=AUDIT_REJECTED,
                    entity=AUDIT_ENTITY, entity_id=str(self.file_id),
                    detail=f"CLM01 {clm01}: {reason}"[:500],
                )
            )  # fmt: skip
            return reason, tuple(warnings)
        return claims, tuple(warnings)

    def record(
        self, kind: x837.Kind, partner_id: int | None, value: x837.Claim, warnings: list[str]
    ) -> list[Claim]:
        """Map one claim and record it: encounter, charges posted, draft claim versions."""
        _check_claim(kind, value)
        external_ref = EXTERNAL_REF_PREFIX + value.patient_control_number
        self.check_unseen(value.patient_control_number, external_ref)
        billing = self.billing_provider(value.billing_provider)
        payer = self.payer(partner_id, value.subscriber.payer_id)
        warnings.extend(_not_carried(kind, value, payer))
        inst = value.institutional
        service_date = (
            inst.statement_from if inst else min(line.service_date for line in value.lines)
        )
        patient = self.patient(value)
        coverage = self.coverage(patient, payer, value, service_date)
        loops = _LOOPS[kind]
        data = EncounterInput(
            patient_id=patient.id,
            billing_provider_id=billing.id,
            service_date=service_date,
            place_of_service=value.place_of_service,
            diagnoses=tuple(d.code for d in value.diagnoses),
            charges=tuple(_charge(line) for line in value.lines),
            rendering_provider_id=self.provider(value.rendering, "rendering", loops["rendering"]),
            referring_provider_id=self.provider(value.referring, "referring", loops["referring"]),
            kind=_CLAIM_KIND[kind],
            external_ref=external_ref,
            prior_authorization=value.prior_authorization,
            clia_number=value.clia_number,
            present_on_admission=(
                tuple(d.present_on_admission for d in value.diagnoses) if inst else ()
            ),
            facility_id=self.facility(value.service_facility, loops["facility"]),
            attending_provider_id=(
                self.provider(inst.attending, "attending", loops["attending"]) if inst else None
            ),
            type_of_bill=inst.type_of_bill if inst else None,
            statement_to=inst.statement_to if inst else None,
            admission_at=_admission(inst.admission_at) if inst else None,
            admission_type=inst.admission_type if inst else None,
            admission_source=inst.admission_source if inst else None,
            patient_status=inst.patient_status if inst else None,
            admitting_diagnosis=inst.admitting_diagnosis if inst else None,
            reason_for_visit=inst.reason_for_visit if inst else (),
        )
        encounter = create_encounter(
            self.session, practice_id=self.practice_id, data=data, actor=self.actor,
            posting_date=self.today,
        )  # fmt: skip
        claims = claim_service.create_claims_for_encounter(
            self.session, practice_id=self.practice_id, encounter_id=encounter.id,
            coverage_id=coverage.id, actor=self.actor,
        )  # fmt: skip
        # The file that made each claim, on its first step: a duplicate import reads it back.
        self.session.execute(
            update(ClaimTransition)
            .where(
                ClaimTransition.claim_id.in_([c.id for c in claims]),
                ClaimTransition.trigger == "created",
            )
            .values(source_file_id=self.file_id)
        )
        return claims

    def check_unseen(self, clm01: str, external_ref: str) -> None:
        """A CLM01 seen before (imported, or our own claim come back) is a duplicate claim."""
        encounter_id = self.session.scalar(
            select(Encounter.id).where(
                Encounter.practice_id == self.practice_id, Encounter.external_ref == external_ref
            )
        )
        if encounter_id is not None:
            raise Rejected(
                f"CLM01: a claim with this patient control number was imported before "
                f"(encounter {encounter_id}); a changed claim is corrected here, not imported "
                "again"
            )
        claim_id = self.session.scalar(
            select(Claim.id).where(
                Claim.practice_id == self.practice_id, Claim.patient_control_number == clm01
            )
        )
        if claim_id is not None:
            raise Rejected(
                f"CLM01: claim {claim_id} of this practice has this patient control number; "
                "the file holds a claim sent from here"
            )

    def billing_provider(self, value: x837.BillingProvider) -> BillingProvider:
        """The practice's billing provider with the file's NPI and tax ID."""
        found = self.session.scalar(
            select(BillingProvider).where(
                BillingProvider.practice_id == self.practice_id, BillingProvider.npi == value.npi
            )
        )
        if found is None:
            raise Rejected(
                f"billing provider NPI {value.npi} (loop 2010AA NM109): not a billing provider "
                "of this practice"
            )
        if found.tin != value.tin:
            raise Rejected(
                f"billing provider tax ID (loop 2010AA REF*EI): differs from this practice's "
                f"record for NPI {value.npi}"
            )
        return found

    def payer(self, partner_id: int | None, payer_id: str) -> Payer:
        """The payer the file's payer ID names: the partner's own ID for it first, else the code."""
        found = None
        if partner_id is not None:
            found = self.session.scalar(
                select(Payer)
                .join(PartnerPayerId, PartnerPayerId.payer_id == Payer.id)
                .where(
                    PartnerPayerId.trading_partner_id == partner_id,
                    PartnerPayerId.payer_code == payer_id,
                    Payer.practice_id == self.practice_id,
                )
                .order_by(Payer.id)
                .limit(1)
            )
        if found is None:
            found = self.session.scalar(
                select(Payer).where(
                    Payer.practice_id == self.practice_id, Payer.payer_code == payer_id
                )
            )
        if found is None:
            raise Rejected(
                f"payer ID {payer_id} (loop 2010BB NM109): no payer of this practice has this ID"
            )
        return found

    def patient(self, value: x837.Claim) -> Patient:
        """The patient with this name, birth date and a coverage with this member ID, else new."""
        sub, dependent = value.subscriber, value.patient
        loop = "2010CA" if dependent else "2010BA"
        person = dependent.name if dependent else sub.name
        birth_date = dependent.birth_date if dependent else sub.birth_date
        _required(sub.member_id, "subscriber member ID (loop 2010BA NM109)")
        _fit(sub.member_id, 80, "subscriber member ID (loop 2010BA NM109)")
        if person.is_organization or not person.first_name or not person.last_name:
            raise Rejected(f"patient name (loop {loop} NM103/NM104): last and first name required")
        if birth_date is None:
            raise Rejected(f"patient birth date (loop {loop} DMG02): required")
        found = self.session.scalar(
            select(Patient)
            .where(
                Patient.practice_id == self.practice_id,
                func.upper(Patient.last_name) == person.last_name.upper(),
                func.upper(Patient.first_name) == person.first_name.upper(),
                Patient.birth_date == birth_date,
                Patient.id.in_(
                    select(Coverage.patient_id).where(
                        Coverage.practice_id == self.practice_id,
                        Coverage.member_id == sub.member_id,
                    )
                ),
            )
            .order_by(Patient.id)
            .limit(1)
        )
        if found is not None:
            return found
        sex = _SEXES.get((dependent.sex if dependent else sub.sex) or "")
        if sex is None:
            raise Rejected(f"patient sex (loop {loop} DMG03): F, M or U required")
        address = dependent.address if dependent else sub.address
        if address is None:
            raise Rejected(f"patient address (loop {loop} N3/N4): required for a new patient")
        patient = Patient(
            practice_id=self.practice_id,
            account_number=self.account_number(),
            last_name=_fit(person.last_name, 60, f"patient last name (loop {loop} NM103)"),
            first_name=_fit(person.first_name, 35, f"patient first name (loop {loop} NM104)"),
            middle_name=_fit(person.middle_name, 25, f"patient middle name (loop {loop} NM105)"),
            birth_date=birth_date,
            sex=sex,
            **_address_columns(address, f"patient address (loop {loop} N3/N4)"),
        )
        self.session.add(patient)
        self.session.flush()
        return patient

    def account_number(self) -> str:
        """A new patient account number of this practice: ACCOUNT_PREFIX and random characters."""
        while True:
            candidate = ACCOUNT_PREFIX + "".join(
                secrets.choice(_ACCOUNT_ALPHABET) for _ in range(_ACCOUNT_LENGTH)
            )
            taken = self.session.scalar(
                select(Patient.id).where(
                    Patient.practice_id == self.practice_id, Patient.account_number == candidate
                )
            )
            if taken is None:
                return candidate

    def coverage(
        self, patient: Patient, payer: Payer, value: x837.Claim, service_date: date
    ) -> Coverage:
        """The patient's coverage with this payer and member ID (else new), if charges go to it."""
        sub = value.subscriber
        coverage = self.session.scalar(
            select(Coverage)
            .where(
                Coverage.patient_id == patient.id,
                Coverage.payer_id == payer.id,
                Coverage.member_id == sub.member_id,
            )
            .order_by(Coverage.active.desc(), Coverage.id)
            .limit(1)
        )
        if coverage is None:
            coverage = self.new_coverage(patient, payer, value)
        # create_encounter posts each charge to the primary coverage in force (else the
        # patient): a claim to any other coverage would leave its A/R where it is not billed.
        billed = ledger.account(
            self.session, practice_id=self.practice_id, kind=AccountKind.INSURANCE_AR,
            coverage_id=coverage.id,
        )  # fmt: skip
        posted = responsible_account(
            self.session, practice_id=self.practice_id, patient_id=patient.id, on=service_date
        )
        if billed != posted:
            raise Rejected(
                "coverage (SBR01 P, loops 2010BA/2010BB): the patient's primary coverage in "
                "force on the date of service is not the one with this payer and member ID; "
                "update the patient's coverages here, then send the claim again"
            )
        return coverage

    def new_coverage(self, patient: Patient, payer: Payer, value: x837.Claim) -> Coverage:
        """A coverage as the file describes it: the patient's own, or a dependent's."""
        sub, dependent = value.subscriber, value.patient
        fields: dict[str, object] = {}
        if dependent is not None:
            relationship = _DEPENDENT.get(dependent.relationship)
            if relationship is None:
                raise Rejected(
                    f"patient relationship (loop 2000C PAT01) {dependent.relationship}: only "
                    f"{', '.join(sorted(_DEPENDENT))} are stored"
                )
            _required(sub.name.last_name, "subscriber last name (loop 2010BA NM103)")
            fields = {
                "relationship": relationship,
                "patient_has_own_member_id": False,
                "subscriber_last_name": _fit(
                    sub.name.last_name, 60, "subscriber last name (loop 2010BA NM103)"
                ),
                "subscriber_first_name": _fit(
                    sub.name.first_name, 35, "subscriber first name (loop 2010BA NM104)"
                ),
            }
        coverage = Coverage(
            practice_id=self.practice_id,
            patient_id=patient.id,
            payer_id=payer.id,
            order=CoverageOrder(sub.payer_responsibility),
            member_id=sub.member_id,
            group_number=_fit(sub.group_number, 50, "group number (loop 2000B SBR03)"),
            **fields,
        )
        self.session.add(coverage)
        self.session.flush()
        return coverage

    def provider(self, value: x837.Provider | None, role: str, loop: str) -> int | None:
        """The practice's provider with this NPI, created from the file when unknown."""
        if value is None:
            return None
        what = f"{role} provider"
        _check_npi(value.npi, f"{what} NPI (loop {loop} NM109)")
        found = self.session.scalar(
            select(Provider.id).where(
                Provider.practice_id == self.practice_id, Provider.npi == value.npi
            )
        )
        if found is not None:
            return found
        _required(value.name.last_name, f"{what} name (loop {loop} NM103)")
        provider = Provider(
            practice_id=self.practice_id,
            npi=value.npi,
            last_name=_fit(value.name.last_name, 60, f"{what} name (loop {loop} NM103)"),
            first_name=_fit(value.name.first_name, 35, f"{what} first name (loop {loop} NM104)"),
            taxonomy=_fit(value.taxonomy, 10, f"{what} taxonomy (loop {loop} PRV03)"),
        )
        self.session.add(provider)
        self.session.flush()
        return provider.id

    def facility(self, value: x837.Provider | None, loop: str) -> int | None:
        """The practice's service facility by NPI (else name and address), created if unknown."""
        if value is None:
            return None
        npi = value.npi or None
        query = select(Facility.id).where(Facility.practice_id == self.practice_id)
        if npi is not None:
            _check_npi(npi, f"service facility NPI (loop {loop} NM109)")
            query = query.where(Facility.npi == npi)
        elif value.address is not None:
            query = query.where(
                func.upper(Facility.name) == value.name.last_name.upper(),
                Facility.address1 == value.address.line1,
                Facility.postal_code == value.address.postal_code,
            )
        found = self.session.scalar(query.order_by(Facility.id).limit(1))
        if found is not None:
            return found
        if value.address is None:
            raise Rejected(f"service facility address (loop {loop} N3/N4): required")
        _required(value.name.last_name, f"service facility name (loop {loop} NM103)")
        facility = Facility(
            practice_id=self.practice_id,
            name=_fit(value.name.last_name, 60, f"service facility name (loop {loop} NM103)"),
            npi=npi,
            **_address_columns(value.address, f"service facility address (loop {loop} N3/N4)"),
        )
        self.session.add(facility)
        self.session.flush()
        return facility.id


def _check_claim(kind: x837.Kind, value: x837.Claim) -> None:
    """What intake does not record yet, or what no claim may carry."""
    if value.frequency in ("7", "8"):
        raise Rejected(
            f"CLM05-3 frequency {value.frequency}: replacement and void claims are not "
            "imported; correct or void the claim here (claims correct / claims void)"
        )
    if value.frequency != "1":
        raise Rejected(
            f"CLM05-3 frequency {value.frequency}: only original claims (1) are imported"
        )
    if len(value.patient_control_number) > MAX_CLM01:
        raise Rejected(f"CLM01: longer than {MAX_CLM01} characters")
    responsibility = value.subscriber.payer_responsibility
    if responsibility != CoverageOrder.PRIMARY.value:
        raise Rejected(
            f"SBR01 {responsibility}: only claims to the primary payer (P) are imported; a "
            "later payer's claim needs the earlier payers' adjudication (loops 2320/2330), "
            "which is not carried"
        )
    if any(d.icd9 for d in value.diagnoses):
        raise Rejected("ICD-9-CM diagnoses (HI BK/BF): resend coded in ICD-10-CM")
    segment = "SV1" if kind is x837.Kind.PROFESSIONAL else "SV2"
    unit = "SV103" if kind is x837.Kind.PROFESSIONAL else "SV204"
    for n, line in enumerate(value.lines, start=1):
        if line.procedure_code is None:
            raise Rejected(
                f"line {n} ({segment}02): a line without a HCPCS code is not recorded yet"
            )
        if line.unit != "UN":
            raise Rejected(f"line {n} ({unit}) unit {line.unit}: only units (UN) are recorded yet")
        if line.service_date_to is not None and line.service_date_to != line.service_date:
            raise Rejected(
                f"line {n} (DTP*472 RD8): a service date range over several days is not "
                "recorded yet"
            )
    if value.total_charge_cents != sum(line.charge_cents for line in value.lines):
        raise Rejected("CLM02: the total charge differs from the sum of the line charges")


def _not_carried(kind: x837.Kind, value: x837.Claim, payer: Payer) -> list[str]:
    """Codes the file sends that the claim will not be sent with (they are not stored)."""
    ours = {"CLM07": ("A", value.assignment), "CLM08": ("Y", value.benefits_assigned),
            "CLM09": ("Y", value.release_of_information)}  # fmt: skip
    if kind is x837.Kind.PROFESSIONAL:
        ours["CLM06"] = ("Y", value.provider_signature)
    out = [
        f"{element} {theirs}: sent as {sent} (not stored)"
        for element, (sent, theirs) in sorted(ours.items())
        if theirs != sent
    ]
    indicator = value.subscriber.claim_filing_indicator
    if indicator != payer.claim_filing_indicator:
        out.append(f"SBR09 {indicator}: sent as {payer.claim_filing_indicator} (the payer's)")
    inst = value.institutional
    if inst is not None and type(inst.admission_at) is date:
        out.append("DTP*435 admission date (D8): stored at 00:00, sent with the hour (DT)")
    names = [value.subscriber.name] + ([value.patient.name] if value.patient else [])
    if any(p.suffix for p in names):
        out.append("NM107 (name suffix): not stored, not sent")
    return out


def _charge(line: x837.ServiceLine) -> ChargeInput:
    assert line.procedure_code is not None  # _check_claim rejects lines without one
    drug = line.drug
    return ChargeInput(
        procedure_code=line.procedure_code,
        charge_cents=line.charge_cents,
        units_thousandths=line.units_thousandths,
        modifiers=line.modifiers,
        pointers=line.pointers,
        service_date=line.service_date,
        place_of_service=line.place_of_service,
        revenue_code=line.revenue_code,
        ndc=drug.ndc if drug else None,
        ndc_quantity_thousandths=drug.quantity_thousandths if drug else None,
        ndc_unit=drug.unit if drug else None,
    )


def _admission(value: date | None) -> datetime | None:
    # The file's clock time is kept as it reads (tagged UTC), so it is sent back the same.
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _required(value: str | None, what: str) -> None:
    if not value:
        raise Rejected(f"{what}: required")


def _fit(value: str | None, limit: int, what: str) -> str | None:
    """The value, when its column can hold it."""
    if value is not None and len(value) > limit:
        raise Rejected(f"{what}: longer than {limit} characters")
    return value


def _check_npi(npi: str, what: str) -> None:
    if len(npi) != 10 or not npi.isdigit():
        raise Rejected(f"{what}: 10 digits required")


def _address_columns(address: x837.Address, what: str) -> dict[str, str | None]:
    for value in (address.line1, address.city, address.state, address.postal_code):
        _required(value, what)
    return {
        "address1": _fit(address.line1, 55, what),
        "address2": _fit(address.line2, 55, what),
        "city": _fit(address.city, 30, what),
        "state": _fit(address.state, 2, what),
        "postal_code": _fit(address.postal_code, 15, what),
    }


def _earlier_result(session: Session, stored: StoredFile) -> IntakeResult:
    """A duplicate's answer: what its first import did, with the claims as they are now, and
    the acknowledgments made then."""
    result = _earlier(session, stored)
    return replace(result, acknowledgments=_kept_acknowledgments(session, stored))


def _earlier(session: Session, stored: StoredFile) -> IntakeResult:
    kind = stored.kind.value
    if stored.status is not FileStatus.PROCESSED or stored.kind not in _FILE_KIND.values():
        error = stored.error
        if error is None and stored.kind not in _FILE_KIND.values():
            error = f"stored before as a {kind} file, not imported as an 837"
        return IntakeResult(stored.id, stored.sha256, kind, IntakeStatus.DUPLICATE, error=error)
    try:
        batches = read_837(stored.content, name=stored.name)
    except X12Error as exc:  # read when it came; a reader that changed since may disagree
        return IntakeResult(stored.id, stored.sha256, kind, IntakeStatus.DUPLICATE, error=str(exc))
    made: dict[str, list[Claim]] = defaultdict(list)
    for claim, ref in session.execute(
        select(Claim, Encounter.external_ref)
        .join(ClaimTransition, ClaimTransition.claim_id == Claim.id)
        .join(Encounter, Encounter.id == Claim.encounter_id)
        .where(ClaimTransition.source_file_id == stored.id, ClaimTransition.trigger == "created")
        .order_by(Claim.id)
    ):
        made[ref or ""].append(claim)
    errors: dict[int, list[str]] = defaultdict(list)
    ids = [c.id for claims in made.values() for c in claims]
    if ids:
        for claim_id, codes in session.execute(
            select(ReworkItem.claim_id, ReworkItem.codes)
            .where(
                ReworkItem.claim_id.in_(ids),
                ReworkItem.source == Source.SCRUBBER,
                ReworkItem.status != ItemStatus.CLOSED,
            )
            .order_by(ReworkItem.id)
        ):
            errors[claim_id or 0].append(codes)
    # Rejections were recorded in the file's order, one event each.
    rejections = deque(
        session.scalars(
            select(AuditEvent.detail)
            .where(
                AuditEvent.entity == AUDIT_ENTITY,
                AuditEvent.entity_id == str(stored.id),
                AuditEvent.action == AUDIT_REJECTED,
            )
            .order_by(AuditEvent.id)
        )
    )
    results = []
    for batch in batches:
        for value in batch.claims:
            clm01 = value.patient_control_number
            claims = made.pop(EXTERNAL_REF_PREFIX + clm01, None)
            if claims is not None:
                versions = tuple(
                    ImportedClaim(
                        c.id, c.patient_control_number, c.state.value, tuple(errors.get(c.id, ()))
                    )
                    for c in claims
                )
                results.append(IntakeClaim(clm01, versions))
                continue
            detail = rejections.popleft() if rejections else None
            prefix = f"CLM01 {clm01}: "
            reason = detail[len(prefix) :] if detail and detail.startswith(prefix) else detail
            results.append(IntakeClaim(clm01, rejected=reason or "rejected"))
    return IntakeResult(
        stored.id, stored.sha256, kind, IntakeStatus.DUPLICATE, tuple(results),
        skipped_segments=sum(len(b.skipped) for b in batches),
    )  # fmt: skip
