"""Reading the carriers' feed (CSV ``phone,city,day`` or JSONL with those keys), streaming.

Built for tens of millions of rows: each row costs a split, a regex, a keyed hash
and two dictionary lookups (cities and days repeat, so they are parsed once).
A bad row is reported by its line and skipped; the others go on.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import orjson

from fanjing.common.days import parse_day
from fanjing.errors import FanjingError
from fanjing.itinerary.core import city_name
from fanjing.places.core import Place

# carriers send numbers normalised; a full phonenumbers parse per row would be the slowest step
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_MAX_CACHED_NUMBERS = 2_000_000


class FeedRow(NamedTuple):  # a named tuple: millions are made, and cheaply
    phone_hash: str
    city: str
    day: date
    day_text: str  # as validated, YYYY-MM-DD


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


class FeedReader:
    """Turns feed lines into rows; remembers the cities and days it has parsed."""

    def __init__(
        self, *, parse_place: Callable[[str], Place], lookup_hash: Callable[[str], str]
    ) -> None:
        self._parse_place = parse_place
        self._lookup_hash = lookup_hash
        self._cities: dict[str, str | FanjingError] = {}
        self._days: dict[str, date | None] = {}
        self._hashes: dict[str, str] = {}  # a number appears on many rows: hash it once

    def rows(self, lines: Iterable[str], *, jsonl: bool) -> Iterator[FeedRow | BadRow]:
        """Rows in order; the first CSV line is the header ``phone,city,day``."""
        fields = self._jsonl_fields(lines) if jsonl else self._csv_fields(lines)
        for line, values in fields:
            if isinstance(values, BadRow):
                yield values
            else:
                yield self._row(line, *values)

    def _csv_fields(
        self, lines: Iterable[str]
    ) -> Iterator[tuple[int, tuple[str, str, str] | BadRow]]:
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None or [h.strip().lstrip("\ufeff") for h in header] != [
            "phone",
            "city",
            "day",
        ]:
            raise FanjingError("bad_header", "行程数据表头应为 phone,city,day")
        for values in reader:
            line = reader.line_num
            if len(values) != 3:
                yield line, BadRow(line, f"应有3列，实际{len(values)}列")
            else:
                yield line, (values[0], values[1], values[2])

    def _jsonl_fields(
        self, lines: Iterable[str]
    ) -> Iterator[tuple[int, tuple[str, str, str] | BadRow]]:
        for line, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                item = orjson.loads(text)
                yield line, (str(item["phone"]), str(item["city"]), str(item["day"]))
            except (orjson.JSONDecodeError, KeyError, TypeError):
                yield line, BadRow(line, "应为含 phone、city、day 的 JSON 对象")

    def _row(self, line: int, phone: str, city_text: str, day_text: str) -> FeedRow | BadRow:
        number = _MOBILE.fullmatch(phone.strip().replace(" ", ""))
        if number is None:
            return BadRow(line, "手机号无效")
        city = self._city(city_text.strip())
        if isinstance(city, FanjingError):
            return BadRow(line, city.message)
        day_text = day_text.strip()
        day = self._day(day_text)
        if day is None:
            return BadRow(line, f"日期应为 YYYY-MM-DD：“{day_text}”")
        return FeedRow(self._hash(number.group(1)), city, day, day_text)

    def _hash(self, number: str) -> str:
        known = self._hashes.get(number)
        if known is None:
            if len(self._hashes) >= _MAX_CACHED_NUMBERS:
                self._hashes.clear()
            known = self._hashes[number] = self._lookup_hash(number)
        return known

    def _city(self, text: str) -> str | FanjingError:
        known = self._cities.get(text)
        if known is None:
            try:
                place = self._parse_place(text)
                known = (
                    city_name(place.province, place.city)
                    if place.city
                    else FanjingError("unknown_city", f"不是城市：“{text}”")
                )
            except FanjingError as problem:
                known = problem
            self._cities[text] = known
        return known

    def _day(self, text: str) -> date | None:
        if text not in self._days:
            try:
                self._days[text] = parse_day(text)
            except ValueError:
                self._days[text] = None
        return self._days[text]
