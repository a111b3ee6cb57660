"""Importing the carriers' feed (PostgreSQL COPY, in batches, to every shard at once) and
drawing cards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import psycopg
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from fanjing.itinerary.core import Card, Visit, card_window, itinerary_card
from fanjing.itinerary.feed import BadRow, FeedReader, FeedRow
from fanjing.itinerary.partition_store import create_days, is_partitioned
from fanjing.itinerary.shards import shard_of
from fanjing.itinerary.store import VisitRow
from fanjing.places.registry import Designation

BATCH_ROWS = 100_000
MAX_REPORTED_BAD_ROWS = 100


@dataclass
class FeedReport:
    rows: int = 0  # good rows read
    inserted: int = 0  # new visits (the rest were already there)
    bad: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)  # the first ones, with line and reason

    @property
    def duplicates(self) -> int:
        return self.rows - self.inserted


def import_feed(
    *,
    engine: Engine,
    lines: Iterable[str],
    jsonl: bool,
    reader: FeedReader,
    shards: Sequence[Engine] = (),
    progress: Callable[[int], None] = lambda rows: None,
) -> FeedReport:
    """Stream the feed into the database, or straight into its ``shards`` (each row to the
    shard of its phone hash), one committed batch at a time; idempotent.

    Writer threads, one a shard, store each batch while this thread reads the next: reading
    is Python's work and storing the databases', so they overlap on several cores.
    """
    report = FeedReport()
    write = _copy_batch if engine.dialect.name == "postgresql" else _insert_batch
    targets = tuple(shards) or (engine,)
    batch: list[FeedRow] = []
    with ThreadPoolExecutor(len(targets), thread_name_prefix="itinerary-writer") as writers:
        storing: list[tuple[Future[int], int]] = []

        def hand_over(rows: list[FeedRow]) -> list[tuple[Future[int], int]]:
            _settle(storing, report, progress)  # one batch in flight at most
            return [
                (writers.submit(write, target, part), len(part))
                for target, part in zip(targets, _by_shard(rows, len(targets)), strict=True)
                if part
            ]

        for row in reader.rows(lines, jsonl=jsonl):
            if isinstance(row, BadRow):
                report.bad += 1
                if len(report.bad_rows) < MAX_REPORTED_BAD_ROWS:
                    report.bad_rows.append(row)
                continue
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                storing, batch = hand_over(batch), []
        if batch:
            storing = hand_over(batch)
        _settle(storing, report, progress)
    return report


def _settle(
    storing: list[tuple[Future[int], int]], report: FeedReport, progress: Callable[[int], None]
) -> None:
    """Wait for the batch being stored (its error, if any, is raised here) and count it."""
    for future, rows in storing:
        report.inserted += future.result()
        report.rows += rows
        progress(rows)


def _by_shard(rows: list[FeedRow], count: int) -> list[list[FeedRow]]:
    if count == 1:
        return [rows]
    parts: list[list[FeedRow]] = [[] for _ in range(count)]
    for row in rows:
        parts[shard_of(row.phone_hash, count)].append(row)
    return parts


def _insert_batch(engine: Engine, batch: Sequence[FeedRow]) -> int:
    statement = insert(VisitRow).prefix_with("OR IGNORE")
    values = [{"phone_hash": r.phone_hash, "city": r.city, "visit_date": r.day} for r in batch]
    with engine.begin() as connection:
        return int(connection.execute(statement, values).rowcount or 0)


def _copy_batch(engine: Engine, batch: Sequence[FeedRow]) -> int:
    """COPY into a temporary table, then insert what is new: the fastest way into PostgreSQL,
    and ``ON CONFLICT DO NOTHING`` keeps re-imports from adding anything."""
    with engine.begin() as connection:
        if is_partitioned(connection):
            create_days(connection, {row.day for row in batch})
    text = "".join(f"{row.phone_hash}\t{row.city}\t{row.day_text}\n" for row in batch)
    raw = engine.raw_connection()
    driver = cast(psycopg.Connection[Any], raw.driver_connection)  # COPY is psycopg's own
    try:
        with driver.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS itinerary_staging "
                '(phone_hash varchar(64) COLLATE "C", city varchar(100) COLLATE "C", '
                "visit_date date) ON COMMIT DELETE ROWS"
            )
            with cursor.copy(
                "COPY itinerary_staging (phone_hash, city, visit_date) FROM STDIN"
            ) as copy:
                copy.write(text)
            cursor.execute(
                "INSERT INTO itinerary_visit (phone_hash, city, visit_date) "
                "SELECT phone_hash, city, visit_date FROM itinerary_staging "
                # in key order: new primary-key entries go into the tree in one sweep, not
                # all over it (sorted by the server, beside this process's reading)
                "ORDER BY phone_hash, visit_date, city ON CONFLICT DO NOTHING"
            )
            inserted = int(cursor.rowcount or 0)
        raw.commit()
        return inserted
    finally:
        raw.close()


def card_for(
    session: Session,
    *,
    phone_hashes: Sequence[str],
    as_of: date,
    designations: Iterable[Designation],
) -> Card:
    """The card of one number, or of all an account's numbers (active and grey)."""
    first, last = card_window(as_of)
    rows = session.execute(
        select(VisitRow.city, VisitRow.visit_date).where(
            VisitRow.phone_hash.in_(phone_hashes), VisitRow.visit_date.between(first, last)
        )
    )
    return itinerary_card((Visit(city, day) for city, day in rows), designations, as_of)
