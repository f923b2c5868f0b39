"""Secondary claims end to end: the primary's 835 is posted, submit makes and sends the claim
to the secondary with the primary's adjudication (loops 2320/2330/2430), and the secondary's
835 leaves the rest with the patient. A crossover gets no secondary claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from claims.claim.models import Claim, ClaimTransition
from claims.claim.service import create_claim
from claims.claim.state import ClaimState
from claims.encounters.models import ClaimKind
from claims.ledger import service as ledger
from claims.ledger.models import Account, AccountKind, Entry, EntryKind
from claims.patients.models import Coverage, CoverageOrder
from claims.rework.models import Category, ReworkItem
from claims.secondary.service import make_secondary_claims
from claims.submission import service as submission
from claims.submission.assemble import assemble
from edi.validate import pyx12_problems
from edi.x12 import read_segments
from edi.x837.models import Kind
from tests.claims.factories import (
    ACTOR,
    Office,
    charge,
    make_coverage,
    make_encounter,
    make_payer,
    make_provider,
)
from tests.claims.test_submission import make_partner
from tests.remittance.helpers import (
    GOLDEN,
    TODAY,
    account_balance,
    assert_era_invariants,
    golden_claim,
    ingest,
)

pytestmark = pytest.mark.database

SECOND = "SECOND1"  # the secondary payer's ID (2010BB, and N1*PR N104 of its 835)
PRIMARY_PAID_ON = date(2025, 1, 14)  # DTM*405 of the golden 835s


def _secondary(session: Session, office: Office) -> Coverage:
    payer = make_payer(
        session, office.practice, payer_code=SECOND, name="SECOND HEALTH PLAN",
        timely_filing_days=90,
    )  # fmt: skip
    return make_coverage(
        session, office.patient, payer, order=CoverageOrder.SECONDARY,
        member_id="SEC0000001",
    )  # fmt: skip


def _factory(session: Session) -> sessionmaker[Session]:
    """Sessions on the test's connection, each step a savepoint of the test's transaction."""
    return sessionmaker(
        bind=session.connection(), join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )  # fmt: skip


def _submit(session: Session, office: Office, tmp_path: Path, today: date) -> str:
    """claims submit as the CLI runs it: the one 837 it writes."""
    make_partner(session, office.practice.id)
    session.flush()
    results = submission.submit_ready(
        _factory(session), practice_id=office.practice.id, actor=ACTOR, out_dir=tmp_path,
        today=today,
    )  # fmt: skip
    session.expire_all()
    (result,) = results
    assert result.released and not result.held, result.held
    assert result.path is not None
    return result.path.read_text()


def _loops(text: str) -> list[str]:
    return ["*".join(s.elements) for s in read_segments(text)]


def _era(payer: str, trace: str, paid: str, claims: Sequence[str]) -> str:
    """An 835 from this payer with these CLP loops (segments separated by ~)."""
    body = [
        f"BPR*I*{paid}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20250310",
        f"TRN*1*{trace}*1512345678",
        "DTM*405*20250308",
        f"N1*PR*SECOND HEALTH PLAN*XV*{payer}",
        "N3*PO BOX 1",
        "N4*HARRISBURG*PA*171050000",
        "PER*BL*EDI SUPPORT*TE*8005551313",
        "N1*PE*MAIN STREET CLINIC*XX*1234567893",
        "LX*1",
    ]
    for clp in claims:
        body += clp.split("~")
    segments = ["ST*835*0001", *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*SECONDPLAN     *ZZ*MAINSTCLINIC   *250310*1200*^*"
        "00501*000000201*0*P*:"
    )
    gs = "GS*HP*SECONDPLAN*MAINSTCLINIC*20250310*1200*201*X*005010X221A1"
    return "~\n".join([isa, gs, *segments, "GE*1*201", "IEA*1*000000201"]) + "~\n"


def _moved(session: Session, charge_line_id: int) -> dict[EntryKind, int]:
    """What the ledger moved on a charge line, by kind of entry."""
    out: dict[EntryKind, int] = defaultdict(int)
    for entry in session.scalars(select(Entry).where(Entry.charge_line_id == charge_line_id)):
        out[entry.kind] += entry.amount_cents
    return out


def test_primary_paid_then_secondary_billed_then_the_rest_goes_to_the_patient(
    session: Session, office: Office, tmp_path: Path
) -> None:
    secondary = _secondary(session, office)
    paid = golden_claim(session, office, "PAID1", [("99213", 20000)])
    part = golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    deny = golden_claim(session, office, "DENY1", [("97110", 12500)])
    report = ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes())
    assert report.status == "posted", report.as_json()
    practice = office.practice.id
    # PART1's deductible and coinsurance (100.00) moved to the secondary, not the patient.
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=secondary.id)
        == 10000
    )
    assert (
        account_balance(session, practice, AccountKind.PATIENT_AR, patient_id=office.patient.id)
        == 0
    )

    today = PRIMARY_PAID_ON + timedelta(days=30)
    text = _submit(session, office, tmp_path, today)
    assert pyx12_problems(text) == []

    # One claim was made, for PART1 only: PAID1 left nothing, DENY1's balance stays with the
    # primary (a denial to work, not a secondary's to pay).
    (made,) = session.scalars(select(Claim).where(Claim.prior_payer_claim_id.is_not(None)))
    assert made.prior_payer_claim_id == part.id
    assert made.coverage_id == secondary.id and made.payer_id == secondary.payer_id
    assert made.filing_from == PRIMARY_PAID_ON
    assert made.state is ClaimState.SUBMITTED and made.batch_id is not None
    assert [cl.charge_line_id for cl in made.lines] == [cl.charge_line_id for cl in part.lines]
    assert made.total_charge_cents == part.total_charge_cents == 50000
    for claim, state in (
        (paid, ClaimState.CLOSED),
        (part, ClaimState.PAID),
        (deny, ClaimState.DENIED),
    ):
        session.refresh(claim)
        assert claim.state is state
    note = session.scalars(
        select(ClaimTransition)
        .where(ClaimTransition.claim_id == part.id)
        .order_by(ClaimTransition.id)
    ).all()[-1]
    assert note.trigger == "secondary" and made.patient_control_number in (note.reason or "")
    steps = session.scalars(
        select(ClaimTransition)
        .where(ClaimTransition.claim_id == made.id)
        .order_by(ClaimTransition.id)
    ).all()
    assert [(t.trigger, t.to_state) for t in steps] == [
        ("created", ClaimState.DRAFT), ("secondary", ClaimState.DRAFT),
        ("release", ClaimState.READY), ("submit", ClaimState.SUBMITTED),
    ]  # fmt: skip
    assert "PART1" in (steps[1].reason or "")

    # The 837: billed to the secondary, with the primary in 2320/2330 and each line's 2430.
    segments = _loops(text)
    pcn = made.patient_control_number
    assert f"CLM*{pcn}*500***11:B:1*Y*A*Y*Y" in segments
    assert "SBR*S*18*******CI" in segments
    assert f"NM1*PR*2*SECOND HEALTH PLAN*****PI*{SECOND}" in segments
    start = segments.index("SBR*P*18*******CI")
    assert segments[start : start + 5] == [
        "SBR*P*18*******CI",
        "AMT*D*300",  # no claim-level CAS; patient liability is on the lines
        "OI***Y***Y",
        f"NM1*IL*1*ALDER*AVA****MI*{office.coverage.member_id}",
        "N3*1 MAIN STREET",
    ]
    assert "NM1*PR*2*ACME HEALTH PLAN*****PI*12345" in segments
    first = segments.index("SVD*12345*200*HC:99214**1")
    assert segments[first : first + 5] == [
        "SVD*12345*200*HC:99214**1", "CAS*CO*45*50", "CAS*PR*1*30**2*20",
        "DTP*573*D8*20250114", "AMT*EAF*50",
    ]  # fmt: skip
    second = segments.index("SVD*12345*100*HC:81002**1")
    assert segments[second : second + 5] == [
        "SVD*12345*100*HC:81002**1", "CAS*CO*45*50*2", "CAS*PR*2*50",
        "DTP*573*D8*20250114", "AMT*EAF*50",
    ]  # fmt: skip

    # The proof: the primary's payment and adjustments plus what remains add up to the charge,
    # in the 837 (per claim and per line) and in the ledger (per charge line).
    (value,) = assemble(session, [made])
    (primary,) = value.other_payers
    line_cas = sum(
        a.amount_cents for line in value.lines for x in line.adjudications for a in x.adjustments
    )
    assert primary.paid_cents is not None
    assert (
        primary.paid_cents + line_cas + sum(a.amount_cents for a in primary.adjustments)
        == value.total_charge_cents
    )
    remaining = sum(
        x.remaining_patient_liability_cents or 0 for line in value.lines for x in line.adjudications
    )
    assert remaining == 10000
    for line in value.lines:
        (adj,) = line.adjudications
        assert adj.paid_cents + sum(a.amount_cents for a in adj.adjustments) == line.charge_cents
    secondary_ar = ledger.account(
        session, practice_id=practice, kind=AccountKind.INSURANCE_AR, coverage_id=secondary.id
    )
    for claim_line, line in zip(made.lines, value.lines, strict=True):
        moved = _moved(session, claim_line.charge_line_id)
        balances = ledger.line_balances(session, claim_line.charge_line_id)
        assert balances == {secondary_ar: line.adjudications[0].remaining_patient_liability_cents}
        assert moved[EntryKind.PAYMENT] == line.adjudications[0].paid_cents
        assert (
            moved[EntryKind.PAYMENT] + moved[EntryKind.ADJUSTMENT] + balances[secondary_ar]
            == moved[EntryKind.CHARGE]
            == claim_line.charge_cents
        )

    # The secondary pays 80.00 and leaves 20.00 coinsurance; what the primary did comes back as
    # CO-23 / OA-23, which moves nothing.
    era = _era(SECOND, "SEC0001", "80", [
        f"CLP*{pcn}*2*500*80*20*12*SECCLM1*11*1~NM1*QC*1*ALDER*AVA****MI*SEC0000001",
        f"SVC*HC:99214*300*40**1~DTM*472*20250101~CAS*CO*23*250~CAS*PR*2*10~REF*6R*{pcn}L1",
        f"SVC*HC:81002*200*40**1~DTM*472*20250101~CAS*OA*23*150~CAS*PR*2*10~REF*6R*{pcn}L2",
    ])  # fmt: skip
    report = ingest(session, office, era, "secondary.835")
    assert report.status == "posted", report.as_json()
    (t,) = report.transactions
    assert (t.matched, t.unmatched, t.posted_cents) == (1, 0, 8000)
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=secondary.id) == 0
    )
    assert (
        account_balance(session, practice, AccountKind.PATIENT_AR, patient_id=office.patient.id)
        == 2000
    )
    for charge_line_id, owed in zip(
        (cl.charge_line_id for cl in made.lines), (1000, 1000), strict=True
    ):
        balances = ledger.line_balances(session, charge_line_id)
        patient_ar = session.scalar(
            select(Account.id).where(
                Account.practice_id == practice, Account.kind == AccountKind.PATIENT_AR
            )
        )
        assert balances == {patient_ar: owed}
    session.refresh(made)
    assert made.state is ClaimState.PAID  # the patient still owes 20.00
    assert_era_invariants(session, practice)

    # Nothing more is due: no tertiary coverage, and the primary has its secondary claim.
    outcome = make_secondary_claims(session, practice_id=practice, today=today, actor=ACTOR)
    assert outcome.made == [] and outcome.blocked == []


@pytest.mark.parametrize("status", ["19", "1"])  # CLP02 forwarded, or processed with NM1*TT
def test_a_crossover_gets_no_secondary_claim(session: Session, office: Office, status: str) -> None:
    secondary = _secondary(session, office)
    claim = golden_claim(session, office, "XOVER1", [("99214", 30000)])
    content = (
        (GOLDEN / "835_crossover.835").read_text().replace("CLP*XOVER1*19", f"CLP*XOVER1*{status}")
    )
    report = ingest(session, office, content)
    assert report.status == "posted", report.as_json()
    session.refresh(claim)
    assert claim.state is ClaimState.FORWARDED
    practice = office.practice.id
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=secondary.id)
        == 4000
    )
    outcome = make_secondary_claims(session, practice_id=practice, today=TODAY, actor=ACTOR)
    assert outcome.made == [] and outcome.blocked == []
    assert session.scalars(select(Claim).where(Claim.coverage_id == secondary.id)).all() == []


def test_a_claim_level_remittance_and_an_institutional_claim(
    session: Session, office: Office, tmp_path: Path
) -> None:
    secondary = _secondary(session, office)
    encounter = make_encounter(
        session, office.patient, office.billing, kind=ClaimKind.INSTITUTIONAL,
        service_date=date(2025, 2, 1), statement_to=date(2025, 2, 1),
        attending_provider_id=make_provider(session, office.practice).id,
        charges=[
            charge("99284", 50000, revenue_code="0450"), charge("93005", 7500, revenue_code="0730"),
        ],
    )  # fmt: skip
    claim = create_claim(
        session, practice_id=office.practice.id, encounter_id=encounter.id,
        coverage_id=office.coverage.id, actor=ACTOR,
    )  # fmt: skip
    claim.patient_control_number = "INST1"
    claim.state = ClaimState.ACCEPTED
    session.flush()
    # The primary reports the claim only (no SVC): 575.00 charged, 120.00 contractual,
    # 55.00 deductible, 400.00 paid.
    era = _era("12345", "PRI0009", "400", [
        "CLP*INST1*1*575*400*55*12*PRICLM9*13*1~CAS*CO*45*120~CAS*PR*1*55",
    ])  # fmt: skip
    report = ingest(session, office, era.replace("20250308", "20250220"), "primary.835")
    assert report.status == "posted", report.as_json()
    practice = office.practice.id
    assert (
        account_balance(session, practice, AccountKind.INSURANCE_AR, coverage_id=secondary.id)
        == 5500
    )

    text = _submit(session, office, tmp_path, date(2025, 3, 1))
    assert pyx12_problems(text) == []
    segments = _loops(text)
    assert segments[0].startswith("ISA") and Kind.INSTITUTIONAL.value in segments[1]
    start = segments.index("SBR*P*18*******CI")
    assert segments[start : start + 5] == [
        "SBR*P*18*******CI", "CAS*CO*45*120", "CAS*PR*1*55", "AMT*D*400", "AMT*EAF*55",
    ]  # fmt: skip
    # Without lines from the payer, its remittance date is on 2330B and no line has 2430.
    assert (
        segments[segments.index("NM1*PR*2*ACME HEALTH PLAN*****PI*12345") + 1]
        == "DTP*573*D8*20250220"
    )
    assert not any(s.startswith("SVD") for s in segments)
    (made,) = session.scalars(select(Claim).where(Claim.prior_payer_claim_id == claim.id))
    assert made.kind is ClaimKind.INSTITUTIONAL and made.filing_from == date(2025, 2, 20)


def test_past_the_secondary_timely_filing_the_claim_is_made_on_hold(
    session: Session, office: Office
) -> None:
    secondary = _secondary(session, office)
    part = golden_claim(session, office, "PART1", [("99214", 30000), ("81002", 20000)])
    ingest(session, office, (GOLDEN / "835_paid_partial_denial.835").read_bytes())
    late = PRIMARY_PAID_ON + timedelta(days=91)  # the secondary takes claims for 90 days
    outcome = make_secondary_claims(
        session, practice_id=office.practice.id, today=late, actor=ACTOR
    )
    (made,) = outcome.made
    assert made.prior_claim_id == part.id and made.coverage_id == secondary.id
    assert made.state is ClaimState.ON_HOLD and made.balance_cents == 10000
    item = session.scalars(select(ReworkItem).where(ReworkItem.claim_id == made.claim_id)).one()
    assert item.category is Category.TIMELY_FILING
    assert item.deadline == PRIMARY_PAID_ON + timedelta(days=90)
    # A day earlier it would have been ready, and a second run makes nothing more.
    assert (
        make_secondary_claims(session, practice_id=office.practice.id, today=late, actor=ACTOR).made
        == []
    )
