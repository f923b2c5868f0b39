"""The demo practice: master data, patients, coverages and encounters with posted charges.

Deterministic (a fixed seed), fictional people, codes billable in the shipped ICD-10-CM
release, dates of service from 2026-04-01 to 2026-09-30. Running it twice adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.claim import service as claim_service
from claims.encounters.models import ClaimKind
from claims.encounters.service import ChargeInput, EncounterInput, create_encounter
from claims.patients.models import Coverage, CoverageOrder, Patient, Relationship, Sex
from claims.practice.models import (
    BillingProvider,
    ClaimKinds,
    Payer,
    Practice,
    Provider,
    TradingPartner,
    Usage,
)
from coding.npi import check_digit

PRACTICE_CODE = "DEMO"
ACTOR = "demo"
FIRST_SERVICE_DATE = date(2026, 4, 1)
LAST_SERVICE_DATE = date(2026, 9, 30)
PATIENTS = 20
ENCOUNTERS = 50
HOSPITAL_EVERY = 12  # encounters 12, 24, 36, 48 are emergency visits billed on an 837I
CHARGE_ENTRY_LAG = timedelta(days=2)
# Letters a Medicare Beneficiary Identifier may hold (no S, L, O, I, B, Z).
_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"

_FIRST = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Zoe",
    "Ethan",
    "Lena",
    "Omar",
    "Ruth",
    "Victor",
    "Iris",
    "Hugo",
    "Nora",
    "Felix",
    "June",
    "Amos",
    "Cleo",
    "Dario",
    "Esme",
    "Gideon",
]
_LAST = [
    "Alder",
    "Birch",
    "Cedar",
    "Dogwood",
    "Elm",
    "Fir",
    "Ginkgo",
    "Hazel",
    "Ivy",
    "Juniper",
    "Kapok",
    "Larch",
    "Maple",
    "Nutmeg",
    "Oak",
    "Pine",
    "Quince",
    "Rowan",
    "Spruce",
    "Teak",
]


@dataclass(frozen=True, slots=True)
class Visit:
    """A kind of encounter the demo draws from: diagnoses and the lines billed for them."""

    diagnoses: tuple[str, ...]
    charges: tuple[ChargeInput, ...]
    lab: bool = False


def _line(
    code: str,
    dollars: int,
    *,
    mods: tuple[str, ...] = (),
    ptr: tuple[int, ...] = (1,),
    units: int = 1,
    ndc: str | None = None,
    ndc_ml: int | None = None,
) -> ChargeInput:
    return ChargeInput(
        procedure_code=code,
        charge_cents=dollars * 100 * units,
        units_thousandths=units * 1000,
        modifiers=mods,
        pointers=ptr,
        ndc=ndc,
        ndc_quantity_thousandths=ndc_ml * 1000 if ndc_ml else None,
        ndc_unit="ML" if ndc else None,
    )


VISITS: tuple[Visit, ...] = (
    Visit(("I10", "E78.5"), (_line("99213", 150, ptr=(1, 2)),)),
    Visit(("E11.9", "I10", "Z79.4"), (_line("99214", 225, ptr=(1, 2, 3)),)),
    Visit(("J06.9", "R05.9"), (_line("99213", 150, ptr=(1, 2)),)),
    Visit(
        ("E11.65", "E55.9"),
        (_line("80053", 45), _line("83036", 40), _line("82306", 55, ptr=(2,)), _line("36415", 15)),
        lab=True,
    ),
    Visit(
        ("D64.9", "E03.9"),
        (_line("85025", 30), _line("84443", 50, ptr=(2,)), _line("36415", 15)),
        lab=True,
    ),
    Visit(("L82.1",), (_line("99213", 150, mods=("25",)), _line("11102", 185))),
    Visit(
        ("M17.11",),
        (
            _line("99214", 225, mods=("25",)),
            _line("20610", 220, mods=("RT",)),
            _line("J3301", 12, units=4, ndc="00003029305", ndc_ml=1),
        ),
    ),
    Visit(("R07.9", "I10"), (_line("99214", 225, ptr=(1, 2)), _line("93000", 75))),
    Visit(("Z23",), (_line("90471", 28), _line("90686", 40))),
    Visit(("J18.9", "R05.9"), (_line("99214", 225, ptr=(1, 2)), _line("71046", 120))),
    Visit(("M54.50",), (_line("99213", 150), _line("97110", 45, units=2))),
    Visit(("F41.1", "G47.00"), (_line("99214", 225, ptr=(1, 2)),)),
    Visit(("N39.0",), (_line("99213", 150), _line("81003", 18)), lab=True),
    Visit(("K21.9", "R10.9"), (_line("99213", 150, ptr=(1, 2)),)),
    Visit(("J45.909",), (_line("99213", 150), _line("94010", 65))),
)


def seed(session: Session) -> Practice | None:
    """Create the demo practice and everything in it; None when it already exists.

    Each charge is posted two days after its date of service, as a charge-entry lag.
    """
    if session.scalar(select(Practice).where(Practice.code == PRACTICE_CODE)) is not None:
        return None
    rng = random.Random(2026)
    practice = Practice(code=PRACTICE_CODE, name="Riverside Family Medicine (demo)")
    session.add(practice)
    session.flush()
    pid = practice.id
    billing = BillingProvider(
        practice_id=pid,
        name="RIVERSIDE FAMILY MEDICINE",
        npi=_npi("123456789"),
        tin="841234567",
        taxonomy="207Q00000X",
        contact_name="BILLING OFFICE",
        contact_phone="5035550100",
        address1="100 RIVER ROAD",
        city="PORTLAND",
        state="OR",
        postal_code="972011234",
    )
    providers = [
        Provider(
            practice_id=pid, npi=_npi(nine), last_name=last, first_name=first, taxonomy=taxonomy
        )
        for nine, last, first, taxonomy in (
            ("198765432", "OSEI", "AMARA", "207Q00000X"),
            ("176543210", "LINDQVIST", "PER", "207R00000X"),
            ("154321098", "ROCHA", "TERESA", "207Q00000X"),
        )
    ]
    referring = Provider(
        practice_id=pid,
        npi=_npi("143210987"),
        last_name="NAKAMURA",
        first_name="KENJI",
        taxonomy="207X00000X",
    )
    payers = [
        Payer(
            practice_id=pid,
            payer_code="DEMOMCR01",
            name="MEDICARE PART B (DEMO)",
            claim_kinds=ClaimKinds.PROFESSIONAL,  # Part A takes the hospital's claims
            claim_filing_indicator="MB",
            timely_filing_days=365,
            appeal_days=120,
            accepts_replacement=False,
            address1="PO BOX 1000",
            city="PORTLAND",
            state="OR",
            postal_code="972080001",
        ),
        Payer(
            practice_id=pid,
            payer_code="DEMOACME1",
            name="ACME HEALTH PLAN",
            claim_kinds=ClaimKinds.BOTH,
            claim_filing_indicator="CI",
            timely_filing_days=365,
            appeal_days=180,
            accepts_replacement=True,
            address1="PO BOX 2000",
            city="SEATTLE",
            state="WA",
            postal_code="981010002",
        ),
        Payer(
            practice_id=pid,
            payer_code="DEMOBLUE1",
            name="BLUE VALLEY PPO",
            claim_kinds=ClaimKinds.PROFESSIONAL,
            claim_filing_indicator="BL",
            timely_filing_days=365,
            appeal_days=180,
            accepts_replacement=True,
            address1="PO BOX 3000",
            city="BOISE",
            state="ID",
            postal_code="837020003",
        ),
    ]
    partner = TradingPartner(
        practice_id=pid,
        name="DEMO CLEARINGHOUSE",
        sender_id="RIVERSIDEFM",
        receiver_id="DEMOCH",
        application_sender="RIVERSIDEFM",
        application_receiver="DEMOCH",
        submitter_name="RIVERSIDE FAMILY MEDICINE",
        submitter_id="RIVERSIDEFM",
        submitter_contact="BILLING OFFICE",
        submitter_phone="5035550100",
        receiver_name="DEMO CLEARINGHOUSE",
        receiver_code="DEMOCH",
        usage=Usage.TEST,
    )
    hospital = BillingProvider(
        practice_id=pid,
        name="RIVERSIDE COMMUNITY HOSPITAL",
        npi=_npi("165432109"),
        tin="841234568",
        taxonomy="282N00000X",
        contact_name="PATIENT ACCOUNTS",
        contact_phone="5035550200",
        address1="200 RIVER ROAD",
        city="PORTLAND",
        state="OR",
        postal_code="972011240",
    )
    session.add_all([billing, hospital, *providers, referring, *payers, partner])
    session.flush()

    patients = _patients(session, pid, rng)
    coverages = _coverages(session, pid, patients, payers, rng)
    primary = {c.patient_id: c for c in coverages if c.order is CoverageOrder.PRIMARY}
    medicare_id = payers[0].id

    span = (LAST_SERVICE_DATE - FIRST_SERVICE_DATE).days
    # Emergency visits go to patients whose primary payer takes institutional claims.
    payer_kinds = {p.id: p.claim_kinds for p in payers}
    er_patients = [
        p for p in patients if payer_kinds[primary[p.id].payer_id] is not ClaimKinds.PROFESSIONAL
    ]
    for number in range(1, ENCOUNTERS + 1):
        patient = patients[(number - 1) % PATIENTS]
        if number % HOSPITAL_EVERY == 0:
            patient = er_patients[(number // HOSPITAL_EVERY) % len(er_patients)]
        visit = VISITS[rng.randrange(len(VISITS))]
        service_date = FIRST_SERVICE_DATE + timedelta(days=rng.randrange(span + 1))
        coverage = primary[patient.id]
        charges = visit.charges
        if coverage.payer_id == medicare_id:  # Medicare pays flu-shot administration as G0008
            charges = tuple(
                replace(c, procedure_code="G0008") if c.procedure_code == "90471" else c
                for c in charges
            )
        if number % HOSPITAL_EVERY == 0:
            data = _emergency_visit(number, patient.id, hospital.id, providers[0].id, service_date)
        else:
            data = EncounterInput(
                patient_id=patient.id,
                billing_provider_id=billing.id,
                rendering_provider_id=providers[number % len(providers)].id,
                referring_provider_id=referring.id if number % 7 == 0 else None,
                service_date=service_date,
                place_of_service="11",
                diagnoses=visit.diagnoses,
                charges=charges,
                kind=ClaimKind.PROFESSIONAL,
                external_ref=f"DEMO-ENC-{number:03d}",
                clia_number="38D1234567" if visit.lab else None,
            )
        encounter = create_encounter(
            session,
            practice_id=pid,
            data=data,
            actor=ACTOR,
            posting_date=service_date + CHARGE_ENTRY_LAG,
        )
        claim_service.create_claims_for_encounter(
            session,
            practice_id=pid,
            encounter_id=encounter.id,
            coverage_id=coverage.id,
            actor=ACTOR,
        )
    return practice


def _emergency_visit(
    number: int, patient_id: int, hospital_id: int, attending_id: int, service_date: date
) -> EncounterInput:
    """A hospital outpatient emergency visit: revenue-code lines with HCPCS, type of bill 131."""

    def line(revenue: str, code: str, dollars: int) -> ChargeInput:
        return ChargeInput(procedure_code=code, charge_cents=dollars * 100, revenue_code=revenue,
                           pointers=())  # fmt: skip

    return EncounterInput(
        patient_id=patient_id,
        billing_provider_id=hospital_id,
        service_date=service_date,
        place_of_service="23",
        diagnoses=("R07.9", "I10"),
        charges=(
            line("0450", "99284", 650),
            line("0300", "85025", 45),
            line("0320", "71046", 180),
            line("0730", "93005", 120),
        ),
        kind=ClaimKind.INSTITUTIONAL,
        external_ref=f"DEMO-ENC-{number:03d}",
        attending_provider_id=attending_id,
        type_of_bill="131",
        reason_for_visit=("R07.9",),  # chest pain: why the patient came to the ED
        admission_type="1",
        admission_source="7",
        patient_status="01",
    )


def _npi(first_nine: str) -> str:
    return first_nine + check_digit(first_nine)


def _patients(session: Session, pid: int, rng: random.Random) -> list[Patient]:
    patients = []
    for i in range(PATIENTS):
        if i % 5 == 0:  # on Medicare
            born = date(1950 + i % 9, 1 + i % 12, 1 + i % 27)
        elif _is_child(i):
            born = date(2014 + i % 6, 1 + i % 12, 1 + i % 27)
        else:
            born = date(1970 + i % 25, 1 + i % 12, 1 + i % 27)
        patients.append(
            Patient(
                practice_id=pid,
                account_number=f"DEMO{i + 1:04d}",
                last_name=_LAST[i].upper(),
                first_name=_FIRST[i].upper(),
                birth_date=born,
                sex=Sex.FEMALE if i % 2 == 0 else Sex.MALE,
                address1=f"{100 + rng.randrange(900)} {_LAST[(i * 7) % 20].upper()} STREET",
                city="PORTLAND",
                state="OR",
                postal_code=f"9720{i % 10}{1000 + i:04d}",
            )
        )
    session.add_all(patients)
    session.flush()
    return patients


def _is_child(i: int) -> bool:
    # Every fifth patient is on Medicare (65 or older); of the others every fourth is a child.
    return i % 5 != 0 and i % 4 == 3


def _parent(i: int) -> int:
    # The adult just before the child, skipping a Medicare patient (not on a family plan).
    return i - 1 if (i - 1) % 5 else i - 2


def _mbi(rng: random.Random) -> str:
    """A Medicare Beneficiary Identifier in the CMS format (fictional)."""
    letter = lambda: rng.choice(_MBI_LETTERS)  # noqa: E731
    digit = lambda: rng.choice("0123456789")  # noqa: E731
    either = lambda: rng.choice(_MBI_LETTERS + "0123456789")  # noqa: E731
    return "".join(
        [rng.choice("123456789"), letter(), either(), digit(), letter(), either(), digit(),
         letter(), letter(), digit(), digit()]
    )  # fmt: skip


def _coverages(
    session: Session, pid: int, patients: list[Patient], payers: list[Payer], rng: random.Random
) -> list[Coverage]:
    medicare, acme, blue = payers
    coverages: list[Coverage] = []

    def add(patient: Patient, payer: Payer, order: CoverageOrder, **fields: object) -> Coverage:
        coverage = Coverage(
            practice_id=pid, patient_id=patient.id, payer_id=payer.id, order=order, **fields
        )
        coverages.append(coverage)
        return coverage

    family_plan: dict[int, Coverage] = {}
    for i, patient in enumerate(patients):
        if _is_child(i):
            continue
        member = f"{rng.randrange(10**8, 10**9)}"
        if i % 5 == 0:  # Medicare primary; every other one has a commercial secondary
            add(patient, medicare, CoverageOrder.PRIMARY, member_id=_mbi(rng))
            if i % 10 == 0:
                add(patient, acme, CoverageOrder.SECONDARY, member_id=f"ACM{member}",
                    group_number="GRP2001")  # fmt: skip
            continue
        payer = acme if i % 2 else blue
        family_plan[i] = add(patient, payer, CoverageOrder.PRIMARY, member_id=f"M{member}",
                             group_number="GRP1001")  # fmt: skip
        if i % 3 == 0:
            other = blue if payer is acme else acme
            add(patient, other, CoverageOrder.SECONDARY, member_id=f"S{member}",
                group_number="GRP1002")  # fmt: skip
    for i, patient in enumerate(patients):
        if not _is_child(i):
            continue
        parent = patients[_parent(i)]
        plan = family_plan[_parent(i)]
        own_id = i % 8 == 7  # some plans give dependents a member ID of their own (a suffix)
        add(
            patient, blue if plan.payer_id == blue.id else acme, CoverageOrder.PRIMARY,
            member_id=plan.member_id + ("02" if own_id else ""), group_number=plan.group_number,
            relationship=Relationship.CHILD, patient_has_own_member_id=own_id,
            subscriber_last_name=parent.last_name, subscriber_first_name=parent.first_name,
            subscriber_birth_date=parent.birth_date, subscriber_sex=parent.sex,
        )  # fmt: skip
    session.add_all(coverages)
    session.flush()
    return coverages
