"""`claims patients|statements|writeoff|credits ...`: patient balances, payments and
statements, small-balance write-offs and collections, credit balances and refunds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from api.cli_common import ACTOR, DATE, JSON, PRACTICE, cents, day, unit_of_work

patients_app = typer.Typer(help="Patient balances after insurance and patient payments.",
                           no_args_is_help=True)  # fmt: skip
statements_app = typer.Typer(help="Patient statements, in cycles, and collections.",
                             no_args_is_help=True)  # fmt: skip
writeoff_app = typer.Typer(help="Write-offs by rule.", no_args_is_help=True)
credits_app = typer.Typer(help="Credit balances, refunds and payer recoupments.",
                          no_args_is_help=True)  # fmt: skip


def _practice(session: Any, code: str | None) -> int:
    from api.cli import _practice_id

    return _practice_id(session, code)


def _emit(payload: dict[str, Any], as_json: bool, text: str) -> None:
    from api.cli import _emit as emit

    emit(payload, as_json, text)


def _rules(**given: Any) -> Any:
    from claims.statements.service import StatementRules

    return StatementRules(**{k: v for k, v in given.items() if v is not None})


def _money(cents: int) -> str:
    from claims.money import to_decimal

    return str(to_decimal(cents))


# ---------------------------------------------------------------------- patients


@patients_app.command("balances")
def patients_balances(
    patient: int | None = typer.Option(None, "--patient", help="One patient (ID)."),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """What each patient owes after insurance, aged (days since it became theirs to pay),
    with credits and what is still with insurance."""
    from claims.statements.service import patient_balances

    today = day(on)
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        rows = patient_balances(
            session, practice_id=practice_id, today=today,
            patient_ids=None if patient is None else [patient],
        )  # fmt: skip
        shown = [b.as_json() for b in rows]
        payload = {"patients": shown, "total": _money(sum(b.balance_cents for b in rows))}
    lines = [f"{len(rows)} patient(s) with a balance, {payload['total']} in all"]
    for b in shown:
        aging = ", ".join(f"{k}: {v}" for k, v in b["aging"].items() if v != "0.00")
        lines.append(
            f"  patient {b['patient_id']} ({b['account_number']}): owes {b['balance']}"
            + (f", credit {b['credit']}" if b["credit"] != "0.00" else "")
            + (f", with insurance {b['insurance_pending']}" if b["insurance_pending"] != "0.00"
               else "")
            + (f" [{aging}]" if aging else "")
            + f", {b['statements']} statement(s)"
        )  # fmt: skip
        for line in b["lines"]:
            lines.append(
                f"    line {line['charge_line_id']} {line['service_date']} "
                f"{line['procedure_code']}: charge {line['charge']}, insurance paid "
                f"{line['insurance_paid']} adjusted {line['insurance_adjusted']}, patient paid "
                f"{line['patient_paid']}, owes {line['patient_balance']}"
            )
    _emit(payload, as_json, "\n".join(lines))


@patients_app.command("pay")
def patients_pay(
    patient: int = typer.Argument(..., help="The patient (ID) who paid."),
    amount: str = typer.Option(..., "--amount", help="Amount paid, e.g. 40.00."),
    reference: str = typer.Option(
        ..., "--reference", help="Receipt or check number: the same one twice posts once."
    ),
    line: list[int] = typer.Option(
        [], "--line", help="A charge line (ID) to pay, in order; repeat it. Default: oldest first."
    ),
    method: str = typer.Option("check", "--method", help="cash, check, card or other."),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Post a patient payment: cash against the patient's balances (the lines named, else the
    oldest first); more than owed stays as a credit balance."""
    from claims.errors import InvalidInput
    from claims.payments.models import Method
    from claims.payments.service import post_patient_payment

    paid = cents(amount, "--amount")
    assert paid is not None
    try:
        how = Method(method)
    except ValueError:
        raise InvalidInput("--method: cash, check, card or other") from None
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        result = post_patient_payment(
            session, practice_id=practice_id, patient_id=patient, amount_cents=paid,
            reference=reference, received_on=day(on), actor=ACTOR, method=how,
            charge_line_ids=line,
        )  # fmt: skip
    payload = result.as_json()
    head = (
        f"payment {result.payment_id} already posted; nothing changed"
        if result.duplicate
        else f"payment {result.payment_id}: {payload['amount']} from patient {patient}"
    )
    lines = [head] + [f"  line {a['charge_line_id']}: {a['amount']}" for a in payload["applied"]]
    if result.credit_cents:
        lines.append(
            f"  {payload['credit']} more than owed: a credit balance (claims credits list)"
        )
    _emit(payload, as_json, "\n".join(lines))


# ---------------------------------------------------------------------- statements


@statements_app.command("run")
def statements_run(
    out: Path | None = typer.Option(
        None, "--out", file_okay=False, help="Folder to write the PDFs to (they are kept anyway)."
    ),
    threshold: str | None = typer.Option(
        None, "--threshold", help="Smallest balance that gets a statement (default 1.00)."
    ),
    cycle_days: int | None = typer.Option(
        None, "--cycle-days", help="At most one statement per patient in this many days (30)."
    ),
    due_days: int | None = typer.Option(
        None, "--due-days", help="Please pay within this many days (21)."
    ),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Make this cycle's statements: one for every patient at or over the threshold who had
    none this cycle, recorded as sent today, its PDF kept and written to --out."""
    from claims.errors import InvalidInput
    from claims.statements.service import run_statements

    rules = _rules(threshold_cents=cents(threshold, "--threshold"), cycle_days=cycle_days,
                   due_days=due_days)  # fmt: skip
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(f"--out: cannot make folder {out} ({exc.strerror})") from exc
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        run = run_statements(session, practice_id=practice_id, today=day(on), actor=ACTOR,
                             rules=rules, out_dir=out)  # fmt: skip
        payload = run.as_json()
    lines = [
        f"{len(run.made)} statement(s), {payload['total_due']} due; {run.sent_this_cycle} "
        f"patient(s) already had one this cycle, {run.under_threshold} under the threshold"
    ]
    lines += [
        f"  statement {m['statement_id']} patient {m['patient_id']} (no. {m['sequence']}): "
        f"{m['amount_due']} due, {m['lines']} line(s)" + (f", {m['path']}" if m["path"] else "")
        for m in payload["statements"]
    ]
    _emit(payload, as_json, "\n".join(lines))


@statements_app.command("list")
def statements_list(
    patient: int | None = typer.Option(None, "--patient", help="One patient (ID)."),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Statements sent, newest first, with the date each was sent."""
    from claims.statements.service import list_statements

    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        rows = [
            {"statement_id": s.id, "patient_id": s.patient_id, "sequence": s.sequence,
             "statement_date": s.statement_date, "sent_on": s.sent_on, "due_on": s.due_on,
             "amount_due": _money(s.amount_due_cents), "stored_file_id": s.stored_file_id}
            for s in list_statements(session, practice_id=practice_id, patient_id=patient)
        ]  # fmt: skip
    lines = [f"{len(rows)} statement(s)"] + [
        f"  statement {r['statement_id']} patient {r['patient_id']} no. {r['sequence']}: sent "
        f"{r['sent_on']}, {r['amount_due']} due by {r['due_on']}"
        for r in rows
    ]
    _emit({"statements": rows}, as_json, "\n".join(lines))


@statements_app.command("collections")
def statements_collections(
    statements: int | None = typer.Option(
        None, "--statements", help="Flag after this many statements (3) ..."
    ),
    days: int | None = typer.Option(
        None, "--days", help="... when the first of them is this many days old (90)."
    ),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Flag accounts unpaid past the last statement cycle for collections (a rework item
    each), and close the flags whose balance is gone. Safe to run daily."""
    from claims.statements.service import flag_collections

    rules = _rules(collections_statements=statements, collections_days=days)
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        flagged, closed = flag_collections(session, practice_id=practice_id, today=day(on),
                                           actor=ACTOR, rules=rules)  # fmt: skip
        payload = {"flagged": [f.as_json() for f in flagged],
                   "closed": [f.as_json() for f in closed]}  # fmt: skip
    lines = [f"{len(flagged)} account(s) flagged for collections, {len(closed)} flag(s) closed"]
    lines += [
        f"  patient {f['patient_id']}: {f['amount']} after {f['statements']} statements (first "
        f"{f['first_statement_on']}), rework item {f['rework_item_id']}"
        for f in payload["flagged"]
    ]
    _emit(payload, as_json, "\n".join(lines))


# ---------------------------------------------------------------------- write-offs


@writeoff_app.command("small-balances")
def writeoff_small_balances(
    below: str | None = typer.Option(
        None, "--below", help="Write off patient balances under this amount (5.00) ..."
    ),
    after: int | None = typer.Option(
        None, "--after", help="... once every line of them was on this many statements (2)."
    ),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Write off small patient balances by rule: patient A/R to write-off, line by line, with
    the rule as the reason."""
    from claims.statements.service import write_off_small_balances

    rules = _rules(small_balance_cents=cents(below, "--below"), small_balance_statements=after)
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        done = write_off_small_balances(session, practice_id=practice_id, today=day(on),
                                        actor=ACTOR, rules=rules)  # fmt: skip
        written = [w.as_json() for w in done]
        payload = {"written_off": written, "total": _money(sum(w.amount_cents for w in done))}
    lines = [f"{len(done)} patient balance(s) written off, {payload['total']} in all"]
    lines += [f"  patient {w['patient_id']}: {w['amount']}" for w in written]
    _emit(payload, as_json, "\n".join(lines))


# ---------------------------------------------------------------------- credits


@credits_app.command("list")
def credits_list(
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Open credit balances with their age, refunds recorded and not paid, and payer
    recoupments not matched yet."""
    from claims.credits.service import credit_balances, open_refunds, recoupments, view

    today = day(on)
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        credits = credit_balances(session, practice_id=practice_id, today=today)
        payable = [view(r, today) for r in open_refunds(session, practice_id=practice_id)]
        takes = recoupments(session, practice_id=practice_id)
    payload = {
        "credit_balances": [c.as_json() for c in credits],
        "total": _money(sum(c.amount_cents for c in credits)),
        "refunds_payable": [r.as_json() for r in payable],
        "recoupments": [t.as_json() for t in takes],
    }
    lines = [f"{len(credits)} credit balance(s), {payload['total']} in all"]
    for c in credits:
        who = f"payer {c.payer_name} (coverage {c.coverage_id})" if c.coverage_id else "patient"
        lines.append(
            f"  line {c.charge_line_id} {c.service_date} {c.procedure_code}, patient "
            f"{c.patient_id}: {_money(c.amount_cents)} owed back to the {who}, since {c.since} "
            f"({c.age_days} days)"
        )
    if payable:
        lines.append(f"{len(payable)} refund(s) recorded, not paid yet")
        lines += [f"  refund {r.refund_id} to the {r.payee}: {_money(r.amount_cents)}, recorded "
                  f"{r.recorded_on} ({r.age_days} days)" for r in payable]  # fmt: skip
    if takes:
        lines.append(f"{len(takes)} payer recoupment(s) not matched to a credit")
        lines += [f"  PLB entry {t.plb_entry_id} {t.reason_code} remittance {t.remittance_id}: "
                  f"{_money(t.unmatched_cents)} left" for t in takes]  # fmt: skip
    _emit(payload, as_json, "\n".join(lines))


@credits_app.command("refund")
def credits_refund(
    line: int = typer.Argument(..., help="The charge line (ID) holding the credit."),
    reason: str = typer.Option(..., "--reason", help="Why the money goes back."),
    amount: str | None = typer.Option(None, "--amount", help="Part of the credit (default all)."),
    account: int | None = typer.Option(
        None, "--account", help="The A/R account (ID), when the line has credits with two parties."
    ),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Record a refund of a line's credit to whoever holds it (patient or payer): the credit
    moves to refunds payable until it is paid (`claims credits pay`)."""
    from claims.credits.service import record_refund, view

    today = day(on)
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        refund = record_refund(
            session, practice_id=practice_id, charge_line_id=line, reason=reason, today=today,
            actor=ACTOR, account_id=account, amount_cents=cents(amount, "--amount"),
        )  # fmt: skip
        payload = view(refund, today).as_json()
    _emit(payload, as_json, f"refund {payload['refund_id']}: {payload['amount']} to the "
          f"{payload['payee']} recorded (refunds payable); pay it with claims credits pay "
          f"{payload['refund_id']}")  # fmt: skip


@credits_app.command("pay")
def credits_pay(
    refund_id: int = typer.Argument(..., help="The refund recorded."),
    reference: str = typer.Option(..., "--reference", help="Our check or transfer number."),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Pay a recorded refund out of cash."""
    from claims.credits.service import pay_refund, view

    today = day(on)
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        refund = pay_refund(session, practice_id=practice_id, refund_id=refund_id,
                            reference=reference, paid_on=today, actor=ACTOR)  # fmt: skip
        payload = view(refund, today).as_json()
    _emit(payload, as_json, f"refund {refund_id}: {payload['amount']} paid to the "
          f"{payload['payee']} on {payload['paid_on']} ({payload['reference']})")  # fmt: skip


@credits_app.command("recoup")
def credits_recoup(
    line: int | None = typer.Option(None, "--line", help="The charge line (ID) in credit ..."),
    plb_entry: int | None = typer.Option(
        None, "--plb-entry", help="... and the payer's take-back (PLB entry ID) to match to it."
    ),
    amount: str | None = typer.Option(None, "--amount", help="Part of it (default all it can)."),
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Match payer recoupments (PLB WO) against credit balances with that payer: without
    options, every take-back that names a claim; with --line and --plb-entry, the one you say."""
    from claims.credits.service import match_recoupment, match_recoupments, view
    from claims.errors import InvalidInput

    today = day(on)
    if (line is None) != (plb_entry is None):
        raise InvalidInput("--line and --plb-entry: give both, or neither to match automatically")
    with unit_of_work() as session:
        practice_id = _practice(session, practice)
        if line is not None and plb_entry is not None:
            done = [
                match_recoupment(
                    session, practice_id=practice_id, plb_entry_id=plb_entry,
                    charge_line_id=line, today=today, actor=ACTOR,
                    amount_cents=cents(amount, "--amount"),
                )
            ]  # fmt: skip
        else:
            done = match_recoupments(session, practice_id=practice_id, today=today, actor=ACTOR)
        matched = [view(r, today).as_json() for r in done]
    lines = [f"{len(done)} recoupment(s) matched"] + [
        f"  PLB entry {m['plb_entry_id']} -> line {m['charge_line_id']}: {m['amount']}"
        for m in matched
    ]
    payload = {"matched": matched}
    _emit(payload, as_json, "\n".join(lines))
