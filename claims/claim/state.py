"""Claim states and the rules that move them (pure: no database).

Commands (scrub, submit, correct, void) are checked against the state and refused with a
reason. Events from outside (999, 277CA, 835) are never refused: each moves the state as far
as it sensibly can, and an unexpected order is reported as needing a person's attention.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from claims.errors import StateError


class ClaimState(enum.StrEnum):
    """Where a claim version stands."""

    DRAFT = "draft"
    READY = "ready"  # scrubber passed
    ON_HOLD = "on_hold"  # scrubber errors
    SUBMITTED = "submitted"
    RECEIVED = "received"  # 999 accepted, 277CA A0/A1
    ACCEPTED = "accepted"  # 277CA A2: in adjudication
    REJECTED = "rejected"  # 999 or 277CA rejection
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    FORWARDED = "forwarded"  # crossover to another payer
    CLOSED = "closed"  # every balance of its lines is 0
    REPLACED = "replaced"  # a corrected version superseded it
    VOIDED = "voided"


class Command(enum.StrEnum):
    """What a person or the engine asks of a claim."""

    HOLD = "hold"  # scrub found errors
    RELEASE = "release"  # scrub passed
    SUBMIT = "submit"
    REPLACE = "replace"  # superseded by a corrected version (frequency 7, or a new original)
    VOID = "void"


class Event(enum.StrEnum):
    """What the outside world tells us about a claim."""

    ACK_ACCEPTED = "ack_accepted"  # 999 IK5 A or E
    ACK_REJECTED = "ack_rejected"  # 999 IK5 R, M, W, X
    STATUS_RECEIVED = "status_received"  # 277CA A0, A1
    STATUS_ACCEPTED = "status_accepted"  # 277CA A2
    STATUS_REJECTED = "status_rejected"  # 277CA A3, A6, A7, A8
    REMIT_PAID = "remit_paid"
    REMIT_PARTIAL = "remit_partial"
    REMIT_DENIED = "remit_denied"
    REMIT_FORWARDED = "remit_forwarded"
    REMIT_REVERSED = "remit_reversed"  # CLP02 22
    SETTLED = "settled"  # every line balance reached 0


S = ClaimState
UNSENT = frozenset({S.DRAFT, S.READY, S.ON_HOLD})
IN_FLIGHT = frozenset({S.SUBMITTED, S.RECEIVED, S.ACCEPTED})
ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED, S.FORWARDED, S.CLOSED})
SUPERSEDED = frozenset({S.REPLACED, S.VOIDED})

_COMMANDS: dict[Command, tuple[frozenset[ClaimState], ClaimState]] = {
    Command.HOLD: (UNSENT, S.ON_HOLD),
    Command.RELEASE: (UNSENT, S.READY),
    Command.SUBMIT: (frozenset({S.READY}), S.SUBMITTED),
    # A paid and closed claim is still corrected (a missed line, a wrong modifier) or voided
    # (billed to the wrong payer): that is what frequency 7 and 8 are for.
    Command.REPLACE: (frozenset({S.RECEIVED, S.ACCEPTED, S.REJECTED}) | ADJUDICATED, S.REPLACED),
    Command.VOID: (UNSENT | {S.RECEIVED, S.ACCEPTED, S.REJECTED} | ADJUDICATED, S.VOIDED),
}

_WHY_NOT: dict[ClaimState, str] = {
    S.DRAFT: "it has not been scrubbed yet",
    S.ON_HOLD: "the scrubber found errors; fix them and scrub again",
    S.READY: "it has not been sent yet; edit it in place",
    S.SUBMITTED: "it was sent and no acknowledgment has come back yet",
    S.RECEIVED: "it is with the payer",
    S.ACCEPTED: "it is in adjudication",
    S.REJECTED: "it was rejected; correct it and send it again",
    S.PAID: "it has been adjudicated",
    S.PARTIALLY_PAID: "it has been adjudicated",
    S.DENIED: "it has been adjudicated",
    S.FORWARDED: "it has been adjudicated and forwarded",
    S.CLOSED: "it is closed: every line balance is 0; correct or void it instead",
    S.REPLACED: "a corrected version replaced it; work on that one",
    S.VOIDED: "it was voided",
}


def check_command(
    state: ClaimState, command: Command, *, payer_accepts_replacement: bool = True
) -> ClaimState:
    """The state a command leads to, or StateError saying why it does not fit."""
    allowed, target = _COMMANDS[command]
    if state not in allowed:
        raise StateError(f"cannot {command.value} a claim that is {state.value}: {_WHY_NOT[state]}")
    # Sending frequency 7 or 8 needs a payer that takes them; unsent or rejected claims
    # never reached adjudication, so they are replaced by a new original or simply dropped.
    adjudicated = state in ADJUDICATED or state in {S.RECEIVED, S.ACCEPTED}
    if command in (Command.REPLACE, Command.VOID) and adjudicated and not payer_accepts_replacement:
        raise StateError(
            f"cannot {command.value} a claim that is {state.value}: the payer does not accept "
            "replacement or void claims (frequency 7/8); open a reopening or appeal task instead"
        )
    return target


@dataclass(frozen=True, slots=True)
class Outcome:
    """The state after an event, and why a person should look (None when all is as expected)."""

    state: ClaimState
    attention: str | None = None


_REMIT_TARGET = {
    Event.REMIT_PAID: S.PAID,
    Event.REMIT_PARTIAL: S.PARTIALLY_PAID,
    Event.REMIT_DENIED: S.DENIED,
    Event.REMIT_FORWARDED: S.FORWARDED,
}


def apply_event(state: ClaimState, event: Event) -> Outcome:
    """The state after an outside event; never refuses, flags an unexpected order."""
    if state in SUPERSEDED:
        if event is Event.REMIT_REVERSED:
            return Outcome(state)  # payers reverse the original when they process a 7 or 8
        return Outcome(state, f"{event.value} arrived for a claim that is {state.value}")
    if event is Event.ACK_ACCEPTED:
        if state is S.SUBMITTED:
            return Outcome(S.RECEIVED)
        if state in UNSENT:
            return Outcome(S.RECEIVED, "acknowledgment for a claim we have not sent")
        return Outcome(state)  # a late 999 after the payer already answered changes nothing
    if event in (Event.ACK_REJECTED, Event.STATUS_REJECTED):
        if state in ADJUDICATED:
            return Outcome(state, f"{event.value} after the claim was adjudicated")
        note = None
        if state in UNSENT:
            note = "rejection for a claim we have not sent"
        elif state is S.ACCEPTED:
            note = "rejection after the payer accepted the claim"
        return Outcome(S.REJECTED, note)
    if event is Event.STATUS_RECEIVED:
        # After a rejection, A0/A1 is an earlier report read late (files are taken in any
        # order): a rejected claim version is never sent again, so the rejection stands.
        if state is S.SUBMITTED or state in UNSENT:
            note = "status for a claim we have not sent" if state in UNSENT else None
            return Outcome(S.RECEIVED, note)
        return Outcome(state)
    if event is Event.STATUS_ACCEPTED:
        if state in ADJUDICATED:
            return Outcome(state)
        note = "status for a claim we have not sent" if state in UNSENT else None
        if state is S.REJECTED:
            # The payer has it after all: resubmitting for the rejection would bill it twice.
            note = "accepted after a rejection: the payer has the claim; do not resubmit it"
        return Outcome(S.ACCEPTED, note)
    if event in _REMIT_TARGET:
        target = _REMIT_TARGET[event]
        return Outcome(target, _remittance_attention(state, target))
    if event is Event.REMIT_REVERSED:
        note = "reversal on a closed claim" if state is S.CLOSED else None
        if state not in ADJUDICATED:
            note = "reversal of a payment we have not posted"
        return Outcome(S.ACCEPTED, note)
    if event is Event.SETTLED:
        note = (
            None if state in ADJUDICATED else f"balances settled on a claim that is {state.value}"
        )
        return Outcome(S.CLOSED, note)
    raise AssertionError(f"unhandled event {event}")  # pragma: no cover - enum is exhaustive


_PAID = frozenset({S.PAID, S.PARTIALLY_PAID})


def _remittance_attention(state: ClaimState, target: ClaimState) -> str | None:
    """Why a remittance arriving in this state needs a person, or None."""
    if state in UNSENT:
        return "remittance for a claim we have not sent"
    if state is S.SUBMITTED:
        return "remittance with no acknowledgment before it"
    if state is S.REJECTED:
        return "remittance for a claim that was rejected"
    if state is S.CLOSED:
        return "remittance for a closed claim"
    if state is S.DENIED and target in _PAID:
        return "payment after a denial"
    if state in _PAID and target in _PAID:
        return "a second payment with no reversal before it: possibly a duplicate payment"
    if state in _PAID and target is S.DENIED:
        return "a denial after a payment with no reversal before it"
    return None


def replay(history: Iterable[Command | Event], start: ClaimState = S.DRAFT) -> ClaimState:
    """The state recomputed from a claim's recorded commands and events, in order."""
    state = start
    for step in history:
        state = _COMMANDS[step][1] if isinstance(step, Command) else apply_event(state, step).state
    return state
