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
    # stays that ended before this day are too old for the designation (start - 14 days)
    earliest_stay_end: date = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "earliest_stay_end", self.start - timedelta(days=LOOKBACK_DAYS))

    def in_force_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def in_force_for_stay(self, stay_from: date, stay_to: date, as_of: date) -> bool:
        """Begun by ``as_of`` and by the stay's last day + 14, not ended before the stay began."""
        return (
            self.start <= as_of
            and stay_to >= self.earliest_stay_end
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


@dataclass(frozen=True, slots=True)
class _Relation:
    """How one designation's area relates to one place; fixed, so computed once per place."""

    designation: Designation
    touches_city: bool
    touches_county: bool
    containment: Containment


@dataclass(frozen=True)
class Registry:
    """Designations, with the places they relate to worked out once per place."""

    designations: tuple[Designation, ...] = ()
    _by_province: dict[str | None, tuple[Designation, ...]] = field(
        init=False, repr=False, compare=False
    )
    _relations: dict[Place, tuple[_Relation, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
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
        relations = self._relations.get(place)
        if relations is None:
            relations = self._relations[place] = self._relations_of(place)
        level: RiskLevel | None = None
        level_designation = risk_county = cases = None
        undecided: list[Designation] = []
        for relation in relations:
            designation = relation.designation
            if not designation.in_force_for_stay(stay_from, stay_to, as_of):
                continue
            # each fact keeps its earliest designation: from that day on the fact was known
            if relation.touches_city and _earlier(designation, cases):
                cases = designation
            if designation.level is RiskLevel.CASES:
                continue
            if relation.touches_county and _earlier(designation, risk_county):
                risk_county = designation
            if relation.containment is Containment.INSIDE:
                rank = _LEVEL_RANK[designation.level]
                if level is None or rank > _LEVEL_RANK[level]:
                    level, level_designation = designation.level, designation
                elif rank == _LEVEL_RANK[level] and _earlier(designation, level_designation):
                    level_designation = designation
            elif relation.containment is Containment.UNKNOWN:
                undecided.append(designation)
        return StayJudgement(level, level_designation, risk_county, cases, tuple(undecided))

    def _relations_of(self, place: Place) -> tuple[_Relation, ...]:
        relations = []
        for designation in self._by_province.get(place.province, ()):
            area = designation.area
            inside = containment(area, place)
            touches_city = area_touches_division(area, place, "city")
            if not touches_city and inside is Containment.OUTSIDE:
                continue
            touches_county = place.county_known and area_touches_division(area, place, "county")
            relations.append(_Relation(designation, touches_city, touches_county, inside))
        return tuple(relations)


def _earlier(designation: Designation, kept: Designation | None) -> bool:
    return kept is None or designation.start < kept.start


@dataclass(frozen=True)
class Reconciliation:
    """What one day's list does to the designations it governs (see ``reconcile``)."""

    opened: tuple[Designation, ...]  # listed, not yet designated: in force from the list's day
    closed: tuple[Designation, ...]  # designated, no longer listed: in force until the day before
    withdrawn: tuple[Designation, ...]  # opened on the list's own day and not listed after all
    kept: tuple[Designation, ...]  # listed and designated at the same level
    # not listed, but of a level the list may be missing lines of: left in force
    held: tuple[Designation, ...] = ()


def reconcile(
    open_designations: Iterable[Designation],
    listed: Iterable[Designation],
    day: date,
    *,
    incomplete_levels: frozenset[RiskLevel] = frozenset(),
) -> Reconciliation:
    """Bring open designations in line with a list that is in force from ``day``.

    Areas are matched by their standard name. A listed area already open at the
    same level is kept; one open at another level is closed and opened again at
    the new level; an open area not listed is closed the day before ``day``
    (withdrawn instead when it was opened on ``day`` itself, by an earlier
    import of a list of the same day). Reconciling the same list twice changes
    nothing the second time.

    An area the list does not name is not evidence that it was lifted when the
    list may be missing lines of that level (``incomplete_levels``: truncated,
    or lines that could not be read): such designations are ``held``, in force,
    since lifting one wrongly lets people from a risk area in unobserved.
    """
    wanted: dict[str, Designation] = {}
    for designation in listed:
        known = wanted.get(designation.area.name)
        if known is None or _LEVEL_RANK[designation.level] > _LEVEL_RANK[known.level]:
            wanted[designation.area.name] = designation
    opened: list[Designation] = []
    closed: list[Designation] = []
    withdrawn: list[Designation] = []
    kept: list[Designation] = []
    held: list[Designation] = []
    still_open: set[str] = set()
    for designation in open_designations:
        listed_now = wanted.get(designation.area.name)
        if listed_now is not None and listed_now.level is designation.level:
            kept.append(designation)
            still_open.add(designation.area.name)
        elif listed_now is None and designation.level in incomplete_levels:
            held.append(designation)
        elif designation.start >= day:
            withdrawn.append(designation)
        else:
            closed.append(designation)
    for name, designation in wanted.items():
        if name not in still_open:
            opened.append(
                Designation(designation.level, designation.area, day, None, designation.source)
            )
    return Reconciliation(tuple(opened), tuple(closed), tuple(withdrawn), tuple(kept), tuple(held))
