"""Reading the deadlines file (``data/deadlines.yaml``, or one a person gives to check)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from fanjing.errors import Code, FanjingError, Where
from fanjing.workorders.core import Category, Deadline, read_deadlines

BUILTIN = "deadlines.yaml"


def parse_deadlines(text: str, *, file: str) -> dict[Category, Deadline]:
    """A deadlines file's text, checked (every problem named by its category and field)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise FanjingError(
            Code.BAD_DEADLINES,
            "不是有效的 YAML",
            Where(file=file, line=mark.line + 1 if mark else None),
        ) from None
    return read_deadlines(data, file=file)


@cache
def builtin_deadlines() -> dict[Category, Deadline]:
    """The deadlines in force: respond and resolve hours per category."""
    text = (resources.files("fanjing.workorders") / "data" / BUILTIN).read_text("utf-8")
    return parse_deadlines(text, file=BUILTIN)
