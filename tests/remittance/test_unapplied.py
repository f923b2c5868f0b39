"""Unapplied cash worked by a person: a claim payment applied to the claim they chose, and a
held remittance released; ERA clearing nets to zero and cash equals BPR02 throughout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import app
from claims.adjudications.models import Adjudication
from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.db import make_engine, session_factory, transaction
from claims.errors import InvalidInput, NotFound, StateError
from claims.ledger.models import AccountKind, Entry, EntryKind
from claims.remittances.models import Remittance, RemittanceStatus
from claims.rework.models import ItemStatus, ReworkItem, ReworkNote
from remittance.unapplied import (
    CLAIM_PAYMENT,
    HELD_REMITTANCE,
    LEFT_ON_RELEASE,
    apply_unapplied,
    describe_held,
    list_unapplied,
    release_remittance,
    unapplied_balance,
)
from tests.api.test_cli import claims_cli, runner
from tests.claims.factories import ACTOR, make_office
from tests.remittance.helpers import (
    GOLDEN,
    PAYER_CODE,
    TODAY,
    account_balance,
    assert_era_invariants,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database


def _state(session: Session, claim: Claim) -> ClaimState:
    session.refresh(claim)
    return claim.state


def _item(session: Session, codes: str) -> ReworkItem:
    return session.scalars(select(ReworkItem).where(ReworkItem.codes == codes)).one()


def _count(session: Session, model: type[Entry] | type[ReworkItem] | type[Adjudication]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _unmatched_and_unbalanced(session: Session, office) -> tuple[Claim, Claim, int]:  # type: ignore[no-untyped-def]
    """PAID1 (paid unbalanced), OURS1 (the claim GHOST1 really pays), and the remittance."""
    paid = golden_claim(session, office, "PAID1", [("99213", 20000)])
    ours = golden_claim(session, office, "OURS1", [("99212", 10000)])
    report = ingest(session, office, (GOLDEN / "835_unmatched_unbalanced.835").read_bytes())
    (t,) = report.transactions
    assert (t.status, t.unmatched) == ("posted", 2)
    assert t.remittance_id is not None
    return paid, ours, t.remittance_id


def test_an_unmatched_claim_payment_applies_to_the_claim_a_person_chose(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    paid, ours, remittance_id = _unmatched_and_unbalanced(session, office)
    practice = office.practice.id
    listed = {i.item_id: i for i in list_unapplied(session, practice_id=practice)}
    ghost = _item(session, "CLP01 GHOST1")
    assert {i.kind for i in listed.values()} == {CLAIM_PAYMENT}
    assert listed[ghost.id].amount_cents == 8000
    assert listed[_item(session, "CLP01 PAID1").id].amount_cents == 15000
    assert unapplied_balance(session, practice_id=practice) == 23000
    (original,) = session.scalars(
        select(Entry).where(
            Entry.remittance_id == remittance_id,
            Entry.segment_position == ghost.segment_position,
            Entry.kind == EntryKind.UNAPPLIED,
        )
    )

    result = apply_unapplied(
        session, practice_id=practice, item_id=ghost.id, claim_id=ours.id, actor=ACTOR,
        today=TODAY,
    )  # fmt: skip

    assert (result.applied_cents, result.claim_id, result.remittance_id) == (
        8000,
        ours.id,
        remittance_id,
    )
    reversal = session.get(Entry, result.reversal_entry_id)
    assert reversal is not None and reversal.reverses_entry_id == original.id
    assert (reversal.debit_account_id, reversal.credit_account_id, reversal.amount_cents) == (
        original.credit_account_id,
        original.debit_account_id,
        original.amount_cents,
    )
    assert reversal.remittance_id == remittance_id and reversal.kind is EntryKind.REVERSAL
    # OURS1: 80.00 paid, 20.00 contractual; PAID1's unbalanced 150.00 still waits.
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -15000
    assert account_balance(session, practice, AccountKind.CASH) == 23000
    assert account_balance(session, practice, AccountKind.CONTRACTUAL) == 2000
    coverage = {"coverage_id": office.coverage.id}
    assert account_balance(session, practice, AccountKind.INSURANCE_AR, **coverage) == 20000
    assert _state(session, ours) is ClaimState.CLOSED
    assert _state(session, paid) is ClaimState.ACCEPTED
    adjudication = session.scalars(
        select(Adjudication).where(
            Adjudication.claim_id == ours.id, Adjudication.claim_line_id.is_(None)
        )
    ).one()
    assert (adjudication.match_rule, adjudication.remittance_id) == ("person", remittance_id)
    assert adjudication.segment_position == ghost.segment_position
    session.refresh(ghost)
    assert ghost.status is ItemStatus.CLOSED and ghost.closing_action == "applied"
    assert ghost.closed_at is not None and ghost.claim_id == ours.id
    note = session.scalars(select(ReworkNote).where(ReworkNote.item_id == ghost.id)).one()
    assert note.author == ACTOR and "80.00" in note.text
    assert [i.item_id for i in list_unapplied(session, practice_id=practice)] == [
        _item(session, "CLP01 PAID1").id
    ]
    assert_era_invariants(session, practice)

    # Applying it again is refused: the item is closed.
    entries = _count(session, Entry)
    with pytest.raises(StateError, match="closed"):
        apply_unapplied(
            session, practice_id=practice, item_id=ghost.id, claim_id=ours.id, actor=ACTOR,
            today=TODAY,
        )  # fmt: skip
    assert _count(session, Entry) == entries
    assert_era_invariants(session, practice)


def test_what_cannot_be_applied_is_refused_and_changes_nothing(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    paid, ours, _ = _unmatched_and_unbalanced(session, office)
    practice = office.practice.id
    ghost = _item(session, "CLP01 GHOST1")
    unbalanced = _item(session, "CLP01 PAID1")
    other = make_office(session)
    stranger = golden_claim(session, other, "OURS1", [("99212", 10000)])
    before = (_count(session, Entry), _count(session, ReworkItem), _count(session, Adjudication))

    def refused(error: type[Exception], match: str, item_id: int, claim_id: int) -> None:
        with pytest.raises(error, match=match):
            apply_unapplied(
                session, practice_id=practice, item_id=item_id, claim_id=claim_id, actor=ACTOR,
                today=TODAY,
            )  # fmt: skip
        counts = (
            _count(session, Entry),
            _count(session, ReworkItem),
            _count(session, Adjudication),
        )
        assert counts == before

    # A claim of another practice, or none at all.
    refused(InvalidInput, "not in this practice", ghost.id, stranger.id)
    refused(InvalidInput, "not in this practice", ghost.id, 10**9)
    # A claim that does not fit the payment (PAID1 has no 99212 line for 100.00).
    refused(InvalidInput, "cannot be applied to claim", ghost.id, paid.id)
    # A claim payment that does not balance is not applied by hand either.
    refused(InvalidInput, "cannot be applied to claim", unbalanced.id, paid.id)
    refused(NotFound, "not found", 10**9, ours.id)

    session.refresh(ghost)
    assert ghost.status is ItemStatus.OPEN
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -23000
    assert (
        session.scalars(select(Entry).where(Entry.reverses_entry_id.is_not(None))).first() is None
    )

    # A denial is an item on a remittance too, but no unapplied cash.
    golden_claim(session, office, "DENY1", [("97110", 12500)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes(), "d.835")
    denial = _item(session, "CO-16 M51 MA130 N286")
    before = (_count(session, Entry), _count(session, ReworkItem), _count(session, Adjudication))
    refused(InvalidInput, "not an unapplied claim payment", denial.id, ours.id)
    assert_era_invariants(session, practice)


def test_a_held_remittance_is_released_and_the_difference_stays_in_unapplied_cash(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    paid = golden_claim(session, office, "PAID1", [("99213", 20000)])
    golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    deny = golden_claim(session, office, "DENY1", [("97110", 12500)])
    content = (
        (GOLDEN / "835_paid_partial_denial.835").read_text().replace("BPR*I*450*", "BPR*I*460*")
    )
    report = ingest(session, office, content)
    assert report.status == "held"
    remittance_id = report.transactions[0].remittance_id
    assert remittance_id is not None
    practice = office.practice.id
    hold = session.scalars(
        select(ReworkItem).where(ReworkItem.remittance_id == remittance_id)
    ).one()
    (hold_entry,) = session.scalars(
        select(Entry).where(Entry.remittance_id == remittance_id, Entry.kind == EntryKind.UNAPPLIED)
    )
    (listed,) = list_unapplied(session, practice_id=practice)
    assert (listed.kind, listed.item_id, listed.amount_cents) == (HELD_REMITTANCE, hold.id, 46000)
    # An item of a held remittance is released, not applied.
    with pytest.raises(InvalidInput, match="release it"):
        apply_unapplied(
            session, practice_id=practice, item_id=hold.id, claim_id=paid.id, actor=ACTOR,
            today=TODAY,
        )  # fmt: skip
    shown = describe_held(session, practice_id=practice, remittance_id=remittance_id)
    assert "460.00" in shown and "450.00" in shown

    result = release_remittance(
        session, practice_id=practice, remittance_id=remittance_id, actor=ACTOR, today=TODAY
    )

    assert (result.claims, result.matched, result.unmatched) == (3, 3, 0)
    assert (result.applied_cents, result.left_cents, result.unapplied_cents) == (45000, 1000, 1000)
    remittance = session.get(Remittance, remittance_id)
    assert remittance is not None and remittance.status is RemittanceStatus.RELEASED
    assert (remittance.applied_count, remittance.applied_cents, remittance.unapplied_cents) == (
        3,
        45000,
        1000,
    )
    assert (
        session.scalars(select(Entry).where(Entry.reverses_entry_id == hold_entry.id)).one().kind
        is EntryKind.REVERSAL
    )
    # Posted as if it had balanced; the extra 10.00 waits in unapplied cash.
    assert account_balance(session, practice, AccountKind.CASH) == 46000
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -1000
    coverage = {"coverage_id": office.coverage.id}
    assert account_balance(session, practice, AccountKind.INSURANCE_AR, **coverage) == 12500
    patient = {"patient_id": office.patient.id}
    assert account_balance(session, practice, AccountKind.PATIENT_AR, **patient) == 10000
    assert _state(session, paid) is ClaimState.CLOSED
    assert _state(session, deny) is ClaimState.DENIED
    session.refresh(hold)
    assert hold.status is ItemStatus.CLOSED and hold.closing_action == "released"
    left = session.get(ReworkItem, result.left_item_id)
    assert left is not None and left.status is ItemStatus.OPEN
    assert (left.codes, left.amount_cents, left.remittance_id) == ("BPR02", 1000, remittance_id)
    assert "10.00" in left.summary
    (listed,) = [i for i in list_unapplied(session, practice_id=practice) if i.item_id == left.id]
    assert (listed.kind, listed.amount_cents) == (LEFT_ON_RELEASE, 1000)
    assert_era_invariants(session, practice)

    entries = _count(session, Entry)
    with pytest.raises(StateError, match="released"):
        release_remittance(
            session, practice_id=practice, remittance_id=remittance_id, actor=ACTOR, today=TODAY
        )
    assert _count(session, Entry) == entries
    assert_era_invariants(session, practice)


def test_a_short_payment_with_plb_is_released_with_the_shortfall_owed(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    rev = golden_claim(session, office, "REV1", [("99213", 20000)])
    golden_claim(session, office, "OVP1", [("99212", 10000)])
    ingest(session, office, (GOLDEN / "835_original_rev1.835").read_bytes())
    short = (GOLDEN / "835_reversal_plb.835").read_text().replace("BPR*I*77.5*", "BPR*I*70*")
    report = ingest(session, office, short, "rev.835")
    assert report.status == "held"
    remittance_id = report.transactions[0].remittance_id
    assert remittance_id is not None
    practice = office.practice.id

    result = release_remittance(
        session, practice_id=practice, remittance_id=remittance_id, actor=ACTOR, today=TODAY
    )

    # Claims 110.00 less PLB 32.50 is 77.50; 70.00 came: 7.50 more was applied than paid.
    assert (result.matched, result.provider_adjustment_cents, result.left_cents) == (3, 3250, -750)
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == 750
    assert account_balance(session, practice, AccountKind.CASH) == 15000 + 7000
    plb = {
        e.reason_code: e
        for e in session.scalars(
            select(Entry).where(
                Entry.remittance_id == remittance_id,
                Entry.kind.in_([EntryKind.PROVIDER_ADJUSTMENT, EntryKind.INTEREST]),
            )
        )
    }
    assert plb["L6"].amount_cents == 250 and plb["L6"].claim_id == rev.id  # by AMT*I
    assert plb["WO"].amount_cents == 3000 and plb["FB"].amount_cents == 500
    assert _state(session, rev) is ClaimState.CLOSED
    assert_era_invariants(session, practice)


def test_claims_a_release_cannot_match_wait_and_are_applied_by_hand(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    golden_claim(session, office, "PAID1", [("99213", 20000)])
    ours = golden_claim(session, office, "OURS1", [("99212", 10000)])
    content = (
        (GOLDEN / "835_unmatched_unbalanced.835").read_text().replace("BPR*I*230*", "BPR*I*240*")
    )
    remittance_id = ingest(session, office, content).transactions[0].remittance_id
    assert remittance_id is not None
    practice = office.practice.id
    result = release_remittance(
        session, practice_id=practice, remittance_id=remittance_id, actor=ACTOR, today=TODAY
    )
    assert (result.matched, result.unmatched, result.left_cents) == (0, 2, 1000)
    assert result.unapplied_cents == 24000 and result.rework_items == 3
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -24000
    kinds = sorted(i.kind for i in list_unapplied(session, practice_id=practice))
    assert kinds == [CLAIM_PAYMENT, CLAIM_PAYMENT, LEFT_ON_RELEASE]

    ghost = _item(session, "CLP01 GHOST1")
    apply_unapplied(
        session, practice_id=practice, item_id=ghost.id, claim_id=ours.id, actor=ACTOR,
        today=TODAY,
    )  # fmt: skip
    assert account_balance(session, practice, AccountKind.UNAPPLIED_CASH) == -16000
    assert _state(session, ours) is ClaimState.CLOSED
    assert_era_invariants(session, practice)


# ---------------------------------------------------------------------- the command line


def test_cli_lists_applies_and_releases(tmp_path: Path, scratch_sqlite_url: str) -> None:
    url = scratch_sqlite_url
    assert claims_cli(url, "db", "upgrade")[0] == 0
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        office = make_office(session)
        office.payer.payer_code = PAYER_CODE
        ours = golden_claim(session, office, "OURS1", [("99212", 10000)]).id
        for pcn, lines in (
            ("PAID1", [("99213", 20000)]),
            ("PART1", [("99214", 30000), ("81002", 20000)]),
            ("DENY1", [("97110", 12500)]),
        ):
            golden_claim(session, office, pcn, lines)
        practice = ["--practice", office.practice.code]
    engine.dispose()
    held = tmp_path / "held.835"
    held.write_text(
        (GOLDEN / "835_paid_partial_denial.835").read_text().replace("BPR*I*450*", "BPR*I*460*")
    )
    code, out = claims_cli(
        url, "ingest", str(GOLDEN / "835_unmatched_unbalanced.835"), str(held), *practice, "--json"
    )
    assert code == 0, out
    remittance_id = json.loads(out)["files"][1]["transactions"][0]["remittance_id"]

    code, out = claims_cli(url, "unapplied", "list", *practice, "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert listed["balance"] == "690.00"  # 230.00 + the held 460.00
    kinds = {(i["kind"], i["amount"]) for i in listed["items"]}
    assert kinds == {
        ("claim_payment", "80.00"),
        ("claim_payment", "150.00"),
        ("held_remittance", "460.00"),
    }
    (ghost,) = [i for i in listed["items"] if i["amount"] == "80.00"]

    code, out = claims_cli(
        url, "unapplied", "apply", str(ghost["item_id"]), "--claim", str(ours), *practice, "--json"
    )
    assert code == 0, out
    assert json.loads(out)["applied"] == "80.00"
    with pytest.raises(StateError):
        claims_cli(
            url, "unapplied", "apply", str(ghost["item_id"]), "--claim", str(ours), *practice
        )

    # Releasing asks first; "no" changes nothing.
    base = ["--database-url", url, "remittance", "release", str(remittance_id), *practice]
    declined = runner.invoke(app, base, input="n\n")
    assert declined.exit_code == 1 and "460.00" in declined.output
    code, out = claims_cli(url, "unapplied", "list", *practice)
    assert "unapplied cash 610.00" in out
    released = runner.invoke(app, base, input="y\n")
    assert released.exit_code == 0, released.output
    assert "released: 3 of 3 claims applied (450.00), 10.00 in unapplied cash" in released.output
    code, out = claims_cli(url, "unapplied", "list", *practice, "--json")
    assert json.loads(out)["balance"] == "160.00"  # PAID1's 150.00 and the extra 10.00
    assert {i["kind"] for i in json.loads(out)["items"]} == {"claim_payment", "left_on_release"}
    again = runner.invoke(app, [*base, "--yes", "--json"])
    assert isinstance(again.exception, StateError)
    code, out = claims_cli(url, "check", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
