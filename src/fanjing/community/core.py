"""Community health management (M1–M9), pure: the measures a case carries out, the daily
worklist, missed checks and their escalation, closed-loop groups, and what a new policy
pack changes. Days are calendar days in China Standard Time; a measure's ``end`` is
exclusive (the contract's day counting), ``None`` while it has no fixed end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from fanjing.policy.core.model import Decision

# the measures a community follows day by day; report_to_community is the report itself
TIMELINE = ("centralized_observation", "home_observation", "health_monitoring")
FOLLOWED = (*TIMELINE, "nucleic_acid_test", "closed_loop_management")
CHECKED_DAILY = TIMELINE  # a health check (temperature, symptoms) every day of these
ESCALATE_AFTER_MISSED = 2  # consecutive days without a check: escalated to the street and CDC
FEVER = 37.3  # ℃: at or above, the check is abnormal


@dataclass(frozen=True)
class Measure:
    """One measure of a case: ``end`` as decided (or adjusted by CDC); ``ended_on`` when it
    was ended early, with the reason."""

    kind: str
    start: date
    end: date | None
    rule: str
    clause: str
    ended_on: date | None = None
    end_reason: str | None = None

    @property
    def until(self) -> date | None:
        """The first day it no longer applies (exclusive), or None while open-ended."""
        if self.ended_on is not None and (self.end is None or self.ended_on < self.end):
            return self.ended_on
        return self.end

    def on(self, day: date) -> bool:
        until = self.until
        return self.start <= day and (until is None or day < until)

    def last_day(self) -> date | None:
        until = self.until
        return None if until is None else until - timedelta(days=1)


def measures_from_decision(decision: Mapping[str, Any]) -> list[Measure]:
    """The measures a community follows, from a decision as stored (the contract's JSON)."""
    return [
        Measure(
            m["kind"],
            date.fromisoformat(m["start"]),
            date.fromisoformat(m["end"]) if m["end"] else None,
            m["rule"],
            m["clause"],
        )
        for m in decision.get("measures", [])
        if m["kind"] in FOLLOWED
    ]


def measures_decided(decision: Decision) -> list[Measure]:
    """The measures a community follows, from a decision just made (no JSON round trip)."""
    return [
        Measure(m.kind.value, m.start, m.end, m.rule, m.clause)
        for m in decision.measures
        if m.kind.value in FOLLOWED
    ]


def needs_case(measures: Sequence[Measure]) -> bool:
    """A person is followed by the community when any measure besides the report applies."""
    return bool(measures)


@dataclass(frozen=True)
class CaseFacts:
    """What the worklist needs of one open case."""

    case_id: int
    person: str  # as the viewer may see it (masked or not)
    phone: str
    measures: tuple[Measure, ...]
    checked_days: frozenset[date] = frozenset()
    tested_on: tuple[date, ...] = ()  # days of nucleic acid tests taken
    abnormal_days: frozenset[date] = frozenset()  # checks with fever or symptoms
    # days whose standing result (the last recorded for the day) is positive
    positive_days: frozenset[date] = frozenset()
    # the day the community learnt of the case (reported or imported): no check is missed
    # before it, whenever observation began
    opened_on: date | None = None


@dataclass(frozen=True)
class WorkItem:
    case_id: int
    person: str
    phone: str
    what: str  # test_positive, starts, ends, test_due, check_overdue, check_escalated, …
    kind: str | None  # the measure concerned
    detail: str


@dataclass(frozen=True)
class Worklist:
    day: date
    items: tuple[WorkItem, ...]

    def of(self, what: str) -> list[WorkItem]:
        return [item for item in self.items if item.what == what]


WHAT_ZH = {
    "test_positive": "核酸阳性",
    "starts": "今日开始",
    "ends": "今日结束",
    "test_due": "应做核酸检测",
    "check_overdue": "健康监测漏报",
    "check_escalated": "连续漏报，已上报街道和疾控",
    "abnormal_check": "体温或症状异常",
    "report_overdue": "到京未报告",
}
KIND_ZH = {
    "centralized_observation": "集中观察",
    "home_observation": "居家观察",
    "health_monitoring": "健康监测",
    "nucleic_acid_test": "核酸检测",
    "closed_loop_management": "闭环管理",
}


@dataclass(frozen=True)
class MissingReport:
    """Someone of the community who declared an arrival in Beijing and has not reported (M1)."""

    person: str
    phone: str
    arrival: date


def worklist_for(
    day: date, cases: Iterable[CaseFacts], missing_reports: Iterable[MissingReport] = ()
) -> Worklist:
    """A community's work on ``day``: who starts or ends observation or monitoring, who is
    due a nucleic acid test, whose test stands positive (the last result recorded for its
    day: a later negative for the same day clears it), whose daily check is overdue (yesterday's missing) or
    escalated (missing ``ESCALATE_AFTER_MISSED`` days running), whose last check was
    abnormal, and who arrived without reporting (each declared arrival from its day on: the
    report is due on arrival, M1). Today's check is not yet overdue: the day is not over."""
    items: list[WorkItem] = []
    for case in cases:
        items.extend(_case_items(day, case))
    items.extend(
        WorkItem(0, m.person, m.phone, "report_overdue", None, _unreported(m.arrival, day))
        for m in sorted(set(missing_reports), key=lambda m: (m.arrival, m.person))
        if m.arrival <= day
    )
    order = list(WHAT_ZH)
    items.sort(key=lambda item: (order.index(item.what), item.case_id))
    return Worklist(day, tuple(items))


def _unreported(arrival: date, day: date) -> str:
    return "今日到京，尚未报告" if arrival == day else f"{arrival} 到京，尚未报告"


def _case_items(day: date, case: CaseFacts) -> Iterable[WorkItem]:
    def item(what: str, kind: str | None, detail: str) -> WorkItem:
        return WorkItem(case.case_id, case.person, case.phone, what, kind, detail)

    for positive in sorted(d for d in case.positive_days if d <= day):
        yield item("test_positive", None, f"{positive} 的核酸检测结果为阳性：请立即报告疾控")
    for measure in case.measures:
        if measure.kind in TIMELINE and measure.start == day:
            until = measure.last_day()
            yield item("starts", measure.kind, f"{KIND_ZH[measure.kind]}至 {until or '另行通知'}")
        if measure.kind in TIMELINE and measure.last_day() == day:
            yield item("ends", measure.kind, f"{KIND_ZH[measure.kind]}今日期满")
        tested = any(taken >= measure.start for taken in case.tested_on)
        if measure.kind == "nucleic_acid_test" and measure.on(day) and not tested:
            yield item("test_due", measure.kind, f"自 {measure.start} 起应做核酸检测")
    missed = missed_check_days(day, case)
    if missed >= ESCALATE_AFTER_MISSED:
        yield item("check_escalated", None, f"已连续 {missed} 天未报健康监测")
    elif missed:
        yield item("check_overdue", None, "昨日未报健康监测")
    yesterday = day - timedelta(days=1)
    if yesterday in case.abnormal_days or day in case.abnormal_days:
        yield item("abnormal_check", None, "体温≥37.3℃或有症状：请安排就医和核酸检测")


def missed_check_days(day: date, case: CaseFacts) -> int:
    """Days in a row, ending yesterday, on which a daily check was due and not made.

    A check is due only from the day the case was opened: someone imported today who
    arrived a week ago has missed nothing yet, and is not escalated at once.
    """
    missed = 0
    current = day - timedelta(days=1)
    while (
        _check_due(current, case.measures)
        and current not in case.checked_days
        and (case.opened_on is None or current >= case.opened_on)
    ):
        missed += 1
        current -= timedelta(days=1)
    return missed


def _check_due(day: date, measures: Sequence[Measure]) -> bool:
    return any(m.kind in CHECKED_DAILY and m.on(day) for m in measures)


def check_is_abnormal(temperature: float, symptoms: Sequence[str]) -> bool:
    return temperature >= FEVER or bool(symptoms)


@dataclass(frozen=True)
class MeasureChange:
    """How a re-evaluation changes one kind of measure of a case."""

    kind: str
    before: Measure | None
    after: Measure | None

    @property
    def what(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


@dataclass(frozen=True)
class CaseChange:
    case_id: int
    changes: tuple[MeasureChange, ...] = field(default=())


def reevaluated_measures(
    current: Sequence[Measure], decided: Sequence[Measure], in_force_from: date
) -> list[Measure]:
    """The measures a case carries under a new pack (M10), which governs from the day it
    comes into force: what was over before that day stands; a measure the new pack drops
    ends that day; one it ends earlier ends no earlier than that day; an early end a
    worker recorded stands; a measure the old pack did not have starts that day."""
    old = _by_kind(current)
    new = _by_kind(decided)
    result: list[Measure] = []
    for key in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(key), new.get(key)
        if before is not None and before.until is not None and before.until <= in_force_from:
            result.append(before)
            continue
        if after is None:
            if before is not None:
                ended = max(before.start, in_force_from)
                result.append(
                    replace(before, ended_on=ended, end_reason="政策调整：新政策包不再要求")
                )
            continue
        if after.end is not None and after.end <= in_force_from:
            if before is None:
                continue  # over before the new pack: nothing to carry out
            after = replace(after, end=in_force_from)
        if before is None and after.start < in_force_from:
            after = replace(after, start=in_force_from)  # a new measure starts with the pack
        if before is not None and before.ended_on is not None:
            after = replace(after, ended_on=before.ended_on, end_reason=before.end_reason)
        result.append(after)
    return result


def _by_kind(measures: Sequence[Measure]) -> dict[tuple[str, int], Measure]:
    """Measures keyed by kind and, for a kind met twice, which one."""
    keyed: dict[tuple[str, int], Measure] = {}
    for measure in measures:
        n = sum(1 for kind, _ in keyed if kind == measure.kind)
        keyed[(measure.kind, n)] = measure
    return keyed


def changes_between(
    case_id: int, before: Sequence[Measure], after: Sequence[Measure]
) -> CaseChange:
    """Per measure, what differs (start, end, early end); nothing when all is the same."""
    old = _by_kind(before)
    new = _by_kind(after)
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is None or b is None or (a.start, a.until) != (b.start, b.until):
            changes.append(MeasureChange(key[0], a, b))
    return CaseChange(case_id, tuple(changes))


def follows_contact(
    member: Sequence[Measure], contact: Sequence[Measure], day: date
) -> list[Measure]:
    """M8: a cohabitant's or co-worker's closed-loop management lasts while the secondary
    close contact is under observation; once the contact's observation has ended (or
    was lifted) on ``day``, the member's closed loop ends that day too."""
    under_observation = any(
        m.kind in ("centralized_observation", "home_observation") and m.on(day) for m in contact
    )
    if under_observation:
        return list(member)
    return [
        replace(m, ended_on=day, end_reason="次密接解除观察，闭环管理随之结束")
        if m.kind == "closed_loop_management" and m.on(day)
        else m
        for m in member
    ]
