"""Importing and listing fee schedules, and pricing charges from the charge master.

A schedule file is CSV with a header row: `code` (CPT or HCPCS), `modifier` (optional column,
empty for the code alone), `amount` (dollars per unit) and, in a contract only, `percent` (of
the base schedule's rate) in place of an amount. An import is all or nothing: the first bad row
is named by line and column and nothing changes; a good file replaces the schedule's rates.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, aliased

from claims.base import table_of, utcnow
from claims.errors import InvalidInput, NotFound
from claims.fees import pricing
from claims.fees.models import FeeRate, FeeSchedule, ScheduleKind
from claims.money import to_cents
from claims.practice.models import Payer

CHARGE_MASTER_NAME = "charge master"
KINDS = {"charge-master": ScheduleKind.CHARGE_MASTER, "base": ScheduleKind.BASE,
         "contract": ScheduleKind.CONTRACT}  # fmt: skip
CODE = re.compile(r"[A-Z0-9]{5}")
MODIFIER = re.compile(r"[A-Z0-9]{2}")
MAX_PERCENT_HUNDREDTHS = 100_000  # 1000%: anything above is a typo


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """What an import says about the schedule itself (the rows come from the file)."""

    kind: str  # charge-master, base or contract
    name: str | None = None  # base: required; contract: defaults to the payer's code
    payer_code: str | None = None  # contract: required
    base_name: str | None = None  # contract: the base schedule percentages refer to
    base_percent: str | None = None  # contract: percentage of the base for unlisted codes
    tolerance: str | None = None  # contract: dollars, default 1.00
    tolerance_percent: str | None = None  # contract: percent of expected, default 1


def import_schedule(
    session: Session,
    *,
    practice_id: int,
    terms: ScheduleTerms,
    data: bytes,
    source: str,
    actor: str,
) -> FeeSchedule:
    """Create or replace a schedule from a CSV file (all or nothing); flushes."""
    kind = KINDS.get(terms.kind)
    if kind is None:
        raise InvalidInput(f"kind: one of {', '.join(KINDS)}, not {terms.kind!r}")
    contract = kind is ScheduleKind.CONTRACT
    if not contract:
        for option, value in (("--payer", terms.payer_code), ("--base", terms.base_name),
                              ("--percent", terms.base_percent), ("--tolerance", terms.tolerance),
                              ("--tolerance-percent", terms.tolerance_percent)):  # fmt: skip
            if value is not None:
                raise InvalidInput(f"{option}: only a contract schedule takes it")
    payer_id = _payer_id(session, practice_id, terms.payer_code) if contract else None
    name = _name(kind, terms)
    base = _base(session, practice_id, terms.base_name) if terms.base_name else None
    default_percent = _percent(terms.base_percent, "--percent") if terms.base_percent else None
    if default_percent is not None and base is None:
        raise InvalidInput("--percent: needs --base, the schedule it is a percentage of")
    tolerance_cents = _dollars(terms.tolerance, "--tolerance") if terms.tolerance else 100
    tolerance_hundredths = (
        _percent(terms.tolerance_percent, "--tolerance-percent", zero=True)
        if terms.tolerance_percent
        else 100
    )
    rows = parse_rows(data, source=source, contract=contract)
    if base is None and any(r["percent_hundredths"] is not None for r in rows):
        raise InvalidInput(f"{source}: rows give a percent: name the base schedule with --base")
    schedule = session.scalar(
        select(FeeSchedule).where(
            FeeSchedule.practice_id == practice_id,
            FeeSchedule.payer_id == payer_id if contract else FeeSchedule.name == name,
        )
    )
    clash = session.scalar(
        select(FeeSchedule.id).where(
            FeeSchedule.practice_id == practice_id, FeeSchedule.name == name
        )
    )
    if clash is not None and (schedule is None or clash != schedule.id):
        raise InvalidInput(f"--name: a schedule named {name!r} exists already")
    if schedule is not None and schedule.kind is not kind:
        raise InvalidInput(f"--name: {name!r} is a {schedule.kind.value} schedule, not {kind}")
    if schedule is None:
        schedule = FeeSchedule(practice_id=practice_id, kind=kind, payer_id=payer_id)
        session.add(schedule)
    schedule.name = name
    schedule.base_schedule_id = base.id if base is not None else None
    schedule.base_percent_hundredths = default_percent
    schedule.tolerance_cents = tolerance_cents
    schedule.tolerance_hundredths = tolerance_hundredths
    schedule.source = source[:200]
    schedule.actor = actor[:80]
    schedule.imported_at = utcnow()
    session.flush()
    session.execute(delete(FeeRate).where(FeeRate.schedule_id == schedule.id))
    session.execute(insert(table_of(FeeRate)), [{"schedule_id": schedule.id, **r} for r in rows])
    session.flush()
    return schedule


def parse_rows(data: bytes, *, source: str, contract: bool) -> list[dict[str, object]]:
    """The rows of a schedule file, checked; InvalidInput names the line and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    allowed = {"code", "modifier", "amount"} | ({"percent"} if contract else set())
    for number, column in enumerate(header, start=1):
        if column not in allowed:
            raise InvalidInput(
                f"{source} line 1, column {number}: unknown column {column!r} "
                f"(expected {', '.join(sorted(allowed))})"
            )
    if "code" not in header or not {"amount", "percent"} & set(header):
        need = "amount or percent" if contract else "amount"
        raise InvalidInput(f"{source} line 1: the header needs the columns code and {need}")
    where = {column: i for i, column in enumerate(header)}
    rows: list[dict[str, object]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(f"{source} line {line}: {len(row)} columns, the header has "
                               f"{len(header)}")  # fmt: skip

        def cell(column: str, row: list[str] = row) -> str:
            return row[where[column]].strip().upper() if column in where else ""

        def place(column: str, line: int = line) -> str:
            return f"{source} line {line}, column {where[column] + 1} ({column})"

        code, modifier = cell("code"), cell("modifier")
        if not CODE.fullmatch(code):
            raise InvalidInput(f"{place('code')}: a procedure code is 5 letters or digits")
        if modifier and not MODIFIER.fullmatch(modifier):
            raise InvalidInput(f"{place('modifier')}: a modifier is 2 letters or digits")
        amount, percent = cell("amount"), cell("percent")
        if bool(amount) == bool(percent):
            what = "amount or percent, not both" if contract else "an amount"
            raise InvalidInput(
                f"{place('amount' if 'amount' in where else 'percent')}: give {what}"
            )
        first = seen.setdefault((code, modifier), line)
        if first != line:
            raise InvalidInput(f"{place('code')}: {code}{'-' + modifier if modifier else ''} "
                               f"is priced on line {first} already")  # fmt: skip
        amount_cents = _dollars(amount, place("amount")) if amount else None
        percent_hundredths = _percent(percent, place("percent")) if percent else None
        rows.append({"procedure_code": code, "modifier": modifier, "amount_cents": amount_cents,
                     "percent_hundredths": percent_hundredths})  # fmt: skip
    if not rows:
        raise InvalidInput(f"{source}: no rows under the header")
    return rows


def list_schedules(session: Session, *, practice_id: int) -> list[dict[str, object]]:
    """Every schedule of the practice with its terms and number of rates."""
    base = aliased(FeeSchedule)
    counts = (
        select(FeeRate.schedule_id, func.count().label("rates"))
        .group_by(FeeRate.schedule_id)
        .subquery()
    )
    rows = session.execute(
        select(FeeSchedule, Payer.payer_code, base.name, counts.c.rates)
        .outerjoin(Payer, Payer.id == FeeSchedule.payer_id)
        .outerjoin(base, base.id == FeeSchedule.base_schedule_id)
        .outerjoin(counts, counts.c.schedule_id == FeeSchedule.id)
        .where(FeeSchedule.practice_id == practice_id)
        .order_by(FeeSchedule.kind, FeeSchedule.name)
    )
    return [
        {
            "name": s.name,
            "kind": s.kind.value,
            "payer": payer_code,
            "base": base_name,
            "base_percent": _shown_percent(s.base_percent_hundredths),
            "tolerance": (
                f"{Decimal(s.tolerance_cents) / 100:.2f}"
                if s.kind is ScheduleKind.CONTRACT
                else None
            ),
            "tolerance_percent": (
                _shown_percent(s.tolerance_hundredths) if s.kind is ScheduleKind.CONTRACT else None
            ),
            "rates": rates or 0,
            "source": s.source,
            "imported_at": s.imported_at.isoformat(),
        }
        for s, payer_code, base_name, rates in rows
    ]


def load_rates(
    session: Session, schedule_ids: Iterable[int], *, codes: Iterable[str] | None = None
) -> dict[int, pricing.Rates]:
    """The rates of these schedules (only for these procedure codes, when given), by schedule."""
    ids = sorted(set(schedule_ids))
    found: dict[int, dict[tuple[str, str], pricing.Rate]] = {i: {} for i in ids}
    if not ids:
        return {}
    query = select(
        FeeRate.schedule_id, FeeRate.procedure_code, FeeRate.modifier, FeeRate.amount_cents,
        FeeRate.percent_hundredths,
    ).where(FeeRate.schedule_id.in_(ids))  # fmt: skip
    if codes is not None:
        query = query.where(FeeRate.procedure_code.in_(sorted(set(codes))))
    for schedule_id, code, modifier, amount, percent in session.execute(query):
        found[schedule_id][(code, modifier)] = pricing.Rate(amount, percent)
    return dict(found)


def charge_master_prices(
    session: Session, *, practice_id: int, lines: Sequence[tuple[str, Sequence[str], int]]
) -> list[int | None]:
    """Each line's (code, modifiers, units in thousandths) charge from the practice's charge
    master: price per unit times units, rounded half up; None where it has no price."""
    schedule_id = session.scalar(
        select(FeeSchedule.id).where(
            FeeSchedule.practice_id == practice_id,
            FeeSchedule.kind == ScheduleKind.CHARGE_MASTER,
        )
    )
    if schedule_id is None:
        return [None] * len(lines)
    rates = load_rates(session, [schedule_id])[schedule_id]
    prices: list[int | None] = []
    for code, modifiers, units in lines:
        found = pricing.find(rates, code, modifiers)
        amount = found[0].amount_cents if found is not None else None
        prices.append(None if amount is None else pricing.times_units(Fraction(amount), units))
    return prices


def _name(kind: ScheduleKind, terms: ScheduleTerms) -> str:
    if kind is ScheduleKind.CHARGE_MASTER:
        if terms.name is not None:
            raise InvalidInput("--name: the charge master has no name of its own")
        return CHARGE_MASTER_NAME
    name = terms.name or (terms.payer_code if kind is ScheduleKind.CONTRACT else None) or ""
    name = name.strip()
    if not name or len(name) > 40:
        raise InvalidInput("--name: 1 to 40 characters (a base schedule needs one)")
    if name == CHARGE_MASTER_NAME:
        raise InvalidInput(f"--name: {CHARGE_MASTER_NAME!r} is the charge master's")
    return name


def _payer_id(session: Session, practice_id: int, code: str | None) -> int:
    if code is None:
        raise InvalidInput("--payer: a contract schedule belongs to a payer (its code)")
    payer_id = session.scalar(
        select(Payer.id).where(Payer.practice_id == practice_id, Payer.payer_code == code)
    )
    if payer_id is None:
        raise NotFound(f"--payer: no payer with code {code}")
    return payer_id


def _base(session: Session, practice_id: int, name: str) -> FeeSchedule:
    base = session.scalar(
        select(FeeSchedule).where(FeeSchedule.practice_id == practice_id, FeeSchedule.name == name)
    )
    if base is None or base.kind is not ScheduleKind.BASE:
        raise NotFound(f"--base: no base schedule named {name!r} (import it with kind base)")
    return base


def _dollars(value: str, where: str) -> int:
    try:
        cents = to_cents(value.replace("$", "").replace(",", ""), field=where)
    except ValueError as exc:
        raise InvalidInput(f"{exc}: dollars with at most 2 decimals") from None
    if cents < 0:
        raise InvalidInput(f"{where}: must not be negative")
    return cents


def _percent(value: str, where: str, *, zero: bool = False) -> int:
    try:
        number = Decimal(value.strip().removesuffix("%"))
    except InvalidOperation:
        raise InvalidInput(f"{where}: not a percentage") from None
    hundredths = number * 100
    if not number.is_finite() or hundredths != hundredths.to_integral_value():
        raise InvalidInput(f"{where}: a percentage with at most 2 decimals")
    if not (hundredths >= 0 if zero else hundredths > 0) or hundredths > MAX_PERCENT_HUNDREDTHS:
        low = "0" if zero else "more than 0"
        raise InvalidInput(f"{where}: a percentage from {low} to {MAX_PERCENT_HUNDREDTHS // 100}")
    return int(hundredths)


def _shown_percent(hundredths: int | None) -> str | None:
    return None if hundredths is None else f"{Decimal(hundredths) / 100:g}"


@dataclass(frozen=True, slots=True)
class Contract:
    """A payer's contract schedule, loaded with its rates and its base schedule's."""

    schedule_id: int
    name: str
    rates: pricing.Rates
    base: pricing.Rates | None
    base_percent_hundredths: int | None
    tolerance_cents: int
    tolerance_hundredths: int

    def expected_cents(
        self, code: str, modifiers: Sequence[str], units_thousandths: int
    ) -> int | None:
        """The allowed amount the contract expects for a line; None when it prices no such line."""
        per_unit = pricing.contract_unit_price(
            self.rates, self.base, self.base_percent_hundredths, code, modifiers
        )
        return None if per_unit is None else pricing.times_units(per_unit, units_thousandths)

    def tolerance_for(self, expected_cents: int) -> int:
        """The shortfall this contract lets pass on a line expected at this amount."""
        return pricing.tolerance_cents(
            expected_cents, cents=self.tolerance_cents, hundredths=self.tolerance_hundredths
        )


def contract_payers(session: Session, *, practice_id: int) -> set[int]:
    """The payers of the practice that have a contract schedule."""
    payer_ids = session.scalars(
        select(FeeSchedule.payer_id).where(
            FeeSchedule.practice_id == practice_id, FeeSchedule.kind == ScheduleKind.CONTRACT
        )
    )
    return {p for p in payer_ids if p is not None}


def load_contracts(
    session: Session, *, practice_id: int, payer_ids: Iterable[int], codes: Iterable[str]
) -> dict[int, Contract]:
    """The contract schedules of these payers, by payer, with the rates of these codes."""
    schedules = list(
        session.scalars(
            select(FeeSchedule).where(
                FeeSchedule.practice_id == practice_id,
                FeeSchedule.kind == ScheduleKind.CONTRACT,
                FeeSchedule.payer_id.in_(sorted(set(payer_ids))),
            )
        )
    )
    wanted = sorted(set(codes))
    rates = load_rates(
        session,
        [s.id for s in schedules] + [s.base_schedule_id for s in schedules if s.base_schedule_id],
        codes=wanted,
    )
    return {
        s.payer_id: Contract(
            schedule_id=s.id,
            name=s.name,
            rates=rates[s.id],
            base=rates[s.base_schedule_id] if s.base_schedule_id else None,
            base_percent_hundredths=s.base_percent_hundredths,
            tolerance_cents=s.tolerance_cents,
            tolerance_hundredths=s.tolerance_hundredths,
        )
        for s in schedules
        if s.payer_id is not None
    }
