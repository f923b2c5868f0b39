"""Submitting claims: splitting, assembly into 837 value objects, control numbers, batches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.state import ClaimState, Command
from claims.encounters.models import ChargeLine
from claims.errors import InvalidInput
from claims.files.models import Batch, ControlCounter, CounterKind, StoredFile
from claims.files.service import MAX_CONTROL_NUMBER, take_control_numbers
from claims.ledger.models import Entry
from claims.patients.models import Relationship
from claims.practice.models import PartnerPayerId, TradingPartner
from claims.submission import service as submission
from claims.submission.assemble import assemble
from edi.validate import Problem, pyx12_problems
from edi.x12 import read_segments
from tests.claims import factories as f

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_partner(session: Session, practice_id: int, name: str = "CLEARINGHOUSE") -> TradingPartner:
    partner = TradingPartner(
        practice_id=practice_id, name=name, sender_id="SENDER", receiver_id="RECEIVER",
        application_sender="SENDER", application_receiver="RECEIVER", submitter_name="CLINIC",
        submitter_id="SUB1", submitter_contact="BILLING", submitter_phone="5035550100",
        receiver_name="CLEARINGHOUSE", receiver_code="CH1",
    )  # fmt: skip
    session.add(partner)
    session.flush()
    return partner


def ready_claim(session: Session, office: f.Office, **encounter: object) -> Claim:
    enc = f.make_encounter(session, office.patient, office.billing, **encounter)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    claim_service.run_command(session, claim=claim, command=Command.RELEASE, actor=f.ACTOR)
    return claim


# --- splitting --------------------------------------------------------------------------


def test_a_professional_encounter_over_50_lines_becomes_balanced_parts(session: Session) -> None:
    office = f.make_office(session)
    charges = [f.charge("99213", 1000 + n, pointers=(1,)) for n in range(120)]
    enc = f.make_encounter(session, office.patient, office.billing, charges=charges)
    entries_before = session.scalar(select(func.count()).select_from(Entry))
    parts = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    assert [len(p.lines) for p in parts] == [50, 50, 20]
    assert len({p.patient_control_number for p in parts}) == 3
    lines = session.scalars(select(ChargeLine).where(ChargeLine.encounter_id == enc.id)).all()
    assert sum(p.total_charge_cents for p in parts) == sum(line.charge_cents for line in lines)
    carried = [cl.charge_line_id for p in parts for cl in p.lines]
    assert sorted(carried) == sorted(line.id for line in lines)  # each line exactly once
    # Claims are documents: making them posts nothing, so A/R is not doubled.
    assert session.scalar(select(func.count()).select_from(Entry)) == entries_before


def test_parts_are_cut_where_a_13th_diagnosis_would_be_needed() -> None:
    # An institutional-size diagnosis list on professional lines: 14 lines, each its own dx.
    lines = [ChargeLine(pointer1=n, line_number=n) for n in range(1, 15)]
    parts = claim_service.split_professional_lines(lines)
    assert [len(p) for p in parts] == [12, 2]
    assert [line.line_number for p in parts for line in p] == list(range(1, 15))
    # Lines that reuse diagnoses already in the part stay together.
    shared = [ChargeLine(pointer1=1 + n % 3, line_number=n) for n in range(1, 41)]
    assert [len(p) for p in claim_service.split_professional_lines(shared)] == [40]


def test_split_parts_carry_only_their_diagnoses_re_pointed(session: Session) -> None:
    office = f.make_office(session)
    dx = ["I10", "E785", "J069"]
    charges = [f.charge("99213", 1000, pointers=(1,)) for _ in range(50)]
    charges.append(f.charge("93000", 2000, pointers=(3, 2)))
    enc = f.make_encounter(session, office.patient, office.billing, charges=charges, diagnoses=dx)
    parts = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    first, second = assemble(session, parts)
    assert [d.code for d in first.diagnoses] == ["I10"]
    assert [d.code for d in second.diagnoses] == ["E785", "J069"]
    assert second.lines[0].pointers == (2, 1)  # J069 is now 2, E785 is 1


# --- assembly ---------------------------------------------------------------------------


def test_a_patient_who_is_the_subscriber_has_no_patient_loop(session: Session) -> None:
    office = f.make_office(session)
    claim = ready_claim(session, office)
    (value,) = assemble(session, [claim])
    assert value.patient is None and value.subscriber.is_patient
    assert value.subscriber.member_id == office.coverage.member_id
    assert value.subscriber.payer_id == office.payer.payer_code
    assert value.total_charge_cents == sum(line.charge_cents for line in value.lines)
    assert [line.control_number for line in value.lines] == [
        cl.line_control_number for cl in claim.lines
    ]


def test_a_dependent_without_own_member_id_gets_the_patient_loop(session: Session) -> None:
    office = f.make_office(session)
    child = f.make_patient(session, office.practice, first_name="MIA", birth_date=date(2016, 3, 3))
    coverage = f.make_coverage(
        session, child, office.payer, member_id=office.coverage.member_id,
        relationship=Relationship.CHILD, patient_has_own_member_id=False,
        subscriber_last_name="ALDER", subscriber_first_name="AVA",
    )  # fmt: skip
    enc = f.make_encounter(session, child, office.billing)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id, coverage_id=coverage.id,
        actor=f.ACTOR,
    )  # fmt: skip
    (value,) = assemble(session, [claim])
    assert not value.subscriber.is_patient
    assert value.subscriber.name.first_name == "AVA"
    assert value.patient is not None and value.patient.relationship == "19"
    assert value.patient.name.first_name == "MIA"


def test_a_dependent_with_own_member_id_is_sent_as_the_subscriber(session: Session) -> None:
    office = f.make_office(session)
    child = f.make_patient(session, office.practice, first_name="MIA", birth_date=date(2016, 3, 3))
    coverage = f.make_coverage(
        session, child, office.payer, member_id="M00000000102", relationship=Relationship.CHILD,
        patient_has_own_member_id=True, subscriber_last_name="ALDER", subscriber_first_name="AVA",
    )  # fmt: skip
    enc = f.make_encounter(session, child, office.billing)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id, coverage_id=coverage.id,
        actor=f.ACTOR,
    )  # fmt: skip
    (value,) = assemble(session, [claim])
    assert value.patient is None and value.subscriber.is_patient
    assert value.subscriber.name.first_name == "MIA"
    assert value.subscriber.member_id == "M00000000102"


def test_the_clearinghouse_payer_id_is_used_when_it_differs(session: Session) -> None:
    office = f.make_office(session)
    partner = make_partner(session, office.practice.id)
    session.add(
        PartnerPayerId(
            trading_partner_id=partner.id, payer_id=office.payer.id, payer_code="CH-ACME"
        )
    )
    claim = ready_claim(session, office)
    (value,) = assemble(session, [claim], trading_partner_id=partner.id)
    assert value.subscriber.payer_id == "CH-ACME"


def test_rendering_is_sent_only_when_it_is_not_the_billing_provider(session: Session) -> None:
    office = f.make_office(session)
    doctor = f.make_provider(session, office.practice)
    same = f.make_provider(session, office.practice, npi=f.npi("300000001"))
    office.billing.npi = same.npi
    with_doctor = ready_claim(session, office, rendering_provider_id=doctor.id)
    with_self = ready_claim(session, office, rendering_provider_id=same.id)
    a, b = assemble(session, [with_doctor, with_self])
    assert a.rendering is not None and a.rendering.npi == doctor.npi
    assert b.rendering is None


# --- control numbers ------------------------------------------------------------------


def test_control_numbers_increase_per_partner_and_kind_and_wrap(session: Session) -> None:
    office = f.make_office(session)
    one, two = (
        make_partner(session, office.practice.id),
        make_partner(session, office.practice.id, "B"),
    )
    take = take_control_numbers
    assert take(session, trading_partner_id=one.id, kind=CounterKind.INTERCHANGE) == [1]
    assert take(session, trading_partner_id=one.id, kind=CounterKind.INTERCHANGE) == [2]
    assert take(session, trading_partner_id=two.id, kind=CounterKind.INTERCHANGE) == [1]
    assert take(session, trading_partner_id=one.id, kind=CounterKind.TRANSACTION, count=3) == [
        1,
        2,
        3,
    ]
    counter = session.scalar(
        select(ControlCounter).where(
            ControlCounter.trading_partner_id == one.id, ControlCounter.kind == CounterKind.GROUP
        )
    )
    assert counter is None  # created on first use only
    take(session, trading_partner_id=one.id, kind=CounterKind.GROUP)
    row = session.scalar(
        select(ControlCounter).where(
            ControlCounter.trading_partner_id == one.id, ControlCounter.kind == CounterKind.GROUP
        )
    )
    assert row is not None
    row.next_value = MAX_CONTROL_NUMBER
    assert take(session, trading_partner_id=one.id, kind=CounterKind.GROUP, count=2) == [
        MAX_CONTROL_NUMBER, 1,
    ]  # fmt: skip


# --- plan, build, record ------------------------------------------------------------------


def test_nothing_ready_plans_nothing(session: Session) -> None:
    office = f.make_office(session)
    make_partner(session, office.practice.id)
    f.make_encounter(session, office.patient, office.billing)
    assert submission.plan(session, practice_id=office.practice.id) == []


def test_a_payer_with_no_route_among_several_partners_is_named(session: Session) -> None:
    office = f.make_office(session)
    make_partner(session, office.practice.id, "A")
    make_partner(session, office.practice.id, "B")
    ready_claim(session, office)
    with pytest.raises(InvalidInput, match=f"payer {office.payer.id}: trading_partner_id"):
        submission.plan(session, practice_id=office.practice.id)


def test_paper_payers_are_left_out(session: Session) -> None:
    office = f.make_office(session)
    make_partner(session, office.practice.id)
    office.payer.accepts_edi = False
    ready_claim(session, office)
    assert submission.plan(session, practice_id=office.practice.id) == []


def test_a_batch_is_stored_and_its_claims_submitted_in_one_step(session: Session) -> None:
    office = f.make_office(session)
    partner = make_partner(session, office.practice.id)
    claims = [ready_claim(session, office) for _ in range(3)]
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    built = submission.build(session, planned, numbers, created_at=NOW)
    assert built.held == () and built.written is not None
    assert pyx12_problems(built.written.text) == []
    batch = submission.record(session, planned, numbers, built, actor=f.ACTOR)
    assert batch is not None and batch.claim_count == 3
    assert batch.charge_total_cents == sum(c.total_charge_cents for c in claims)
    stored = session.get(StoredFile, batch.stored_file_id)
    assert stored is not None and stored.content.decode() == built.written.text
    for claim in claims:
        assert claim.state is ClaimState.SUBMITTED and claim.batch_id == batch.id
    segs = list(read_segments(built.written.text))
    assert int(segs[0].get(13)) == numbers.interchange == batch.interchange_control_number
    assert batch.trading_partner_id == partner.id


def test_a_claim_missing_data_is_held_naming_the_field_and_the_rest_go(session: Session) -> None:
    office = f.make_office(session)
    make_partner(session, office.practice.id)
    good = ready_claim(session, office)
    bad = ready_claim(session, office)
    bad.payer_claim_number = None
    bad.frequency = bad.frequency.__class__("7")  # a replacement without the payer's number
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    built = submission.build(session, planned, numbers, created_at=NOW)
    assert [h.field for h in built.held] == ["payer_claim_number"]
    assert bad.patient_control_number in built.held[0].message
    submission.record(session, planned, numbers, built, actor=f.ACTOR)
    assert good.state is ClaimState.SUBMITTED
    assert bad.state is ClaimState.ON_HOLD


def test_a_file_the_check_rejects_is_not_released_and_the_claim_is_blamed(session: Session) -> None:
    office = f.make_office(session)
    make_partner(session, office.practice.id)
    first, second = ready_claim(session, office), ready_claim(session, office)
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    probe = submission.build(session, planned, numbers, created_at=NOW, check=None)
    assert probe.written is not None
    span = next(
        s
        for s in probe.written.claim_spans
        if s.patient_control_number == second.patient_control_number
    )

    def fussy(_text: str) -> list[Problem]:
        return [Problem("error", "PYX12-7", "bad", span.first_segment + 2, "NM1", "NM109")]

    built = submission.build(session, planned, numbers, created_at=NOW, check=fussy)
    assert built.written is None
    assert [h.claim_id for h in built.held] == [second.id] and built.held[0].field == "NM109"
    batches_before = session.scalar(select(func.count()).select_from(Batch))
    assert submission.record(session, planned, numbers, built, actor=f.ACTOR) is None
    assert session.scalar(select(func.count()).select_from(Batch)) == batches_before
    assert second.state is ClaimState.ON_HOLD and first.state is ClaimState.READY


# --- the whole job on a database of its own -----------------------------------------------


def test_demo_claims_submit_as_files_pyx12_accepts(scratch_sqlite_url: str, tmp_path: Path) -> None:
    from claims import demo
    from claims.db import make_engine, session_factory, transaction
    from claims.schema import upgrade

    engine = make_engine(scratch_sqlite_url)
    upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        practice = demo.seed(session)
        assert practice is not None
        practice_id = practice.id
        for claim in session.scalars(select(Claim)):
            claim_service.run_command(session, claim=claim, command=Command.RELEASE, actor="t")
    results = submission.submit_ready(factory, practice_id=practice_id, actor="t", out_dir=tmp_path)
    assert results and all(r.released and not r.held for r in results)
    for result in results:
        assert result.path is not None
        assert pyx12_problems(result.path.read_text()) == []
    with factory() as session:
        states = set(session.scalars(select(Claim.state)))
        assert states == {ClaimState.SUBMITTED}
        isa = set(session.scalars(select(Batch.interchange_control_number)))
        assert len(isa) == len(results)
    # Nothing left to send: a second run creates nothing.
    assert (
        submission.submit_ready(factory, practice_id=practice_id, actor="t", out_dir=tmp_path) == []
    )
    engine.dispose()


def test_an_unwritable_folder_is_refused_before_anything_is_recorded(
    scratch_sqlite_url: str, tmp_path: Path
) -> None:
    from claims import demo
    from claims.db import make_engine, session_factory, transaction
    from claims.schema import upgrade

    engine = make_engine(scratch_sqlite_url)
    upgrade(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        practice = demo.seed(session)
        assert practice is not None
        practice_id = practice.id
        for claim in session.scalars(select(Claim)):
            claim_service.run_command(session, claim=claim, command=Command.RELEASE, actor="t")
    blocker = tmp_path / "outbox"
    blocker.write_text("a file, not a folder")
    with pytest.raises(InvalidInput, match="--out: cannot write files in"):
        submission.submit_ready(factory, practice_id=practice_id, actor="t", out_dir=blocker)
    with factory() as session:
        assert set(session.scalars(select(Claim.state))) == {ClaimState.READY}
        assert session.scalar(select(func.count()).select_from(ControlCounter)) == 0
    engine.dispose()


def test_a_claim_another_run_submitted_meanwhile_is_not_recorded_twice(session: Session) -> None:
    office = f.make_office(session)
    make_partner(session, office.practice.id)
    claim = ready_claim(session, office)
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    built = submission.build(session, planned, numbers, created_at=NOW, check=None)
    claim_service.run_command(session, claim=claim, command=Command.SUBMIT, actor="other run")
    with pytest.raises(submission.ConcurrentSubmission, match="another run"):
        submission.record(session, planned, numbers, built, actor=f.ACTOR)


def test_a_partner_gets_the_delimiters_it_asks_for(session: Session) -> None:
    office = f.make_office(session)
    partner = make_partner(session, office.practice.id)
    partner.element_separator, partner.component_separator = "|", ">"
    partner.segment_terminator, partner.line_per_segment = "\n", False
    ready_claim(session, office)
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    built = submission.build(session, planned, numbers, created_at=NOW)
    assert built.written is not None and built.held == ()
    text = built.written.text
    assert read_segments(text).delimiters.element == "|" and "*" not in text
    assert pyx12_problems(text) == []


def test_a_partner_with_unusable_delimiters_is_named(session: Session) -> None:
    office = f.make_office(session)
    partner = make_partner(session, office.practice.id)
    partner.component_separator = "*"  # the same as the element separator
    ready_claim(session, office)
    (planned,) = submission.plan(session, practice_id=office.practice.id)
    numbers = submission.reserve(session, planned)
    with pytest.raises(InvalidInput, match=f"trading partner {partner.id}: delimiters"):
        submission.build(session, planned, numbers, created_at=NOW)
