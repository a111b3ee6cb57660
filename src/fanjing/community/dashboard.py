"""What CDC's dashboard counts: arrivals per day by the risk of where they came from, and the
people under observation or monitoring per community on a day. Read-only; no names."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fanjing.community.store import arrival_decisions, open_measures_started

# the risk of an arrival's stays, worst first, from the rules its decision applied
LEVELS = ("high", "medium", "city", "none")
LEVEL_ZH = {
    "high": "高风险地区",
    "medium": "中风险地区",
    "city": "中高风险地区所在县市、有病例的城市",
    "none": "无风险旅居史",
}
_RULES_OF_LEVEL = {
    "high": {"arrival.high_risk"},
    "medium": {"arrival.medium_risk"},
    "city": {"arrival.city_with_cases", "entry.risk_county", "entry.city_with_cases"},
}
OBSERVATION = ("centralized_observation", "home_observation")
MONITORING = ("health_monitoring",)


def level_of_decision(decision: Mapping[str, Any]) -> str:
    """The worst risk an arrival's stays carried, as the rules its decision applied show it
    (a contact's measures are not a stay's: they count under the stays' own level)."""
    applied = set(decision.get("rules_applied", ()))
    return next((level for level in LEVELS[:-1] if applied & _RULES_OF_LEVEL[level]), "none")


@dataclass(frozen=True)
class DayCount:
    day: date
    counts: dict[str, int]  # level → arrivals

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def arrivals_by_level(session: Session, first: date, last: date) -> list[DayCount]:
    """Every day from ``first`` to ``last``, with its arrivals counted by level."""
    per_day: dict[date, Counter[str]] = defaultdict(Counter)
    for day, decision in arrival_decisions(session, first, last):
        per_day[day][level_of_decision(decision)] += 1
    days = (last - first).days + 1
    return [
        DayCount(d, {level: per_day[d][level] for level in LEVELS})
        for d in (first + timedelta(days=i) for i in range(max(days, 0)))
    ]


@dataclass(frozen=True)
class CommunityCount:
    community: str
    observation: int  # people under centralised or home observation on the day
    monitoring: int  # people under health monitoring on the day


def followed_by_community(session: Session, day: date) -> list[CommunityCount]:
    """Open cases' people under observation or monitoring on ``day``, per community (a person
    counts once in each column whatever the number of measures)."""
    rows = open_measures_started(session, (*OBSERVATION, *MONITORING), day)
    observed: dict[str, set[int]] = defaultdict(set)
    monitored: dict[str, set[int]] = defaultdict(set)
    for case_id, community, measure in rows:
        if not measure.on(day):
            continue
        (observed if measure.kind in OBSERVATION else monitored)[community].add(case_id)
    names = sorted(observed.keys() | monitored.keys())
    return [CommunityCount(n, len(observed[n]), len(monitored[n])) for n in names]
