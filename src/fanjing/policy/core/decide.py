"""The entry-policy engine: ``decide(pack, registry, situation) -> Decision``.

Pure: everything it needs is passed in. The day rules are those of
``check-contract.md``: a period of N days counted from day D runs from D up to,
not including, D + N; every measure starts at max(its start, F), F being the
arrival day or ``as_of``; a period is listed when it ends after max(F, as_of);
observation and monitoring form one timeline on which the strictest kind of
each day wins; where two rules give that kind on the same day, the one written
first in the pack sets it (and a merged period cites who set its first day).
A rule with ``not_before`` starts nothing before that day: for someone who came
before the designation it rests on, the remaining days start on the designation's day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any, NamedTuple

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


class RawPeriod(NamedTuple):
    """A period as a rule gives it, before clipping to F and merging into the timeline."""

    kind: MeasureKind
    start: date
    end: date | None
    order: int  # of the firing that gave it
    rule: Rule
    while_periods_run: bool
    floor: date  # no day before this is listed: F, or the rule's not_before day when later

    @property
    def listed_start(self) -> date:
        return max(self.start, self.floor)

    def listed(self, horizon: date) -> bool:
        """A timeline period still listed: it ends after the horizon and after its floor."""
        return self.end is not None and self.end > horizon and self.listed_start < self.end


class Firing(NamedTuple):
    """One rule applying, to the person or to one stay, with the periods it gives."""

    order: int
    rule: Rule
    stay: JudgedStay | None
    periods: tuple[RawPeriod, ...]
    hold_until: date | None  # the first day an entry hold lets the person in
    not_before: date | None  # the rule's not_before day, when it has one


def decide(
    pack: Pack, registry: Registry, situation: Situation, *, explained: bool = True
) -> Decision:
    """Decide entry and measures for ``situation`` under ``pack`` with ``registry``.

    Never reads the clock: ``situation.as_of`` is the evaluation day (CST). Without
    ``explained`` the decision has no reasons (for re-evaluating many cases, where only
    the measures are kept).
    """
    first_day = situation.first_day
    horizon = max(first_day, situation.as_of)
    judged = judge_stays(registry, situation)
    firings = _fire_rules(pack.rules, judged, situation, horizon)
    periods = [p for firing in firings for p in firing.periods]
    measures = _timeline(periods, horizon) + _open_measures(periods, horizon)
    entry = _entry(firings, situation)
    if situation.arrival is not None and entry.earliest is not None:  # refused: None stands
        entry = replace(entry, earliest_possible=_earliest_possible(pack, judged, situation))
    return Decision(
        policy=PackRef(pack.id, pack.version),
        as_of=situation.as_of,
        arrival=situation.arrival,
        entry=entry,
        measures=tuple(measures),
        reasons=tuple(explain.reasons(firings, judged, situation, entry)) if explained else (),
        rules_applied=tuple(dict.fromkeys(f.rule.id for f in firings)),
    )


def _earliest_possible(pack: Pack, judged: list[JudgedStay], situation: Situation) -> date | None:
    """For a planned arrival, the first day on or after ``as_of`` on which no entry hold
    runs, whatever the arrival: the entry rules once more, as if the person were to come on
    ``as_of`` (F = as_of); None when a rule refuses entry. Only asked when the decision
    itself is not a refusal (a refusal's is None, whatever this would say)."""
    on_as_of = replace(situation, arrival=None)
    entry_rules = tuple(rule for rule in pack.rules if rule.entry is not None)
    firings = _fire_rules(entry_rules, judged, on_as_of, situation.as_of)
    return _entry(firings, on_as_of).earliest


def _fire_rules(
    rules: tuple[Rule, ...], judged: list[JudgedStay], situation: Situation, horizon: date
) -> list[Firing]:
    """Evaluate the rules in pack order; ``applied`` grows as rules apply.

    A rule applies when its condition holds and it leaves something: an entry
    effect, a measure still listed, or (for a rule with neither) its note.
    A contact or a stay long past, whose periods are all served, applies nothing.
    """
    facts = person_facts(situation)
    applied: list[str] = facts["applied"]
    anchors = _person_anchors(situation)
    firings: list[Firing] = []
    person: list[JudgedStay | None] = [None]
    for rule in rules:
        for stay in person if rule.scope is Scope.PERSON else judged:
            # one facts object for every evaluation: only the current stay changes
            facts["stay"] = stay.facts if stay is not None else None
            if not _holds(rule, facts):
                continue
            _set_stay_anchors(anchors, stay)  # read only by a rule that holds: most do not
            not_before = _anchor_day(rule.not_before, rule, anchors) if rule.not_before else None
            floor = max(situation.first_day, not_before or situation.first_day)
            periods = _periods_of(rule, facts, anchors, len(firings), floor)
            if _leaves_something(rule, periods, horizon):
                hold = _hold_until(rule, anchors)
                firings.append(Firing(len(firings), rule, stay, periods, hold, not_before))
        if firings and firings[-1].rule is rule:
            applied.append(rule.id)
    return firings


def _person_anchors(situation: Situation) -> dict[Anchor, date | None]:
    """The days periods are counted from (M9), as dates; the stay's is set per stay."""
    contact, entered = situation.contact, situation.entered_china
    return {
        Anchor.CONTACT_LAST: contact.last_contact if contact else None,
        Anchor.ENTERED_CHINA: entered.day if entered else None,
        Anchor.FIRST_DAY: situation.first_day,
    }


def _set_stay_anchors(anchors: dict[Anchor, date | None], stay: JudgedStay | None) -> None:
    judgement = stay.judgement if stay is not None else None
    anchors[Anchor.STAY_LEFT] = stay.stay.end if stay is not None else None
    for anchor, designation in (
        (Anchor.STAY_LEVEL_SINCE, judgement.level_designation if judgement else None),
        (Anchor.STAY_RISK_COUNTY_SINCE, judgement.risk_county_designation if judgement else None),
        (Anchor.STAY_CITY_WITH_CASES_SINCE, judgement.cases_designation if judgement else None),
    ):
        anchors[anchor] = designation.start if designation is not None else None


def _anchor_day(anchor: Anchor, rule: Rule, anchors: dict[Anchor, date | None]) -> date:
    day = anchors.get(anchor)
    if day is None:
        raise PolicyEvaluationError(f"rule {rule.id}: no {anchor.value} to count from")
    return day


def _hold_until(rule: Rule, anchors: dict[Anchor, date | None]) -> date | None:
    effect = rule.entry
    if effect is None or effect.hold_days is None or effect.hold_from is None:
        return None
    return _anchor_day(effect.hold_from, rule, anchors) + timedelta(days=effect.hold_days)


def _leaves_something(rule: Rule, periods: tuple[RawPeriod, ...], horizon: date) -> bool:
    if rule.entry is not None or not rule.measures:
        return True
    running = any(p.listed(horizon) for p in periods)
    return running or any(p.end is None and not p.while_periods_run for p in periods)


def _holds(rule: Rule, facts: dict[str, Any]) -> bool:
    try:
        result = rule.when(facts)
    except CertLogicError as problem:
        raise PolicyEvaluationError(f"rule {rule.id}: {problem}") from problem
    if result is True or result is False:
        return result
    if result is None or isinstance(result, int | str | list | dict):
        return bool(result)
    raise PolicyEvaluationError(
        f"rule {rule.id}: condition gave {result!r}, neither true nor false"
    )


def _periods_of(
    rule: Rule,
    facts: dict[str, Any],
    anchors: dict[Anchor, date | None],
    order: int,
    floor: date,
) -> tuple[RawPeriod, ...]:
    periods = []
    for chain in rule.measures:
        start = _anchor_day(chain.counted_from, rule, anchors)
        for period in chain.periods:
            end = start + period.length if period.length is not None else None
            kind = period.fixed_kind or period.kind(facts)
            periods.append(RawPeriod(kind, start, end, order, rule, chain.while_periods_run, floor))
            if end is None:
                break
            start = end
    return tuple(periods)


def _timeline(periods: list[RawPeriod], horizon: date) -> list[Measure]:
    """Observation and monitoring, strictest kind per day, merged into periods.

    Sweeps the days between consecutive period boundaries rather than every day:
    on each stretch the strictest kind (then the rule first in the pack) wins,
    and stretches of the same kind that touch form one period.
    """
    spans = []
    for period in periods:
        if period.end is None or not period.kind.on_timeline:
            continue
        start = period.listed_start
        if start < period.end:
            spans.append((start, period.end, (-period.kind.strictness, period.order), period))
    if not spans:
        return []
    cuts = sorted({day for span in spans for day in (span[0], span[1])})
    runs: list[tuple[MeasureKind, date, date, RawPeriod]] = []
    for stretch_start, stretch_end in pairwise(cuts):
        covering = [span for span in spans if span[0] <= stretch_start and span[1] >= stretch_end]
        if not covering:
            continue
        setter = min(covering, key=lambda span: span[2])[3]
        if runs and runs[-1][0] is setter.kind and runs[-1][2] == stretch_start:
            kind, run_start, _, first_setter = runs[-1]
            runs[-1] = (kind, run_start, stretch_end, first_setter)
        else:
            runs.append((setter.kind, stretch_start, stretch_end, setter))
    return [
        Measure(kind, start, end, setter.rule.id, setter.rule.clause)
        for kind, start, end, setter in runs
        if end > horizon
    ]


def _open_measures(periods: list[RawPeriod], horizon: date) -> list[Measure]:
    """Measures with no fixed end (tests, closed loop, report), one of each kind."""
    running = {p.order for p in periods if p.listed(horizon)}
    chosen: dict[MeasureKind, Measure] = {}
    for period in periods:
        if period.end is not None or period.kind in chosen:
            continue
        if period.while_periods_run and period.order not in running:
            continue
        rule = period.rule
        start = period.listed_start
        chosen[period.kind] = Measure(period.kind, start, None, rule.id, rule.clause)
    return [chosen[kind] for kind in _OPEN_KIND_ORDER if kind in chosen]


def _entry(firings: list[Firing], situation: Situation) -> Entry:
    """Entry from the rules that applied. ``earliest_possible`` is the decision's own earliest
    when there is no arrival; for a planned arrival ``decide`` fills it in apart."""
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
        until = firing.hold_until
        if until is not None:
            rule = firing.rule
            if rule.id not in holds or holds[rule.id].until < until:
                holds[rule.id] = Hold(rule.id, rule.clause, until)
    if refused:
        return Entry(False, None, None, tuple(holds.values()), tuple(requirements), popup)
    earliest = max([situation.first_day, *(h.until for h in holds.values())])
    allowed = situation.arrival is None or situation.arrival >= earliest
    earliest_possible = earliest if situation.arrival is None else None
    return Entry(
        allowed, earliest, earliest_possible, tuple(holds.values()), tuple(requirements), popup
    )
