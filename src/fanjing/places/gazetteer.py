"""Free Chinese place text → ``Place``, with jionlp's address parser and division data.

jionlp (``parse_location(..., town_village=True)``) finds province, city and
county and, where its data knows them, the town and village. On top of it this
module refuses what it cannot place for sure — an unknown place, or a county
name shared by several cities (a bare 朝阳区) — rather than guess, fills a county
the text skipped when its town belongs to exactly one county of the city (the
national lists write ``扬州市双桥街道…``), and splits the rest into town,
village and remaining detail.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

from fanjing.errors import Code, FanjingError
from fanjing.places.core import Place

_NOISE = re.compile(r"[\s\u3000]+|[（(]新增[）)]|[；;。，,、]+$")
_WHOLE_AREA = re.compile(r"(全域|全境|全部区域)$")
_TOWN_SUFFIX = re.compile(r"^([^、，,()（）\d\s]{2,8}?(?:街道|镇|乡))(?:办事处)?")
_VILLAGE_SUFFIX = re.compile(
    r"^([^、，,()（）\s]{1,10}?(?:社区|村委会|居委会|嘎查|村(?![民组委小社])))"
)
_SUBDISTRICT_OFFICE = re.compile(r"^办事处")
# what a village's name may be followed by in lists while the division data has the bare name
# (骆村 written 骆村社区, 团结村 written 团结村委会): the data's name is kept, so both spellings
# name the same village
_VILLAGE_TAIL = re.compile(r"^(社区|村委会|居委会|委会)")
_JIONLP_LOCK = threading.Lock()
_PROVINCE_LEVEL_DIRECT = "省直辖行政区划"
_CITY_LEVEL_DIRECT = "市直辖行政区划"


def normalize_place_text(text: str) -> str:
    """Drop spaces, ``（新增）`` marks, trailing punctuation and a trailing ``全域``.

    ``全域`` ("the whole area") names the same area as the name before it.
    """
    cleaned = _NOISE.sub("", text.strip())
    return _WHOLE_AREA.sub("", cleaned)


@dataclass(frozen=True)
class _Division:
    province: str
    city: str | None
    county: str
    towns: dict[str, tuple[str, ...]]  # town → its villages and communities


class Gazetteer:
    """Parses place text; safe to share between threads; parses are cached.

    jionlp's parser is one object per process and not thread-safe (it writes
    per-call state into shared lists), so calls into it are serialized process-wide;
    cached parses need no lock.
    """

    def __init__(self, cache_size: int = 200_000) -> None:
        self._loaded = False
        self.parse = lru_cache(maxsize=cache_size)(self._parse)

    def _load(self) -> None:
        if self._loaded:
            return
        divisions = _divisions()
        self._jionlp = divisions.jionlp
        self._counties_by_name = divisions.counties_by_name
        self._counties_by_city = divisions.counties_by_city
        self._division = divisions.division
        self._names = divisions.names
        self._full_names = divisions.full_names
        self._loaded = True

    def suggest(self, text: str, limit: int = 10) -> list[str]:
        """Counties and towns whose full name contains ``text`` (shortest first): what a
        form offers as a person types a place."""
        wanted = normalize_place_text(text)
        if not wanted:
            return []
        self._load()
        found = [name for name in self._full_names if wanted in name]
        return sorted(found, key=lambda name: (len(name), name))[:limit]

    def _parse(self, text: str) -> Place:
        """Parse ``text``; raises ``FanjingError`` (``unknown_place``, ``ambiguous_place``).

        Text in traditional characters is tried again in simplified ones, but only
        when it cannot be placed as written: converting every text would rename
        places whose simplified names keep a traditional character (乾城嘉园).
        """
        if not self._loaded:
            self._load()
        cleaned = normalize_place_text(text)
        if not cleaned:
            raise FanjingError(Code.EMPTY_PLACE, "地点为空")
        with _JIONLP_LOCK:
            try:
                return self._parse_cleaned(text, cleaned)
            except FanjingError as problem:
                simplified = self._jionlp.tra2sim(cleaned, mode="char")
                if problem.code != "unknown_place" or simplified == cleaned:
                    raise
                return self._parse_cleaned(text, simplified)

    def _parse_cleaned(self, text: str, cleaned: str) -> Place:
        parsed = self._jionlp.parse_location(cleaned, town_village=True)
        province, city, county = parsed["province"], parsed["city"], parsed["county"]
        if province is None and city is None and county is None:
            raise FanjingError(Code.UNKNOWN_PLACE, f"无法识别的地点：“{text}”")
        if province is None:
            province, city = self._resolve_shared_county(text, county, parsed["detail"])
        if not self._starts_with_known_name(cleaned, (province, city, county)):
            raise FanjingError(
                Code.UNKNOWN_PLACE, f"无法识别的地点：“{text}”（开头不是省、市或县名）"
            )
        if city is None and county is None and parsed["detail"]:
            # 河南省南京市: the rest names no city or county of that province
            raise FanjingError(
                Code.UNKNOWN_PLACE,
                f"无法识别的地点：“{text}”（“{parsed['detail']}”不在{province}）",
            )
        place = Place(text=text, province=province, city=city, county=county)
        return self._split_below_county(place, parsed["detail"])

    def _resolve_shared_county(
        self, text: str, county: str | None, detail: str
    ) -> tuple[str, str | None]:
        candidates = self._counties_by_name.get(county or "", [])
        if len(candidates) > 1:
            by_town = [d for d in candidates if _longest_prefix(detail, d.towns)]
            if len(by_town) == 1:
                candidates = by_town
        if not candidates:
            raise FanjingError(Code.UNKNOWN_PLACE, f"无法识别的地点：“{text}”")
        if len(candidates) == 1:
            return candidates[0].province, candidates[0].city
        names = "、".join(Place(text, d.province, d.city, d.county).name for d in candidates[:6])
        raise FanjingError(
            Code.AMBIGUOUS_PLACE,
            f"地点不明确：“{text}”可能是 {names}，请写明所在省、市",
        )

    def _starts_with_known_name(self, text: str, levels: tuple[str | None, ...]) -> bool:
        return any(
            text.startswith(name)
            for level in levels
            if level
            for name in self._names.get(level, {level})
        )

    def _split_below_county(self, place: Place, detail: str) -> Place:
        rest = detail
        if place.county and place.county.endswith("区") and rest.startswith("区"):
            rest = rest[1:]  # 管城区 for 管城回族区: the parser matched the short name without 区
        division = self._division.get((place.province or "", place.city, place.county or ""))
        if division is None and place.county is None and place.city is not None:
            division = self._county_of_town(place, rest)
            if division is not None:
                place = replace(place, county=division.county)
        town = _longest_prefix(rest, division.towns) if division else None
        if town is None:
            match = _TOWN_SUFFIX.match(rest)
            town = match.group(1) if match else None
            rest = rest[match.end() :] if match else rest
        else:
            rest = _SUBDISTRICT_OFFICE.sub("", rest[len(town) :])
        villages = division.towns.get(town, ()) if division and town else ()
        village = _longest_prefix(rest, villages)
        if village is not None:
            rest = rest[len(village) :]
            rest = rest[len(tail.group(1)) :] if (tail := _VILLAGE_TAIL.match(rest)) else rest
        elif match := _VILLAGE_SUFFIX.match(rest):
            village = match.group(1)
            rest = rest[len(village) :]
        return replace(place, town=town, village=village, detail=rest)

    def _county_of_town(self, place: Place, detail: str) -> _Division | None:
        owners = [
            d
            for d in self._counties_by_city.get((place.province or "", place.city), [])
            if _longest_prefix(detail, d.towns)
        ]
        return owners[0] if len(owners) == 1 else None


def _children(node: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in node.items() if not k.startswith("_")]


def _longest_prefix(text: str, names: object) -> str | None:
    best = None
    for name in names:  # type: ignore[attr-defined]
        if isinstance(name, tuple):
            name = name[0]
        if name and text.startswith(name) and (best is None or len(name) > len(best)):
            best = name
    return best


@dataclass
class _Divisions:
    """China's divisions as jionlp's dictionary has them, indexed for parsing and suggesting."""

    jionlp: Any
    counties_by_name: dict[str, list[_Division]] = field(default_factory=lambda: defaultdict(list))
    counties_by_city: dict[tuple[str, str | None], list[_Division]] = field(
        default_factory=lambda: defaultdict(list)
    )
    division: dict[tuple[str, str | None, str], _Division] = field(default_factory=dict)
    names: dict[str, set[str]] = field(  # full name → full name and aliases
        default_factory=lambda: defaultdict(set)
    )
    full_names: list[str] = field(default_factory=list)  # every county and town, for suggestions

    def add_names(self, full_name: str, node: dict[str, Any]) -> None:
        aliases = node.get("_alias") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        self.names[full_name].update([full_name, *aliases])


_DIVISIONS_LOCK = threading.Lock()


def _divisions() -> _Divisions:
    """Loaded once per process on first use, never at import (seconds of dictionaries), and
    shared by every gazetteer: the data does not change while the process runs."""
    with _DIVISIONS_LOCK:
        return _load_divisions()


@cache
def _load_divisions() -> _Divisions:
    # jionlp and jiojio print a banner on stdout, which would corrupt JSON output
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    found = _Divisions(jionlp)
    for province, cities in _children(jionlp.china_location_loader(detail=True)):
        found.add_names(province, cities)
        for city, counties in _children(cities):
            found.add_names(city, counties)
            city_name = None if city == _PROVINCE_LEVEL_DIRECT else city
            for county, towns in _children(counties):
                found.add_names(county, towns)
                division = _Division(
                    province,
                    city_name,
                    county,
                    {t: tuple(v for v in villages) for t, villages in _children(towns)},
                )
                county_name = f"{province}{city_name or ''}{county}"
                found.full_names.append(county_name)
                found.full_names.extend(f"{county_name}{town}" for town in division.towns)
                found.counties_by_name[county].append(division)
                found.counties_by_city[(province, city_name)].append(division)
                found.division[(province, city_name, county)] = division
    return found
