"""``python -m bench shards [--rows N]``: the itinerary sharded over two PostgreSQL servers.

Run it as ``scripts/with-postgres-shards .venv/bin/python -m bench shards``: a coordinator
and two shard clusters on this machine (or give --database-url and --shard-url twice). It
writes a feed of N rows (default 10,000,000: 700,000 numbers, 40 cities, 14 days), then:

1. imports it into the two shards (``import_feed``: COPY to each shard at once), rows/s —
   target ≥ 300,000/s;
2. binds every number to an account on the coordinator, designates a district and times
   ``raise_popups`` (the INSERT … SELECT whose grouping runs on both shards) — target < 2 s;
3. on the day after the feed's 14 days, times the daily maintenance that drops the 15th day
   (one DROP TABLE a shard, run on both at once, and the one new day ahead made, the others
   having been made by the day before's run) — target < 1 s.

Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from time import perf_counter, process_time

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bench.databases import postgres_database
from bench.itinerary import CITIES, write_feed
from bench.popups import citizens, timed_designations
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import create_db_engine, upgrade
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.service import import_feed
from fanjing.itinerary.shards import attach_shards, keep_itinerary_days, shard_engines
from fanjing.places.gazetteer import Gazetteer

IMPORT_TARGET = 300_000
POPUPS_TARGET_SECONDS = 2.0
DROP_TARGET_SECONDS = 1.0
HINT = (
    "needs a coordinator and shards: run it as `scripts/with-postgres-shards .venv/bin/python "
    "-m bench shards`, or give --database-url URL --shard-url URL --shard-url URL"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=10_000_000, help="feed rows (10,000,000)")
    parser.add_argument("--database-url", help="coordinator (default: FANJING_TEST_PG_URL)")
    parser.add_argument(
        "--shard-url", action="append", help="a shard server (default: FANJING_TEST_SHARD_URLS)"
    )


def _bind_every_number(engine: Engine, cipher: FieldCipher) -> int:
    """An account and an active binding for each number the feed can have (COPY)."""
    numbers = [f"1{lead}{n:09d}" for lead in range(3, 10) for n in range(100_000)]
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            for statement in citizens(len(numbers)):
                cursor.execute(statement)
            with cursor.copy(  # type: ignore[attr-defined]
                "COPY phone_binding (account_id, phone_encrypted, phone_hash, platform, state, "
                "bound_at) FROM STDIN"
            ) as copy:
                for account, number in enumerate(numbers, start=1):
                    copy.write(f"{account}\tx\t{cipher.lookup_hash(number)}\twechat\tactive\tnow\n")
            cursor.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return len(numbers)


def _verdict(good: bool) -> str:
    return "meets" if good else "MISSES"


def run(arguments: argparse.Namespace) -> None:
    coordinator_server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    shard_servers = arguments.shard_url or [
        url for url in os.environ.get("FANJING_TEST_SHARD_URLS", "").split(",") if url
    ]
    if not coordinator_server or not shard_servers:
        print(HINT)
        return
    cipher = FieldCipher([Fernet.generate_key()], b"b" * 32)
    gazetteer = Gazetteer()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-shards-")))
        feed = folder / "feed.csv"
        start = perf_counter()
        write_feed(feed, arguments.rows)
        print(f"feed: {arguments.rows:,} rows written in {perf_counter() - start:.1f} s")
        engine = create_db_engine(
            stack.enter_context(postgres_database(coordinator_server, "bench_coordinator"))
        )
        stack.callback(engine.dispose)
        shards = shard_engines(
            [stack.enter_context(postgres_database(url, "bench_shard")) for url in shard_servers]
        )
        for shard in shards:
            stack.callback(shard.dispose)
        upgrade(engine)
        attach_shards(engine, shards)

        start = perf_counter()
        gazetteer.parse(CITIES[0])  # jionlp's division data: once a process, not a row's cost
        print(f"gazetteer loaded in {perf_counter() - start:.1f} s (before the import's clock)")
        reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=cipher.lookup_hash)
        load = os.getloadavg()[0]
        with feed.open(encoding="utf-8", newline="") as lines:
            start, cpu = perf_counter(), process_time()
            report = import_feed(
                engine=engine, lines=lines, jsonl=False, reader=reader, shards=shards
            )
            seconds, cpu = perf_counter() - start, process_time() - cpu
        rate = report.rows / seconds
        print(
            f"import into {len(shards)} shards: {report.rows:,} rows in {seconds:.1f} s = "
            f"{rate:,.0f} rows/s, {rate / IMPORT_TARGET:.2f}× the target ≥ {IMPORT_TARGET:,}/s "
            f"({_verdict(rate >= IMPORT_TARGET)}); {rate / len(shards):,.0f} rows/s a shard; "
            f"new {report.inserted:,}; this process's CPU {cpu:.1f} s "
            f"({cpu / report.rows * 1e6:.2f} µs a row); load average {load:.1f} → "
            f"{os.getloadavg()[0]:.1f} (2 cores)"
        )
        for shard in shards:
            with shard.begin() as connection:
                connection.exec_driver_sql("ANALYZE itinerary_visit")

        start = perf_counter()
        bound = _bind_every_number(engine, cipher)
        print(f"{bound:,} numbers bound to accounts in {perf_counter() - start:.1f} s")
        for district, raised, seconds in timed_designations(engine, gazetteer):
            print(
                f"designating {district}: {raised:,} pop-ups over {report.rows:,} rows in "
                f"{seconds:.2f} s, {seconds / POPUPS_TARGET_SECONDS:.2f}× the limit "
                f"< {POPUPS_TARGET_SECONDS:.0f} s ({_verdict(seconds < POPUPS_TARGET_SECONDS)}); "
                f"load average {os.getloadavg()[0]:.1f}"
            )

        keep_itinerary_days(engine, shards, date(2021, 8, 7))  # yesterday's run: days ahead made
        start = perf_counter()
        dropped = keep_itinerary_days(engine, shards, date(2021, 8, 8))
        seconds = perf_counter() - start
        print(
            f"on 2021-08-08, the 15th day dropped ({', '.join(map(str, dropped))}) on "
            f"{len(shards)} shards in {seconds:.3f} s, {seconds / DROP_TARGET_SECONDS:.2f}× the "
            f"limit < {DROP_TARGET_SECONDS:.0f} s ({_verdict(seconds < DROP_TARGET_SECONDS)}); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
