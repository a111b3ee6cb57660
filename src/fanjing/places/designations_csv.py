"""Reading designations from the contract's CSV (``level,area,from,to``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from datetime import date

from fanjing.common.days import parse_day
from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.places.core import Place
from fanjing.places.registry import Designation, RiskLevel

COLUMNS = ("level", "area", "from", "to")


def read_designations_csv(
    text: str, *, parse_place: Callable[[str], Place], file: str = "-"
) -> list[Designation]:
    """Parse the whole CSV or raise ``InputErrors`` with every bad cell (file, line, column)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as problem:  # e.g. an unclosed quote
        raise InputErrors(
            [FanjingError(Code.BAD_CSV, f"CSV 格式错误：{problem}", Where(file, reader.line_num))]
        ) from None
    if not rows:
        raise InputErrors([FanjingError(Code.EMPTY_FILE, "风险地区文件为空", Where(file, 1))])
    header = [cell.strip() for cell in rows[0]]
    if tuple(header) != COLUMNS:
        raise InputErrors(
            [
                FanjingError(
                    Code.BAD_HEADER,
                    f"表头应为 {','.join(COLUMNS)}，实际为 {','.join(header)}",
                    Where(file, 1),
                )
            ]
        )
    designations: list[Designation] = []
    errors: list[FanjingError] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            designations.append(_designation(row, parse_place, Where(file, line)))
        except InputErrors as problem:
            errors.extend(problem.errors)
    if errors:
        raise InputErrors(errors)
    return designations


def _designation(row: list[str], parse_place: Callable[[str], Place], where: Where) -> Designation:
    if len(row) != len(COLUMNS):
        raise InputErrors(
            [FanjingError(Code.BAD_ROW, f"应有 {len(COLUMNS)} 列，实际 {len(row)} 列", where)]
        )
    return read_designation(
        dict(zip(COLUMNS, row, strict=True)), parse_place=parse_place, where=where
    )


def read_designation(
    given: Mapping[str, str], *, parse_place: Callable[[str], Place], where: Where
) -> Designation:
    """One designation from its cells (``level``, ``area``, ``from``, ``to``; ``to`` may be
    empty); raises ``InputErrors`` naming each bad cell. Used for CSV rows and scenario files."""
    cells = {column: str(given.get(column) or "").strip() for column in COLUMNS}
    errors: list[FanjingError] = []
    level = area = start = None
    end: date | None = None
    try:
        level = RiskLevel(cells["level"])
    except ValueError:
        errors.append(
            FanjingError(
                Code.UNKNOWN_LEVEL,
                f"未知的风险等级“{cells['level']}”（应为 high、medium 或 cases）",
                where.inside("level"),
            )
        )
    try:
        area = parse_place(cells["area"])
    except FanjingError as problem:
        errors.append(FanjingError(problem.code, problem.message, where.inside("area")))
    for column in ("from", "to"):
        value = cells[column]
        if column == "to" and not value:
            continue
        try:
            day = parse_day(value)
        except ValueError:
            errors.append(
                FanjingError(
                    Code.BAD_DATE, f"日期应为 YYYY-MM-DD 格式：“{value}”", where.inside(column)
                )
            )
            continue
        if column == "from":
            start = day
        else:
            end = day
    if start and end and end < start:
        errors.append(
            FanjingError(
                Code.DATES_OUT_OF_ORDER, f"结束日 {end} 早于开始日 {start}", where.inside("to")
            )
        )
    if errors or level is None or area is None or start is None:
        raise InputErrors(errors)
    return Designation(level=level, area=area, start=start, end=end, source=str(where))
