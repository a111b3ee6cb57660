"""The itinerary card (行程卡, H4): cities visited in the last 14 days, a star on each city
that contains a medium- or high-risk area on the day asked. Pure.

A star alone decides nothing: the person must still say whether they passed
through a risk area (the travel declaration does that).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from fanjing.places.registry import Designation

CARD_DAYS = 14


@dataclass(frozen=True)
class Visit:
    city: str  # standard name, e.g. 江苏省扬州市
    day: date


@dataclass(frozen=True)
class CityOnCard:
    city: str
    last_day: date
    starred: bool
    because: tuple[str, ...]  # the risk areas in force in that city on the day asked


@dataclass(frozen=True)
class Card:
    as_of: date
    cities: tuple[CityOnCard, ...]  # most recent visit first

    @property
    def starred(self) -> bool:
        return any(city.starred for city in self.cities)


def card_window(as_of: date) -> tuple[date, date]:
    """The 14 days a card covers, both inclusive: ``as_of`` and the 13 before it."""
    return as_of - timedelta(days=CARD_DAYS - 1), as_of


def itinerary_card(
    visits: Iterable[Visit], designations: Iterable[Designation], as_of: date
) -> Card:
    """The card as of ``as_of`` from the visits (of one number, or of all an account's numbers)."""
    first, last = card_window(as_of)
    last_seen: dict[str, date] = {}
    for visit in visits:
        if first <= visit.day <= last and visit.day > last_seen.get(visit.city, date.min):
            last_seen[visit.city] = visit.day
    risk_areas: dict[str, list[str]] = defaultdict(list)
    for designation in designations:
        area = designation.area
        if designation.is_risk_area and designation.in_force_on(as_of) and area.city:
            risk_areas[city_name(area.province, area.city)].append(area.name)
    cities = [
        CityOnCard(city, day, bool(risk_areas.get(city)), tuple(sorted(risk_areas.get(city, ()))))
        for city, day in last_seen.items()
    ]
    cities.sort(key=lambda c: (-c.last_day.toordinal(), c.city))
    return Card(as_of, tuple(cities))


def city_name(province: str | None, city: str) -> str:
    """A city's standard name as cards show it (the municipalities by themselves)."""
    return city if province == city or province is None else f"{province}{city}"
