"""The risk-area registry core: designations and how they judge a stay.

The rules are those of ``check-contract.md`` ("How a stay is judged"): a
designation is *in force for a stay*, *counts for it* when the stay lies
inside its area, sets the stay's level (high > medium), makes the stay's county
a *risk county* and its city a *city with cases*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from fanjing.places.core import Containment, Place, area_touches_division, containment

# A designation counts for stays that ended up to this many days before it began:
# the 14-day window of 14日内有该区域旅居史.
LOOKBACK_DAYS = 14


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    CASES = "cases"

    @property
    def label_zh(self) -> str:
        return {"high": "高风险地区", "medium": "中风险地区", "cases": "有病例发生地区"}[self.value]


_LEVEL_RANK = {RiskLevel.HIGH: 2, RiskLevel.MEDIUM: 1, RiskLevel.CASES: 0}


@dataclass(frozen=True, slots=True)
class Designation:
    """An area designated at ``level`` from ``start`` to ``end`` (both inclusive; open when None)."""

    level: RiskLevel
    area: Place
    start: date
    end: date | None = None
    source: str | None = None

    def in_force_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def in_force_for_stay(self, stay_from: date, stay_to: date, as_of: date) -> bool:
        """Begun by ``as_of`` and by the stay's last day + 14, not ended before the stay began."""
        return (
            self.start <= as_of
            and self.start <= stay_to + timedelta(days=LOOKBACK_DAYS)
            and (self.end is None or self.end >= stay_from)
        )

    @property
    def is_risk_area(self) -> bool:
        return self.level is not RiskLevel.CASES


@dataclass(frozen=True, slots=True)
class StayJudgement:
    """What the registry says of one stay; each fact keeps the designation behind it."""

    level: RiskLevel | None
    level_designation: Designation | None
    risk_county_designation: Designation | None
    cases_designation: Designation | None
    undecided: tuple[Designation, ...]  # risk areas the stay may be in: needs a detailed itinerary

    @property
    def risk_county(self) -> bool:
        return self.risk_county_designation is not None

    @property
    def city_with_cases(self) -> bool:
        return self.cases_designation is not None


NOTHING = StayJudgement(None, None, None, None, ())


@dataclass(frozen=True)
class Registry:
    """Designations, indexed by province for quick judgement of a stay."""

    designations: tuple[Designation, ...] = ()
    _by_province: dict[str | None, tuple[Designation, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[str | None, list[Designation]] = defaultdict(list)
        for designation in self.designations:
            grouped[designation.area.province].append(designation)
        object.__setattr__(self, "_by_province", {k: tuple(v) for k, v in grouped.items()})

    @classmethod
    def of(cls, designations: Iterable[Designation]) -> Registry:
        return cls(tuple(designations))

    def in_force_on(self, day: date) -> list[Designation]:
        """Designations in force on ``day``, highest level first, then by area name."""
        return sorted(
            (d for d in self.designations if d.in_force_on(day)),
            key=lambda d: (-_LEVEL_RANK[d.level], d.area.name),
        )

    def counts_on(self, day: date) -> dict[RiskLevel, int]:
        counts = dict.fromkeys(RiskLevel, 0)
        for designation in self.designations:
            if designation.in_force_on(day):
                counts[designation.level] += 1
        return counts

    def judge_stay(
        self, place: Place, stay_from: date, stay_to: date, as_of: date
    ) -> StayJudgement:
        """Judge a stay at ``place`` from ``stay_from`` to ``stay_to`` (inclusive) as of ``as_of``.

        A stay named only down to a province is judged for nothing; one named
        only down to a city is never in a risk county (its county is unknown)
        but may be in a city with cases.
        """
        if place.city is None and place.county is None:
            return NOTHING
        level: RiskLevel | None = None
        level_designation = risk_county = cases = None
        undecided: list[Designation] = []
        for designation in self._by_province.get(place.province, ()):
            if not designation.in_force_for_stay(stay_from, stay_to, as_of):
                continue
            area = designation.area
            if cases is None and area_touches_division(area, place, "city"):
                cases = designation
            if not designation.is_risk_area:
                continue
            if (
                risk_county is None
                and place.county_known
                and area_touches_division(area, place, "county")
            ):
                risk_county = designation
            inside = containment(area, place)
            if inside is Containment.INSIDE:
                if level is None or _LEVEL_RANK[designation.level] > _LEVEL_RANK[level]:
                    level, level_designation = designation.level, designation
            elif inside is Containment.UNKNOWN:
                undecided.append(designation)
        return StayJudgement(level, level_designation, risk_county, cases, tuple(undecided))
