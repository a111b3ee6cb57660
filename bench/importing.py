"""``python -m bench import [--repeat N] [--database-url URL]``: one day's national list.

Times ``import_risk_file`` of the 10 August 2021 national list (217 areas) into a
fresh, migrated database: SQLite always, PostgreSQL when ``FANJING_TEST_PG_URL``
(or ``--database-url``) names a server. Per backend: first with a cold place
cache (the gazetteer's dictionaries loaded, no place text parsed yet), then
``--repeat`` times warm, each into another fresh database; after each import the
same list again (the idempotent path: nothing changes). Seconds run from the
session's start to its commit. Last, the whole command ``fanjing risk import``
(a new process: imports, migrations, dictionaries, import), for scale. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from time import perf_counter

from bench.databases import PG_HINT, describe, postgres_database, sqlite_database, timed_import
from bench.situations import RISK_LISTS
from fanjing.infra.db import open_database
from fanjing.places.gazetteer import Gazetteer

LIST = RISK_LISTS / "national-list-20210810.txt"
TARGET_SECONDS = 1.0

Database = Callable[[str], AbstractContextManager[str]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeat", type=int, default=3, help="warm imports, each into a fresh database (3)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to also measure (default: FANJING_TEST_PG_URL, if set)",
    )


def _loaded_gazetteer() -> Gazetteer:
    """A gazetteer whose dictionaries are loaded but whose place cache is empty."""
    gazetteer = Gazetteer()
    start = perf_counter()
    gazetteer.parse("北京市")
    gazetteer.parse.cache_clear()
    print(f"  gazetteer dictionaries loaded in {perf_counter() - start:.2f} s (not counted below)")
    return gazetteer


def _verdict(seconds: float) -> str:
    return f"target < {TARGET_SECONDS:g} s: {'meets' if seconds < TARGET_SECONDS else 'MISSES'}"


def _measure(backend: str, database: Database, repeat: int) -> None:
    print(f"{backend}:")
    gazetteer = _loaded_gazetteer()
    for run in range(1 + repeat):
        cache = "cold cache" if run == 0 else "warm cache"
        with database("bench_import") as url:
            engine = open_database(url)
            try:
                report, seconds = timed_import(engine, LIST, gazetteer.parse)
                print(
                    f"  import, {cache}: {seconds:6.3f} s ({_verdict(seconds)}); {describe(report)}"
                )
                report, seconds = timed_import(engine, LIST, gazetteer.parse)
                print(
                    f"    re-import, same list: {seconds:6.3f} s ({_verdict(seconds)}); "
                    f"{describe(report)}"
                )
            finally:
                engine.dispose()
    info = gazetteer.parse.cache_info()
    print(f"  place cache: {info.currsize} texts parsed, {info.hits} hits")
    with database("bench_import") as url:
        for what in ("fresh database: migrate, load, import", "same database: re-import"):
            start = perf_counter()
            subprocess.run(
                [sys.executable, "-m", "fanjing", "risk", "import", str(LIST)],
                env={**os.environ, "FANJING_DATABASE_URL": url},
                check=True,
                capture_output=True,
                timeout=300,
            )
            print(f"  `fanjing risk import` end to end, {what}: {perf_counter() - start:.2f} s")


def run(arguments: argparse.Namespace) -> None:
    print(f"importing {LIST.name} ({LIST.stat().st_size:,} bytes) into fresh, migrated databases")
    _measure("SQLite (temporary file)", sqlite_database, arguments.repeat)
    server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    if not server:
        print("PostgreSQL: skipped — " + PG_HINT.format(command="import"))
        return

    def database(prefix: str) -> AbstractContextManager[str]:
        return postgres_database(server, prefix)

    _measure("PostgreSQL", database, arguments.repeat)
