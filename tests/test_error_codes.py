"""Every error code is registered in ``Code`` with its HTTP status and title, and raised by it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fanjing.errors import Code, FanjingError

SRC = Path(__file__).resolve().parents[1] / "src" / "fanjing"
STATUSES = {401, 403, 404, 409, 413, 422, 429, 500, 502, 503}


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def test_no_error_is_raised_with_a_bare_string_code() -> None:
    bare = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "FanjingError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                bare.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert bare == []


def test_every_code_named_in_the_source_is_registered() -> None:
    named = set()
    for path in _sources():
        named |= set(re.findall(r"(?<![\w.])Code\.([A-Z][A-Z0-9_]*)", path.read_text("utf-8")))
    assert named - set(Code.__members__) == set()
    assert len(named) > 100  # the scan found the raises


@pytest.mark.parametrize("code", list(Code))
def test_each_code_has_its_status_and_title(code: Code) -> None:
    assert code.value == code.name.lower()
    assert re.fullmatch(r"[a-z][a-z0-9_]*", code.value)
    assert code.status in STATUSES
    assert code.title.strip()


def test_an_unregistered_code_is_refused() -> None:
    with pytest.raises(ValueError, match="not_a_code"):
        FanjingError("not_a_code", "…")  # type: ignore[arg-type]


def test_a_registered_code_given_as_its_string_becomes_the_code() -> None:
    assert FanjingError("not_found", "没有").code is Code.NOT_FOUND  # type: ignore[arg-type]
