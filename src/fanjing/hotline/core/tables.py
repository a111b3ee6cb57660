"""Tables of answers: CSV with a header, or JSON Lines, one pair per row.

Columns: ``question`` and ``answer`` (required), ``alternatives`` (paraphrases: a JSON
list, or one string split on ``|``/``｜``), ``source``, ``date``, ``url``, ``author``.
Other columns are ignored. Every bad row is reported (file and line), and a table with
any bad row gives no pairs at all: an import is all or nothing.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping

from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.hotline.core.articles import day_from
from fanjing.hotline.core.blocks import tidy
from fanjing.hotline.core.model import Extracted, Pair, Source

REQUIRED = ("question", "answer")
_SPLIT_ALTERNATIVES = re.compile(r"\s*[|｜]\s*")
LONGEST_QUESTION = 500
LONGEST_ANSWER = 20_000


def csv_pairs(text: str, file: str) -> Extracted:
    """The pairs of a CSV table; ``file`` names the source and places the errors."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FanjingError(
            Code.MISSING_COLUMN,
            f"CSV 表头缺少列：{'、'.join(missing)}（应有 question,answer，可选 alternatives,source,date）",
            Where(file, 1),
        )
    reader.fieldnames = header
    rows = _csv_rows(reader)
    return _table("csv", file, rows)


def _csv_rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, object]]:
    start = reader.line_num + 1
    try:
        for row in reader:
            if None in row:  # more cells than header names
                yield start, ValueError("这一行的列数多于表头")
            elif any(value is None for value in row.values()):
                yield start, ValueError("这一行的列数少于表头")
            elif any((value or "").strip() for value in row.values()):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as problem:
        yield start, ValueError(f"CSV 格式错误：{problem}")


def jsonl_pairs(text: str, file: str) -> Extracted:
    """The pairs of a JSON Lines table (one object per line; blank lines are skipped)."""
    return _table("jsonl", file, _json_rows(text))


def _json_rows(text: str) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as problem:
            yield number, ValueError(f"不是有效的 JSON：{problem.msg}（第{problem.colno}列）")


def _table(kind: str, file: str, rows: Iterator[tuple[int, object]]) -> Extracted:
    pairs, errors = [], []
    for line, row in rows:
        try:
            pairs.append(_pair(row, file))
        except FanjingError as problem:
            errors.append(problem.located(file, line))
    if errors:
        raise InputErrors(errors)
    return Extracted(kind, Source(title=file), tuple(pairs))


def _pair(row: object, file: str) -> Pair:
    if isinstance(row, ValueError):
        raise FanjingError(Code.BAD_ROW, str(row))
    if not isinstance(row, Mapping):
        raise FanjingError(Code.BAD_ROW, "每行应是一个 JSON 对象（含 question 与 answer）")
    question = _required(row, "question", LONGEST_QUESTION)
    answer = _answer(row)
    date_text = row.get("date")
    day = day_from(date_text)
    if date_text not in (None, "") and day is None:
        raise FanjingError(
            Code.BAD_DATE, f"日期“{date_text}”无法识别（应为 YYYY-MM-DD）", Where(field="date")
        )
    source = Source(
        title=_optional(row, "source") or file,
        url=_optional(row, "url") or None,
        day=day,
        author=_optional(row, "author") or None,
    )
    return Pair(question, answer, _alternatives(row.get("alternatives")), source)


def _required(row: Mapping[str, object], name: str, longest: int) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not tidy(value):
        raise FanjingError(Code.MISSING_FIELD, f"缺少 {name}（不能为空）", Where(field=name))
    if len(value) > longest:
        raise FanjingError(Code.TOO_LONG, f"{name} 超过 {longest} 字", Where(field=name))
    return tidy(value)


def _answer(row: Mapping[str, object]) -> str:
    _required(row, "answer", LONGEST_ANSWER)
    text = str(row["answer"])
    return "\n".join(tidy(part) for part in text.splitlines() if tidy(part))


def _optional(row: Mapping[str, object], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FanjingError(Code.BAD_VALUE, f"{name} 应是文字", Where(field=name))
    return tidy(value)


def _alternatives(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[object] = list(_SPLIT_ALTERNATIVES.split(value))
    elif isinstance(value, list):
        items = value
    else:
        raise FanjingError(
            Code.BAD_VALUE,
            "alternatives 应是文字列表或以 | 分隔的文字",
            Where(field="alternatives"),
        )
    found = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise FanjingError(
                Code.BAD_VALUE,
                "alternatives 的每一项应是文字",
                Where(field=f"alternatives[{index}]"),
            )
        if tidy(item) and tidy(item) not in found:
            found.append(tidy(item))
    return tuple(found)
