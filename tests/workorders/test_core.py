"""The work orders' pure rules: the state machine, who handles what, the deadlines file's
checks, what is overdue when, and the quantiles of the reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanjing.errors import FanjingError, InputErrors
from fanjing.workorders.core import (
    Category,
    Clock,
    State,
    Step,
    Unit,
    UnitKind,
    allowed_steps,
    may_act,
    next_state,
    overdue_stage,
    quantile,
    read_deadlines,
    responsible_unit,
    to_escalate,
)
from fanjing.workorders.deadlines import builtin_deadlines, parse_deadlines

T = datetime(2021, 8, 7, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)
COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"


def test_the_happy_path_and_back_from_escalation():
    state = next_state(State.OPENED, Step.DISPATCH, responded=False)
    assert state is State.DISPATCHED
    assert next_state(state, Step.ESCALATE, responded=False) is State.ESCALATED
    assert next_state(State.ESCALATED, Step.RESPOND, responded=False) is State.RESPONDED
    assert next_state(State.RESPONDED, Step.ESCALATE, responded=True) is State.ESCALATED
    assert next_state(State.ESCALATED, Step.RESOLVE, responded=True) is State.RESOLVED
    assert next_state(State.RESOLVED, Step.CLOSE, responded=True) is State.CLOSED


@pytest.mark.parametrize(
    ("state", "step", "responded"),
    [
        (State.OPENED, Step.RESPOND, False),
        (State.DISPATCHED, Step.RESOLVE, False),
        (State.DISPATCHED, Step.CLOSE, False),
        (State.RESPONDED, Step.RESPOND, True),
        (State.ESCALATED, Step.RESOLVE, False),  # escalated before a response: respond first
        (State.ESCALATED, Step.RESPOND, True),
        (State.ESCALATED, Step.ESCALATE, False),
        (State.RESOLVED, Step.ESCALATE, True),
        (State.CLOSED, Step.CLOSE, True),
        (State.CLOSED, Step.RESPOND, True),
    ],
)
def test_every_other_step_is_refused_naming_the_state(state, step, responded):
    with pytest.raises(FanjingError) as refused:
        next_state(state, step, responded=responded)
    assert refused.value.code == "bad_transition" and state.label_zh in refused.value.message


def test_what_each_state_allows_and_when_the_unit_may_act():
    assert allowed_steps(State.CLOSED, responded=True) == []
    assert allowed_steps(State.ESCALATED, responded=False) == [Step.RESPOND]
    assert [s for s in State if may_act(s)] == [State.DISPATCHED, State.RESPONDED, State.ESCALATED]


@pytest.mark.parametrize(
    ("category", "red", "expected"),
    [
        (Category.POPUP_APPEAL, False, Unit(UnitKind.COMMUNITY, COMMUNITY)),
        (Category.COLOUR_APPEAL, False, Unit(UnitKind.COMMUNITY, COMMUNITY)),
        (Category.COLOUR_APPEAL, True, Unit(UnitKind.CDC, "cdc")),
        (Category.COMPLAINT, False, Unit(UnitKind.COMMUNITY, COMMUNITY)),
        (Category.VACCINATION_MISSING, False, Unit(UnitKind.CLINIC, "cy-pjy")),
        (Category.ITINERARY_STAR, False, Unit(UnitKind.CDC, "cdc")),
        (Category.POLICY_QUESTION, False, Unit(UnitKind.CDC, "cdc")),
    ],
)
def test_each_category_goes_to_its_unit(category, red, expected):
    assert responsible_unit(category, community=COMMUNITY, clinic="cy-pjy", red=red) == expected


def test_a_unit_that_cannot_be_told_is_a_clear_error():
    with pytest.raises(FanjingError) as no_address:
        responsible_unit(Category.POPUP_APPEAL, community=None, clinic=None, red=False)
    assert no_address.value.where.field == "address"
    with pytest.raises(FanjingError) as no_clinic:
        responsible_unit(Category.VACCINATION_MISSING, community=COMMUNITY, clinic=None, red=False)
    assert no_clinic.value.where.field == "clinic"


def test_the_builtin_deadlines_cover_every_category():
    found = builtin_deadlines()
    assert set(found) == set(Category)
    assert all(d.respond_hours <= d.resolve_hours for d in found.values())
    assert (
        found[Category.POPUP_APPEAL].respond_hours,
        found[Category.POPUP_APPEAL].resolve_hours,
    ) == (24, 72)


def test_a_bad_deadlines_file_names_every_problem():
    text = (
        "popup_appeal: {respond_hours: 24, resolve_hours: 12}\n"
        "colour_appeal: {respond_hours: 0, resolve_hours: 72}\n"
        "vaccination_missing: {respond_hours: 24}\n"
        "itinerary_star: {respond_hours: '24', resolve_hours: 72}\n"
        "policy_question: {respond_hours: 24, resolve_hours: 48}\n"
        "parking: {respond_hours: 24, resolve_hours: 48}\n"
    )
    with pytest.raises(InputErrors) as refused:
        parse_deadlines(text, file="d.yaml")
    fields = [e.where.field for e in refused.value.errors]
    assert fields == [
        "popup_appeal.resolve_hours",
        "colour_appeal.respond_hours",
        "vaccination_missing",
        "itinerary_star.respond_hours",
        "parking",
        "complaint",
    ]
    with pytest.raises(FanjingError) as not_yaml:
        parse_deadlines("a: [", file="d.yaml")
    assert not_yaml.value.where.file == "d.yaml"
    with pytest.raises(FanjingError):
        read_deadlines(["not", "a", "mapping"], file="d.yaml")


def _clock(state: State, responded_after: float | None = None) -> Clock:
    return Clock(
        state=state,
        dispatched_at=T,
        responded_at=T + responded_after * HOUR if responded_after is not None else None,
        respond_hours=24,
        resolve_hours=72,
    )


def test_an_order_is_overdue_from_the_hour_of_its_deadline():
    assert overdue_stage(_clock(State.DISPATCHED), T + 23.9 * HOUR) is None
    assert overdue_stage(_clock(State.DISPATCHED), T + 24 * HOUR) is Step.RESPOND
    assert overdue_stage(_clock(State.RESPONDED, 2), T + 71 * HOUR) is None
    assert overdue_stage(_clock(State.RESPONDED, 2), T + 72 * HOUR) is Step.RESOLVE
    assert overdue_stage(_clock(State.RESOLVED, 2), T + 100 * HOUR) is None
    assert overdue_stage(_clock(State.ESCALATED), T + 30 * HOUR) is Step.RESPOND  # still late


def test_escalation_happens_once_per_deadline():
    assert to_escalate(_clock(State.DISPATCHED), T + 25 * HOUR)
    assert not to_escalate(_clock(State.ESCALATED), T + 25 * HOUR)
    assert not to_escalate(_clock(State.RESPONDED, 26), T + 27 * HOUR)  # late, but answered
    assert to_escalate(_clock(State.RESPONDED, 26), T + 72 * HOUR)


def test_quantiles_are_values_that_were_measured():
    assert quantile([], 0.5) is None
    assert quantile([7.0], 0.9) == 7.0
    assert quantile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert quantile([float(h) for h in range(1, 11)], 0.9) == 9.0
    assert quantile([float(h) for h in range(1, 12)], 0.9) == 10.0
