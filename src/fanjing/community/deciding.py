"""Deciding many situations under one pack, on every core: re-evaluating the open cases after a
pack change is one decision per case, and the decisions are pure and independent.

Each worker process builds its own checker once (the gazetteer's dictionaries and the
pack's compiled conditions cannot be sent between processes; the pack's YAML and the
designations can), then decides chunks of situations. Below ``PARALLEL_FROM`` cases the
work is done in this process: starting the workers costs a few seconds.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

from fanjing.community.core import Measure, measures_decided
from fanjing.errors import FanjingError
from fanjing.places.registry import Designation, Registry
from fanjing.policy.core.pack import Pack
from fanjing.policy.packfile import load_pack_text
from fanjing.policy.service import Checker

PARALLEL_FROM = 20_000  # open cases
Decided = list[Measure] | str  # the measures a situation calls for, or why it cannot be decided
Decide = Callable[[Sequence[dict[str, Any]]], list[Decided]]

_worker_checker: Checker | None = None


def _decide_all(checker: Checker, situations: Sequence[dict[str, Any]]) -> list[Decided]:
    answers: list[Decided] = []
    for situation in situations:
        try:
            answers.append(measures_decided(checker.check(situation, explained=False)))
        except FanjingError as problem:
            answers.append(problem.message)
    return answers


def _start_worker(pack_text: str, designations: tuple[Designation, ...], today: date) -> None:
    from fanjing.places.gazetteer import Gazetteer  # each process loads its own dictionaries

    global _worker_checker
    pack = load_pack_text(pack_text, file="pack")
    _worker_checker = Checker(
        [pack], Registry.of(designations), Gazetteer().parse, today, pinned_pack=pack
    )


def _decide_in_worker(situations: Sequence[dict[str, Any]]) -> list[Decided]:
    if _worker_checker is None:
        raise RuntimeError("worker not started")
    return _decide_all(_worker_checker, situations)


@contextmanager
def deciding(
    checker: Checker, pack: Pack, pack_text: str, *, cases: int, processes: int
) -> Iterator[Decide]:
    """A function deciding a batch of situations under ``pack``: in this process for few
    cases or one core, else split across ``processes`` worker processes."""
    pinned = replace(checker, pinned_pack=pack)
    if cases < PARALLEL_FROM or processes < 2:
        yield lambda situations: _decide_all(pinned, situations)
        return
    context = multiprocessing.get_context("spawn")  # never fork a threaded server
    arguments = (pack_text, checker.registry.designations, checker.today)
    with ProcessPoolExecutor(processes, context, _start_worker, arguments) as pool:

        def decide(situations: Sequence[dict[str, Any]]) -> list[Decided]:
            size = -(-len(situations) // processes)
            chunks = [situations[i : i + size] for i in range(0, len(situations), size)]
            return [answer for chunk in pool.map(_decide_in_worker, chunks) for answer in chunk]

        yield decide
