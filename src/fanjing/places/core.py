"""Chinese places as levels, and whether a stay lies inside a designated area.

A place is province / city (prefecture level, or the municipality for 北京, 天津,
上海, 重庆) / county (县, 市, 区, 旗) / town (街道, 乡镇) / village or community /
remaining detail. Parsing free text into these levels is the gazetteer's job
(``fanjing.places.gazetteer``); this module only compares parsed places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from fanjing.errors import Code, FanjingError, Where

MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})
BEIJING = "北京市"


@dataclass(frozen=True, slots=True)
class Place:
    """A parsed place; ``None`` (or ``""`` for ``detail``) where the text stops above a level."""

    text: str
    province: str | None
    city: str | None = None
    county: str | None = None
    town: str | None = None
    village: str | None = None
    detail: str = ""
    # the full standard name, e.g. 江苏省南京市江宁区禄口街道; computed once, explanations use it often
    name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        city = None if self.city in MUNICIPALITIES else self.city
        parts = (self.province, city, self.county, self.town, self.village, self.detail)
        object.__setattr__(self, "name", "".join(p for p in parts if p))

    @property
    def in_beijing(self) -> bool:
        return self.province == BEIJING

    @property
    def county_known(self) -> bool:
        return self.county is not None

    @property
    def city_known(self) -> bool:
        return self.city is not None

    @property
    def below_county(self) -> bool:
        """True when the place names anything below the county (town, village, detail)."""
        return bool(self.town or self.village or self.detail)


class Containment(Enum):
    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


def containment(area: Place, stay: Place) -> Containment:
    """Whether ``stay`` lies inside ``area``.

    Inside: every level the area names is the same in the stay, and the area's
    remaining detail, if any, begins the stay's. Outside: some level the area
    names differs. Unknown: the stay stops above a level the area names (a stay
    ``南京市`` against ``南京市江宁区禄口街道``), or skips one (names a village but
    not the town the area names), so only a detailed itinerary could tell.
    """
    unknown = False
    for area_level, stay_level in (
        (area.province, stay.province),
        (area.city, stay.city),
        (area.county, stay.county),
        (area.town, stay.town),
        (area.village, stay.village),
    ):
        if area_level is None:
            continue
        if stay_level is None:
            unknown = True
        elif stay_level != area_level:
            return Containment.OUTSIDE
    if area.detail:
        if stay.detail.startswith(area.detail):
            pass
        elif area.detail.startswith(stay.detail):
            unknown = True  # the stay is less precise than the area (or names none)
        else:
            return Containment.OUTSIDE
    return Containment.UNKNOWN if unknown else Containment.INSIDE


_DIVISIONS = ("province", "city", "county", "town", "village")


def area_touches_division(area: Place, stay: Place, level: str) -> bool:
    """True when ``area`` lies in the stay's ``level`` division, is it, or is above it.

    ``level`` is ``"city"`` or ``"county"``; the area need not contain the stay
    (a risk street makes its whole county a risk county). An area above the
    level (a whole province, a whole city for the county level) counts when the
    stay lies in it. An area that skips the level while naming something below
    it (a street with no county) cannot be placed and does not count.
    """
    depth = _DIVISIONS.index(level)
    named_any = False
    for index, name in enumerate(_DIVISIONS[: depth + 1]):
        area_level = getattr(area, name)
        if area_level is None:
            if _names_below(area, index):
                return False
            return named_any
        named_any = True
        if getattr(stay, name) != area_level:
            return False
    return True


def _names_below(place: Place, index: int) -> bool:
    return any(getattr(place, name) for name in _DIVISIONS[index + 1 :]) or bool(place.detail)


def beijing_community(place: Place, *, at: str = "community") -> Place:
    """``place`` if it names a community (社区) or village (村) in Beijing, as community
    workers, arrival reports and worklists need; else a clear refusal."""
    if not place.in_beijing or place.village is None:
        raise FanjingError(
            Code.BAD_COMMUNITY,
            f"“{place.text}”不是北京市的社区或村（应写到社区/村，如 北京市朝阳区潘家园街道松榆里社区）",
            Where(field=at),
        )
    return place
