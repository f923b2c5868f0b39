"""Fee schedules: pricing rules, CSV import (all or nothing) and the charge master."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims.errors import InvalidInput
from claims.fees import pricing
from claims.fees.models import FeeRate
from claims.fees.service import ScheduleTerms, import_schedule, list_schedules, load_contracts
from tests.claims.factories import ACTOR, charge, make_encounter, make_office

MASTER = b"code,modifier,amount\n99213,,150.00\n99213,25,160.00\n97110,,33.33\n"


def _import(session: Session, practice_id: int, kind: str, data: bytes, **terms: str) -> int:
    schedule = import_schedule(
        session, practice_id=practice_id, terms=ScheduleTerms(kind=kind, **terms), data=data,
        source="fees.csv", actor=ACTOR,
    )  # fmt: skip
    return schedule.id


def test_rounding_is_half_up_to_the_cent() -> None:
    assert pricing.round_half_up(Fraction(4999, 2)) == 2500  # 24.995 -> 25.00
    assert pricing.round_half_up(Fraction(4997, 2)) == 2499  # 24.985 -> 24.99
    assert pricing.times_units(Fraction(3333), 1500) == 5000  # 33.33 x 1.5 = 49.995
    assert pricing.tolerance_cents(15000, cents=100, hundredths=100) == 150  # 1% beats 1.00
    assert pricing.tolerance_cents(5000, cents=100, hundredths=100) == 100


def test_modifier_rules_scale_the_code_rate_unless_a_row_names_the_modifier() -> None:
    rates = {("27447", ""): pricing.Rate(100000), ("71046", ""): pricing.Rate(8000),
             ("71046", "26"): pricing.Rate(3500)}  # fmt: skip
    assert pricing.unit_price(rates, "27447", ["50"]) == 150000  # bilateral 150%
    assert pricing.unit_price(rates, "27447", ["50", "51"]) == 75000  # and a second procedure
    assert pricing.unit_price(rates, "27447", ["RT"]) == 100000  # informational modifier
    assert pricing.unit_price(rates, "71046", ["TC"]) == 4800  # technical component 60%
    assert pricing.unit_price(rates, "71046", ["26"]) == 3500  # the contract's own 26 row
    assert pricing.unit_price(rates, "99999", []) is None


def test_a_contract_prices_by_amount_or_percent_of_its_base(session: Session) -> None:
    office = make_office(session)
    pid = office.practice.id
    _import(session, pid, "base", b"code,amount\n99214,125.00\n71046,80.00\n", name="medicare")
    _import(session, pid, "contract", b"code,modifier,amount,percent\n99213,,100.00,\n"
            b"71046,,,110\n", payer_code=office.payer.payer_code, base_name="medicare",
            base_percent="120")  # fmt: skip
    codes = ["99213", "99214", "71046", "97110"]
    contracts = load_contracts(session, practice_id=pid, payer_ids=[office.payer.id], codes=codes)
    contract = contracts[office.payer.id]
    assert contract.expected_cents("99213", [], 2000) == 20000  # own amount x 2 units
    assert contract.expected_cents("99214", ["25"], 1000) == 15000  # unlisted: 120% of base
    assert contract.expected_cents("71046", ["26"], 1000) == 3520  # 110% of 80.00 x 40%
    assert contract.expected_cents("97110", [], 1000) is None  # priced by neither
    (shown,) = [s for s in list_schedules(session, practice_id=pid) if s["kind"] == "contract"]
    assert (shown["payer"], shown["base"], shown["base_percent"], shown["rates"]) == (
        office.payer.payer_code,
        "medicare",
        "120",
        2,
    )
    assert (shown["tolerance"], shown["tolerance_percent"]) == ("1.00", "1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"code,amount\n99213,150.00\n9921,20\n", "fees.csv line 3, column 1 (code)"),
        (b"code,amount\n99213,150.00\n99214,abc\n", "fees.csv line 3, column 2 (amount)"),
        (b"code,amount\n99213,1.005\n", "fees.csv line 2, column 2 (amount)"),
        (b"code,amount\n99213,-5\n", "fees.csv line 2, column 2 (amount): must not be negative"),
        (b"code,modifier,amount\n99213,2,5\n", "fees.csv line 2, column 2 (modifier)"),
        (b"code,amount\n99213,1\n99213,2\n", "fees.csv line 3, column 1 (code): 99213 is priced"),
        (b"code,price\n99213,1\n", "fees.csv line 1, column 2: unknown column 'price'"),
        (b"code,amount\n99213,1,2\n", "fees.csv line 2: 3 columns"),
        (b"code,amount\n", "fees.csv: no rows"),
        (b"code,amount,percent\n99213,1,\n", "fees.csv line 1, column 3: unknown column"),
    ],
)
def test_a_bad_file_is_refused_naming_line_and_column_and_changes_nothing(
    session: Session, data: bytes, message: str
) -> None:
    office = make_office(session)
    first = _import(session, office.practice.id, "charge-master", MASTER)
    with pytest.raises(InvalidInput) as refused:
        _import(session, office.practice.id, "charge-master", data)
    assert message in str(refused.value)
    kept = session.scalars(select(FeeRate.procedure_code).where(FeeRate.schedule_id == first))
    assert sorted(kept) == ["97110", "99213", "99213"]


def test_contract_rows_in_percent_need_a_base_and_options_fit_the_kind(session: Session) -> None:
    office = make_office(session)
    pid, payer = office.practice.id, office.payer.payer_code
    with pytest.raises(InvalidInput, match="--base"):
        _import(session, pid, "contract", b"code,percent\n99213,110\n", payer_code=payer)
    with pytest.raises(InvalidInput, match="line 2, column 2 \\(amount\\): give amount or"):
        _import(session, pid, "contract", b"code,amount,percent\n99213,5,110\n", payer_code=payer)
    with pytest.raises(InvalidInput, match="--payer: only a contract"):
        _import(session, pid, "base", MASTER, name="medicare", payer_code=payer)
    with pytest.raises(InvalidInput, match="--payer: a contract schedule belongs"):
        _import(session, pid, "contract", MASTER)
    with pytest.raises(InvalidInput, match="--tolerance-percent: not a percentage"):
        _import(session, pid, "contract", MASTER, payer_code=payer, tolerance_percent="x")


def test_the_charge_master_prices_charges_that_come_without_an_amount(session: Session) -> None:
    office = make_office(session)
    _import(session, office.practice.id, "charge-master", MASTER)
    encounter = make_encounter(
        session, office.patient, office.billing,
        charges=[charge("99213", None, modifiers=("25",)), charge("97110", None,
                 units_thousandths=1500), charge("99213", 12000)],
    )  # fmt: skip
    assert [line.charge_cents for line in encounter.lines] == [16000, 5000, 12000]


def test_a_charge_with_no_amount_and_no_price_is_refused_naming_the_line(
    session: Session,
) -> None:
    office = make_office(session)
    _import(session, office.practice.id, "charge-master", MASTER)
    with pytest.raises(InvalidInput) as refused:
        make_encounter(session, office.patient, office.billing,
                       charges=[charge("99213", None), charge("93000", None)])  # fmt: skip
    assert "charges[2].charge_cents" in str(refused.value)
    assert "93000" in str(refused.value)
