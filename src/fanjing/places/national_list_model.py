"""What one day's national list says, as read (national_list.py reads it): its areas by level
and province, the lines it could not place and why, its own counts against what it lists.
Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from fanjing.places.core import Place
from fanjing.places.registry import RiskLevel

LIST_LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM)


@dataclass(frozen=True, slots=True)
class ListedArea:
    """One area of the list: ``text`` as listed (marks removed; also ``place.text``), ``raw`` its line."""

    level: RiskLevel
    place: Place
    text: str
    raw: str
    line: int
    new: bool = False  # marked "（新增）" or "(新)"
    province: str | None = None  # the province line it was listed under


@dataclass(frozen=True, slots=True)
class UnplacedLine:
    """A line after the header that is not a section, a province or a placeable area."""

    level: RiskLevel | None  # None outside the 高/中风险地区 sections
    raw: str
    line: int
    code: str
    reason: str
    counted: bool = True  # names an area (False for a province or header line)


@dataclass(frozen=True, slots=True)
class ProvinceCount:
    """A province line ("江苏：3个") and what follows it until the next province or section."""

    level: RiskLevel
    text: str  # as written: "江苏", "江苏省", "内蒙古"
    province: str | None  # the standard name, None when the line names no province
    declared: int | None
    placed: int  # distinct places read from its lines
    unplaced: int  # its lines that could not be placed
    line: int

    @property
    def listed(self) -> int:
        """How many areas the list names under the line: distinct places and unplaced lines."""
        return self.placed + self.unplaced


@dataclass(frozen=True, slots=True)
class CountMismatch:
    """A count the list declares that differs from the areas it lists."""

    level: RiskLevel
    scope: str  # "全国" (the header), the section ("高风险地区"), or a province line as written
    declared: int
    listed: int
    line: int | None

    def __str__(self) -> str:
        where = f"（第{self.line}行）" if self.line is not None else ""
        scope = "" if self.scope == self.level.label_zh else self.scope
        return f"{scope}{self.level.label_zh}：写明{self.declared}个，实列{self.listed}个{where}"


@dataclass(frozen=True)
class NationalList:
    """One day's list as read; counts are reported as found, never enforced."""

    listed_at: datetime | None  # the header's time, China Standard Time; None without header
    list_date: date | None  # its calendar day in China
    declared: dict[RiskLevel, int]  # 全国15个高风险地区，202个中风险地区
    section_declared: dict[RiskLevel, int]  # 高风险地区(15个)
    province_declared: tuple[ProvinceCount, ...]
    areas: tuple[ListedArea, ...]
    unplaced: tuple[UnplacedLine, ...]
    header_line: int | None = None
    section_lines: dict[RiskLevel, int] = field(default_factory=dict)

    @property
    def parsed_counts(self) -> dict[RiskLevel, int]:
        """Distinct places read per level (a place listed twice at a level counts once)."""
        return {
            level: len({a.place.name for a in self.areas if a.level is level})
            for level in LIST_LEVELS
        }

    @property
    def listed_counts(self) -> dict[RiskLevel, int]:
        """Areas the list names per level: distinct places plus lines that could not be placed."""
        counts = self.parsed_counts
        for line in self.unplaced:
            if line.level is not None and line.counted:
                counts[line.level] += 1
        return counts

    def count_mismatches(self) -> tuple[CountMismatch, ...]:
        """Every declared count (header, section lines, province lines) that the listing contradicts."""
        listed = self.listed_counts
        mismatches = [
            CountMismatch(level, "全国", declared, listed[level], self.header_line)
            for level, declared in self.declared.items()
            if declared != listed[level]
        ]
        mismatches.extend(
            CountMismatch(
                level, level.label_zh, declared, listed[level], self.section_lines.get(level)
            )
            for level, declared in self.section_declared.items()
            if declared != listed[level]
        )
        mismatches.extend(
            CountMismatch(count.level, count.text, count.declared, count.listed, count.line)
            for count in self.province_declared
            if count.declared is not None and count.declared != count.listed
        )
        return tuple(mismatches)

    def incompleteness(self) -> dict[RiskLevel, tuple[str, ...]]:
        """Why the list may be missing areas, per level; a level absent here is complete.

        A level is complete when the list declares how many areas it has (header
        or section line), no declared count exceeds the areas read, and every
        line of it was placed. An unreadable area line outside the sections may
        belong to either level.
        """
        reasons: dict[RiskLevel, list[str]] = {level: [] for level in LIST_LEVELS}
        for level in LIST_LEVELS:
            if level not in self.declared and level not in self.section_declared:
                reasons[level].append(f"名单没有写明{level.label_zh}的个数，无法核对是否完整")
        for mismatch in self.count_mismatches():
            if mismatch.listed < mismatch.declared:
                reasons[mismatch.level].append(f"名单不完整：{mismatch}")
        for line in self.unplaced:
            if line.counted:
                for level in (line.level,) if line.level else LIST_LEVELS:
                    reasons[level].append(f"第{line.line}行未能识别：{line.raw}")
        return {level: tuple(found) for level, found in reasons.items() if found}

    def surpluses(self) -> tuple[CountMismatch, ...]:
        """Declared counts that the list exceeds: imported as read, reported as a warning."""
        return tuple(m for m in self.count_mismatches() if m.listed > m.declared)

    @property
    def repeats(self) -> tuple[ListedArea, ...]:
        """Areas whose place the list already named above (at the same or another level)."""
        seen: set[str] = set()
        repeated: list[ListedArea] = []
        for area in self.areas:
            if area.place.name in seen:
                repeated.append(area)
            seen.add(area.place.name)
        return tuple(repeated)

    @property
    def without_county(self) -> tuple[ListedArea, ...]:
        """Areas placed in a city but not in a county: worth a look (zones, typos, skipped districts)."""
        return tuple(a for a in self.areas if a.place.county is None)
