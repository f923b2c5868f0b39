"""Scrubbing claims from the database: states, rework items, history across claims."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.codesets.service import load_tables
from claims.encounters.models import ClaimKind as ClaimsKind
from claims.encounters.models import Diagnosis
from claims.rework.models import Category, ItemStatus, ReworkItem, Source
from claims.scrubbing.service import scrub_claims
from coding.scrub import ClaimKind as CodingKind
from coding.scrub import Severity
from tests.claims import factories as f

TODAY = date(2026, 11, 23)


def draft(session: Session, office: f.Office, **encounter: object) -> Claim:
    enc = f.make_encounter(session, office.patient, office.billing, **encounter)
    (claim,) = claim_service.create_claims_for_encounter(
        session, practice_id=office.practice.id, encounter_id=enc.id,
        coverage_id=office.coverage.id, actor=f.ACTOR,
    )  # fmt: skip
    return claim


def run(session: Session, office: f.Office, **kwargs: object) -> list:  # type: ignore[type-arg]
    return scrub_claims(
        session, practice_id=office.practice.id, tables=load_tables(session), today=TODAY,
        actor=f.ACTOR, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def errors(result: object) -> list[str]:
    return [x.edit_id for x in result.findings if x.severity is Severity.ERROR]  # type: ignore[attr-defined]


def test_a_clean_claim_becomes_ready_with_only_warnings(session: Session) -> None:
    office = f.make_office(session)
    claim = draft(session, office)
    (result,) = run(session, office)
    assert errors(result) == [] and result.state is ClaimState.READY
    assert claim.state is ClaimState.READY
    assert {x.edit_id for x in result.findings} <= {"CPT-NOT-LOADED", "NCCI-NOT-LOADED"}


def test_an_error_holds_the_claim_and_opens_a_routed_rework_item(session: Session) -> None:
    office = f.make_office(session)
    claim = draft(session, office, diagnoses=("E78", "I10"))  # a category: not billable
    (result,) = run(session, office)
    assert errors(result) == ["DX-NOT-BILLABLE"] and claim.state is ClaimState.ON_HOLD
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.claim_id == claim.id))
    assert (item.source, item.category, item.codes) == (
        Source.SCRUBBER, Category.CODING, "DX-NOT-BILLABLE",
    )  # fmt: skip
    assert item.amount_cents == claim.total_charge_cents and item.status is ItemStatus.OPEN
    assert "E78" in item.summary  # codes may be named; patient data never is


def test_fixing_and_scrubbing_again_releases_the_claim_and_closes_its_items(
    session: Session,
) -> None:
    office = f.make_office(session)
    claim = draft(session, office, diagnoses=("E78", "I10"))
    run(session, office)
    diagnosis = session.scalar(
        select(Diagnosis).where(Diagnosis.encounter_id == claim.encounter_id)
    )
    assert diagnosis is not None
    diagnosis.code = "E785"
    (result,) = run(session, office)
    assert result.state is ClaimState.READY
    (item,) = session.scalars(select(ReworkItem).where(ReworkItem.claim_id == claim.id))
    assert item.status is ItemStatus.CLOSED and item.closing_action == "rescrubbed"


def test_the_same_service_billed_twice_is_a_duplicate(session: Session) -> None:
    office = f.make_office(session)
    first, second = draft(session, office), draft(session, office)
    results = {r.claim_id: r for r in run(session, office)}
    assert "DUP-CLAIM" in errors(results[first.id]) and "DUP-CLAIM" in errors(results[second.id])


def test_a_voided_claim_is_not_a_duplicate(session: Session) -> None:
    office = f.make_office(session)
    first = draft(session, office)
    claim_service.void_claim(
        session, claim=first, actor=f.ACTOR, reason="entered twice", today=TODAY
    )
    draft(session, office)
    (result,) = run(session, office)
    assert errors(result) == []


def test_only_named_claims_are_scrubbed(session: Session) -> None:
    office = f.make_office(session)
    one, two = draft(session, office), draft(session, office, service_date=date(2026, 4, 16))
    run(session, office, claim_ids=[two.id])
    assert one.state is ClaimState.DRAFT and two.state is ClaimState.READY


def test_the_claim_kinds_of_both_packages_agree() -> None:
    assert [k.value for k in ClaimsKind] == [k.value for k in CodingKind]


def test_every_demo_claim_scrubs_without_an_error(session: Session) -> None:
    from claims import demo

    practice = demo.seed(session)
    assert practice is not None
    results = scrub_claims(
        session, practice_id=practice.id, tables=load_tables(session), today=TODAY, actor="t"
    )
    assert len(results) == 50
    assert {r.claim_id: errors(r) for r in results if errors(r)} == {}
    states = set(session.scalars(select(Claim.state).where(Claim.practice_id == practice.id)))
    assert states == {ClaimState.READY}
