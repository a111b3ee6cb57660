"""Benchmark data: designations from the real national risk lists, and situation JSON lines.

Everything is deterministic for a given seed: levels, dates and situations come
from ``random.Random`` seeded with strings (stable across processes, unlike
``hash``), and no set is ever iterated.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fanjing.errors import FanjingError
from fanjing.places.core import MUNICIPALITIES, Place
from fanjing.places.registry import Designation, RiskLevel

ParsePlace = Callable[[str], Place]

RISK_LISTS = Path("/work/shared/sources/risk-lists")
TARGET_DESIGNATIONS = 300

_LEVEL_HEADER = re.compile(r"^[高中]风险地区")  # 高风险地区(3个)
_PROVINCE_HEADER = re.compile(
    r"^[\u4e00-\u9fff]{2,8}[(（]?[:：]?\s*\d+\s*个[)）]?[:：]?$"
)  # 江苏：3个

_FIRST_START = date(2021, 7, 10)  # designations begin between this day and 31 days later
_LAST_END = date(2021, 8, 31)
_FIRST_AS_OF = date(2021, 8, 1)  # as_of between this day and 11 days later

# Places with no designation anywhere near them (commuter belt, big cities, Beijing).
UNRELATED = (
    "河北省廊坊市三河市",
    "河北省廊坊市三河市燕郊镇",
    "河北省保定市涿州市",
    "天津市武清区",
    "上海市浦东新区",
    "广东省广州市天河区",
    "广东省深圳市南山区",
    "浙江省杭州市西湖区",
    "陕西省西安市雁塔区",
    "山东省青岛市市南区",
    "黑龙江省哈尔滨市南岗区",
    "湖北省宜昌市西陵区",
    "四川省乐山市市中区",
    "江苏省苏州市姑苏区",
)
UNRELATED_CITIES = ("广东省深圳市", "浙江省杭州市", "河北省石家庄市", "辽宁省大连市")
BEIJING = ("北京市朝阳区", "北京市海淀区中关村街道", "北京市大兴区")
COMMUTER_HOMES = ("河北省廊坊市三河市", "河北省廊坊市三河市燕郊镇", "天津市武清区")
PORTS = ("上海浦东国际机场", "广州白云国际机场", "厦门高崎国际机场", "南京禄口国际机场")
ROLES = (
    "close_contact",
    "secondary_close_contact",
    "cohabitant_of_secondary_close_contact",
    "coworker_of_secondary_close_contact",
)


# --- designations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedAreas:
    """The areas of the national lists, parsed; ``refused`` are lines the gazetteer refused."""

    places: list[Place]  # unique by full name, in order of first appearance
    lines: int
    refused: list[tuple[str, str]]  # (line, error message)


def area_lines(text: str) -> list[str]:
    """The area lines of one national list: after the first level header, minus headers."""
    areas: list[str] = []
    started = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _LEVEL_HEADER.match(line):
            started = True
        elif started and not _PROVINCE_HEADER.match(line):
            areas.append(line)
    return areas


def read_listed_areas(parse: ParsePlace, folder: Path = RISK_LISTS) -> ListedAreas:
    """Parse every area line of ``folder/*.txt`` as written; count the ones refused."""
    places: dict[str, Place] = {}
    refused: list[tuple[str, str]] = []
    count = 0
    for path in sorted(folder.glob("*.txt")):
        for line in area_lines(path.read_text(encoding="utf-8")):
            count += 1
            try:
                place = parse(line)
            except FanjingError as problem:
                refused.append((line, problem.message))
                continue
            places.setdefault(place.name, place)
    return ListedAreas(list(places.values()), count, refused)


def granularity(place: Place) -> str:
    """``city``, ``county``, ``street`` or ``community`` (a village, community or finer)."""
    if place.village or place.detail:
        return "community"
    if place.town:
        return "street"
    return "county" if place.county else "city"


def truncate(place: Place, level: str) -> Place:
    """``place`` cut to ``level`` (``street``, ``county`` or ``city``), as far as it goes."""
    if level == "street" and place.town:
        cut = replace(place, village=None, detail="")
    elif level in ("street", "county") and place.county:
        cut = replace(place, town=None, village=None, detail="")
    elif place.city:
        cut = replace(place, county=None, town=None, village=None, detail="")
    else:
        return place
    return replace(cut, text=cut.name)


def _cut_for(level: RiskLevel, rng: random.Random) -> str:
    """How coarse a designation of ``level`` is: cases are mostly whole cities or counties."""
    if level is RiskLevel.CASES:
        return rng.choices(("city", "county", "listed"), weights=(50, 35, 15))[0]
    return rng.choices(("listed", "street", "county", "city"), weights=(60, 22, 13, 5))[0]


def _days(rng: random.Random) -> tuple[date, date | None]:
    start = _FIRST_START + timedelta(days=rng.randint(0, 31))
    if rng.random() < 0.55:
        return start, None
    return start, min(start + timedelta(days=rng.randint(3, 30)), _LAST_END)


def build_designations(
    areas: Sequence[Place], seed: int, target: int = TARGET_DESIGNATIONS
) -> list[Designation]:
    """About ``target`` designations over ``areas``: levels, coarseness and days drawn at random."""
    rng = random.Random(f"{seed}-designations")
    chosen: dict[tuple[RiskLevel, str], Designation] = {}
    for _round in range(4):
        order = list(areas)
        rng.shuffle(order)
        for place in order:
            level = rng.choices(list(RiskLevel), weights=(15, 60, 25))[0]
            cut = _cut_for(level, rng)
            area = place if cut == "listed" else truncate(place, cut)
            start, end = _days(rng)
            chosen.setdefault((level, area.name), Designation(level, area, start, end, "bench"))
            if len(chosen) >= target:
                return list(chosen.values())
    return list(chosen.values())


# --- places for stays -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlacePools:
    """Place texts for stays, every one accepted by the gazetteer."""

    designated: tuple[str, ...]  # the designations' areas, by full name or as listed
    inside: tuple[str, ...]  # a building inside a designated area
    same_city: tuple[str, ...]  # other counties of the designated cities
    unrelated: tuple[str, ...]  # no designation near
    city_only: tuple[str, ...]  # named only down to a city
    beijing: tuple[str, ...]  # ignored by the entry check
    refused: tuple[str, ...]  # candidates the gazetteer refused (left out)

    def weighted(self) -> list[tuple[tuple[str, ...], int]]:
        """Each pool with its weight when drawing a stay's place."""
        pools = (
            (self.designated, 34),
            (self.inside, 6),
            (self.same_city, 22),
            (self.unrelated, 25),
            (self.city_only, 9),
            (self.beijing, 4),
        )
        return [(pool, weight) for pool, weight in pools if pool]


def _division_tree() -> dict[str, Any]:
    """jionlp's division tree (province → city → county); its banner is kept off stdout."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    tree: dict[str, Any] = jionlp.china_location_loader()
    return tree


def _full_name(province: str, city: str | None, county: str | None = None) -> str:
    shown_city = None if city in MUNICIPALITIES else city
    return "".join(part for part in (province, shown_city, county) if part)


def _other_counties(designations: Sequence[Designation]) -> list[str]:
    """Counties of the designated cities that no designation names."""
    tree = _division_tree()
    named = {(d.area.province, d.area.city, d.area.county) for d in designations}
    cities = dict.fromkeys((d.area.province, d.area.city) for d in designations if d.area.city)
    texts = []
    for province, city in cities:
        counties = tree.get(province or "", {}).get(city or "", {})
        for county in counties:
            if not county.startswith("_") and (province, city, county) not in named:
                texts.append(_full_name(province or "", city, county))
    return texts


def _accepted(texts: Iterable[str], parse: ParsePlace, refused: list[str]) -> tuple[str, ...]:
    kept = []
    for text in dict.fromkeys(texts):
        try:
            parse(text)
        except FanjingError:
            refused.append(text)
            continue
        kept.append(text)
    return tuple(kept)


def build_pools(designations: Sequence[Designation], parse: ParsePlace) -> PlacePools:
    """Stay places around the designations, plus unrelated ones; refused texts left out."""
    areas = [d.area for d in designations]
    refused: list[str] = []
    designated = [a.name for a in areas] + [a.text for a in areas if a.text != a.name]
    inside = [f"{a.name}1号楼" for a in areas if a.town and not a.detail]
    cities = [_full_name(a.province or "", a.city) for a in areas if a.city]
    return PlacePools(
        designated=_accepted(designated, parse, refused),
        inside=_accepted(inside, parse, refused),
        same_city=_accepted(_other_counties(designations), parse, refused),
        unrelated=_accepted(UNRELATED, parse, refused),
        city_only=_accepted([*cities, *UNRELATED_CITIES], parse, refused),
        beijing=_accepted(BEIJING, parse, refused),
        refused=tuple(refused),
    )


# --- situations -----------------------------------------------------------------------------


def _day(day: date) -> str:
    return day.isoformat()


def _arrival(rng: random.Random, as_of: date) -> date | None:
    """Absent (already in Beijing), past (arrived) or planned, a third each."""
    kind = rng.randrange(3)
    if kind == 0:
        return None
    if kind == 1:
        return as_of - timedelta(days=rng.randint(0, 10))
    return as_of + timedelta(days=rng.randint(1, 10))


def _place(rng: random.Random, pools: PlacePools) -> str:
    weighted = pools.weighted()
    pool = rng.choices([p for p, _ in weighted], weights=[w for _, w in weighted])[0]
    return rng.choice(pool)


def _stays(
    rng: random.Random, pools: PlacePools, last_day: date, commuter: bool
) -> list[dict[str, str]]:
    """0–4 stays, most recent ending on or before ``last_day``, in chronological order."""
    count = rng.choices(range(5), weights=(10, 35, 30, 15, 10))[0]
    if commuter:
        count = max(count, 1)
    stays = []
    to = last_day - timedelta(days=rng.choice((0, 0, 1, 2, 3, 5)))
    for index in range(count):
        start = to - timedelta(days=rng.randint(0, 6))
        place = rng.choice(COMMUTER_HOMES) if commuter and index == 0 else _place(rng, pools)
        stays.append({"place": place, "from": _day(start), "to": _day(to)})
        to = start - timedelta(days=rng.randint(1, 4))
    stays.reverse()
    return stays


def _options(rng: random.Random, first_day: date) -> dict[str, Any]:
    """The optional fields: entry from abroad, contact, health code, temperature, home."""
    options: dict[str, Any] = {}
    if rng.random() < 0.05:
        entered = first_day - timedelta(days=rng.randint(0, 30))
        options["entered_china"] = {"port": rng.choice(PORTS), "date": _day(entered)}
    if rng.random() < 0.08:
        last = first_day - timedelta(days=rng.randint(0, 16))
        options["contact"] = {"role": rng.choice(ROLES), "last_contact": _day(last)}
    if rng.random() < 0.12:
        options["health_code"] = rng.choice(("green", "yellow", "red", "popup"))
    if rng.random() < 0.08:
        options["temperature_normal"] = rng.random() < 0.6
    if rng.random() < 0.10:
        options["home_observation_possible"] = rng.random() < 0.2
    return options


def situation(rng: random.Random, pools: PlacePools) -> dict[str, Any]:
    """One situation as the contract's JSON object."""
    as_of = _FIRST_AS_OF + timedelta(days=rng.randint(0, 11))
    arrival = _arrival(rng, as_of)
    first_day = arrival or as_of
    commuter = rng.random() < 0.06
    body: dict[str, Any] = {"as_of": _day(as_of)}
    if arrival is not None:
        body["arrival"] = _day(arrival)
    body["stays"] = _stays(rng, pools, first_day, commuter)
    if commuter or rng.random() < 0.04:
        body["commuter"] = commuter
    body.update(_options(rng, first_day))
    return body


def situation_lines(count: int, seed: int, pools: PlacePools) -> list[str]:
    """``count`` situations as JSON lines (what ``fanjing check --batch`` reads)."""
    rng = random.Random(f"{seed}-situations")
    return [json.dumps(situation(rng, pools), ensure_ascii=False) for _ in range(count)]


@dataclass(frozen=True)
class Dataset:
    areas: ListedAreas
    designations: list[Designation]
    pools: PlacePools
    lines: list[str]


def build_dataset(count: int, seed: int, parse: ParsePlace) -> Dataset:
    """Areas, designations, stay places and ``count`` situation lines for ``seed``."""
    areas = read_listed_areas(parse)
    designations = build_designations(areas.places, seed)
    pools = build_pools(designations, parse)
    return Dataset(areas, designations, pools, situation_lines(count, seed, pools))
