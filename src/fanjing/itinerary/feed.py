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
from fanjing.errors import Code, FanjingError
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
        self._days: dict[str, tuple[date, str] | str] = {}
        self._hashes: dict[str, str] = {}  # a number appears on many rows: hash it once

    def rows(self, lines: Iterable[str], *, jsonl: bool) -> Iterator[FeedRow | BadRow]:
        """Rows in order; the first CSV line is the header ``phone,city,day``."""
        if jsonl:
            for line, values in self._jsonl_fields(lines):
                yield values if isinstance(values, BadRow) else self._row(line, *values)
            return
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None or [h.strip().lstrip("\ufeff") for h in header] != [
            "phone",
            "city",
            "day",
        ]:
            raise FanjingError(Code.BAD_HEADER, "行程数据表头应为 phone,city,day")
        row = self._row
        for values in reader:  # one loop, no layer between: it runs tens of millions of times
            if len(values) == 3:
                yield row(reader.line_num, *values)
            else:
                yield BadRow(reader.line_num, f"应有3列，实际{len(values)}列")

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
        # each cache is keyed on the text as sent: most rows repeat a number, city and day
        # already seen, and then cost three dictionary lookups
        phone_hash = self._hashes.get(phone)
        if phone_hash is None:
            number = _MOBILE.fullmatch(phone.strip().replace(" ", ""))
            if number is None:
                return BadRow(line, "手机号无效")
            phone_hash = self._hash(phone, number.group(1))
        city = self._cities.get(city_text) or self._city(city_text)
        if isinstance(city, FanjingError):
            return BadRow(line, city.message)
        day = self._days.get(day_text) or self._day(day_text)
        if isinstance(day, str):
            return BadRow(line, f"日期应为 YYYY-MM-DD：“{day}”")
        return FeedRow(phone_hash, city, *day)

    def _hash(self, phone: str, number: str) -> str:
        if len(self._hashes) >= _MAX_CACHED_NUMBERS:
            self._hashes.clear()
        known = self._hashes[phone] = self._lookup_hash(number)
        return known

    def _city(self, text: str) -> str | FanjingError:
        known: str | FanjingError
        try:
            place = self._parse_place(text.strip())
            known = (
                city_name(place.province, place.city)
                if place.city
                else FanjingError(Code.UNKNOWN_CITY, f"不是城市：“{text.strip()}”")
            )
        except FanjingError as problem:
            known = problem
        self._cities[text] = known
        return known

    def _day(self, text: str) -> tuple[date, str] | str:
        """The day and its text as validated, or the text refused."""
        stripped = text.strip()
        try:
            known: tuple[date, str] | str = (parse_day(stripped), stripped)
        except ValueError:
            known = stripped
        self._days[text] = known
        return known
