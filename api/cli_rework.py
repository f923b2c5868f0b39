"""`claims rework ...`: the queue from the command line (list, show, assign, note, resolve)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from api.cli_common import ACTOR, DATE, JSON, PRACTICE, cents, day, unit_of_work

rework_app = typer.Typer(
    help="The rework queue: denials, rejections and follow-ups worked to an end.",
    no_args_is_help=True,
)


@rework_app.command("list")
def rework_list(
    category: str | None = typer.Option(None, help="coding, eligibility_registration, ..."),
    source: str | None = typer.Option(None, help="scrubber, 999, 277CA, 835, follow_up, ..."),
    status: str = typer.Option("open", help="open (open and in progress), closed or all."),
    payer: str | None = typer.Option(None, help="Payer code."),
    assignee: str | None = typer.Option(None, help="A name, or - for items nobody has taken."),
    claim: int | None = typer.Option(None, help="Items of one claim (ID)."),
    min_age: int | None = typer.Option(None, help="Opened at least this many days ago."),
    min_amount: str | None = typer.Option(None, help="At least these dollars, e.g. 100.00."),
    max_amount: str | None = typer.Option(None, help="At most these dollars."),
    due_by: str | None = typer.Option(None, help="Deadline on or before this date (ISO)."),
    limit: int = typer.Option(50, min=1, max=1000, help="How many to show."),
    offset: int = typer.Option(0, min=0, help="How many to skip."),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """The queue, most urgent first: priority from dollars and days to the deadline."""
    from api.cli import _emit, _practice_id
    from claims.errors import InvalidInput
    from claims.money import to_decimal
    from claims.rework.models import Category, ItemStatus, Source
    from claims.rework.queue import OPEN_STATUSES, Filters, list_items

    statuses = {
        "open": OPEN_STATUSES,
        "closed": (ItemStatus.CLOSED,),
        "all": (),
    }.get(status)
    if statuses is None:
        raise InvalidInput("--status: open, closed or all")
    try:
        filters = Filters(
            category=Category(category) if category else None,
            source=Source(source) if source else None,
            statuses=statuses,
            payer_code=payer,
            assignee=assignee,
            claim_id=claim,
            min_age_days=min_age,
            min_amount_cents=cents(min_amount, "--min-amount"),
            max_amount_cents=cents(max_amount, "--max-amount"),
            deadline_before=date.fromisoformat(due_by) if due_by else None,
        )
    except ValueError as exc:
        raise InvalidInput(f"a filter is not one of its values: {exc}") from None
    with unit_of_work() as session:
        practice_id = _practice_id(session, practice)
        total, rows = list_items(
            session, practice_id=practice_id, filters=filters, today=date.today(),
            limit=limit, offset=offset,
        )  # fmt: skip
    payload = {"total": total, "items": [r.as_json() for r in rows]}
    lines = [f"{total} item(s){f', showing {len(rows)}' if len(rows) < total else ''}"]
    for r in rows:
        due = f" due {r.deadline} ({r.days_left} days)" if r.deadline else ""
        who = f" [{r.assignee}]" if r.assignee else ""
        on = f" claim {r.claim_id} ({r.claim_state}, {r.payer_code})" if r.claim_id else ""
        lines.append(
            f"  item {r.item_id} p{r.priority} {to_decimal(r.amount_cents)} {r.category} "
            f"{r.source} {r.codes}{on}{due}{who}"
        )
        lines.append(f"    {r.summary}")
    _emit(payload, as_json, "\n".join(lines))


@rework_app.command("show")
def rework_show(
    item_id: int = typer.Argument(..., help="The rework item."),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """One item: its claim, codes, dollars, deadline, and its history."""
    from api.cli import _emit, _practice_id
    from claims.money import to_decimal
    from claims.rework.queue import item_detail

    with unit_of_work() as session:
        detail = item_detail(
            session, practice_id=_practice_id(session, practice), item_id=item_id,
            today=date.today(),
        )  # fmt: skip
    r = detail.row
    lines = [
        f"item {r.item_id}: {r.status}"
        + (f" ({detail.closing_action})" if detail.closing_action else "")
        + (f", assigned to {r.assignee}" if r.assignee else ""),
        f"  {r.category}, from {r.source}, codes {r.codes}",
        f"  {to_decimal(r.amount_cents)} at stake, priority {r.priority}"
        + (f", deadline {r.deadline} ({r.days_left} days left)" if r.deadline else ""),
    ]
    if r.claim_id:
        lines.append(
            f"  claim {r.claim_id} ({r.patient_control_number}), {r.claim_state}, payer "
            f"{r.payer_code}"
        )
    if detail.remittance_id:
        lines.append(f"  remittance {detail.remittance_id}")
    lines.append(f"  {r.summary}")
    for step in detail.history:
        lines.append(f"  {step.at:%Y-%m-%d %H:%M} {step.author} {step.kind}: {step.text}")
    _emit(detail.as_json(), as_json, "\n".join(lines))


@rework_app.command("assign")
def rework_assign(
    item_id: int = typer.Argument(..., help="The rework item."),
    to: str = typer.Option(..., "--to", help="Who works it; - gives it back to the queue."),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Give an item to someone (it is then in progress), or back to the queue."""
    from api.cli import _emit, _practice_id
    from claims.rework.queue import UNASSIGNED, assign

    with unit_of_work() as session:
        item = assign(
            session, practice_id=_practice_id(session, practice), item_id=item_id,
            assignee=None if to == UNASSIGNED else to, actor=ACTOR,
        )  # fmt: skip
        payload = {"item_id": item.id, "assignee": item.assignee, "status": item.status.value}
    text = f"item {item_id}: " + (f"assigned to {to}" if to != UNASSIGNED else "back in the queue")
    _emit(payload, as_json, text)


@rework_app.command("note")
def rework_note(
    item_id: int = typer.Argument(..., help="The rework item."),
    text: str = typer.Argument(..., help="The note."),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Add a note to an item's history (a note never closes an item)."""
    from api.cli import _emit, _practice_id
    from claims.rework.queue import add_note

    with unit_of_work() as session:
        note = add_note(
            session, practice_id=_practice_id(session, practice), item_id=item_id, text=text,
            actor=ACTOR,
        )  # fmt: skip
        payload = {"item_id": item_id, "note_id": note.id}
    _emit(payload, as_json, f"item {item_id}: note added")


@rework_app.command("resolve")
def rework_resolve(
    item_id: int = typer.Argument(..., help="The rework item."),
    action: str = typer.Option(
        ...,
        "--action",
        help="correct, void, appeal, write_off, transfer_patient or transfer_next.",
    ),
    reason: str = typer.Option(..., "--reason", help="Why; it goes into the claim's history."),
    amount: str | None = typer.Option(
        None, "--amount", help="Dollars to write off, transfer or appeal (default: all open)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Folder for the appeal letter PDF."),
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """Close an item by acting on its claim: correct and resubmit, void, appeal (with a
    letter), write off, or transfer the balance to the patient or the next payer."""
    from api.cli import _emit, _practice_id
    from claims.errors import InvalidInput
    from claims.rework.actions import Action, resolve

    try:
        chosen = Action(action.replace("-", "_"))
    except ValueError:
        raise InvalidInput(f"--action: one of {', '.join(a.value for a in Action)}") from None
    if out is not None and not out.is_dir():
        raise InvalidInput(f"--out: {out} is not a folder")
    with unit_of_work() as session:
        done = resolve(
            session, practice_id=_practice_id(session, practice), item_id=item_id,
            action=chosen, actor=ACTOR, today=date.today(), reason=reason,
            amount_cents=cents(amount, "--amount"),
        )  # fmt: skip
    payload = done.as_json()
    text = f"item {item_id} closed: {done.text}"
    if done.letter is not None and out is not None:
        path = out / f"appeal-claim-{done.claim_id}-appeal-{done.appeal_id}.pdf"
        path.write_bytes(done.letter)
        payload["letter_path"] = str(path)
        text += f"\nletter written to {path}"
    _emit(payload, as_json, text)


@rework_app.command("follow-up")
def rework_follow_up(
    on: str | None = DATE,
    practice: str | None = PRACTICE,
    as_json: bool = JSON,
) -> None:
    """The daily follow-up (safe to run again): items for claims nobody answered, claims near
    their timely-filing limit and appeals with no answer; open items' priorities refreshed."""
    from api.cli import _emit, _practice_id
    from claims.rework.followup import run_follow_up

    today = day(on)
    with unit_of_work() as session:
        report = run_follow_up(session, practice_id=_practice_id(session, practice), today=today)
    payload = report.as_json()
    lines = [
        f"follow-up {today}: {payload['opened_count']} item(s) opened, {report.already_open} "
        f"already open, {report.reprioritized} priorities changed"
    ]
    lines += [
        f"  {codes}: items {', '.join(map(str, ids))}" for codes, ids in report.opened.items()
    ]
    _emit(payload, as_json, "\n".join(lines))


__all__ = ["rework_app"]
