"""Reports: orders per category and day, response and resolution times (median and p90, by
the nearest rank), the satisfaction of closed orders, and the list of orders overdue now;
as data and as an Excel workbook (no caller in it; every text cell stays text)."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from fanjing.common.days import CHINA_STANDARD_TIME, day_in_china
from fanjing.community.worklist import inert_cell
from fanjing.errors import Code, FanjingError, Where
from fanjing.workorders.core import (
    CATEGORY_ZH,
    SATISFACTION_ZH,
    STATE_ZH,
    STEP_ZH,
    State,
    overdue_stage,
    quantile,
    resolve_by,
    respond_by,
)
from fanjing.workorders.service import clock_of
from fanjing.workorders.store import WorkOrderRow, orders_in_states, orders_opened_between
from fanjing.workorders.views import unit_label

LONGEST_SPAN = 366  # days in one report
ALL = "all"


@dataclass(frozen=True)
class DayCounts:
    day: date
    by_category: dict[str, int]
    total: int


@dataclass(frozen=True)
class Timing:
    """Hours from dispatch to the unit's response and to its resolution, for one category
    (or ``all``), over the orders of the report's days that got there."""

    category: str
    category_zh: str
    opened: int
    responded: int
    respond_median_hours: float | None
    respond_p90_hours: float | None
    resolved: int
    resolve_median_hours: float | None
    resolve_p90_hours: float | None


@dataclass(frozen=True)
class Overdue:
    id: int
    category_zh: str
    unit: str
    district: str | None
    state_zh: str
    stage_zh: str  # which deadline passed
    due: datetime
    hours_over: float


@dataclass(frozen=True)
class Report:
    first_day: date
    last_day: date
    days: list[DayCounts]
    timings: list[Timing]
    satisfaction: dict[str, int]
    overdue: list[Overdue]


def report_days(first: date | None, last: date | None, *, now: datetime) -> dict[str, date]:
    """The report's days: as asked, else the 7 days to the CST day of ``now``. Orders are
    stamped with the real moment (``FANJING_TODAY`` fixes days, not moments), so the default
    is that moment's day, not the fixed one."""
    last_day = last or day_in_china(now)
    return {"first_day": first or last_day - timedelta(days=6), "last_day": last_day}


def report(session: Session, *, first_day: date, last_day: date, now: datetime) -> Report:
    """The report of the orders opened from ``first_day`` to ``last_day`` (CST, inclusive);
    the overdue list is of every order overdue at ``now``, whenever it was opened."""
    if last_day < first_day:
        raise FanjingError(Code.BAD_RANGE, "结束日期早于开始日期", Where(field="to"))
    if (last_day - first_day).days >= LONGEST_SPAN:
        raise FanjingError(Code.BAD_RANGE, f"一次至多统计 {LONGEST_SPAN} 天", Where(field="to"))
    start = datetime.combine(first_day, time(), CHINA_STANDARD_TIME)
    end = datetime.combine(last_day + timedelta(days=1), time(), CHINA_STANDARD_TIME)
    rows = orders_opened_between(session, start, end)
    counts = Counter((day_in_china(r.opened_at), r.category) for r in rows)
    days = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        by_category = {c: counts[(day, c)] for c in CATEGORY_ZH}
        days.append(DayCounts(day, by_category, sum(by_category.values())))
    timings = [
        _timing(c, CATEGORY_ZH[c], [r for r in rows if r.category == c]) for c in CATEGORY_ZH
    ]
    timings.append(_timing(ALL, "全部", rows))
    closed = Counter(r.satisfaction for r in rows if r.satisfaction)
    return Report(
        first_day=first_day,
        last_day=last_day,
        days=days,
        timings=timings,
        satisfaction={k: closed[k] for k in SATISFACTION_ZH},
        overdue=overdue_now(session, now),
    )


def overdue_now(session: Session, now: datetime) -> list[Overdue]:
    """Every order being handled that is past a deadline at ``now``, the longest over first."""
    handling = (State.DISPATCHED.value, State.RESPONDED.value, State.ESCALATED.value)
    found = []
    for order in orders_in_states(session, handling):
        clock = clock_of(order)
        stage = overdue_stage(clock, now)
        due = respond_by(clock) if stage and stage.value == "respond" else resolve_by(clock)
        if stage is None or due is None:
            continue
        found.append(
            Overdue(
                id=order.id,
                category_zh=CATEGORY_ZH[order.category],
                unit=unit_label(session, order.unit_kind, order.unit_key),
                district=order.district,
                state_zh=STATE_ZH[order.state],
                stage_zh=STEP_ZH[stage.value],
                due=due,
                hours_over=_hours(now - due),
            )
        )
    return sorted(found, key=lambda o: o.due)


def _timing(category: str, label: str, rows: list[WorkOrderRow]) -> Timing:
    responded = [
        _hours(r.responded_at - r.dispatched_at) for r in rows if r.responded_at and r.dispatched_at
    ]
    resolved = [
        _hours(r.resolved_at - r.dispatched_at) for r in rows if r.resolved_at and r.dispatched_at
    ]
    return Timing(
        category=category,
        category_zh=label,
        opened=len(rows),
        responded=len(responded),
        respond_median_hours=quantile(responded, 0.5),
        respond_p90_hours=quantile(responded, 0.9),
        resolved=len(resolved),
        resolve_median_hours=quantile(resolved, 0.5),
        resolve_p90_hours=quantile(resolved, 0.9),
    )


def _hours(span: timedelta) -> float:
    return round(span.total_seconds() / 3600, 1)


def report_xlsx(found: Report) -> bytes:
    """Three sheets: per day and category, times, overdue orders."""
    book = Workbook()
    days = book.worksheets[0]
    assert isinstance(days, Worksheet)
    days.title = "每日工单"
    _header(days, ["日期", *CATEGORY_ZH.values(), "合计"])
    for day in found.days:
        days.append([day.day.isoformat(), *day.by_category.values(), day.total])
    times = book.create_sheet("时效（小时）")
    _header(
        times,
        ["类别", "受理", "已响应", "响应中位数", "响应P90", "已办结", "办结中位数", "办结P90"],
    )
    for t in found.timings:
        times.append(
            [
                t.category_zh,
                t.opened,
                t.responded,
                t.respond_median_hours,
                t.respond_p90_hours,
                t.resolved,
                t.resolve_median_hours,
                t.resolve_p90_hours,
            ]
        )
    late = book.create_sheet("超时工单")
    _header(late, ["工单号", "类别", "承办单位", "区", "状态", "超时环节", "时限", "超时（小时）"])
    for o in found.overdue:
        late.append(
            [
                o.id,
                *(
                    inert_cell(text)
                    for text in (o.category_zh, o.unit, o.district or "", o.state_zh, o.stage_zh)
                ),
                o.due.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M"),
                o.hours_over,
            ]
        )
        for cell in late[late.max_row][1:6]:
            cell.data_type = "s"  # text, never a formula
    for sheet in book.worksheets:
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet: Worksheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
