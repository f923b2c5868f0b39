"""Tests of the double-entry ledger: posting, refusals, idempotency, reversals, append-only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from claims.encounters.models import ChargeLine, Encounter
from claims.encounters.service import ChargeInput, EncounterInput, create_encounter
from claims.errors import LedgerError, NotFound
from claims.files.models import Direction, FileKind, FileStatus, StoredFile
from claims.ledger import service as ledger
from claims.ledger.models import Account, AccountKind, Entry, EntryKind
from claims.ledger.service import Posting
from claims.patients.models import Coverage, CoverageOrder, Patient, Sex
from claims.practice.models import BillingProvider, Payer, Practice

ACTOR = "ledger-test"
DAY = date(2026, 5, 4)
SERVICE_DAY = date(2026, 4, 20)
APPEND_ONLY = "append-only"

# Kinds of the practice-wide accounts the tests post to.
PLAIN_KINDS = (
    AccountKind.GROSS_CHARGES,
    AccountKind.ERA_CLEARING,
    AccountKind.CASH,
    AccountKind.CONTRACTUAL,
    AccountKind.OTHER_ADJUSTMENT,
    AccountKind.WRITE_OFF,
)


# --------------------------------------------------------------------------------------------
# Fixture data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class World:
    """A practice with two patients, three coverages, four charge lines and its accounts,
    plus a second practice with one account and one charge line of its own."""

    practice_id: int
    billing_provider_id: int
    patient_ids: tuple[int, int]
    # patient 0: one primary coverage; patient 1: a primary and a secondary.
    coverage_ids: tuple[int, int, int]
    coverages_of: dict[int, tuple[int, ...]]  # patient -> coverages, primary first
    line_ids: tuple[int, ...]  # lines 0 and 1 are patient 0's, lines 2 and 3 patient 1's
    patient_of_line: dict[int, int]
    plain: dict[AccountKind, int]  # practice-wide accounts by kind
    insurance_ar: dict[int, int]  # coverage -> account
    patient_ar: dict[int, int]  # patient -> account
    other_practice_id: int
    other_cash: int
    other_insurance_ar: int
    other_line_id: int

    def parties(self, line_id: int) -> tuple[int, ...]:
        """The A/R accounts responsible for a line: its patient's coverages, then the patient."""
        patient_id = self.patient_of_line[line_id]
        covered = tuple(self.insurance_ar[c] for c in self.coverages_of[patient_id])
        return (*covered, self.patient_ar[patient_id])


def _practice(session: Session, code: str) -> tuple[int, int, int]:
    """A practice with a billing provider and a payer: their IDs."""
    practice = Practice(code=code, name=f"Ledger test practice {code}")
    session.add(practice)
    session.flush()
    provider = BillingProvider(
        practice_id=practice.id,
        name="Ledger Test Clinic",
        npi="1234567893",
        tin="123456789",
        address1="1 Test Way",
        city="Testville",
        state="OR",
        postal_code="97000",
    )
    payer = Payer(
        practice_id=practice.id,
        payer_code=f"PAYER-{code}",
        name="Test Health Plan",
        claim_filing_indicator="CI",
        address1="2 Payer Road",
        city="Paytown",
        state="OR",
        postal_code="97001",
    )
    session.add_all([provider, payer])
    session.flush()
    return practice.id, provider.id, payer.id


def _patient(session: Session, practice_id: int, number: str) -> int:
    """A fictional patient; their ID."""
    patient = Patient(
        practice_id=practice_id,
        account_number=number,
        last_name="Testperson",
        first_name=f"P{number}",
        birth_date=date(1980, 1, 1),
        sex=Sex.UNKNOWN,
        address1="3 Home Street",
        city="Testville",
        state="OR",
        postal_code="97000",
    )
    session.add(patient)
    session.flush()
    return patient.id


def _coverage(
    session: Session, practice_id: int, patient_id: int, payer_id: int, order: CoverageOrder
) -> int:
    """A coverage of the patient with the payer; its ID."""
    coverage = Coverage(
        practice_id=practice_id,
        patient_id=patient_id,
        payer_id=payer_id,
        order=order,
        member_id=f"M{patient_id}{order.value}",
    )
    session.add(coverage)
    session.flush()
    return coverage.id


def _lines(
    session: Session, practice_id: int, patient_id: int, provider_id: int, charges: list[int]
) -> list[int]:
    """An encounter with one charge line per amount, posted to no ledger; the line IDs."""
    encounter = Encounter(
        practice_id=practice_id,
        patient_id=patient_id,
        billing_provider_id=provider_id,
        place_of_service="11",
        service_date=SERVICE_DAY,
    )
    session.add(encounter)
    session.flush()
    lines = [
        ChargeLine(
            practice_id=practice_id,
            encounter_id=encounter.id,
            line_number=number,
            service_date=SERVICE_DAY,
            procedure_code="99213",
            charge_cents=cents,
        )
        for number, cents in enumerate(charges, start=1)
    ]
    session.add_all(lines)
    session.flush()
    return [line.id for line in lines]


def _account(
    session: Session,
    practice_id: int,
    kind: AccountKind,
    *,
    coverage_id: int | None = None,
    patient_id: int | None = None,
) -> int:
    return ledger.account(
        session,
        practice_id=practice_id,
        kind=kind,
        coverage_id=coverage_id,
        patient_id=patient_id,
    )


@pytest.fixture
def world(session: Session) -> World:
    """Practice, patients, coverages, charge lines and accounts; the ledger starts empty."""
    practice_id, provider_id, payer_id = _practice(session, "LEDGER")
    p0 = _patient(session, practice_id, "A-1")
    p1 = _patient(session, practice_id, "A-2")
    c0 = _coverage(session, practice_id, p0, payer_id, CoverageOrder.PRIMARY)
    c1 = _coverage(session, practice_id, p1, payer_id, CoverageOrder.PRIMARY)
    c2 = _coverage(session, practice_id, p1, payer_id, CoverageOrder.SECONDARY)
    lines0 = _lines(session, practice_id, p0, provider_id, [15_000, 4_500])
    lines1 = _lines(session, practice_id, p1, provider_id, [22_500, 7_500])

    other_id, other_provider, other_payer = _practice(session, "OTHER")
    other_patient = _patient(session, other_id, "B-1")
    other_coverage = _coverage(session, other_id, other_patient, other_payer, CoverageOrder.PRIMARY)
    (other_line,) = _lines(session, other_id, other_patient, other_provider, [10_000])

    return World(
        practice_id=practice_id,
        billing_provider_id=provider_id,
        patient_ids=(p0, p1),
        coverage_ids=(c0, c1, c2),
        coverages_of={p0: (c0,), p1: (c1, c2)},
        line_ids=(*lines0, *lines1),
        patient_of_line={lines0[0]: p0, lines0[1]: p0, lines1[0]: p1, lines1[1]: p1},
        plain={kind: _account(session, practice_id, kind) for kind in PLAIN_KINDS},
        insurance_ar={
            c: _account(session, practice_id, AccountKind.INSURANCE_AR, coverage_id=c)
            for c in (c0, c1, c2)
        },
        patient_ar={
            p: _account(session, practice_id, AccountKind.PATIENT_AR, patient_id=p)
            for p in (p0, p1)
        },
        other_practice_id=other_id,
        other_cash=_account(session, other_id, AccountKind.CASH),
        other_insurance_ar=_account(
            session, other_id, AccountKind.INSURANCE_AR, coverage_id=other_coverage
        ),
        other_line_id=other_line,
    )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _posting(debit: int, credit: int, amount: int, **changes: Any) -> Posting:
    """A valid manual posting unless changes say otherwise."""
    base = Posting(
        debit_account_id=debit,
        credit_account_id=credit,
        amount_cents=amount,
        kind=EntryKind.MANUAL,
        posting_date=DAY,
        actor=ACTOR,
        memo="ledger test",
    )
    return replace(base, **changes)


def _charge(world: World, line: int, party: int, amount: int, **changes: Any) -> Posting:
    """A charge of a line to a responsible party's A/R."""
    return _posting(
        party,
        world.plain[AccountKind.GROSS_CHARGES],
        amount,
        kind=EntryKind.CHARGE,
        charge_line_id=line,
        service_date=SERVICE_DAY,
        **changes,
    )


def _post(session: Session, world: World, *postings: Posting) -> list[int]:
    return ledger.post(session, practice_id=world.practice_id, postings=list(postings))


def _totals(session: Session, account_id: int) -> tuple[int, int]:
    """(debits, credits) posted, read from the database rather than the identity map."""
    row = session.execute(
        select(Account.debits_posted_cents, Account.credits_posted_cents).where(
            Account.id == account_id
        )
    ).one()
    return int(row[0]), int(row[1])


def _entry(session: Session, entry_id: int) -> dict[str, Any]:
    """An entry's columns, read from the database."""
    row = session.execute(select(Entry.__table__).where(Entry.id == entry_id)).mappings().one()
    return dict(row)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a refused call must leave unchanged."""

    entries: int
    accounts: tuple[tuple[int, int, int], ...]  # (id, debits, credits), by id


def _snapshot(session: Session) -> Snapshot:
    session.flush()
    count = session.scalar(select(func.count()).select_from(Entry)) or 0
    rows = session.execute(
        select(Account.id, Account.debits_posted_cents, Account.credits_posted_cents).order_by(
            Account.id
        )
    )
    return Snapshot(int(count), tuple((int(a), int(d), int(c)) for a, d, c in rows))


def _practice_balances(session: Session, practice_id: int) -> dict[int, int]:
    """Every account of the practice: running debits minus running credits."""
    rows = session.execute(
        select(Account.id, Account.debits_posted_cents, Account.credits_posted_cents).where(
            Account.practice_id == practice_id
        )
    )
    return {int(a): int(d) - int(c) for a, d, c in rows}


# --------------------------------------------------------------------------------------------
# 1. post(): entries, running totals, balances
# --------------------------------------------------------------------------------------------


def test_post_writes_the_entry_as_given(session: Session, world: World) -> None:
    line = world.line_ids[0]
    ar = world.insurance_ar[world.coverage_ids[0]]
    gross = world.plain[AccountKind.GROSS_CHARGES]

    (entry_id,) = _post(session, world, _charge(world, line, ar, 15_000))

    row = _entry(session, entry_id)
    assert row["practice_id"] == world.practice_id
    assert (row["debit_account_id"], row["credit_account_id"]) == (ar, gross)
    assert row["amount_cents"] == 15_000
    assert row["kind"] == EntryKind.CHARGE
    assert row["charge_line_id"] == line
    assert row["posting_date"] == DAY
    assert row["service_date"] == SERVICE_DAY
    assert row["actor"] == ACTOR
    assert row["memo"] == "ledger test"
    assert row["reverses_entry_id"] is None
    assert _totals(session, ar) == (15_000, 0)
    assert _totals(session, gross) == (0, 15_000)


def test_post_batch_moves_running_totals_and_balances(session: Session, world: World) -> None:
    line = world.line_ids[0]
    ar = world.insurance_ar[world.coverage_ids[0]]
    gross = world.plain[AccountKind.GROSS_CHARGES]
    era = world.plain[AccountKind.ERA_CLEARING]
    cash = world.plain[AccountKind.CASH]
    contractual = world.plain[AccountKind.CONTRACTUAL]
    batch = [
        _charge(world, line, ar, 15_000),
        _posting(era, ar, 9_000, kind=EntryKind.PAYMENT, charge_line_id=line),
        _posting(contractual, ar, 4_000, kind=EntryKind.ADJUSTMENT, charge_line_id=line),
        _posting(cash, era, 9_000, kind=EntryKind.DEPOSIT, deposit_date=DAY),
    ]

    ids = _post(session, world, *batch)

    assert len(ids) == 4
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    for entry_id, posting in zip(ids, batch, strict=True):
        row = _entry(session, entry_id)
        assert row["debit_account_id"] == posting.debit_account_id
        assert row["credit_account_id"] == posting.credit_account_id
        assert row["amount_cents"] == posting.amount_cents
        assert row["kind"] == posting.kind
    expected = {
        ar: (15_000, 13_000),
        gross: (0, 15_000),
        era: (9_000, 9_000),
        cash: (9_000, 0),
        contractual: (4_000, 0),
    }
    for account_id, totals in expected.items():
        assert _totals(session, account_id) == totals
        assert ledger.balance(session, account_id) == totals[0] - totals[1]
    assert ledger.balance(session, ar) == 2_000
    assert ledger.balance(session, ar, charge_line_id=line) == 2_000
    assert ledger.balance(session, ar, charge_line_id=world.line_ids[1]) == 0
    assert sum(_practice_balances(session, world.practice_id).values()) == 0
    assert ledger.check(session, practice_id=world.practice_id) == []


def test_post_twice_accumulates_totals(session: Session, world: World) -> None:
    ar = world.patient_ar[world.patient_ids[0]]
    gross = world.plain[AccountKind.GROSS_CHARGES]
    _post(session, world, _charge(world, world.line_ids[0], ar, 1_000))
    _post(session, world, _charge(world, world.line_ids[1], ar, 2_500))
    assert _totals(session, ar) == (3_500, 0)
    assert _totals(session, gross) == (0, 3_500)
    assert ledger.balance(session, ar) == 3_500


@pytest.mark.parametrize("column", ["debits_posted_cents", "credits_posted_cents"])
def test_check_reports_totals_that_differ_from_entries(
    session: Session, world: World, column: str
) -> None:
    ar = world.patient_ar[world.patient_ids[0]]
    _post(session, world, _charge(world, world.line_ids[0], ar, 1_000))
    with session.begin_nested() as nested:
        session.execute(
            text(f"UPDATE ledger_accounts SET {column} = 999 WHERE id = :id"), {"id": ar}
        )
        (problem,) = ledger.check(session, practice_id=world.practice_id)
        assert problem.account_id == ar
        assert (problem.entry_debits, problem.entry_credits) == (1_000, 0)
        if column == "debits_posted_cents":
            assert (problem.projected_debits, problem.projected_credits) == (999, 0)
        else:
            assert (problem.projected_debits, problem.projected_credits) == (1_000, 999)
        nested.rollback()
    assert ledger.check(session, practice_id=world.practice_id) == []


def test_line_balances_per_charge_line(session: Session, world: World) -> None:
    line_a, line_b = world.line_ids[2], world.line_ids[3]
    primary = world.insurance_ar[world.coverage_ids[1]]
    secondary = world.insurance_ar[world.coverage_ids[2]]
    patient = world.patient_ar[world.patient_ids[1]]
    era = world.plain[AccountKind.ERA_CLEARING]
    contractual = world.plain[AccountKind.CONTRACTUAL]
    _post(
        session,
        world,
        _charge(world, line_a, primary, 10_000),
        _charge(world, line_b, primary, 5_000),
        _posting(era, primary, 6_000, kind=EntryKind.PAYMENT, charge_line_id=line_a),
        _posting(contractual, primary, 4_000, kind=EntryKind.ADJUSTMENT, charge_line_id=line_a),
        _posting(secondary, primary, 3_000, kind=EntryKind.TRANSFER, charge_line_id=line_b),
        _posting(patient, secondary, 1_200, kind=EntryKind.TRANSFER, charge_line_id=line_b),
    )

    assert ledger.line_balances(session, line_a) == {}  # paid and adjusted to zero
    assert ledger.line_balances(session, line_b) == {
        primary: 2_000,
        secondary: 1_800,
        patient: 1_200,
    }
    assert ledger.line_balances(session, world.line_ids[0]) == {}  # never posted
    assert ledger.balance(session, primary, charge_line_id=line_b) == 2_000
    assert ledger.balance(session, era, charge_line_id=line_a) == 6_000  # not A/R, still tagged
    assert ledger.balance(session, primary) == 2_000
    assert ledger.balance(session, secondary) == 1_800


def test_account_scopes_insurance_ar_per_coverage_and_patient_ar_per_patient(
    session: Session, world: World
) -> None:
    c0, c1, c2 = world.coverage_ids
    p0, p1 = world.patient_ids
    ids = {
        _account(session, world.practice_id, AccountKind.INSURANCE_AR, coverage_id=c)
        for c in (c0, c1, c2)
    } | {
        _account(session, world.practice_id, AccountKind.PATIENT_AR, patient_id=p) for p in (p0, p1)
    }
    assert len(ids) == 5  # one account per coverage and per patient
    # The same scope is the same account; it is created once.
    before = _snapshot(session)
    again = _account(session, world.practice_id, AccountKind.INSURANCE_AR, coverage_id=c1)
    assert again == world.insurance_ar[c1]
    again = _account(session, world.practice_id, AccountKind.PATIENT_AR, patient_id=p1)
    assert again == world.patient_ar[p1]
    assert _account(session, world.practice_id, AccountKind.CASH) == world.plain[AccountKind.CASH]
    assert _snapshot(session) == before

    row = session.execute(
        select(Account.kind, Account.key, Account.coverage_id, Account.patient_id).where(
            Account.id == world.insurance_ar[c2]
        )
    ).one()
    assert tuple(row) == (AccountKind.INSURANCE_AR, f"insurance_ar:coverage:{c2}", c2, None)
    row = session.execute(
        select(Account.kind, Account.key, Account.coverage_id, Account.patient_id).where(
            Account.id == world.patient_ar[p0]
        )
    ).one()
    assert tuple(row) == (AccountKind.PATIENT_AR, f"patient_ar:patient:{p0}", None, p0)
    # Each practice has accounts of its own.
    assert world.other_cash != world.plain[AccountKind.CASH]


def _both(world: World) -> dict[str, int]:
    return {"coverage_id": world.coverage_ids[0], "patient_id": world.patient_ids[0]}


WRONG_SCOPES: dict[str, tuple[AccountKind, Callable[[World], dict[str, int]]]] = {
    "insurance A/R without a coverage": (AccountKind.INSURANCE_AR, lambda w: {}),
    "insurance A/R with a patient too": (AccountKind.INSURANCE_AR, _both),
    "patient A/R without a patient": (AccountKind.PATIENT_AR, lambda w: {}),
    "patient A/R with a coverage too": (AccountKind.PATIENT_AR, _both),
    "cash with a coverage": (AccountKind.CASH, lambda w: {"coverage_id": w.coverage_ids[0]}),
    "gross charges with a patient": (
        AccountKind.GROSS_CHARGES,
        lambda w: {"patient_id": w.patient_ids[0]},
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_SCOPES))
def test_account_refuses_a_wrong_scope(session: Session, world: World, case: str) -> None:
    kind, scope = WRONG_SCOPES[case]
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=r"coverage_id|patient_id"):
        ledger.account(session, practice_id=world.practice_id, kind=kind, **scope(world))
    assert _snapshot(session) == before


def test_create_encounter_posts_charges_to_the_responsible_party(
    session: Session, world: World
) -> None:
    covered, uncovered = world.patient_ids[0], _patient(session, world.practice_id, "A-3")
    charges = [ChargeInput("99214", 22_500), ChargeInput("G2211", 0), ChargeInput("36415", 1_500)]
    encounters = {
        patient: create_encounter(
            session,
            practice_id=world.practice_id,
            data=EncounterInput(
                patient_id=patient,
                billing_provider_id=world.billing_provider_id,
                service_date=SERVICE_DAY,
                place_of_service="11",
                diagnoses=["I10"],
                charges=charges,
            ),
            actor=ACTOR,
            posting_date=DAY,
        )
        for patient in (covered, uncovered)
    }
    insurance = world.insurance_ar[world.coverage_ids[0]]
    patient_ar = _account(session, world.practice_id, AccountKind.PATIENT_AR, patient_id=uncovered)
    for patient, party in ((covered, insurance), (uncovered, patient_ar)):
        lines = encounters[patient].lines
        assert [ledger.line_balances(session, line.id) for line in lines] == [
            {party: 22_500},
            {},  # a zero charge moves no money
            {party: 1_500},
        ]
        assert ledger.balance(session, party) == 24_000
        assert _totals(session, party) == (24_000, 0)
    assert _totals(session, world.plain[AccountKind.GROSS_CHARGES]) == (0, 48_000)
    assert ledger.balance(session, world.patient_ar[covered]) == 0


def test_entries_for_charge_lines_names_the_accounts(session: Session, world: World) -> None:
    line = world.line_ids[0]
    ar = world.insurance_ar[world.coverage_ids[0]]
    cash = world.plain[AccountKind.CASH]
    first, second = _post(
        session,
        world,
        _charge(world, line, ar, 2_000),
        _posting(cash, ar, 500, kind=EntryKind.PAYMENT, charge_line_id=line),
    )
    _post(session, world, _charge(world, world.line_ids[1], ar, 700))
    rows = ledger.entries_for_charge_lines(session, [line])
    assert [(e.id, debit, credit) for e, debit, credit in rows] == [
        (first, f"insurance_ar:coverage:{world.coverage_ids[0]}", "gross_charges"),
        (second, "cash", f"insurance_ar:coverage:{world.coverage_ids[0]}"),
    ]


# --------------------------------------------------------------------------------------------
# 2. Refusals: nothing is written
# --------------------------------------------------------------------------------------------


def _unknown_account(session: Session) -> int:
    return int(session.scalar(select(func.max(Account.id))) or 0) + 1_000


BAD_POSTINGS: dict[str, Callable[[Session, World], Posting]] = {
    "zero amount": lambda s, w: _charge(w, w.line_ids[0], w.patient_ar[w.patient_ids[0]], 0),
    "negative amount": lambda s, w: _charge(w, w.line_ids[0], w.patient_ar[w.patient_ids[0]], -500),
    "bool amount": lambda s, w: _charge(w, w.line_ids[0], w.patient_ar[w.patient_ids[0]], True),
    # The one place a float appears near money: to show that it is refused.
    "float amount": lambda s, w: _charge(
        w,
        w.line_ids[0],
        w.patient_ar[w.patient_ids[0]],
        12.5,  # type: ignore[arg-type]
    ),
    "whole float amount": lambda s, w: _charge(
        w,
        w.line_ids[0],
        w.patient_ar[w.patient_ids[0]],
        1250.0,  # type: ignore[arg-type]
    ),
    "decimal amount": lambda s, w: _charge(
        w,
        w.line_ids[0],
        w.patient_ar[w.patient_ids[0]],
        Decimal("1250"),  # type: ignore[arg-type]
    ),
    "same account": lambda s, w: _posting(
        w.plain[AccountKind.CASH], w.plain[AccountKind.CASH], 100
    ),
    "account of another practice": lambda s, w: _posting(
        w.other_cash, w.plain[AccountKind.ERA_CLEARING], 100
    ),
    "A/R account of another practice": lambda s, w: _charge(
        w, w.line_ids[0], w.other_insurance_ar, 100
    ),
    "unknown account": lambda s, w: _posting(
        _unknown_account(s), w.plain[AccountKind.ERA_CLEARING], 100
    ),
    "A/R debit without charge line": lambda s, w: _posting(
        w.patient_ar[w.patient_ids[0]], w.plain[AccountKind.GROSS_CHARGES], 100
    ),
    "A/R credit without charge line": lambda s, w: _posting(
        w.plain[AccountKind.CASH], w.insurance_ar[w.coverage_ids[0]], 100
    ),
    "no actor": lambda s, w: _posting(
        w.plain[AccountKind.CASH], w.plain[AccountKind.ERA_CLEARING], 100, actor=""
    ),
    "no memo and no file": lambda s, w: _posting(
        w.plain[AccountKind.CASH], w.plain[AccountKind.ERA_CLEARING], 100, memo=None
    ),
    "empty memo and no file": lambda s, w: _posting(
        w.plain[AccountKind.CASH], w.plain[AccountKind.ERA_CLEARING], 100, memo=""
    ),
}


def test_charge_line_of_another_practice_is_refused(session: Session, world: World) -> None:
    ar = world.patient_ar[world.patient_ids[0]]
    good = _good_batch(world)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=f"posting 3: charge_line_id {world.other_line_id}"):
        _post(session, world, good[0], good[1], _charge(world, world.other_line_id, ar, 100))
    assert _snapshot(session) == before
    assert ledger.line_balances(session, world.other_line_id) == {}


@pytest.mark.parametrize("scope", ["coverage", "patient"])
def test_account_refuses_a_coverage_or_patient_of_another_practice(
    session: Session, world: World, scope: str
) -> None:
    other_coverage, other_patient = session.execute(
        select(Coverage.id, Coverage.patient_id).where(
            Coverage.practice_id == world.other_practice_id
        )
    ).one()
    before = _snapshot(session)
    with pytest.raises(LedgerError, match="not in this practice"):
        if scope == "coverage":
            _account(
                session, world.practice_id, AccountKind.INSURANCE_AR, coverage_id=other_coverage
            )
        else:
            _account(session, world.practice_id, AccountKind.PATIENT_AR, patient_id=other_patient)
    assert _snapshot(session) == before


def _good_batch(world: World) -> list[Posting]:
    ar = world.insurance_ar[world.coverage_ids[0]]
    era = world.plain[AccountKind.ERA_CLEARING]
    cash = world.plain[AccountKind.CASH]
    line = world.line_ids[0]
    return [
        _charge(world, line, ar, 15_000),
        _posting(era, ar, 9_000, kind=EntryKind.PAYMENT, charge_line_id=line),
        _posting(cash, era, 9_000, kind=EntryKind.DEPOSIT, deposit_date=DAY),
    ]


@pytest.mark.parametrize("case", sorted(BAD_POSTINGS))
def test_post_refuses_and_writes_nothing(session: Session, world: World, case: str) -> None:
    _post(session, world, *_good_batch(world))  # a ledger with something in it
    bad = BAD_POSTINGS[case](session, world)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=r"^(posting 1|account_id \d+):"):
        _post(session, world, bad)
    assert _snapshot(session) == before


@pytest.mark.parametrize("case", sorted(BAD_POSTINGS))
def test_batch_with_a_bad_third_posting_posts_none(
    session: Session, world: World, case: str
) -> None:
    good = _good_batch(world)
    bad = BAD_POSTINGS[case](session, world)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=r"^(posting 3|account_id \d+):"):
        _post(session, world, good[0], good[1], bad, good[2])
    assert _snapshot(session) == before
    assert before.entries == 0
    assert all(d == c == 0 for _, d, c in before.accounts)


def test_post_of_nothing_writes_nothing(session: Session, world: World) -> None:
    before = _snapshot(session)
    assert _post(session, world) == []
    assert _snapshot(session) == before


def test_a_file_is_reason_enough(session: Session, world: World) -> None:
    stored = StoredFile(
        practice_id=world.practice_id,
        sha256="0" * 64,
        direction=Direction.INBOUND,
        kind=FileKind.X835,
        size_bytes=3,
        content=b"ISA",
        status=FileStatus.PROCESSED,
        actor=ACTOR,
    )
    session.add(stored)
    session.flush()
    era = world.plain[AccountKind.ERA_CLEARING]
    cash = world.plain[AccountKind.CASH]
    (entry_id,) = _post(
        session,
        world,
        _posting(cash, era, 100, memo=None, source_file_id=stored.id, segment_position=7),
    )
    row = _entry(session, entry_id)
    assert (row["source_file_id"], row["segment_position"], row["memo"]) == (stored.id, 7, None)


# --------------------------------------------------------------------------------------------
# 3. external_id idempotency
# --------------------------------------------------------------------------------------------


def test_replay_with_the_same_content_returns_the_same_entry(
    session: Session, world: World
) -> None:
    posting = _charge(world, world.line_ids[0], world.patient_ar[world.patient_ids[0]], 4_200)
    posting = replace(posting, external_id="835:17:CLP:3")
    (first,) = _post(session, world, posting)
    after_first = _snapshot(session)

    assert _post(session, world, posting) == [first]
    assert _post(session, world, replace(posting)) == [first]
    assert _snapshot(session) == after_first


def test_replay_of_a_batch_posts_only_the_new_postings(session: Session, world: World) -> None:
    ar = world.insurance_ar[world.coverage_ids[0]]
    old = _charge(world, world.line_ids[0], ar, 1_000, external_id="k-1")
    new = _charge(world, world.line_ids[1], ar, 2_000, external_id="k-2")
    (old_id,) = _post(session, world, old)

    ids = _post(session, world, new, old)

    assert ids[1] == old_id
    assert ids[0] != old_id
    assert _totals(session, ar) == (3_000, 0)
    assert _post(session, world, old, new) == [old_id, ids[0]]
    assert _totals(session, ar) == (3_000, 0)


CHANGED_CONTENT: dict[str, Callable[[World], dict[str, Any]]] = {
    "amount": lambda w: {"amount_cents": 4_201},
    "debit account": lambda w: {"debit_account_id": w.insurance_ar[w.coverage_ids[0]]},
    "charge line": lambda w: {"charge_line_id": w.line_ids[1]},
    "posting date": lambda w: {"posting_date": date(2026, 5, 5)},
    "memo": lambda w: {"memo": "another reason"},
    "kind": lambda w: {"kind": EntryKind.MANUAL},
}


@pytest.mark.parametrize("change", sorted(CHANGED_CONTENT))
def test_replay_with_other_content_is_refused(session: Session, world: World, change: str) -> None:
    posting = _charge(
        world,
        world.line_ids[0],
        world.patient_ar[world.patient_ids[0]],
        4_200,
        external_id="835:17:CLP:3",
    )
    (first,) = _post(session, world, posting)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=f"entry {first}"):
        _post(session, world, replace(posting, **CHANGED_CONTENT[change](world)))
    assert _snapshot(session) == before


def test_the_same_key_twice_in_one_call_is_refused(session: Session, world: World) -> None:
    ar = world.patient_ar[world.patient_ids[0]]
    first = _charge(world, world.line_ids[0], ar, 100, external_id="dup")
    before = _snapshot(session)
    for batch in ([first, first], [first, replace(first, amount_cents=200)]):
        with pytest.raises(LedgerError, match="repeats"):
            _post(session, world, *batch)
        assert _snapshot(session) == before


def test_external_ids_are_per_practice(session: Session, world: World) -> None:
    era = world.plain[AccountKind.ERA_CLEARING]
    cash = world.plain[AccountKind.CASH]
    (mine,) = _post(session, world, _posting(cash, era, 100, external_id="shared"))
    other_era = _account(session, world.other_practice_id, AccountKind.ERA_CLEARING)
    (theirs,) = ledger.post(
        session,
        practice_id=world.other_practice_id,
        postings=[_posting(world.other_cash, other_era, 300, external_id="shared")],
    )
    assert mine != theirs
    assert _totals(session, world.other_cash) == (300, 0)
    assert _totals(session, cash) == (100, 0)


# --------------------------------------------------------------------------------------------
# 4. reverse()
# --------------------------------------------------------------------------------------------


def _reverse(session: Session, world: World, entry_id: int, **kwargs: Any) -> int:
    return ledger.reverse(
        session,
        practice_id=kwargs.pop("practice_id", world.practice_id),
        entry_id=entry_id,
        posting_date=kwargs.pop("posting_date", date(2026, 6, 1)),
        actor=kwargs.pop("actor", "reviewer"),
        memo=kwargs.pop("memo", "posted to the wrong patient"),
        **kwargs,
    )


def test_reverse_swaps_the_accounts_and_nets_to_zero(session: Session, world: World) -> None:
    line = world.line_ids[0]
    ar = world.insurance_ar[world.coverage_ids[0]]
    gross = world.plain[AccountKind.GROSS_CHARGES]
    (original,) = _post(session, world, _charge(world, line, ar, 15_000))

    reversal = _reverse(session, world, original)

    row = _entry(session, reversal)
    assert reversal != original
    assert (row["debit_account_id"], row["credit_account_id"]) == (gross, ar)
    assert row["amount_cents"] == 15_000
    assert row["reverses_entry_id"] == original
    assert row["kind"] == EntryKind.REVERSAL
    assert row["charge_line_id"] == line
    assert row["service_date"] == SERVICE_DAY
    assert row["posting_date"] == date(2026, 6, 1)  # a late correction posts into its own period
    assert (row["actor"], row["memo"]) == ("reviewer", "posted to the wrong patient")
    assert _entry(session, original)["amount_cents"] == 15_000  # the original stays as it was
    assert _totals(session, ar) == (15_000, 15_000)
    assert _totals(session, gross) == (15_000, 15_000)
    assert ledger.balance(session, ar) == 0
    assert ledger.balance(session, gross) == 0
    assert ledger.line_balances(session, line) == {}


def test_an_entry_is_reversed_once(session: Session, world: World) -> None:
    (original,) = _post(
        session, world, _charge(world, world.line_ids[0], world.patient_ar[world.patient_ids[0]], 9)
    )
    reversal = _reverse(session, world, original)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=f"already reversed by entry {reversal}"):
        _reverse(session, world, original)
    with pytest.raises(LedgerError, match="already reversed"):
        _reverse(session, world, original, external_id="retry-with-a-new-key")
    assert _snapshot(session) == before


def test_a_reversal_is_not_reversed(session: Session, world: World) -> None:
    (original,) = _post(
        session, world, _charge(world, world.line_ids[0], world.patient_ar[world.patient_ids[0]], 9)
    )
    reversal = _reverse(session, world, original)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match="itself a reversal"):
        _reverse(session, world, reversal)
    assert _snapshot(session) == before


def test_reversing_another_practices_entry_is_not_found(session: Session, world: World) -> None:
    other_era = _account(session, world.other_practice_id, AccountKind.ERA_CLEARING)
    (theirs,) = ledger.post(
        session,
        practice_id=world.other_practice_id,
        postings=[_posting(world.other_cash, other_era, 300)],
    )
    before = _snapshot(session)
    with pytest.raises(NotFound):
        _reverse(session, world, theirs)
    with pytest.raises(NotFound):
        _reverse(session, world, theirs + 10_000)  # no such entry at all
    assert _snapshot(session) == before
    # Its own practice may reverse it.
    _reverse(session, world, theirs, practice_id=world.other_practice_id)
    assert _totals(session, world.other_cash) == (300, 300)


def test_a_reversal_retried_with_its_key_returns_the_same_entry(
    session: Session, world: World
) -> None:
    (original,) = _post(
        session, world, _charge(world, world.line_ids[0], world.patient_ar[world.patient_ids[0]], 9)
    )
    reversal = _reverse(session, world, original, external_id="undo-1")
    before = _snapshot(session)
    assert _reverse(session, world, original, external_id="undo-1") == reversal
    assert _snapshot(session) == before
    with pytest.raises(LedgerError, match=f"different entry \\(entry {reversal}\\)"):
        _reverse(session, world, original, external_id="undo-1", memo="another reason")
    assert _snapshot(session) == before


# --------------------------------------------------------------------------------------------
# 5. Append-only, enforced by the database
# --------------------------------------------------------------------------------------------


def _wipe_statement(session: Session) -> str:
    # PostgreSQL's TRUNCATE skips row triggers, so it has a trigger of its own; SQLite has no
    # TRUNCATE, and its DELETE without WHERE runs row triggers when there are any.
    if session.get_bind().dialect.name == "postgresql":
        return "TRUNCATE ledger_entries"
    return "DELETE FROM ledger_entries"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount_cents = 1 WHERE id = :id",
        "UPDATE ledger_entries SET amount_cents = amount_cents",
        "UPDATE ledger_entries SET memo = 'tidied' WHERE id = :id",
        "DELETE FROM ledger_entries WHERE id = :id",
        "DELETE FROM ledger_entries",
        "wipe",
    ],
)
def test_the_database_refuses_to_change_entries(
    session: Session, world: World, statement: str
) -> None:
    ar = world.insurance_ar[world.coverage_ids[0]]
    entry_id, last_id = _post(
        session,
        world,
        _charge(world, world.line_ids[0], ar, 15_000),
        _charge(world, world.line_ids[1], ar, 4_500),
    )
    before = _entry(session, entry_id)
    snapshot = _snapshot(session)
    sql = _wipe_statement(session) if statement == "wipe" else statement
    params = {"id": entry_id} if ":id" in sql else {}

    with pytest.raises(DBAPIError) as refused, session.begin_nested():
        session.execute(text(sql), params)

    assert APPEND_ONLY in str(refused.value)
    assert _entry(session, entry_id) == before
    assert _entry(session, last_id)["amount_cents"] == 4_500
    assert _snapshot(session) == snapshot


def test_the_ledger_still_works_after_a_refused_change(session: Session, world: World) -> None:
    ar = world.insurance_ar[world.coverage_ids[0]]
    (entry_id,) = _post(session, world, _charge(world, world.line_ids[0], ar, 15_000))
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("DELETE FROM ledger_entries WHERE id = :id"), {"id": entry_id})
    _reverse(session, world, entry_id)
    assert ledger.balance(session, ar) == 0


# --------------------------------------------------------------------------------------------
# 6. Properties: random sequences of operations against a model kept in Python
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ModelEntry:
    """What the model knows of a posted entry."""

    posting: Posting
    is_reversal: bool
    reversed: bool = False


@dataclass(slots=True)
class Model:
    """Balances the ledger must show, kept by plain arithmetic."""

    accounts: dict[int, int] = field(default_factory=dict)
    lines: dict[tuple[int, int], int] = field(default_factory=dict)  # (line, account)
    entries: dict[int, ModelEntry] = field(default_factory=dict)  # by entry ID, in order
    replays: int = 0
    refused_batches: int = 0
    refused_reversals: int = 0

    def apply(self, entry_id: int, posting: Posting) -> None:
        """Record a posted entry."""
        assert entry_id not in self.entries
        self.entries[entry_id] = ModelEntry(posting, posting.reverses_entry_id is not None)
        for account_id, sign in ((posting.debit_account_id, 1), (posting.credit_account_id, -1)):
            amount = sign * posting.amount_cents
            self.accounts[account_id] = self.accounts.get(account_id, 0) + amount
            if posting.charge_line_id is not None:
                key = (posting.charge_line_id, account_id)
                self.lines[key] = self.lines.get(key, 0) + amount


# Changes that make a valid charge posting invalid.
SPOILERS: dict[str, dict[str, Any]] = {
    "zero amount": {"amount_cents": 0},
    "negative amount": {"amount_cents": -1},
    "no actor": {"actor": ""},
    "no reason": {"memo": None},
    "A/R without a charge line": {"charge_line_id": None},
}

AMOUNTS = st.integers(min_value=1, max_value=2_000_000)
PICK = st.integers(min_value=0, max_value=1_000)

CHARGE = st.tuples(st.just("charge"), PICK, PICK, AMOUNTS)
PAY = st.tuples(st.just("pay"), PICK, PICK, st.sampled_from(["era", "cash"]), AMOUNTS)
ADJUST = st.tuples(
    st.just("adjust"),
    PICK,
    PICK,
    st.sampled_from([AccountKind.CONTRACTUAL, AccountKind.OTHER_ADJUSTMENT, AccountKind.WRITE_OFF]),
    AMOUNTS,
)
TRANSFER = st.tuples(st.just("transfer"), PICK, PICK, AMOUNTS)
# Reverse any earlier entry, or (True) one already reversed or itself a reversal: refused.
REVERSE = st.tuples(st.just("reverse"), PICK, st.booleans())
REPLAY = st.tuples(st.just("replay"), PICK)
BAD_BATCH = st.tuples(
    st.just("bad batch"),
    st.lists(st.tuples(PICK, PICK, AMOUNTS), min_size=1, max_size=4),
    PICK,
    st.sampled_from(sorted(SPOILERS)),
)
# Charges and reversals drawn twice as often: most examples then hold entries worth reversing
# and reversals worth refusing.
OPERATIONS = st.one_of(CHARGE, CHARGE, PAY, ADJUST, TRANSFER, REVERSE, REVERSE, REPLAY, BAD_BATCH)


def _make_posting(world: World, op: tuple[Any, ...], key: str) -> Posting:
    """The posting an operation stands for."""
    name, line_pick, party_pick = op[0], op[1], op[2]
    line = world.line_ids[line_pick % len(world.line_ids)]
    parties = world.parties(line)
    party = parties[party_pick % len(parties)]
    if name == "charge":
        return _charge(world, line, party, op[3], external_id=key)
    if name == "pay":
        target = world.plain[AccountKind.ERA_CLEARING if op[3] == "era" else AccountKind.CASH]
        return _posting(
            target, party, op[4], kind=EntryKind.PAYMENT, charge_line_id=line, external_id=key
        )
    if name == "adjust":
        return _posting(
            world.plain[op[3]],
            party,
            op[4],
            kind=EntryKind.ADJUSTMENT,
            charge_line_id=line,
            external_id=key,
        )
    # transfer: from an insurance A/R of the line's patient to the patient's A/R
    insurers = parties[:-1]
    return _posting(
        parties[-1],
        insurers[party_pick % len(insurers)],
        op[3],
        kind=EntryKind.TRANSFER,
        charge_line_id=line,
        external_id=key,
    )


def _run(session: Session, world: World, model: Model, op: tuple[Any, ...], serial: int) -> None:
    """Apply one operation to the ledger and to the model."""
    name = op[0]
    if name in ("charge", "pay", "adjust", "transfer"):
        posting = _make_posting(world, op, f"op-{serial}")
        (entry_id,) = _post(session, world, posting)
        model.apply(entry_id, posting)
        return
    if name == "bad batch":
        batch = [
            _make_posting(world, ("charge", line, party, amount), f"bad-{serial}-{i}")
            for i, (line, party, amount) in enumerate(op[1])
        ]
        spoilt = op[2] % len(batch)
        batch[spoilt] = replace(batch[spoilt], **SPOILERS[op[3]])
        before = _snapshot(session)
        with pytest.raises(LedgerError):
            _post(session, world, *batch)
        assert _snapshot(session) == before
        model.refused_batches += 1
        return
    if not model.entries:
        return
    ids = list(model.entries)
    if name == "reverse" and op[2]:
        ids = [i for i, e in model.entries.items() if e.is_reversal or e.reversed] or ids
    target_id = ids[op[1] % len(ids)]
    target = model.entries[target_id]
    if name == "replay":
        before = _snapshot(session)
        if target.is_reversal:  # a retried reverse() with the same key
            original_id = target.posting.reverses_entry_id
            assert original_id is not None
            key = target.posting.external_id
            assert _reverse(session, world, original_id, external_id=key) == target_id
        else:
            assert _post(session, world, target.posting) == [target_id]
        assert _snapshot(session) == before
        model.replays += 1
        return
    assert name == "reverse"
    if target.is_reversal or target.reversed:
        before = _snapshot(session)
        with pytest.raises(LedgerError):
            _reverse(session, world, target_id, external_id=f"rev-{serial}")
        assert _snapshot(session) == before
        model.refused_reversals += 1
        return
    key = f"rev-{serial}"
    reversal_id = _reverse(session, world, target_id, external_id=key)
    target.reversed = True
    original = target.posting
    model.apply(
        reversal_id,
        replace(
            original,
            debit_account_id=original.credit_account_id,
            credit_account_id=original.debit_account_id,
            kind=EntryKind.REVERSAL,
            reverses_entry_id=target_id,
            external_id=key,
        ),
    )


def _assert_ledger_matches(session: Session, world: World, model: Model) -> None:
    session.flush()
    assert ledger.check(session, practice_id=world.practice_id) == []
    running = _practice_balances(session, world.practice_id)
    assert sum(running.values()) == 0
    for account_id, cents in running.items():
        assert cents == model.accounts.get(account_id, 0), account_id
        assert ledger.balance(session, account_id) == cents
    assert set(model.accounts) <= set(running)
    ar_accounts = set(world.insurance_ar.values()) | set(world.patient_ar.values())
    for line in world.line_ids:
        expected = {
            account_id: cents
            for (line_id, account_id), cents in model.lines.items()
            if line_id == line and account_id in ar_accounts and cents != 0
        }
        assert ledger.line_balances(session, line) == expected
        for account_id in running:
            assert ledger.balance(session, account_id, charge_line_id=line) == model.lines.get(
                (line, account_id), 0
            )
    count = session.scalar(
        select(func.count()).select_from(Entry).where(Entry.practice_id == world.practice_id)
    )
    assert count == len(model.entries)


@contextmanager
def _example(session: Session) -> Iterator[None]:
    """One Hypothesis example inside a savepoint rolled back at its end, seen by no other."""
    nested = session.begin_nested()
    try:
        yield
    finally:
        if nested.is_active:
            nested.rollback()


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
    max_examples=40,
)
@given(operations=st.lists(OPERATIONS, min_size=10, max_size=40))
def test_random_operations_keep_the_ledger_sound(
    session: Session, world: World, operations: list[tuple[Any, ...]]
) -> None:
    with _example(session):
        assert _snapshot(session).entries == 0  # no example sees another's entries
        model = Model()
        for serial, op in enumerate(operations):
            _run(session, world, model, op, serial)
        _assert_ledger_matches(session, world, model)
        # Seen with --hypothesis-show-statistics: how much each example exercised.
        event(f"entries >= {len(model.entries) // 10 * 10}")
        event(f"reversals refused: {min(model.refused_reversals, 2)}")
        event(f"replays: {min(model.replays, 2)}")
        event(f"bad batches: {min(model.refused_batches, 2)}")


# --- reversals posted directly, and the rest of the input rules ----------------------------


def _cash_entry(session: Session, world: World) -> tuple[int, Posting]:
    cash, clearing = world.plain[AccountKind.CASH], world.plain[AccountKind.ERA_CLEARING]
    posting = _posting(cash, clearing, 5000)
    return _post(session, world, posting)[0], posting


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cents": 4999},  # not the same amount
        {"debit_account_id": None},  # not the swapped accounts (filled below)
    ],
)
def test_a_reversal_posted_directly_must_mirror_its_entry(
    session: Session, world: World, change: dict[str, Any]
) -> None:
    entry_id, original = _cash_entry(session, world)
    mirror = _posting(original.credit_account_id, original.debit_account_id, 5000,
                      kind=EntryKind.REVERSAL, reverses_entry_id=entry_id)  # fmt: skip
    if change.get("debit_account_id", 0) is None:
        change = {"debit_account_id": world.plain[AccountKind.WRITE_OFF]}
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=r"^posting 1: a reversal must swap"):
        _post(session, world, replace(mirror, **change))
    assert _snapshot(session) == before
    _post(session, world, mirror)  # the exact mirror is accepted
    with pytest.raises(LedgerError, match="already reversed"):
        _post(session, world, mirror)


def test_a_reversal_of_an_unknown_or_foreign_entry_is_refused(
    session: Session, world: World
) -> None:
    entry_id, original = _cash_entry(session, world)
    mirror = _posting(original.credit_account_id, original.debit_account_id, 5000,
                      kind=EntryKind.REVERSAL, reverses_entry_id=entry_id + 10_000)  # fmt: skip
    with pytest.raises(LedgerError, match="no such entry here"):
        _post(session, world, mirror)


def test_one_call_cannot_reverse_an_entry_twice(session: Session, world: World) -> None:
    entry_id, original = _cash_entry(session, world)
    mirror = _posting(original.credit_account_id, original.debit_account_id, 5000,
                      kind=EntryKind.REVERSAL, reverses_entry_id=entry_id)  # fmt: skip
    with pytest.raises(LedgerError, match="reversed twice in one posting call"):
        _post(session, world, mirror, mirror)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actor": "   "}, "actor is required"),
        ({"memo": "  "}, "a reason is required"),
        ({"amount_cents": 10**13 + 1}, "larger than any real posting"),
        ({"claim_id": 987_654}, "claim_id 987654: not in this practice"),
        ({"source_file_id": 987_654}, "source_file_id 987654: not in this practice"),
        ({"credit_account_id": 987_654}, "account_id 987654: no such account"),
    ],
)
def test_more_refusals_name_the_posting(
    session: Session, world: World, change: dict[str, Any], message: str
) -> None:
    cash, clearing = world.plain[AccountKind.CASH], world.plain[AccountKind.ERA_CLEARING]
    good = _posting(cash, clearing, 100)
    before = _snapshot(session)
    with pytest.raises(LedgerError, match=rf"^posting 2: .*{message}"):
        _post(session, world, good, replace(good, **change))
    assert _snapshot(session) == before
