"""``python -m bench [check] [--count N] [--seed S] [--profile [--cold]]``: the batch path.

Measures decisions per second of the batch path (``Checker.check_lines`` and
``json.dumps`` of each result, as ``fanjing check --batch`` does) in-process on
one core: once with an empty place cache (cold), once again over the same lines
(warm), then step by step. ``--profile`` runs cProfile over 10,000 situations
instead. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import date
from time import perf_counter

from bench.measure import BatchRun, Phases, profile_batch, time_batch, time_phases
from bench.situations import Dataset, build_dataset, granularity
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker

TARGET_PER_SECOND = 20_000
PROFILE_COUNT = 10_000
TODAY = date(2021, 8, 7)  # default as_of; every bench situation gives its own


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=100_000, help="situations (default 100000)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    parser.add_argument(
        "--profile", action="store_true", help=f"cProfile a {PROFILE_COUNT:,}-situation run"
    )
    parser.add_argument(
        "--cold", action="store_true", help="with --profile: do not warm the place cache first"
    )


def _dataset(count: int, seed: int) -> Dataset:
    """Build and describe the data (its own gazetteer, so the checker's cache starts empty)."""
    start = perf_counter()
    data = build_dataset(count, seed, Gazetteer().parse)
    areas, pools = data.areas, data.pools
    print(f"data built in {perf_counter() - start:.1f} s (seed {seed})")
    print(
        f"risk-list area lines: {areas.lines}, refused by the gazetteer: {len(areas.refused)}, "
        f"distinct areas: {len(areas.places)}"
    )
    for line, message in areas.refused[:5]:
        print(f"  refused: {line} — {message}")
    kinds = Counter(f"{d.level.value}/{granularity(d.area)}" for d in data.designations)
    print(f"designations: {len(data.designations)}  ({', '.join(_sorted_counts(kinds))})")
    sizes = (
        f"designated {len(pools.designated)}, inside {len(pools.inside)}, "
        f"same city {len(pools.same_city)}, unrelated {len(pools.unrelated)}, "
        f"city only {len(pools.city_only)}, Beijing {len(pools.beijing)}"
    )
    print(f"stay places: {sizes}; refused {len(pools.refused)}")
    print(f"situations: {len(data.lines):,}")
    return data


def _sorted_counts(counter: Counter[str]) -> list[str]:
    return [f"{key} {count}" for key, count in sorted(counter.items())]


def _checker(data: Dataset) -> tuple[Checker, Gazetteer]:
    """A checker as the CLI builds it, with a fresh gazetteer whose dictionaries are loaded."""
    gazetteer = Gazetteer()
    start = perf_counter()
    gazetteer.parse("北京市")
    gazetteer.parse.cache_clear()
    print(f"gazetteer load (jionlp already imported): {perf_counter() - start:.2f} s")
    registry = Registry.of(data.designations)
    return Checker(builtin_packs(), registry, gazetteer.parse, TODAY), gazetteer


def _report_run(run: BatchRun) -> None:
    verdict = "meets" if run.per_second >= TARGET_PER_SECOND else "below"
    print(
        f"{run.label:>5}: {run.decisions:,} decisions, {len(run.bad)} bad lines, "
        f"{run.seconds:.2f} s, {run.per_second:,.0f} decisions/s "
        f"(target ≥ {TARGET_PER_SECOND:,}/s: {verdict})"
    )
    for result in run.bad[:5]:
        print(f"  bad: {json.dumps(result, ensure_ascii=False)}")


def _report_phases(phases: Phases) -> None:
    total = sum(phases.seconds.values())
    print(f"phases (warm place cache, {phases.items:,} decisions, {total:.2f} s in all):")
    for name, seconds in phases.seconds.items():
        micros = seconds / phases.items * 1e6 if phases.items else 0.0
        print(f"  {name:<36} {seconds:7.2f} s  {micros:7.1f} µs/decision  {seconds / total:5.1%}")
    if phases.items:
        print(f"  {'→ decisions/s if only these':<36} {phases.items / total:,.0f}")
    print(f"rules applied: {', '.join(_sorted_counts(phases.rules))}")


def _benchmark(count: int, seed: int) -> None:
    data = _dataset(count, seed)
    checker, gazetteer = _checker(data)
    _report_run(time_batch(checker, data.lines, "cold"))
    info = gazetteer.parse.cache_info()
    print(f"       place cache: {info.currsize} distinct texts parsed, {info.hits:,} hits")
    _report_run(time_batch(checker, data.lines, "warm"))
    _report_phases(time_phases(checker, data.lines))


def _profile(count: int, seed: int, cold: bool) -> None:
    data = _dataset(count, seed)
    checker, _gazetteer = _checker(data)
    if not cold:
        time_batch(checker, data.lines, "warm-up")
    print(f"\nprofiling {len(data.lines):,} situations, place cache {'cold' if cold else 'warm'}")
    _report_run(profile_batch(checker, data.lines))


def run(arguments: argparse.Namespace) -> None:
    if arguments.profile:
        _profile(min(arguments.count, PROFILE_COUNT), arguments.seed, arguments.cold)
    else:
        _benchmark(arguments.count, arguments.seed)
