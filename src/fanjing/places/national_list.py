"""One day's national list of medium- and high-risk areas, read as a careful person would.

The list as provincial health commissions republished it: a bulletin, then a
header with the list's time and counts ("…2021年8月10日08时，全国15个高风险地区，
202个中风险地区。"), then "高风险地区(15个)", province lines ("江苏：3个",
"云南:1个", "湖南省(17个)："), one area per line, and the same for "中风险地区".

Area lines often omit the province, sometimes the city ("浦东新区川沙新镇…" under
上海) or the district ("扬州市双桥街道…"): each is read with its province line's
province in front, so the gazetteer resolves county names within the right
province, and the place must lie in that province. A line naming a second area
after "、" that starts with a district ("…围合区域(东至…)、雨花台区铁心桥街道…")
is two areas; road-bounded compounds ("子午路以南、大桥路以西…合围区域") are one.

Pure: text and a place parser in, a ``NationalList`` out. Nothing is dropped
silently: a line after the header that is neither a section, a province nor a
placeable area is kept in ``unplaced`` with the reason, and the list's own
counts are compared with what it lists (``count_mismatches``), never enforced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import pairwise

from fanjing.common.days import CHINA_STANDARD_TIME
from fanjing.errors import FanjingError
from fanjing.places.core import MUNICIPALITIES, Place
from fanjing.places.national_list_model import (
    ListedArea,
    NationalList,
    ProvinceCount,
    UnplacedLine,
)
from fanjing.places.registry import RiskLevel

# a line that starts with a province-level name ("江苏省…", "内蒙古自治区…", "上海市…")
_PROVINCE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,10}?(?:省|自治区|特别行政区)")

_CSV_HEADER = "level,area,from,to"
_SPACE = re.compile(r"[\s\u3000]+")
_LIST_TIME = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:(\d{1,2})(?:时|点|[:：](\d{2}))(?:(\d{2})分)?)?"
)
_HEADER_COUNT = {
    RiskLevel.HIGH: re.compile(r"(\d+)个高风险(?:地区|区域)|高风险(?:地区|区域)(\d+)个"),
    RiskLevel.MEDIUM: re.compile(r"(\d+)个中风险(?:地区|区域)|中风险(?:地区|区域)(\d+)个"),
}
_SECTION = re.compile(
    r"^(?P<level>[高中])风险(?:地区|区域)"
    r"(?:[（(](?:共)?(?P<a>\d+)个[）)])?[：:]?(?:(?:共)?(?P<b>\d+)个)?[：:]?$"
)
_PROVINCE_LINE = re.compile(
    r"^(?P<name>[\u4e00-\u9fff]{2,12}?)"
    r"(?:[：:](?:(?:共)?(?P<a>\d+)个)?|[（(](?:共)?(?P<b>\d+)个[）)][：:]?)$"
)
# "（新增）", "(新)": the list's marks for areas added since the day before
_NEW_MARK = re.compile(r"[（(【\[]新增?[）)】\]]")
_TRAILING_PUNCTUATION = re.compile(r"[；;。，,、]+$")
# what may follow "、" to start a second area: a district or county name
_DISTRICT_START = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:区|县|旗|市)")
# "文昌路以南、明月路以北…区域": the sides of a road-bounded compound
_ROAD_SIDE = re.compile(r"以[东南西北]")

_LEVEL_OF_SECTION = {"高": RiskLevel.HIGH, "中": RiskLevel.MEDIUM}


def looks_like_national_list(text: str) -> bool:
    """True for a national list (a header or a 高/中风险地区 section), False for the CSV."""
    lines = (_SPACE.sub("", line) for line in text.lstrip("\ufeff").splitlines())
    for number, line in enumerate(line for line in lines if line):
        if number == 0 and line == _CSV_HEADER:
            return False
        if _header_counts(line) or _SECTION.match(line):
            return True
    return False


def parse_national_list(text: str, *, parse_place: Callable[[str], Place]) -> NationalList:
    """Read one day's list; ``parse_place`` raises ``FanjingError`` for text it cannot place."""
    reader = _Reader(parse_place)
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        reader.read(number, raw)
    return reader.result()


def province_named(text: str, parse_place: Callable[[str], Place]) -> str | None:
    """The standard name of the province ``text`` names ("江苏", "江苏省", "内蒙古"), else None.

    The gazetteer decides (its division data, not a table of our own): ``text``
    names a province when it parses to one and nothing below it.
    """
    try:
        place = parse_place(text)
    except FanjingError:
        return None
    below = place.county or place.town or place.village or place.detail
    city_below = place.city is not None and place.city not in MUNICIPALITIES
    return None if below or city_below else place.province


@dataclass
class _Group:
    """A province line being read."""

    level: RiskLevel
    text: str
    province: str | None
    declared: int | None
    line: int
    places: set[str] = field(default_factory=set)
    unplaced: int = 0

    def count(self) -> ProvinceCount:
        return ProvinceCount(
            self.level,
            self.text,
            self.province,
            self.declared,
            len(self.places),
            self.unplaced,
            self.line,
        )


class _Reader:
    """Reads the list line by line; state: header seen, current section and province line."""

    def __init__(self, parse_place: Callable[[str], Place]) -> None:
        self._parse_place = parse_place
        self._started = False
        self._listed_at: datetime | None = None
        self._list_date: date | None = None
        self._header_line: int | None = None
        self._declared: dict[RiskLevel, int] = {}
        self._section_declared: dict[RiskLevel, int] = {}
        self._section_lines: dict[RiskLevel, int] = {}
        self._level: RiskLevel | None = None
        self._group: _Group | None = None
        self._groups: list[_Group] = []
        self._areas: list[ListedArea] = []
        self._unplaced: list[UnplacedLine] = []

    def result(self) -> NationalList:
        return NationalList(
            listed_at=self._listed_at,
            list_date=self._list_date,
            declared=self._declared,
            section_declared=self._section_declared,
            province_declared=tuple(group.count() for group in self._groups),
            areas=tuple(self._areas),
            unplaced=tuple(self._unplaced),
            header_line=self._header_line,
            section_lines=self._section_lines,
        )

    def read(self, number: int, raw: str) -> None:
        raw = raw.strip()
        line = _SPACE.sub("", raw)
        if not line:
            return
        header = _header_counts(line)
        if header:
            self._read_header(number, raw, line, header)
            return
        section = _SECTION.match(line)
        if section:
            self._started = True
            self._level = _LEVEL_OF_SECTION[section["level"]]
            self._group = None
            self._section_lines.setdefault(self._level, number)
            declared = section["a"] or section["b"]
            if declared is not None:
                self._section_declared.setdefault(self._level, int(declared))
            return
        if not self._started:
            return  # the bulletin before the list
        if self._level is None:
            self._unplace(
                number, raw, "outside_section", "不在“高风险地区”或“中风险地区”之下，风险等级不明"
            )
            return
        province_line = _PROVINCE_LINE.match(line)
        # "江苏：3个" whatever the name; "江苏：" only with a province's name
        if province_line and (
            province_line["a"]
            or province_line["b"]
            or province_named(province_line["name"], self._parse_place)
        ):
            self._read_province_line(number, raw, province_line, self._level)
            return
        self._read_areas(number, raw, line, self._level)

    def _read_header(self, number: int, raw: str, line: str, counts: dict[RiskLevel, int]) -> None:
        if self._header_line is not None or self._started:
            self._unplace(
                number, raw, "extra_header", "名单中又一行名单时间与总数，未采用", area=False
            )
            return
        self._started = True
        self._header_line = number
        self._declared = counts
        moment = _LIST_TIME.search(line)
        if moment is None:
            return
        year, month, day, hour, minute, minute_after_hour = moment.groups()
        try:
            self._list_date = date(int(year), int(month), int(day))
        except ValueError:
            self._unplace(
                number, raw, "bad_list_time", f"名单时间“{moment[0]}”不是有效日期", area=False
            )
            return
        if hour is not None:
            clock = timedelta(hours=int(hour), minutes=int(minute or minute_after_hour or 0))
            if clock > timedelta(hours=24):
                self._unplace(
                    number, raw, "bad_list_time", f"名单时间“{moment[0]}”不是有效时刻", area=False
                )
                return
            midnight = datetime(
                self._list_date.year,
                self._list_date.month,
                self._list_date.day,
                tzinfo=CHINA_STANDARD_TIME,
            )
            self._listed_at = midnight + clock
            self._list_date = self._listed_at.date()  # 24时 is the next day's 0时

    def _read_province_line(
        self, number: int, raw: str, match: re.Match[str], level: RiskLevel
    ) -> None:
        text = match["name"]
        province = province_named(text, self._parse_place)
        declared = match["a"] or match["b"]
        self._group = _Group(level, text, province, int(declared) if declared else None, number)
        self._groups.append(self._group)
        if province is None:
            self._unplace(
                number,
                raw,
                "unknown_province",
                f"“{text}”不是省级行政区，其下各地按原文识别、不核对省份",
                area=False,
            )

    def _read_areas(self, number: int, raw: str, line: str, level: RiskLevel) -> None:
        group = self._group
        province = group.province if group else None
        new = bool(_NEW_MARK.search(line))
        text = _TRAILING_PUNCTUATION.sub("", _NEW_MARK.sub("", line))
        pieces = _pieces(text)
        try:
            first = self._place(pieces[0], province)
        except FanjingError as problem:
            self._unplace(number, raw, problem.code, problem.message)
            return
        places = [(pieces[0], first)]
        for piece in pieces[1:]:
            second = self._second_area(piece, first)
            if second is None:  # not an area of its own after all: part of the one before
                joined = f"{places[-1][0]}、{piece}"
                try:
                    places[-1] = (joined, self._place(joined, province))
                except FanjingError as problem:
                    self._unplace(number, raw, problem.code, problem.message)
                    return
            else:
                places.append((piece, second))
        for area_text, place in places:
            if province is not None and place.province != province:
                self._unplace(
                    number,
                    raw,
                    "province_mismatch",
                    f"“{area_text}”识别为{place.name}，不在所列的{province}",
                )
                continue
            if group is not None:
                group.places.add(place.name)
            self._areas.append(ListedArea(level, place, area_text, raw, number, new, province))

    def _place(self, text: str, province: str | None) -> Place:
        """``text`` placed, read within ``province``; the place keeps ``text`` as its text.

        The province in front resolves county names shared between provinces, but
        it also lets the gazetteer take a place of another province for an unknown
        street of this one (``上海市`` + ``海拉尔区奋斗镇…``). So when the text read
        within the province finds no county, or none at all, it is read alone too:
        a place elsewhere is returned (the caller reports the mismatch); a county
        found alone in the same province is taken.
        """
        within = _within(text, province, self._group.text if self._group else None)
        if within == text:
            return _with_text(self._parse_place(text), text)
        try:
            place = self._parse_place(within)
        except FanjingError as problem:
            alone = self._parse_or_none(text)
            if alone is None:
                raise problem from None
            return _with_text(alone, text)
        if place.county is None:
            alone = self._parse_or_none(text)
            if alone is not None and (alone.province != province or alone.county is not None):
                place = alone
        return _with_text(place, text)

    def _parse_or_none(self, text: str) -> Place | None:
        try:
            return self._parse_place(text)
        except FanjingError:
            return None

    def _second_area(self, piece: str, first: Place) -> Place | None:
        """``piece`` (after "、") as an area of its own, when it starts with a county name."""
        above = first.province or ""
        if first.city and first.city != first.province:
            above += first.city
        try:
            place = self._parse_place(above + piece)
        except FanjingError:
            return None
        if place.county is None or place.county[:2] != piece[:2]:
            return None
        return _with_text(place, piece)

    def _unplace(self, number: int, raw: str, code: str, reason: str, *, area: bool = True) -> None:
        self._unplaced.append(UnplacedLine(self._level, raw, number, code, reason, area))
        if area and self._group is not None:
            self._group.unplaced += 1


def _header_counts(line: str) -> dict[RiskLevel, int]:
    """The counts of a header line (``全国15个高风险地区，202个中风险地区``), empty if not one."""
    if "全国" not in line or not _LIST_TIME.search(line):
        return {}
    counts: dict[RiskLevel, int] = {}
    for level, pattern in _HEADER_COUNT.items():
        match = pattern.search(line)
        if match:
            counts[level] = int(match[1] or match[2])
    return counts


def _pieces(text: str) -> list[str]:
    """``text`` cut before each "、" that may start a second area (outside brackets, not a road side)."""
    cuts: list[int] = []
    depth = 0
    segment_start = 0
    for index, char in enumerate(text):
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        elif char == "、" and depth == 0:
            before = text[segment_start:index]
            after = text[index + 1 :]
            next_segment = after.split("、", 1)[0]
            if (
                _DISTRICT_START.match(after)
                and not _ROAD_SIDE.search(before[-3:])
                and not _ROAD_SIDE.search(next_segment)
            ):
                cuts.append(index)
            segment_start = index + 1
    bounds = [-1, *cuts, len(text)]
    return [text[start + 1 : end] for start, end in pairwise(bounds)]


def _within(text: str, province: str | None, written: str | None) -> str:
    """``text`` with ``province`` in front unless it already names a province.

    ``written`` is the province as its line wrote it ("江苏", "内蒙古").
    """
    if province is None:
        return text
    names = tuple(name for name in (province, written) if name)
    if (
        text.startswith(names)
        or text.startswith(tuple(MUNICIPALITIES))
        or _PROVINCE_PREFIX.match(text)
    ):
        return text
    return province + text


def _with_text(place: Place, text: str) -> Place:
    return place if place.text == text else replace(place, text=text)
