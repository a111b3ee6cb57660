"""Policy packs: the policy as data, validated with pydantic and compiled for the engine.

A pack (YAML, see ``fanjing/policy/packs/``) names its jurisdiction, version, the
day it comes into force and its sources, and lists rules. Each rule cites its
clause verbatim, has a CertLogic condition (``when``) over the facts the engine
derives (``fanjing.policy.core.facts``), and effects as data: on entry (hold
until a day, refuse, requirements, pop-up) and measures (kind, days, counted
from which anchor, followed by which).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from fanjing.policy.core import logic
from fanjing.policy.core.model import MeasureKind

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class Anchor(StrEnum):
    """The day a period is counted from (自……之日起算)."""

    STAY_LEFT = "stay.left"  # the day the person left the place: the stay's last day
    CONTACT_LAST = "contact.last"  # the day of last contact
    ENTERED_CHINA = "entered_china"  # the day of entry into China
    FIRST_DAY = "first_day"  # arrival day, or the evaluation day when there is no arrival
    # the day the designation behind the stay's level / risk county / city with cases began
    STAY_LEVEL_SINCE = "stay.level_since"
    STAY_RISK_COUNTY_SINCE = "stay.risk_county_since"
    STAY_CITY_WITH_CASES_SINCE = "stay.city_with_cases_since"

    @property
    def of_stay(self) -> bool:
        return self.value.startswith("stay.")


class Scope(StrEnum):
    PERSON = "person"  # evaluated once per situation
    STAY = "stay"  # evaluated once per stay outside Beijing named at least to a city


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Source(_Strict):
    title: str
    published: date
    url: str | None = None
    publisher: str | None = None


def _check_expression(value: Any) -> Any:
    issues = logic.validate(value)
    if issues:
        raise ValueError("; ".join(f"CertLogic: {issue.message}" for issue in issues))
    return value


def _check_kind(value: MeasureKind | dict[str, Any]) -> MeasureKind | dict[str, Any]:
    if isinstance(value, MeasureKind):
        return value
    _check_expression(value)
    for outcome in _literal_outcomes(value):
        if outcome not in MeasureKind._value2member_map_:
            raise ValueError(f"kind expression can give {outcome!r}, which is not a measure kind")
    return value


# a measure kind, or a CertLogic if-expression choosing one (home or centralized observation)
KindExpression = Annotated[MeasureKind | dict[str, Any], AfterValidator(_check_kind)]


class FollowingPeriod(_Strict):
    """A period that starts the day the previous one ends (14 days of X, then 7 of Y)."""

    kind: KindExpression
    days: Annotated[int, Field(ge=1)]
    then: FollowingPeriod | None = None


class MeasureSpec(_Strict):
    """A measure: ``kind`` (or a CertLogic ``if`` choosing one), ``days`` (none: no fixed end)."""

    kind: KindExpression
    days: Annotated[int, Field(ge=1)] | None
    counted_from: Anchor = Field(alias="from")
    then: FollowingPeriod | None = None
    while_periods_run: bool = False

    @model_validator(mode="after")
    def _open_ended_is_last(self) -> MeasureSpec:
        if self.days is None and isinstance(self.kind, MeasureKind) and self.kind.on_timeline:
            raise ValueError(
                f"{self.kind.value} needs days: observation and monitoring have an end"
            )
        if self.days is None and self.then is not None:
            raise ValueError(
                "a measure with no fixed end (days: null) cannot be followed by another"
            )
        return self


class EntryEffect(_Strict):
    """What the rule does to entry: hold back until a day, refuse, or set requirements."""

    hold_days: Annotated[int, Field(ge=1)] | None = None
    hold_from: Anchor | None = None
    refuse: bool = False
    requirements: tuple[str, ...] = ()
    popup: bool = False

    @model_validator(mode="after")
    def _hold_complete(self) -> EntryEffect:
        if (self.hold_days is None) != (self.hold_from is None):
            raise ValueError("hold_days and hold_from go together")
        return self


class RuleSpec(_Strict):
    id: str
    ref: str | None = None
    title: str
    clause: str
    source: str
    scope: Scope
    when: Any
    entry: EntryEffect | None = None
    measures: tuple[MeasureSpec, ...] = ()
    # nothing the rule requires starts before this day (a designation made after the
    # person came: the remaining days run from the designation's day)
    not_before: Anchor | None = None
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _readable_id(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError("rule id must be dotted snake_case, e.g. arrival.high_risk")
        return value

    @field_validator("when")
    @classmethod
    def _when(cls, value: Any) -> Any:
        return _check_expression(value)

    @model_validator(mode="after")
    def _anchors_fit_scope(self) -> RuleSpec:
        anchors = [m.counted_from for m in self.measures]
        if self.entry and self.entry.hold_from:
            anchors.append(self.entry.hold_from)
        if self.not_before is not None:
            anchors.append(self.not_before)
        stay_anchors = sorted({a.value for a in anchors if a.of_stay})
        if self.scope is Scope.PERSON and stay_anchors:
            raise ValueError(f"{', '.join(stay_anchors)} can only anchor a rule with scope: stay")
        return self


class Principle(_Strict):
    """A clause on how rules are counted or changed (M9, M10) rather than a rule of its own."""

    ref: str
    clause: str
    source: str


class ObservationSites(_Strict):
    """Nucleic acid tests during centralized observation, as data: on which days of
    observation (day 1 is the first day of observation), with the clause they carry out."""

    test_days: Annotated[tuple[Annotated[int, Field(ge=1)], ...], Field(min_length=1)]
    ref: str | None = None
    clause: str
    source: str

    @field_validator("test_days")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if list(value) != sorted(set(value)):
            raise ValueError("test_days must be ascending, each day once (e.g. [1, 4, 7, 14])")
        return value


class PolicyPack(_Strict):
    id: str
    title: str
    jurisdiction: str
    version: str
    in_force_from: date
    sources: dict[str, Source]
    principles: tuple[Principle, ...] = ()
    rules: Annotated[tuple[RuleSpec, ...], Field(min_length=1)]
    # centralized observation sites' schedule; a pack without it schedules no site tests
    observation_sites: ObservationSites | None = None
    format: Literal[1] = 1

    @model_validator(mode="after")
    def _references(self) -> PolicyPack:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(f"rules[{index}]: rule id {rule.id} is used twice")
            seen.add(rule.id)
            if rule.source not in self.sources:
                raise ValueError(f"rules[{index}]: source {rule.source} is not among the sources")
        for index, principle in enumerate(self.principles):
            if principle.source not in self.sources:
                raise ValueError(
                    f"principles[{index}]: source {principle.source} is not among the sources"
                )
        sites = self.observation_sites
        if sites is not None and sites.source not in self.sources:
            raise ValueError(f"observation_sites: source {sites.source} is not among the sources")
        return self


def _literal_outcomes(expression: Any) -> list[Any]:
    """The values an ``if`` tree can produce; a kind expression must be made of ``if``s."""
    if isinstance(expression, dict) and set(expression) == {"if"}:
        _guard, then, otherwise = expression["if"]
        return _literal_outcomes(then) + _literal_outcomes(otherwise)
    if isinstance(expression, str):
        return [expression]
    raise ValueError("a kind expression may only use if with measure kinds as outcomes")


# ---- compiled form, used by the engine -------------------------------------------------

Evaluator = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Period:
    kind: Callable[[Any], MeasureKind]
    days: int | None  # None: no fixed end
    fixed_kind: MeasureKind | None  # the kind, when it is not chosen by a condition
    length: timedelta | None  # days as a timedelta, made once


@dataclass(frozen=True, slots=True)
class Chain:
    """A measure: periods one after another, the first counted from ``counted_from``."""

    counted_from: Anchor
    periods: tuple[Period, ...]
    while_periods_run: bool  # an open measure listed only while the rule's periods run


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    ref: str | None
    title: str
    clause: str
    source: str
    scope: Scope
    when: Evaluator
    reads: frozenset[str]  # top-level facts the condition reads, for explanations
    entry: EntryEffect | None
    measures: tuple[Chain, ...]
    not_before: Anchor | None
    note: str | None


@dataclass(frozen=True)
class Pack:
    """A compiled pack: what ``decide`` runs."""

    id: str
    title: str
    jurisdiction: str
    version: str
    in_force_from: date
    rules: tuple[Rule, ...]
    spec: PolicyPack


def compile_pack(spec: PolicyPack) -> Pack:
    return Pack(
        id=spec.id,
        title=spec.title,
        jurisdiction=spec.jurisdiction,
        version=spec.version,
        in_force_from=spec.in_force_from,
        rules=tuple(_compile_rule(rule) for rule in spec.rules),
        spec=spec,
    )


def _compile_rule(rule: RuleSpec) -> Rule:
    return Rule(
        id=rule.id,
        ref=rule.ref,
        title=rule.title,
        clause=rule.clause,
        source=rule.source,
        scope=rule.scope,
        when=logic.compile_expression(rule.when),
        reads=frozenset(path.split(".")[0] for path in _var_paths(rule.when)),
        entry=rule.entry,
        measures=tuple(_compile_chain(m) for m in rule.measures),
        not_before=rule.not_before,
        note=rule.note,
    )


def _compile_chain(measure: MeasureSpec) -> Chain:
    periods = [_compile_period(measure.kind, measure.days)]
    following = measure.then
    while following is not None:
        periods.append(_compile_period(following.kind, following.days))
        following = following.then
    return Chain(measure.counted_from, tuple(periods), measure.while_periods_run)


def _compile_period(kind: KindExpression, days: int | None) -> Period:
    return Period(
        _compile_kind(kind),
        days,
        kind if isinstance(kind, MeasureKind) else None,
        timedelta(days=days) if days is not None else None,
    )


def _compile_kind(kind: KindExpression) -> Callable[[Any], MeasureKind]:
    if isinstance(kind, MeasureKind):
        fixed = kind
        return lambda _data: fixed
    evaluate = logic.compile_expression(kind)
    return lambda data: MeasureKind(str(evaluate(data)))


def _var_paths(expression: Any) -> list[str]:
    if isinstance(expression, dict):
        if set(expression) == {"var"} and isinstance(expression["var"], str):
            return [expression["var"]]
        return [p for operand in expression.values() for p in _var_paths(operand)]
    if isinstance(expression, list):
        return [p for operand in expression for p in _var_paths(operand)]
    return []


def pack_in_force(packs: Sequence[Pack], day: date, jurisdiction: str | None = None) -> Pack | None:
    """The pack in force on ``day``: the latest ``in_force_from`` on or before it.

    Ties (two versions in force from the same day) go to the one listed last.
    """
    best: Pack | None = None
    for pack in packs:
        if jurisdiction is not None and pack.jurisdiction != jurisdiction:
            continue
        if pack.in_force_from <= day and (best is None or pack.in_force_from >= best.in_force_from):
            best = pack
    return best
