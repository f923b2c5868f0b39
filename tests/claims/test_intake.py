"""Inbound 837s from practice-management systems: mapped, recorded, scrubbed, or refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims import demo
from claims.audit.models import AuditEvent
from claims.claim.models import Claim, ClaimTransition
from claims.claim.state import ClaimState
from claims.codesets.service import load_tables
from claims.encounters.models import ChargeLine, ClaimKind, Encounter
from claims.files.models import Direction, FileKind, FileStatus, StoredFile
from claims.intake.service import ACCOUNT_PREFIX, IntakeResult, IntakeStatus, import_837
from claims.ledger import service as ledger
from claims.ledger.models import AccountKind, Entry
from claims.patients.models import Coverage, CoverageOrder, Patient, Relationship
from claims.practice.models import (
    BillingProvider,
    PartnerPayerId,
    Payer,
    Practice,
    Provider,
    TradingPartner,
)
from claims.rework.models import ReworkItem
from claims.scrubbing.service import scrub_claims
from claims.submission.assemble import assemble
from coding.payer_rules import load_payer_rules
from edi.x837 import models as x837
from edi.x837.writer import transactions_needed, write_batch
from tests.claims import factories as f
from tests.edi import x12text as t

TODAY = date(2026, 11, 23)
NPI = "1234567893"  # the billing NPI of tests/edi/x12text.py
TABLES_MODELS = (
    StoredFile, Patient, Coverage, Provider, Encounter, ChargeLine, Claim, Entry, ReworkItem,
    AuditEvent,
)  # fmt: skip


def run(
    session: Session, practice: Practice, text: str | bytes, name: str = "in.x12"
) -> IntakeResult:
    data = text.encode() if isinstance(text, str) else text
    return import_837(
        session, practice_id=practice.id, data=data, name=name, actor=f.ACTOR, today=TODAY
    )


def office(session: Session) -> tuple[Practice, Payer]:
    """A practice that bills as x12text's clinic, to x12text's payer P1."""
    practice = f.make_practice(session)
    f.make_billing_provider(session, practice, npi=NPI, tin="841234567")
    payer = f.make_payer(session, practice, payer_code="P1", claim_filing_indicator="CI")
    return practice, payer


def own_claim(pcn: str, member: str = "M1", *charges: str) -> list[str]:
    """One transaction body: clinic, subscriber-patient DOE JANE with this member ID, a claim."""
    return [*t.billing(1, NPI), *t.subscriber(2, 1, member), *t.claim(pcn, *(charges or ("100",)))]


def count(session: Session) -> dict[str, int]:
    return f.count_rows(session, *TABLES_MODELS)


# --- the round trip: our own files, into another practice -----------------------------------


def _demo_files(session: Session) -> tuple[Practice, dict[x837.Kind, tuple[str, list[x837.Claim]]]]:
    """The demo practice, scrubbed, and the 837P and 837I our writer makes of its claims."""
    practice = demo.seed(session)
    assert practice is not None
    verdicts = scrub_claims(
        session, practice_id=practice.id, tables=load_tables(session), today=TODAY, actor=f.ACTOR
    )
    assert {v.state for v in verdicts} == {ClaimState.READY}
    partner = session.scalars(
        select(TradingPartner).where(TradingPartner.practice_id == practice.id)
    ).one()
    files = {}
    for kind, claim_kind in ((x837.Kind.PROFESSIONAL, ClaimKind.PROFESSIONAL),
                             (x837.Kind.INSTITUTIONAL, ClaimKind.INSTITUTIONAL)):  # fmt: skip
        claims = session.scalars(
            select(Claim)
            .where(Claim.practice_id == practice.id, Claim.kind == claim_kind)
            .order_by(Claim.id)
        ).all()
        values = assemble(session, claims, trading_partner_id=partner.id)
        batch = x837.Batch(
            kind,
            x837.Envelope(
                "ZZ", partner.sender_id, "ZZ", partner.receiver_id, partner.application_sender,
                partner.application_receiver, 7, 7, "T", datetime(2026, 11, 23, 9, tzinfo=UTC),
            ),
            x837.Submitter(partner.submitter_name, partner.submitter_id,
                           partner.submitter_contact, partner.submitter_phone),
            x837.Receiver(partner.receiver_name, partner.receiver_code),
            tuple(values),
            tuple(range(1, transactions_needed(len(values)) + 1)),
        )  # fmt: skip
        files[kind] = (write_batch(batch).text, values)
    return practice, files


def twin_practice(session: Session, source: Practice) -> Practice:
    """A second practice with the same billing providers and payers (nothing else)."""
    practice = f.make_practice(session, name="Imported from a PM system")
    copied = {
        BillingProvider: ("name", "is_organization", "npi", "tin", "taxonomy", "contact_name",
                          "contact_phone", "address1", "address2", "city", "state", "postal_code"),
        Payer: ("payer_code", "name", "claim_kinds", "claim_filing_indicator",
                "timely_filing_days", "appeal_days", "accepts_replacement", "accepts_edi",
                "address1", "address2", "city", "state", "postal_code"),
    }  # fmt: skip
    for model, columns in copied.items():
        rows = session.scalars(select(model).where(model.practice_id == source.id))
        for row in rows:
            session.add(model(practice_id=practice.id, **{c: getattr(row, c) for c in columns}))
    session.flush()
    return practice


def _as_sent(value: x837.Claim, kind: x837.Kind) -> x837.Claim:
    """A claim as compared across the round trip: our own CLM01 and REF*6R are new, an 837P
    referring provider (2310A) carries no taxonomy, and an 837I has no place of service."""
    value = replace(
        value,
        patient_control_number="",
        lines=tuple(replace(line, control_number="") for line in value.lines),
    )
    if value.referring is not None:
        value = replace(value, referring=replace(value.referring, taxonomy=None))
    if kind is x837.Kind.INSTITUTIONAL:
        value = replace(value, place_of_service="")
    return value


def test_our_own_837p_and_837i_arrive_whole_in_another_practice(session: Session) -> None:
    source, files = _demo_files(session)
    practice = twin_practice(session, source)
    results = {}
    patients_after = {}
    for kind, (text, _) in files.items():
        results[kind] = run(session, practice, text, f"{kind.label}.x12")
        patients_after[kind] = f.count_rows(session, Patient, Coverage, Provider)
    for kind, (_, originals) in files.items():
        result = results[kind]
        assert (result.status, result.kind, result.rejected) == (
            IntakeStatus.IMPORTED, kind.label, ()
        )  # fmt: skip
        assert result.skipped_segments == 0  # our writer writes nothing the reader drops
        assert [c.clm01 for c in result.claims] == [v.patient_control_number for v in originals]
        assert all(c.warnings == () and c.state == "ready" for c in result.claims)
        ids = [v.claim_id for c in result.claims for v in c.claims]
        assert len(ids) == len(originals)  # no encounter of the demo needs a split
        new = [session.get_one(Claim, i) for i in ids]
        assert all(c.practice_id == practice.id and c.state is ClaimState.READY for c in new)
        # Same charges, codes, modifiers, units, pointers, dates, NDCs, diagnoses, providers,
        # subscriber, patient loop, payer, institutional data: the value our writer sends.
        again = assemble(session, new)
        for before, after in zip(originals, again, strict=True):
            assert _as_sent(after, kind) == _as_sent(before, kind)
        # Each charge sits in the A/R of the coverage its claim is billed to.
        for claim in new:
            receivable = ledger.account(
                session, practice_id=practice.id, kind=AccountKind.INSURANCE_AR,
                coverage_id=claim.coverage_id,
            )  # fmt: skip
            for line in claim.lines:
                assert ledger.line_balances(session, line.charge_line_id) == {
                    receivable: line.charge_cents
                }
        refs = session.scalars(
            select(Encounter.external_ref).where(Encounter.id.in_([c.encounter_id for c in new]))
        ).all()
        assert sorted(refs) == sorted(f"837:{v.patient_control_number}" for v in originals)
    # Patients and coverages are created once: 50 claims of 20 patients, and the 837I (whose
    # 4 patients all had professional claims in the 837P) adds none.
    demo_patients = session.scalar(
        select(func.count()).select_from(Patient).where(Patient.practice_id == source.id)
    )
    billed = session.execute(
        select(Coverage.patient_id, Coverage.payer_id, Coverage.member_id)
        .join(Claim, Claim.coverage_id == Coverage.id)
        .where(Claim.practice_id == source.id)
        .distinct()
    ).all()
    professional, institutional = (
        patients_after[x837.Kind.PROFESSIONAL],
        patients_after[x837.Kind.INSTITUTIONAL],
    )
    assert professional == institutional
    mine = session.scalars(select(Patient).where(Patient.practice_id == practice.id)).all()
    assert len(mine) == demo_patients == 20
    assert all(p.account_number.startswith(ACCOUNT_PREFIX) for p in mine)
    coverages = session.scalar(
        select(func.count()).select_from(Coverage).where(Coverage.practice_id == practice.id)
    )
    assert coverages == len(billed)
    dependents = session.scalars(
        select(Coverage).where(
            Coverage.practice_id == practice.id,
            Coverage.patient_has_own_member_id.is_(False),
            Coverage.relationship != Relationship.SELF,
        )
    ).all()
    assert dependents and all(c.relationship is Relationship.CHILD for c in dependents)
    assert all(c.subscriber_last_name for c in dependents)
    # Every claim knows the file it came from (its first step).
    stored = {r.file_id for r in results.values()}
    linked = session.scalars(
        select(ClaimTransition.source_file_id).where(ClaimTransition.trigger == "created")
    ).all()
    assert {s for s in linked if s is not None} == stored
    kinds = session.scalars(select(StoredFile.kind).where(StoredFile.id.in_(stored))).all()
    assert sorted(kinds) == [FileKind.X837I, FileKind.X837P]


# --- duplicates and refusals ------------------------------------------------------------------


def test_the_same_file_twice_is_a_duplicate_that_changes_nothing(session: Session) -> None:
    practice, _ = office(session)
    unknown = t.file_837(own_claim("A1", "M1"), [s.replace("PI*P1", "PI*P9") for s in
                                                 own_claim("A2", "M2")])  # fmt: skip
    first = run(session, practice, unknown)
    assert [c.state for c in first.claims] == ["ready", "rejected"]
    before = count(session)
    second = run(session, practice, unknown, "another-name.x12")
    assert count(session) == before
    assert second.status is IntakeStatus.DUPLICATE
    assert (second.file_id, second.sha256, second.kind) == (first.file_id, first.sha256, "837P")
    assert second.claims == first.claims  # the earlier summary, claim IDs and reasons alike
    assert second.skipped_segments == first.skipped_segments
    assert not second.ok


def test_a_truncated_file_is_refused_whole_and_kept_with_its_error(session: Session) -> None:
    practice, _ = office(session)
    text = t.file_837(own_claim("A1"), own_claim("A2", "M2"))
    cut = text[: text.index("CLM*A2")].encode()
    before = count(session)
    result = run(session, practice, cut, "cut.x12")
    assert result.status is IntakeStatus.REFUSED and result.claims == ()
    assert result.error is not None and "cut.x12, segment" in result.error
    stored = session.get_one(StoredFile, result.file_id)
    assert (stored.status, stored.direction, stored.kind) == (
        FileStatus.REFUSED, Direction.INBOUND, FileKind.X837P
    )  # fmt: skip
    assert stored.error == result.error and stored.content == cut
    after = count(session)
    assert after.pop("StoredFile") == before.pop("StoredFile") + 2  # the file and our 999
    assert after == before  # nothing else
    again = run(session, practice, cut)
    assert (again.status, again.error, again.file_id) == (
        IntakeStatus.DUPLICATE, result.error, result.file_id
    )  # fmt: skip


def test_a_file_that_is_no_837_is_refused_as_other(session: Session) -> None:
    practice, _ = office(session)
    result = run(session, practice, b"NOT X12 AT ALL")
    assert (result.status, result.kind) == (IntakeStatus.REFUSED, "other")
    assert "segment 1" in (result.error or "")


# --- claims that cannot be mapped -------------------------------------------------------------


def test_unknown_payer_and_billing_npi_reject_only_those_claims(session: Session) -> None:
    practice, payer = office(session)
    good = own_claim("GOOD1", "M1")
    no_payer = [s.replace("PI*P1", "PI*NOPE7") for s in own_claim("BADPAYER", "MBR22222")]
    no_npi = [*t.billing(1, "1987654328"), *t.subscriber(2, 1, "M3"), *t.claim("BADNPI", "100")]
    result = run(session, practice, t.file_837(good, no_payer, no_npi))
    by_clm01 = {c.clm01: c for c in result.claims}
    assert by_clm01["GOOD1"].state == "ready"
    reason = by_clm01["BADPAYER"].rejected or ""
    assert "payer ID NOPE7 (loop 2010BB NM109)" in reason
    reason = by_clm01["BADNPI"].rejected or ""
    assert "billing provider NPI 1987654328 (loop 2010AA NM109)" in reason
    # The rejected claims left nothing: one patient, one coverage, one encounter.
    assert f.count_rows(session, Patient, Coverage, Encounter) == {
        "Patient": 1, "Coverage": 1, "Encounter": 1,
    }  # fmt: skip
    (claim_id,) = [v.claim_id for v in by_clm01["GOOD1"].claims]
    assert session.get_one(Claim, claim_id).payer_id == payer.id
    reasons = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "intake_reject")
    ).all()
    assert [r.split(":")[0] for r in reasons] == ["CLM01 BADPAYER", "CLM01 BADNPI"]
    assert not any("DOE" in r or "JANE" in r or "MBR22222" in r for r in reasons)  # no PHI


def test_an_icd9_claim_is_rejected_with_the_reason(session: Session) -> None:
    practice, _ = office(session)
    icd9 = [s.replace("HI*ABK:I10", "HI*BK:4019") for s in own_claim("OLD9", "M9")]
    result = run(session, practice, t.file_837(icd9, own_claim("NEW10", "M1")))
    assert [(c.clm01, c.rejected) for c in result.rejected] == [
        ("OLD9", "ICD-9-CM diagnoses (HI BK/BF): resend coded in ICD-10-CM")
    ]
    assert [c.clm01 for c in result.imported] == ["NEW10"]


def test_a_claim_the_encounter_service_refuses_leaves_nothing(session: Session) -> None:
    practice, _ = office(session)
    body = [s.replace("***1", "***9") if s.startswith("SV1") else s for s in own_claim("PTR9")]
    before = count(session)
    result = run(session, practice, t.file_837(body))
    (claim,) = result.claims
    assert claim.rejected is not None and "pointers" in claim.rejected
    after = count(session)
    assert after.pop("StoredFile") == before.pop("StoredFile") + 3  # it, our 999 and 277CA
    # The audit log records the import and the rejection.
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 2
    assert after == before  # no patient, coverage, encounter, charge, entry or claim


def test_a_clm01_imported_before_is_a_duplicate_claim(session: Session) -> None:
    practice, _ = office(session)
    run(session, practice, t.file_837(own_claim("SAME1")))
    later = run(session, practice, t.file_837(own_claim("SAME1"), own_claim("OTHER2")))
    assert later.status is IntakeStatus.IMPORTED
    (repeat,) = later.rejected
    assert repeat.clm01 == "SAME1" and (repeat.rejected or "").startswith("CLM01: a claim with")
    assert [c.clm01 for c in later.imported] == ["OTHER2"]
    assert f.count_rows(session, Encounter)["Encounter"] == 2


def test_our_own_claim_coming_back_is_a_duplicate_claim(session: Session) -> None:
    practice, _ = office(session)
    first = run(session, practice, t.file_837(own_claim("FIRST1")))
    ours = first.claims[0].claims[0].patient_control_number
    result = run(session, practice, t.file_837(own_claim(ours)))
    assert (result.claims[0].rejected or "").startswith(
        f"CLM01: claim {first.claims[0].claims[0].claim_id} of this practice"
    )


def test_replacement_void_and_secondary_claims_are_rejected_for_now(session: Session) -> None:
    practice, _ = office(session)
    replacement = [s.replace("11:B:1", "11:B:7") for s in own_claim("REPL1")] + [
        "REF*F8*PAYERCLAIM1"
    ]
    replacement.insert(replacement.index("HI*ABK:I10"), replacement.pop())  # REF before HI
    secondary = [s.replace("SBR*P*", "SBR*S*") for s in own_claim("SEC1", "M2")]
    result = run(session, practice, t.file_837(replacement, secondary))
    reasons = {c.clm01: c.rejected or "" for c in result.claims}
    assert reasons["REPL1"].startswith("CLM05-3 frequency 7: replacement and void claims")
    assert reasons["SEC1"].startswith("SBR01 S: only claims to the primary payer (P)")
    assert f.count_rows(session, Encounter)["Encounter"] == 0


def test_a_primary_coverage_with_another_payer_blocks_the_claim(session: Session) -> None:
    practice, payer = office(session)
    other = f.make_payer(session, practice)
    jane = f.make_patient(session, practice, last_name="DOE", first_name="JANE",
                          birth_date=date(1980, 1, 2))  # fmt: skip
    f.make_coverage(session, jane, other, member_id="M1")
    result = run(session, practice, t.file_837(own_claim("COV1", "M1")))
    (claim,) = result.claims
    assert (claim.rejected or "").startswith("coverage (SBR01 P, loops 2010BA/2010BB)")
    # The patient was found (name, birth date and member ID), and nothing was added for them.
    assert f.count_rows(session, Patient, Coverage) == {"Patient": 1, "Coverage": 1}
    assert not session.scalars(select(Coverage).where(Coverage.payer_id == payer.id)).all()


# --- mapping ----------------------------------------------------------------------------------


def test_a_later_file_for_the_same_patient_reuses_patient_and_coverage(session: Session) -> None:
    practice, _ = office(session)
    first = run(session, practice, t.file_837(own_claim("VISIT1", "M1")))
    second = run(session, practice, t.file_837(own_claim("VISIT2", "M1", "40", "60")))
    assert first.ok and second.ok
    assert f.count_rows(session, Patient, Coverage) == {"Patient": 1, "Coverage": 1}
    (a,), (b,) = (
        [session.get_one(Claim, v.claim_id) for c in r.claims for v in c.claims]
        for r in (first, second)
    )
    assert (a.patient_id, a.coverage_id) == (b.patient_id, b.coverage_id)
    assert [line.charge_cents for line in b.lines] == [4000, 6000]
    # A different member ID is a different person's coverage: a new patient.
    third = run(session, practice, t.file_837(own_claim("VISIT3", "M7")))
    assert third.ok and f.count_rows(session, Patient)["Patient"] == 2


def test_a_dependent_gets_a_coverage_naming_the_subscriber(session: Session) -> None:
    practice, payer = office(session)
    body = [
        *t.billing(1, NPI), *t.subscriber(2, 1, "FAMILY1", dependent=True), *t.patient(3, 2),
        *t.claim("KID1", "100"),
    ]  # fmt: skip
    result = run(session, practice, t.file_837(body))
    (claim,) = (session.get_one(Claim, v.claim_id) for c in result.claims for v in c.claims)
    coverage = session.get_one(Coverage, claim.coverage_id)
    patient = session.get_one(Patient, claim.patient_id)
    assert (patient.first_name, patient.birth_date) == ("MIA", date(2016, 3, 3))
    assert (coverage.relationship, coverage.patient_has_own_member_id, coverage.order) == (
        Relationship.CHILD, False, CoverageOrder.PRIMARY
    )  # fmt: skip
    assert (coverage.subscriber_last_name, coverage.subscriber_first_name) == ("DOE", "JOHN")
    assert (coverage.member_id, coverage.group_number, coverage.payer_id) == (
        "FAMILY1", "GRP1", payer.id
    )  # fmt: skip
    (value,) = assemble(session, [claim])
    assert value.patient is not None and value.patient.relationship == "19"
    assert not value.subscriber.is_patient and value.subscriber.name.first_name == "JOHN"


def test_the_receivers_payer_ids_name_payers_first(session: Session) -> None:
    practice, p1 = office(session)
    acme = f.make_payer(session, practice, payer_code="ACME")
    partner = TradingPartner(
        practice_id=practice.id, name="CH", sender_id="US", receiver_id="RECEIVER",
        application_sender="US", application_receiver="RECEIVER", submitter_name="CLINIC",
        submitter_id="S1", submitter_contact="BILLING", submitter_phone="5035550100",
        receiver_name="CH", receiver_code="R1",
    )  # fmt: skip
    session.add(partner)
    session.flush()
    session.add(PartnerPayerId(trading_partner_id=partner.id, payer_id=acme.id, payer_code="P1"))
    result = run(session, practice, t.file_837(own_claim("ROUTE1")))
    (claim_id,) = [v.claim_id for c in result.claims for v in c.claims]
    assert session.get_one(Claim, claim_id).payer_id == acme.id != p1.id


def test_providers_are_found_or_created_by_npi(session: Session) -> None:
    practice, _ = office(session)
    known = f.make_provider(session, practice, npi="1987654328", last_name="KNOWN")
    body = own_claim("PROV1")
    at = body.index("HI*ABK:I10") + 1
    body[at:at] = ["NM1*DN*1*NAKAMURA*KENJI****XX*1432109878",
                   "NM1*82*1*OSEI*AMARA****XX*1987654328", "PRV*PE*PXC*207Q00000X"]  # fmt: skip
    result = run(session, practice, t.file_837(body))
    assert result.ok
    (claim_id,) = [v.claim_id for c in result.claims for v in c.claims]
    encounter = session.get_one(Encounter, session.get_one(Claim, claim_id).encounter_id)
    assert encounter.rendering_provider_id == known.id  # found: its name is ours, not the file's
    referring = session.get_one(Provider, encounter.referring_provider_id)
    assert (referring.npi, referring.last_name, referring.first_name) == (
        "1432109878", "NAKAMURA", "KENJI"
    )  # fmt: skip
    assert referring.practice_id == practice.id


def test_codes_we_do_not_send_as_they_came_are_warned_about(session: Session) -> None:
    practice, _ = office(session)
    body = [s.replace("*Y*A*Y*Y", "*Y*A*Y*I") if s.startswith("CLM") else s
            for s in own_claim("WARN1")]  # fmt: skip
    body = [s.replace("******CI", "******MB") if s.startswith("SBR") else s for s in body]
    (claim,) = run(session, practice, t.file_837(body)).claims
    assert claim.warnings == (
        "CLM09 I: sent as Y (not stored)",
        "SBR09 MB: sent as CI (the payer's)",
    )
    assert claim.rejected is None


def test_an_837i_claim_keeps_its_institutional_data(session: Session) -> None:
    practice, _ = office(session)
    body = [*t.billing(1, NPI), *t.subscriber(2, 1, "M1"), *t.institutional_claim("ER1")]
    body.insert(body.index("CL1*1*7*01"), "DTP*435*DT*202605010830")
    result = run(session, practice, t.file_837(body, version=t.I))
    assert (result.kind, result.rejected) == ("837I", ())
    (claim,) = result.claims
    assert claim.warnings == ()
    (row,) = (session.get_one(Claim, v.claim_id) for v in claim.claims)
    encounter = session.get_one(Encounter, row.encounter_id)
    assert (encounter.kind, encounter.type_of_bill, encounter.service_date) == (
        ClaimKind.INSTITUTIONAL, "131", date(2026, 5, 1)
    )  # fmt: skip
    assert (encounter.admission_type, encounter.admission_source, encounter.patient_status) == (
        "1", "7", "01"
    )  # fmt: skip
    assert [(d.code, d.present_on_admission) for d in encounter.diagnoses] == [("R079", "Y")]
    attending = session.get_one(Provider, encounter.attending_provider_id)
    assert (attending.npi, attending.last_name) == ("1987654328", "OSEI")
    (value,) = assemble(session, [row])
    assert value.institutional is not None
    # The admission hour goes back out as it came (DTP*435 DT 202605010830).
    assert value.institutional.admission_at == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    assert [(line.revenue_code, line.procedure_code) for line in value.lines] == [("0450", "99284")]


def test_payer_rules_apply_when_the_claims_are_scrubbed(session: Session) -> None:
    practice, _ = office(session)
    rules = load_payer_rules(
        'payer = "P1"\n[[rule]]\nid = "auth"\ncheck = "prior_authorization_required"\n',
        file="p1.toml",
    )
    result = import_837(
        session, practice_id=practice.id, data=t.file_837(own_claim("AUTH1")).encode(),
        name="in.x12", actor=f.ACTOR, today=TODAY, rules={"P1": rules},
    )  # fmt: skip
    (claim,) = result.claims
    assert (claim.state, claim.claims[0].scrub_errors) == (
        "on_hold",
        ("PAYER-PRIOR-AUTH-REQUIRED",),
    )


# --- someone else's file: the shared public sample -----------------------------------------------


def test_the_public_commercial_sample(session: Session, x12_samples: Path) -> None:
    """The guide's example claim (badX12) is coded in ICD-9, so it is rejected with the reason
    and nothing is recorded. Recoded in ICD-10-CM it is imported: the dependent (loop 2000C)
    becomes a patient whose coverage names the subscriber, and the scrubber holds the claim
    (2006 dates of service are past timely filing; the sample's billing NPI fails the check
    digit; lab lines 87070 and 86663 need a CLIA number) with the CLM09 I warning."""
    data = (x12_samples / "badx12_837P_X222A1_commercial-health-insurance.edi").read_bytes()
    practice = f.make_practice(session)
    f.make_billing_provider(session, practice, npi="9876543210", tin="587654321")
    payer = f.make_payer(session, practice, payer_code="999996666", claim_filing_indicator="CI")
    before = count(session)
    result = run(session, practice, data, "sample.edi")
    assert (result.status, result.kind, result.skipped_segments) == (
        IntakeStatus.IMPORTED, "837P", 8
    )  # fmt: skip
    assert [(c.clm01, c.rejected) for c in result.claims] == [
        ("26463774", "ICD-9-CM diagnoses (HI BK/BF): resend coded in ICD-10-CM")
    ]
    assert count(session)["Encounter"] == before["Encounter"]
    recoded = data.replace(b"HI*BK:0340*BF:V7389", b"HI*ABK:J020*ABF:Z0000")
    (claim,) = run(session, practice, recoded, "sample-icd10.edi").claims
    (version,) = claim.claims
    assert version.state == "on_hold"
    assert version.scrub_errors == ("DOS-TIMELY-FILING", "NPI-CHECK-DIGIT", "CLIA-MISSING")
    assert claim.warnings == ("CLM09 I: sent as Y (not stored)",)
    row = session.get_one(Claim, version.claim_id)
    coverage = session.get_one(Coverage, row.coverage_id)
    assert (coverage.payer_id, coverage.member_id, coverage.relationship) == (
        payer.id, "JS00111223333", Relationship.CHILD
    )  # fmt: skip
    assert (coverage.subscriber_last_name, coverage.patient_has_own_member_id) == ("SMITH", False)
    assert row.total_charge_cents == 10000
    lines = session.scalars(
        select(ChargeLine).where(ChargeLine.encounter_id == row.encounter_id)
    ).all()
    assert [(cl.procedure_code, cl.charge_cents, cl.pointers, cl.service_date) for cl in lines] == [
        ("99213", 4000, [1], date(2006, 10, 3)),
        ("87070", 1500, [1], date(2006, 10, 3)),
        ("99214", 3500, [2], date(2006, 10, 10)),
        ("86663", 1000, [2], date(2006, 10, 10)),
    ]
    encounter = session.get_one(Encounter, row.encounter_id)
    assert encounter.service_date == date(2006, 10, 3)
    assert [d.code for d in encounter.diagnoses] == ["J020", "Z0000"]
