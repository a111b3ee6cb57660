"""Work orders as pure rules: categories, the unit each goes to, the state machine, deadlines
(read from data and validated here), what is overdue at a moment, and the reports' figures."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fanjing.errors import Code, FanjingError, InputErrors, Where


class Category(StrEnum):
    POPUP_APPEAL = "popup_appeal"
    COLOUR_APPEAL = "colour_appeal"
    VACCINATION_MISSING = "vaccination_missing"
    ITINERARY_STAR = "itinerary_star"
    POLICY_QUESTION = "policy_question"
    COMPLAINT = "complaint"

    @property
    def label_zh(self) -> str:
        return CATEGORY_ZH[self.value]


CATEGORY_ZH = {
    "popup_appeal": "弹窗申诉",
    "colour_appeal": "健康码颜色申诉",
    "vaccination_missing": "接种记录缺失",
    "itinerary_star": "行程卡带星",
    "policy_question": "政策咨询",
    "complaint": "投诉",
}


class State(StrEnum):
    OPENED = "opened"
    DISPATCHED = "dispatched"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ESCALATED = "escalated"

    @property
    def label_zh(self) -> str:
        return STATE_ZH[self.value]


STATE_ZH = {
    "opened": "已受理",
    "dispatched": "已派单",
    "responded": "已响应",
    "resolved": "已办结",
    "closed": "已回访结单",
    "escalated": "已超时督办",
}


_HANDLING = (State.DISPATCHED, State.RESPONDED, State.ESCALATED)  # with the unit


class Step(StrEnum):
    DISPATCH = "dispatch"
    RESPOND = "respond"
    RESOLVE = "resolve"
    CLOSE = "close"
    ESCALATE = "escalate"


STEP_ZH = {
    "dispatch": "派单",
    "respond": "响应",
    "resolve": "办结答复",
    "close": "回访结单",
    "escalate": "超时督办",
}

# (state, step) → next state. An escalated order goes on where it stood: it is responded to
# when it had not been (``responded`` says which), resolved when it had.
_NEXT = {
    (State.OPENED, Step.DISPATCH): State.DISPATCHED,
    (State.DISPATCHED, Step.RESPOND): State.RESPONDED,
    (State.DISPATCHED, Step.ESCALATE): State.ESCALATED,
    (State.RESPONDED, Step.RESOLVE): State.RESOLVED,
    (State.RESPONDED, Step.ESCALATE): State.ESCALATED,
    (State.RESOLVED, Step.CLOSE): State.CLOSED,
}


def next_state(state: State, step: Step, *, responded: bool) -> State:
    """The state after ``step``, or a clear refusal naming the state and what it allows."""
    if state is State.ESCALATED and step is Step.RESPOND and not responded:
        return State.RESPONDED
    if state is State.ESCALATED and step is Step.RESOLVE and responded:
        return State.RESOLVED
    found = _NEXT.get((state, step))
    if found is None:
        allowed = "、".join(STEP_ZH[s.value] for s in allowed_steps(state, responded=responded))
        raise FanjingError(
            Code.BAD_TRANSITION,
            f"工单{state.label_zh}，不能{STEP_ZH[step.value]}（此时可以：{allowed or '无'}）",
            Where(field="state"),
        )
    return found


def allowed_steps(state: State, *, responded: bool) -> list[Step]:
    """The steps ``state`` allows (an escalated order: responding or resolving, as it stood)."""
    if state is State.ESCALATED:
        return [Step.RESOLVE if responded else Step.RESPOND]
    return [step for (here, step) in _NEXT if here is state]


def may_act(state: State) -> bool:
    """The unit acts (clears a pop-up, corrects a dose, lifts a red mark) while it handles the
    order: after dispatch and before it has resolved it."""
    return state in _HANDLING


class UnitKind(StrEnum):
    COMMUNITY = "community"
    CLINIC = "clinic"
    CDC = "cdc"


UNIT_ZH = {"community": "社区", "clinic": "接种门诊", "cdc": "疾控中心"}
CDC_UNIT = "cdc"  # one CDC: its key


@dataclass(frozen=True)
class Unit:
    kind: UnitKind
    key: str  # the community's standard name, the clinic's code, or ``CDC_UNIT``


def responsible_unit(
    category: Category, *, community: str | None, clinic: str | None, red: bool
) -> Unit:
    """Who handles an order: the community of the caller's address for pop-ups, colours and
    complaints (a red colour is CDC's: only CDC lifts a red mark), the clinic for a missing
    dose record, CDC for stars and policy (designations are CDC's)."""
    if category is Category.VACCINATION_MISSING:
        if not clinic:
            raise FanjingError(
                Code.MISSING_FIELD, "接种记录缺失须选择接种门诊", Where(field="clinic")
            )
        return Unit(UnitKind.CLINIC, clinic)
    if category in (Category.ITINERARY_STAR, Category.POLICY_QUESTION) or (
        category is Category.COLOUR_APPEAL and red
    ):
        return Unit(UnitKind.CDC, CDC_UNIT)
    if not community:
        raise FanjingError(
            Code.MISSING_FIELD,
            f"{category.label_zh}派给来电人住址所在社区：须填写住址（写到社区/村）",
            Where(field="address"),
        )
    return Unit(UnitKind.COMMUNITY, community)


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


@dataclass(frozen=True)
class Deadline:
    respond_hours: int
    resolve_hours: int


Deadlines = Mapping[Category, Deadline]
_DEADLINE_KEYS = ("respond_hours", "resolve_hours")


def read_deadlines(data: object, *, file: str) -> dict[Category, Deadline]:
    """The deadlines file's content checked whole: every category once, each with whole
    positive hours to respond and to resolve (resolving no sooner than responding); every
    problem named by its field."""
    if not isinstance(data, Mapping):
        raise FanjingError(Code.BAD_DEADLINES, "时限文件应为按类别的映射", Where(file=file))
    problems: list[FanjingError] = []
    found: dict[Category, Deadline] = {}
    for key, value in data.items():
        where = Where(file=file, field=str(key))
        if key not in CATEGORY_ZH:
            problems.append(FanjingError(Code.BAD_DEADLINES, f"未知类别“{key}”", where))
            continue
        hours = _hours(value, where, problems)
        if hours is not None:
            found[Category(key)] = hours
    for missing in [c for c in Category if c.value not in data]:
        problems.append(
            FanjingError(
                Code.BAD_DEADLINES,
                f"缺少类别 {missing.value} 的时限",
                Where(file=file, field=missing),
            )
        )
    if problems:
        raise InputErrors(problems)
    return found


def _hours(value: object, where: Where, problems: list[FanjingError]) -> Deadline | None:
    if not isinstance(value, Mapping) or set(value) != set(_DEADLINE_KEYS):
        problems.append(
            FanjingError(Code.BAD_DEADLINES, "应恰有 respond_hours 和 resolve_hours 两项", where)
        )
        return None
    hours: dict[str, int] = {}
    for key in _DEADLINE_KEYS:
        given: Any = value[key]
        if isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= 24 * 30:
            problems.append(
                FanjingError(Code.BAD_DEADLINES, "时限应为 1 到 720 的整小时数", where.inside(key))
            )
        else:
            hours[key] = given
    if len(hours) < 2:
        return None
    if hours["resolve_hours"] < hours["respond_hours"]:
        problems.append(
            FanjingError(
                Code.BAD_DEADLINES, "办结时限不能短于响应时限", where.inside("resolve_hours")
            )
        )
        return None
    return Deadline(**hours)


@dataclass(frozen=True)
class Clock:
    """An order's moments that its deadlines count from and against."""

    state: State
    dispatched_at: datetime | None
    responded_at: datetime | None
    respond_hours: int
    resolve_hours: int


def respond_by(clock: Clock) -> datetime | None:
    return (
        clock.dispatched_at + timedelta(hours=clock.respond_hours) if clock.dispatched_at else None
    )


def resolve_by(clock: Clock) -> datetime | None:
    return (
        clock.dispatched_at + timedelta(hours=clock.resolve_hours) if clock.dispatched_at else None
    )


def overdue_stage(clock: Clock, now: datetime) -> Step | None:
    """Which deadline an order still being handled has passed at ``now``: ``respond`` before
    it was responded to, ``resolve`` after; None for one within its deadlines, resolved or
    closed. An escalated order stays overdue until it is handled."""
    first, last = respond_by(clock), resolve_by(clock)
    if first is None or last is None or clock.state not in _HANDLING:
        return None
    if clock.responded_at is None:
        return Step.RESPOND if now >= first else None
    return Step.RESOLVE if now >= last else None


def to_escalate(clock: Clock, now: datetime) -> bool:
    """Whether the overdue check escalates the order now: overdue and not yet escalated (an
    order escalated before it was responded to is escalated again only if, responded to
    since, it misses the resolution deadline too)."""
    return (
        clock.state in (State.DISPATCHED, State.RESPONDED) and overdue_stage(clock, now) is not None
    )


def quantile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank quantile (``share`` 0.5: the median, 0.9: p90): a value that was
    measured, never one in between; None of nothing."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
