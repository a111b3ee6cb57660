"""One clock: nothing in fanjing reads the date or the time but ``infra/clock.py``; routes,
pages, jobs and commands are handed a ``Clock`` (``ClockDep``, ``command_clock()``), so that
``FANJING_TODAY`` fixes the same day for all of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "fanjing"
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
}
ALLOWED = {
    "infra/clock.py": "the clock itself",
    # the limits library keeps its windows in wall-clock seconds: Retry-After is read off them
    "infra/rate_limits.py": "the rate limits' reset time",
}


def clock_reads(source: str) -> list[str]:
    """The calls of ``source`` that read the date or the time, as ``name.attribute`` at a line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in CLOCK_READS
        ):
            found.append(f"{node.func.value.id}.{node.func.attr}() at line {node.lineno}")
    return found


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        # a migration runs once, at upgrade time, and is never edited after it ships
        if "migrations" not in path.relative_to(SRC).parts
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(SRC)))
def test_only_the_clock_reads_the_clock(path: Path):
    name = str(path.relative_to(SRC))
    if name in ALLOWED:
        return
    assert clock_reads(path.read_text("utf-8")) == [], f"{name} reads the clock: take a Clock"


def test_the_check_finds_a_clock_read_and_passes_a_handed_clock():
    assert clock_reads("from datetime import UTC, datetime\nx = datetime.now(UTC)\n") == [
        "datetime.now() at line 2"
    ]
    assert clock_reads("import time\nt = time.time()\n") == ["time.time() at line 2"]
    assert clock_reads("def f(clock):\n    return clock.now(), clock.today()\n") == []


def test_the_allowed_modules_exist_and_do_read_it():
    for name in ALLOWED:
        assert clock_reads((SRC / name).read_text("utf-8")), f"{name} no longer needs its entry"
