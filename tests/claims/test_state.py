"""Tests of the claim state machine in claims/claim/state.py: commands, events and replay."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.claim.state import (
    ClaimState,
    Command,
    Event,
    Outcome,
    apply_event,
    check_command,
    replay,
)
from claims.errors import StateError

S = ClaimState
C = Command
E = Event

ALL_STATES = list(ClaimState)
ALL_EVENTS = list(Event)
UNSENT = {S.DRAFT, S.READY, S.ON_HOLD}
SUPERSEDED = {S.REPLACED, S.VOIDED}
ADJUDICATED_OPEN = {S.PAID, S.PARTIALLY_PAID, S.DENIED, S.FORWARDED}
REMITS = {
    E.REMIT_PAID: S.PAID,
    E.REMIT_PARTIAL: S.PARTIALLY_PAID,
    E.REMIT_DENIED: S.DENIED,
    E.REMIT_FORWARDED: S.FORWARDED,
}

# The command rules written out independently of the module's own tables: state -> target.
ALLOWED: dict[Command, tuple[set[ClaimState], ClaimState]] = {
    C.HOLD: ({S.DRAFT, S.READY, S.ON_HOLD}, S.ON_HOLD),
    C.RELEASE: ({S.DRAFT, S.READY, S.ON_HOLD}, S.READY),
    C.SUBMIT: ({S.READY}, S.SUBMITTED),
    # A closed (fully paid) claim is still corrected or voided: that is what 7 and 8 are for.
    C.REPLACE: ({S.RECEIVED, S.ACCEPTED, S.REJECTED, S.CLOSED} | ADJUDICATED_OPEN, S.REPLACED),
    C.VOID: (UNSENT | {S.RECEIVED, S.ACCEPTED, S.REJECTED, S.CLOSED} | ADJUDICATED_OPEN, S.VOIDED),
}
# Frequency 7/8 reaches the payer only for claims it has seen and not rejected.
PAYER_HAS_IT = {S.RECEIVED, S.ACCEPTED, S.CLOSED} | ADJUDICATED_OPEN

EVERY_PAIR = list(itertools.product(ALL_STATES, ALL_EVENTS))


# --- commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "command"), list(itertools.product(ALL_STATES, Command)))
def test_check_command_allows_or_refuses_naming_the_state(
    state: ClaimState, command: Command
) -> None:
    allowed, target = ALLOWED[command]
    if state in allowed:
        assert check_command(state, command) is target
    else:
        with pytest.raises(StateError) as refused:
            check_command(state, command)
        message = str(refused.value)
        assert f"that is {state.value}:" in message
        assert f"cannot {command.value} " in message
        # a reason follows the state, not just the bare refusal
        assert len(message.split(f"{state.value}:", 1)[1].strip()) > 10


@pytest.mark.parametrize("command", [C.REPLACE, C.VOID])
@pytest.mark.parametrize("state", sorted(PAYER_HAS_IT))
def test_replace_and_void_refused_when_the_payer_takes_no_frequency_7_or_8(
    state: ClaimState, command: Command
) -> None:
    assert check_command(state, command, payer_accepts_replacement=True) in SUPERSEDED
    with pytest.raises(StateError) as refused:
        check_command(state, command, payer_accepts_replacement=False)
    message = str(refused.value)
    assert state.value in message
    assert "frequency 7/8" in message
    assert "appeal" in message  # says what to do instead


@pytest.mark.parametrize(
    ("state", "command", "target"),
    [
        (S.REJECTED, C.REPLACE, S.REPLACED),
        (S.REJECTED, C.VOID, S.VOIDED),
        (S.DRAFT, C.VOID, S.VOIDED),
        (S.READY, C.VOID, S.VOIDED),
        (S.ON_HOLD, C.VOID, S.VOIDED),
    ],
)
def test_replace_and_void_of_unsent_or_rejected_claims_ignore_the_payer_setting(
    state: ClaimState, command: Command, target: ClaimState
) -> None:
    assert check_command(state, command, payer_accepts_replacement=False) is target


@pytest.mark.parametrize("command", [C.HOLD, C.RELEASE, C.SUBMIT])
@pytest.mark.parametrize("state", ALL_STATES)
def test_payer_setting_changes_nothing_for_other_commands(
    state: ClaimState, command: Command
) -> None:
    def outcome(accepts: bool) -> ClaimState | str:
        try:
            return check_command(state, command, payer_accepts_replacement=accepts)
        except StateError as exc:
            return str(exc)

    assert outcome(True) == outcome(False)


@pytest.mark.parametrize("command", [C.REPLACE, C.VOID])
def test_superseded_or_unanswered_claims_cannot_be_replaced_or_voided(command: Command) -> None:
    for state in (S.REPLACED, S.VOIDED, S.SUBMITTED):
        with pytest.raises(StateError, match=state.value):
            check_command(state, command)


# --- events: exhaustive -------------------------------------------------------------------


@pytest.mark.parametrize(("state", "event"), EVERY_PAIR)
def test_apply_event_never_raises_and_returns_a_state(state: ClaimState, event: Event) -> None:
    outcome = apply_event(state, event)
    assert isinstance(outcome, Outcome)
    assert isinstance(outcome.state, ClaimState)
    assert outcome.attention is None or (isinstance(outcome.attention, str) and outcome.attention)


@pytest.mark.parametrize(("state", "event"), EVERY_PAIR)
def test_events_never_lead_where_only_commands_go(state: ClaimState, event: Event) -> None:
    """Unsent, replaced and voided are reached by commands; an event only keeps a superseded
    claim where it is."""
    after = apply_event(state, event).state
    if state in SUPERSEDED:
        assert after is state
    else:
        assert after not in UNSENT | SUPERSEDED


@pytest.mark.parametrize("event", [e for e in ALL_EVENTS if e is not E.SETTLED])
@pytest.mark.parametrize("state", sorted(UNSENT))
def test_outside_news_about_a_claim_never_sent_is_flagged(state: ClaimState, event: Event) -> None:
    assert apply_event(state, event).attention


@pytest.mark.parametrize("state", sorted(SUPERSEDED))
def test_reversal_of_a_replaced_or_voided_claim_is_expected(state: ClaimState) -> None:
    """Payers reverse the original when they process a frequency 7 or 8."""
    assert apply_event(state, E.REMIT_REVERSED) == Outcome(state, None)


@pytest.mark.parametrize("event", [e for e in ALL_EVENTS if e is not E.REMIT_REVERSED])
@pytest.mark.parametrize("state", sorted(SUPERSEDED))
def test_events_on_replaced_or_voided_claims_keep_the_state_and_are_flagged(
    state: ClaimState, event: Event
) -> None:
    outcome = apply_event(state, event)
    assert outcome.state is state
    assert outcome.attention is not None
    assert state.value in outcome.attention
    assert event.value in outcome.attention


# --- events: the documented targets of the normal order ------------------------------------

NORMAL = [
    (S.SUBMITTED, E.ACK_ACCEPTED, S.RECEIVED),
    (S.SUBMITTED, E.ACK_REJECTED, S.REJECTED),
    (S.SUBMITTED, E.STATUS_RECEIVED, S.RECEIVED),
    (S.RECEIVED, E.STATUS_RECEIVED, S.RECEIVED),
    (S.SUBMITTED, E.STATUS_ACCEPTED, S.ACCEPTED),
    (S.RECEIVED, E.STATUS_ACCEPTED, S.ACCEPTED),
    (S.RECEIVED, E.STATUS_REJECTED, S.REJECTED),
    (S.SUBMITTED, E.STATUS_REJECTED, S.REJECTED),
    (S.ACCEPTED, E.ACK_ACCEPTED, S.ACCEPTED),  # a late 999 changes nothing
    (S.PAID, E.ACK_ACCEPTED, S.PAID),
    (S.PAID, E.STATUS_ACCEPTED, S.PAID),  # a late 277CA does not undo the adjudication
    (S.DENIED, E.STATUS_RECEIVED, S.DENIED),
    (S.REJECTED, E.STATUS_RECEIVED, S.REJECTED),  # an earlier A1 read after the rejection
    *[(s, e, t) for s in (S.RECEIVED, S.ACCEPTED) for e, t in REMITS.items()],
    (S.PAID, E.REMIT_REVERSED, S.ACCEPTED),
    (S.PARTIALLY_PAID, E.REMIT_REVERSED, S.ACCEPTED),
    (S.DENIED, E.REMIT_REVERSED, S.ACCEPTED),
    (S.FORWARDED, E.REMIT_REVERSED, S.ACCEPTED),
    (S.PAID, E.SETTLED, S.CLOSED),
    (S.PARTIALLY_PAID, E.SETTLED, S.CLOSED),
    (S.DENIED, E.SETTLED, S.CLOSED),  # written off or moved to the patient
    (S.FORWARDED, E.SETTLED, S.CLOSED),
]


FLAGGED = [
    (S.ACCEPTED, E.STATUS_REJECTED, S.REJECTED, "after the payer accepted"),
    (S.ACCEPTED, E.ACK_REJECTED, S.REJECTED, "after the payer accepted"),
    (S.REJECTED, E.REMIT_PAID, S.PAID, "was rejected"),
    (S.REJECTED, E.STATUS_ACCEPTED, S.ACCEPTED, "do not resubmit"),
    (S.PAID, E.REMIT_PAID, S.PAID, "duplicate payment"),
    (S.PARTIALLY_PAID, E.REMIT_PAID, S.PAID, "duplicate payment"),
    (S.PAID, E.REMIT_DENIED, S.DENIED, "denial after a payment"),
    (S.DENIED, E.REMIT_PAID, S.PAID, "payment after a denial"),
    (S.SUBMITTED, E.REMIT_PAID, S.PAID, "no acknowledgment"),
]


@pytest.mark.parametrize(("state", "event", "target", "why"), FLAGGED)
def test_unexpected_orders_move_the_claim_and_say_why(
    state: ClaimState, event: Event, target: ClaimState, why: str
) -> None:
    outcome = apply_event(state, event)
    assert outcome.state is target
    assert outcome.attention is not None and why in outcome.attention


@pytest.mark.parametrize(("state", "event", "target"), NORMAL)
def test_normal_order_reaches_its_target_with_no_attention(
    state: ClaimState, event: Event, target: ClaimState
) -> None:
    assert apply_event(state, event) == Outcome(target, None)


def test_a_claim_walks_the_whole_happy_path_without_attention() -> None:
    state = S.DRAFT
    for command in (C.RELEASE, C.SUBMIT):
        state = check_command(state, command)
    outcomes = []
    for event in (E.ACK_ACCEPTED, E.STATUS_RECEIVED, E.STATUS_ACCEPTED, E.REMIT_PAID, E.SETTLED):
        outcome = apply_event(state, event)
        outcomes.append(outcome)
        state = outcome.state
    assert [o.state for o in outcomes] == [S.RECEIVED, S.RECEIVED, S.ACCEPTED, S.PAID, S.CLOSED]
    assert all(o.attention is None for o in outcomes)


def test_reversal_then_correction_moves_back_into_adjudication_and_on() -> None:
    reversed_ = apply_event(S.PAID, E.REMIT_REVERSED)
    corrected = apply_event(reversed_.state, E.REMIT_PARTIAL)
    assert (reversed_, corrected) == (Outcome(S.ACCEPTED), Outcome(S.PARTIALLY_PAID))


# --- events: unexpected orders that a person should look at ----------------------------------


@pytest.mark.parametrize(
    ("event", "target"), [(E.REMIT_PAID, S.PAID), (E.REMIT_PARTIAL, S.PARTIALLY_PAID)]
)
def test_payment_after_a_denial_is_posted_and_flagged(event: Event, target: ClaimState) -> None:
    outcome = apply_event(S.DENIED, event)
    assert outcome.state is target
    assert outcome.attention is not None
    assert "denial" in outcome.attention


def test_reversal_on_a_closed_claim_reopens_it_and_is_flagged() -> None:
    outcome = apply_event(S.CLOSED, E.REMIT_REVERSED)
    assert outcome.state is S.ACCEPTED
    assert outcome.attention is not None
    assert "closed" in outcome.attention


@pytest.mark.parametrize(("event", "target"), list(REMITS.items()))
def test_remittance_with_no_acknowledgment_is_posted_and_flagged(
    event: Event, target: ClaimState
) -> None:
    outcome = apply_event(S.SUBMITTED, event)
    assert outcome.state is target
    assert outcome.attention is not None
    assert "acknowledgment" in outcome.attention


@pytest.mark.parametrize(("event", "target"), list(REMITS.items()))
def test_remittance_on_a_closed_claim_is_posted_and_flagged(
    event: Event, target: ClaimState
) -> None:
    outcome = apply_event(S.CLOSED, event)
    assert outcome.state is target
    assert outcome.attention is not None


@pytest.mark.parametrize("state", [S.SUBMITTED, S.RECEIVED, S.ACCEPTED, S.REJECTED, *UNSENT])
def test_reversal_of_a_payment_never_posted_is_flagged(state: ClaimState) -> None:
    outcome = apply_event(state, E.REMIT_REVERSED)
    assert outcome.state is S.ACCEPTED
    assert outcome.attention is not None


@pytest.mark.parametrize("event", [E.ACK_REJECTED, E.STATUS_REJECTED])
@pytest.mark.parametrize("state", sorted(ADJUDICATED_OPEN | {S.CLOSED}))
def test_rejection_after_adjudication_keeps_the_state_and_is_flagged(
    state: ClaimState, event: Event
) -> None:
    outcome = apply_event(state, event)
    assert outcome.state is state
    assert outcome.attention is not None
    assert event.value in outcome.attention


# --- replay -----------------------------------------------------------------------------

Step = Command | Event


def _step_through(start: ClaimState, steps: list[Step]) -> ClaimState:
    state = start
    for step in steps:
        if isinstance(step, Command):
            state = check_command(state, step)
        else:
            state = apply_event(state, step).state
    return state


@st.composite
def histories(draw: st.DrawFn) -> tuple[ClaimState, list[Step]]:
    """A start state and a history as the service records it: commands only where allowed."""
    start = draw(st.sampled_from(ALL_STATES))
    state = start
    recorded: list[Step] = []
    for step in draw(st.lists(st.sampled_from([*Command, *Event]), max_size=30)):
        if isinstance(step, Command):
            try:
                state = check_command(state, step)
            except StateError:
                continue  # refused commands are never recorded
        else:
            state = apply_event(state, step).state
        recorded.append(step)
    return start, recorded


@given(histories())
def test_replay_equals_stepping_through_the_history(
    history: tuple[ClaimState, list[Step]],
) -> None:
    start, steps = history
    assert replay(steps, start) is _step_through(start, steps)


def test_replay_starts_from_draft_and_follows_commands_and_events() -> None:
    steps: list[Step] = [
        C.HOLD,
        C.RELEASE,
        C.SUBMIT,
        E.ACK_ACCEPTED,
        E.STATUS_REJECTED,
        C.REPLACE,
    ]
    assert replay(steps) is S.REPLACED
    assert replay(steps[:5]) is S.REJECTED
    assert replay([]) is S.DRAFT
    assert replay([E.SETTLED], S.PAID) is S.CLOSED


@given(st.sampled_from(ALL_STATES), st.lists(st.sampled_from(ALL_EVENTS), max_size=50))
def test_any_sequence_of_events_from_any_state_never_raises(
    start: ClaimState, events: list[Event]
) -> None:
    state = start
    for event in events:
        outcome = apply_event(state, event)
        assert isinstance(outcome.state, ClaimState)
        state = outcome.state
    assert isinstance(state, ClaimState)
    assert replay(events, start) is state
