"""Timing the batch path of ``fanjing check`` in-process, on one core, with ``perf_counter``."""

from __future__ import annotations

import cProfile
import pstats
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import orjson

from fanjing.errors import InputErrors
from fanjing.policy.core.decide import decide
from fanjing.policy.core.model import Decision, Situation
from fanjing.policy.service import Checker
from fanjing.policy.situation_json import read_situation


@dataclass
class BatchRun:
    """One pass of ``Checker.check_lines`` over the lines, each result serialised."""

    label: str
    seconds: float = 0.0
    decisions: int = 0
    bad: list[dict[str, Any]] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.decisions / self.seconds if self.seconds else 0.0


def time_batch(checker: Checker, lines: Sequence[str], label: str) -> BatchRun:
    """Wall time of ``check_lines`` consumed fully, plus ``orjson.dumps`` of every output line.

    This is what ``fanjing check --batch`` does per line, minus file I/O.
    """
    run = BatchRun(label)
    start = perf_counter()
    for answer in checker.check_lines(iter(lines), "bench"):
        answer.to_json_line()
        if answer.errors:
            run.bad.append({"line": answer.number, "errors": [e.as_dict() for e in answer.errors]})
        else:
            run.decisions += 1
    run.seconds = perf_counter() - start
    return run


@dataclass
class Phases:
    """Seconds spent in each step of the batch path, each step timed over all lines at once."""

    items: int
    seconds: dict[str, float]
    rules: Counter[str]  # how often each rule applied (not timed): shows the mix is varied


PHASE_CHUNK = 1_000  # lines per step: small enough that retained objects do not inflate GC


def _timed(seconds: dict[str, float], name: str, start: float) -> float:
    """Add the time since ``start`` to ``seconds[name]``; return now."""
    now = perf_counter()
    seconds[name] = seconds.get(name, 0.0) + now - start
    return now


def _read_all(checker: Checker, datas: list[Any]) -> list[Situation]:
    situations = []
    for data in datas:
        try:
            situations.append(
                read_situation(data, parse_place=checker.parse_place, today=checker.today)
            )
        except InputErrors:
            continue
    return situations


def _decide_all(checker: Checker, situations: list[Situation]) -> list[Decision]:
    decisions = []
    for situation in situations:
        pack, _in_force = checker.pack_for(situation.as_of)
        decisions.append(decide(pack, checker.registry, situation))
    return decisions


def _time_chunk(
    checker: Checker, lines: Sequence[str], seconds: dict[str, float]
) -> list[Decision]:
    start = perf_counter()
    datas = [orjson.loads(line) for line in lines]
    start = _timed(seconds, "orjson.loads (input)", start)
    situations = _read_all(checker, datas)
    start = _timed(seconds, "read_situation (validate, places)", start)
    decisions = _decide_all(checker, situations)
    start = _timed(seconds, "pack_for + decide", start)
    for decision in decisions:
        decision.to_json_bytes()
    _timed(seconds, "Decision.to_json_bytes (output)", start)
    return decisions


def time_phases(checker: Checker, lines: Sequence[str]) -> Phases:
    """Step by step, ``PHASE_CHUNK`` lines at a time, with whatever place cache ``checker`` has:

    ``orjson.loads`` of the line; ``read_situation`` (validation and place lookup);
    ``pack_for`` + ``decide``; ``Decision.to_json_bytes`` (the output line).
    Unlike ``Checker.check`` this skips the "pack not yet in force" note (a
    ``dataclasses.replace``) and the per-line ``try`` of ``check_lines``.
    """
    seconds: dict[str, float] = {}
    rules: Counter[str] = Counter()
    items = 0
    for first in range(0, len(lines), PHASE_CHUNK):
        decisions = _time_chunk(checker, lines[first : first + PHASE_CHUNK], seconds)
        items += len(decisions)
        rules.update(rule for d in decisions for rule in d.rules_applied)
        rules["(refused entry)"] += sum(not d.entry.allowed for d in decisions)
    return Phases(items, seconds, rules)


def profile_batch(checker: Checker, lines: Sequence[str], top: int = 25) -> BatchRun:
    """cProfile one ``time_batch`` pass; print the top functions by cumulative and total time."""
    profiler = cProfile.Profile()
    profiler.enable()
    run = time_batch(checker, lines, "profiled")
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    for order in ("cumulative", "tottime"):
        print(f"\n--- top {top} by {order} ---")
        stats.sort_stats(order).print_stats(top)
    return run
