"""The employer's staff list as an Excel workbook, made as the community's worklist export is
(``text_workbook``: every cell text, formula-like text kept inert)."""

from __future__ import annotations

from collections.abc import Sequence

from fanjing.community.core import KIND_ZH
from fanjing.community.worklist import inert_cell, text_workbook
from fanjing.employers.core import StaffStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ("姓名", "措施", "措施至（含）", "可返岗日期")
NOT_FIXED = "待社区通知"
AT_WORK = "可正常到岗"


def staff_rows(statuses: Sequence[StaffStatus]) -> list[tuple[str, ...]]:
    """One row per employee: masked name, measures (kind 至 last day), and the return day."""
    rows = []
    for status in statuses:
        kinds = "、".join(KIND_ZH.get(m.kind, m.kind) for m in status.measures)
        ends = "、".join(
            m.last_day.isoformat() if m.last_day else NOT_FIXED for m in status.measures
        )
        if status.at_work:
            back = AT_WORK
        else:
            back = status.return_day.isoformat() if status.return_day else NOT_FIXED
        rows.append(tuple(inert_cell(cell) for cell in (status.person, kinds, ends, back)))
    return rows


def staff_xlsx(statuses: Sequence[StaffStatus], employer: str, day_text: str) -> bytes:
    """One sheet: a title, a bold frozen header, a row per employee."""
    return text_workbook(
        f"{day_text} 员工状态",
        f"{employer} {day_text} 员工健康管理状态",
        HEADER,
        staff_rows(statuses),
        (12, 24, 24, 14),
    )
