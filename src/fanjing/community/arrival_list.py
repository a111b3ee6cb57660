"""Arrival lists as community workers keep them in Excel: one row per stay, several rows for
one person (same document number), read into reports with every bad cell reported by
row and column. Pure: the rows come in as values.

Columns (the header row, in any order): 姓名, 证件类型 (optional: 居民身份证 by default),
证件号码, 手机号, 工作单位 (optional), 到京日期, 途经地, 开始日期, 结束日期 (a stay: the
last three together, or all empty), 接触类型 and 末次接触日期 (optional).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fanjing.common.identity import Document, DocumentKind, mobile_number, read_document
from fanjing.errors import Code, FanjingError, InputErrors, Where

REQUIRED = ("姓名", "证件号码", "手机号", "到京日期")
OPTIONAL = ("证件类型", "工作单位", "途经地", "开始日期", "结束日期", "接触类型", "末次接触日期")
KINDS_ZH = {kind.label_zh: kind.value for kind in DocumentKind}
CONTACTS_ZH = {
    "密切接触者": "close_contact",
    "次密切接触者": "secondary_close_contact",
    "次密接共同居住人员": "cohabitant_of_secondary_close_contact",
    "次密接共同工作人员": "coworker_of_secondary_close_contact",
}
MAX_ROWS = 10_000


@dataclass
class ArrivalEntry:
    """One person of the list: who, their employer, and the situation to check."""

    first_row: int
    name: str
    document: Document
    phone: str
    employer: str | None
    arrival: date
    stays: list[dict[str, str]] = field(default_factory=list)
    stay_rows: list[int] = field(default_factory=list)  # the row of each stay, for errors
    contact: dict[str, str] | None = None

    def row_of(self, problem: FanjingError) -> tuple[int, str | None]:
        """The row and column of a problem the entry check found in this person's situation
        (``stays[1].place`` is the second stay's row, column 途经地)."""
        path = problem.where.field or ""
        for index, row in enumerate(self.stay_rows):
            if path == f"stays[{index}]" or path.startswith(f"stays[{index}]."):
                column = {"place": "途经地", "from": "开始日期", "to": "结束日期"}
                return row, column.get(path.rsplit(".", 1)[-1])
        return self.first_row, None

    def situation(self, as_of: date) -> dict[str, Any]:
        """The situation as of ``as_of``, the day of the import: the day the community learns
        of the person, from which checks are due, whenever they arrived."""
        body: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "arrival": self.arrival.isoformat(),
            "stays": self.stays,
        }
        if self.contact:
            body["contact"] = self.contact
        return body


def read_arrival_rows(
    rows: Iterable[Sequence[Any]], *, file: str, today: date
) -> tuple[list[ArrivalEntry], list[FanjingError]]:
    """People from the sheet's rows (the first is the header), and every problem of every
    row, each with its row and column. The caller refuses the list if there is any problem,
    but checks the people read first, so that one upload names every problem (a place the
    check cannot read as well as a bad date). A bad header, or too many rows, is refused
    at once."""
    iterator = iter(rows)
    header = [str(cell or "").strip() for cell in next(iterator, ())]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FanjingError(
            Code.BAD_HEADER, f"表头缺少：{'、'.join(missing)}", Where(file=file, line=1)
        )
    unknown = [name for name in header if name and name not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        raise FanjingError(
            Code.BAD_HEADER, f"未知的列：{'、'.join(unknown)}", Where(file=file, line=1)
        )
    column = {name: header.index(name) for name in header if name}
    people: dict[str, ArrivalEntry] = {}
    errors: list[FanjingError] = []
    for line, cells in enumerate(iterator, start=2):
        if line - 1 > MAX_ROWS:
            raise FanjingError(
                Code.TOO_MANY_ROWS, f"一次最多导入 {MAX_ROWS} 行", Where(file=file, line=line)
            )
        values = {
            name: _text(cells[index]) if index < len(cells) else ""
            for name, index in column.items()
        }
        if not any(values.values()):
            continue
        try:
            _read_row(values, people, line, today)
        except InputErrors as problems:
            errors.extend(problem.located(file, line) for problem in problems.errors)
        except FanjingError as problem:
            errors.append(problem.located(file, line))
    return list(people.values()), errors


def _read_row(
    values: dict[str, str], people: dict[str, ArrivalEntry], line: int, today: date
) -> None:
    problems: list[FanjingError] = []

    def attempt(what: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return what(*args, **kwargs)
        except FanjingError as problem:
            problems.append(problem)
            return None

    kind = KINDS_ZH.get(values.get("证件类型") or "居民身份证")
    if kind is None:
        problems.append(
            FanjingError(
                Code.UNKNOWN_DOCUMENT,
                f"未知证件类型“{values['证件类型']}”",
                Where(field="证件类型"),
            )
        )
    document = (
        attempt(read_document, kind, values["证件号码"], today=today, field="证件号码")
        if kind and values["证件号码"]
        else None
    )
    if not values["证件号码"]:
        problems.append(
            FanjingError(Code.MISSING_FIELD, "证件号码不能为空", Where(field="证件号码"))
        )
    name = values["姓名"]
    if not name:
        problems.append(FanjingError(Code.MISSING_FIELD, "姓名不能为空", Where(field="姓名")))
    phone = attempt(mobile_number, values["手机号"], field="手机号") if values["手机号"] else None
    if not values["手机号"]:
        problems.append(FanjingError(Code.MISSING_FIELD, "手机号不能为空", Where(field="手机号")))
    arrival = attempt(_day, values["到京日期"], "到京日期")
    stay = _stay(values, attempt, problems)
    contact = _contact(values, attempt, problems)
    if problems or document is None or phone is None or arrival is None:
        raise InputErrors(problems)  # each None above comes with its problem
    key = f"{document.kind.value}:{document.number}"
    entry = people.get(key)
    if entry is None:
        entry = people[key] = ArrivalEntry(
            line, name, document, phone, values.get("工作单位") or None, arrival
        )
    elif (entry.name, entry.arrival) != (name, arrival):
        raise FanjingError(
            Code.INCONSISTENT_ROWS,
            f"同一证件号码与第{entry.first_row}行的姓名或到京日期不同",
            Where(field="证件号码"),
        )
    if stay:
        entry.stays.append(stay)
        entry.stay_rows.append(line)
    if contact:
        entry.contact = contact


def _stay(
    values: dict[str, str], attempt: Any, problems: list[FanjingError]
) -> dict[str, str] | None:
    place, start, end = (
        values.get("途经地", ""),
        values.get("开始日期", ""),
        values.get("结束日期", ""),
    )
    if not (place or start or end):
        return None
    for name, value in (("途经地", place), ("开始日期", start), ("结束日期", end)):
        if not value:
            problems.append(
                FanjingError(Code.MISSING_FIELD, f"写了途经地就须写全{name}", Where(field=name))
            )
    first, last = attempt(_day, start, "开始日期"), attempt(_day, end, "结束日期")
    if first and last and first > last:
        problems.append(
            FanjingError(
                Code.DATES_OUT_OF_ORDER,
                f"开始日期 {first} 晚于结束日期 {last}",
                Where(field="开始日期"),
            )
        )
    return {"place": place, "from": start, "to": end}


def _contact(
    values: dict[str, str], attempt: Any, problems: list[FanjingError]
) -> dict[str, str] | None:
    kind, last = values.get("接触类型", ""), values.get("末次接触日期", "")
    if not (kind or last):
        return None
    role = CONTACTS_ZH.get(kind)
    if role is None:
        names = "、".join(CONTACTS_ZH)
        problems.append(
            FanjingError(
                Code.BAD_VALUE, f"未知接触类型“{kind}”（应为 {names}）", Where(field="接触类型")
            )
        )
    day = attempt(_day, last, "末次接触日期")
    return {"role": role or "", "last_contact": day.isoformat() if day else ""}


def _day(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise FanjingError(
            Code.BAD_DATE, f"日期应为 YYYY-MM-DD：“{text}”", Where(field=column)
        ) from None


def _text(cell: Any) -> str:
    """A cell as text: Excel gives dates as datetimes and long numbers as ints."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()
