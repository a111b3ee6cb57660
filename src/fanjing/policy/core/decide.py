"""The entry-policy engine: ``decide(pack, registry, situation) -> Decision``.

Pure: everything it needs is passed in. The day rules are those of
``check-contract.md``: a period of N days counted from day D runs from D up to,
not including, D + N; every measure starts at max(its start, F), F being the
arrival day or ``as_of``; a period is listed when it ends after max(F, as_of);
observation and monitoring form one timeline on which the strictest kind of
each day wins; where two rules give that kind on the same day, the one written
first in the pack sets it (and a merged period cites who set its first day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fanjing.places.registry import Registry
from fanjing.policy.core import explain
from fanjing.policy.core.facts import JudgedStay, judge_stays, person_facts
from fanjing.policy.core.logic import CertLogicError
from fanjing.policy.core.model import (
    Decision,
    Entry,
    Hold,
    Measure,
    MeasureKind,
    PackRef,
    Situation,
)
from fanjing.policy.core.pack import Anchor, Pack, Rule, Scope

_OPEN_KIND_ORDER = (
    MeasureKind.NUCLEIC_ACID_TEST,
    MeasureKind.CLOSED_LOOP_MANAGEMENT,
    MeasureKind.REPORT_TO_COMMUNITY,
)


class PolicyEvaluationError(Exception):
    """A pack rule could not be evaluated on a situation (a mistake in the pack)."""


@dataclass(frozen=True, slots=True)
class Firing:
    """One rule applying, to the person or to one stay."""

    order: int
    rule: Rule
    stay: JudgedStay | None
    facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RawPeriod:
    kind: MeasureKind
    start: date
    end: date | None
    firing: Firing
    while_periods_run: bool


def decide(pack: Pack, registry: Registry, situation: Situation) -> Decision:
    """Decide entry and measures for ``situation`` under ``pack`` with ``registry``.

    Never reads the clock: ``situation.as_of`` is the evaluation day (CST).
    """
    first_day = situation.first_day
    horizon = max(first_day, situation.as_of)
    judged = judge_stays(registry, situation)
    firings = _fire_rules(pack, judged, person_facts(situation))
    periods = [p for firing in firings for p in _periods_of(firing)]
    measures = _timeline(periods, first_day, horizon) + _open_measures(periods, first_day, horizon)
    entry = _entry(firings, situation)
    return Decision(
        policy=PackRef(pack.id, pack.version),
        as_of=situation.as_of,
        arrival=situation.arrival,
        entry=entry,
        measures=tuple(measures),
        reasons=tuple(explain.reasons(firings, judged, situation, entry)),
        rules_applied=tuple(dict.fromkeys(f.rule.id for f in firings)),
    )


def _fire_rules(pack: Pack, judged: list[JudgedStay], facts: dict[str, Any]) -> list[Firing]:
    applied: list[str] = facts["applied"]
    firings: list[Firing] = []
    for rule in pack.rules:
        if rule.scope is Scope.PERSON:
            if _holds(rule, facts):
                firings.append(Firing(len(firings), rule, None, facts))
        else:
            for stay in judged:
                stay_facts = {**facts, "stay": stay.facts}
                if _holds(rule, stay_facts):
                    firings.append(Firing(len(firings), rule, stay, stay_facts))
        if firings and firings[-1].rule is rule:
            applied.append(rule.id)
    return firings


def _holds(rule: Rule, facts: dict[str, Any]) -> bool:
    try:
        result = rule.when(facts)
    except CertLogicError as problem:
        raise PolicyEvaluationError(f"rule {rule.id}: {problem}") from problem
    if result is None or isinstance(result, bool | int | str | list | dict):
        return bool(result)
    raise PolicyEvaluationError(
        f"rule {rule.id}: condition gave {result!r}, neither true nor false"
    )


def _anchor_day(anchor: Anchor, firing: Firing) -> date:
    facts = firing.facts
    value: Any
    if anchor is Anchor.STAY_LEFT:
        value = facts["stay"]["left"]
    elif anchor is Anchor.CONTACT_LAST:
        value = (facts["contact"] or {}).get("last")
    elif anchor is Anchor.ENTERED_CHINA:
        value = (facts["entered_china"] or {}).get("date")
    else:
        value = facts["first_day"]
    if value is None:
        raise PolicyEvaluationError(f"rule {firing.rule.id}: no {anchor.value} to count from")
    return date.fromisoformat(value)


def _periods_of(firing: Firing) -> list[RawPeriod]:
    periods = []
    for chain in firing.rule.measures:
        start = _anchor_day(chain.counted_from, firing)
        for period in chain.periods:
            end = start + timedelta(days=period.days) if period.days is not None else None
            kind = period.kind(firing.facts)
            periods.append(RawPeriod(kind, start, end, firing, chain.while_periods_run))
            if end is None:
                break
            start = end
    return periods


def _timeline(periods: list[RawPeriod], first_day: date, horizon: date) -> list[Measure]:
    """Observation and monitoring days, strictest kind per day, merged into periods."""
    spans = []
    for period in periods:
        if not period.kind.on_timeline or period.end is None:
            continue
        start = max(period.start, first_day).toordinal()
        end = period.end.toordinal()
        if start < end:
            spans.append((-period.kind.strictness, period.firing.order, start, end, period))
    if not spans:
        return []
    spans.sort(key=lambda span: (span[0], span[1]))
    low = min(span[2] for span in spans)
    days: list[RawPeriod | None] = [None] * (max(span[3] for span in spans) - low)
    for _strictness, _order, start, end, period in spans:
        for day in range(start - low, end - low):
            if days[day] is None:
                days[day] = period
    measures = []
    run_start = 0
    for day in range(1, len(days) + 1):
        if day < len(days) and _same_kind(days[day], days[run_start]):
            continue
        setter = days[run_start]
        if setter is not None:
            end_day = date.fromordinal(low + day)
            if end_day > horizon:
                start_day = date.fromordinal(low + run_start)
                rule = setter.firing.rule
                measures.append(Measure(setter.kind, start_day, end_day, rule.id, rule.clause))
        run_start = day
    return measures


def _same_kind(a: RawPeriod | None, b: RawPeriod | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.kind is b.kind


def _open_measures(periods: list[RawPeriod], first_day: date, horizon: date) -> list[Measure]:
    """Measures with no fixed end (tests, closed loop, report), one of each kind."""
    running = {
        p.firing.order
        for p in periods
        if p.kind.on_timeline and p.end is not None and p.end > horizon
    }
    chosen: dict[MeasureKind, Measure] = {}
    for period in periods:
        if period.end is not None or period.kind in chosen:
            continue
        if period.while_periods_run and period.firing.order not in running:
            continue
        rule = period.firing.rule
        start = max(period.start, first_day)
        chosen[period.kind] = Measure(period.kind, start, None, rule.id, rule.clause)
    return [chosen[kind] for kind in _OPEN_KIND_ORDER if kind in chosen]


def _entry(firings: list[Firing], situation: Situation) -> Entry:
    holds: dict[str, Hold] = {}
    requirements: list[str] = []
    refused = popup = False
    for firing in firings:
        effect = firing.rule.entry
        if effect is None:
            continue
        refused = refused or effect.refuse
        popup = popup or effect.popup
        requirements.extend(r for r in effect.requirements if r not in requirements)
        if effect.hold_days is not None and effect.hold_from is not None:
            until = _anchor_day(effect.hold_from, firing) + timedelta(days=effect.hold_days)
            rule = firing.rule
            if rule.id not in holds or holds[rule.id].until < until:
                holds[rule.id] = Hold(rule.id, rule.clause, until)
    if refused:
        return Entry(False, None, tuple(holds.values()), tuple(requirements), popup)
    earliest = max([situation.first_day, *(h.until for h in holds.values())])
    allowed = situation.arrival is None or situation.arrival >= earliest
    return Entry(allowed, earliest, tuple(holds.values()), tuple(requirements), popup)
