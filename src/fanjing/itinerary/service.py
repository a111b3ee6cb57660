"""Importing the carriers' feed (PostgreSQL COPY, in batches, to every shard at once) and
drawing cards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.itinerary.core import Card, card_window, itinerary_card
from fanjing.itinerary.feed import BadRow, FeedReader, FeedRow
from fanjing.itinerary.partition_store import create_days, is_partitioned
from fanjing.itinerary.shards import shard_of
from fanjing.itinerary.store import copy_visits, insert_visits, visits_of
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
    write = _copy_batch if engine.dialect.name == "postgresql" else insert_visits
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


def _copy_batch(engine: Engine, batch: Sequence[FeedRow]) -> int:
    """The day partitions a batch needs, then the batch COPYed in (PostgreSQL)."""
    with engine.begin() as connection:
        if is_partitioned(connection):
            create_days(connection, {row.day for row in batch})
    return copy_visits(engine, batch)


def card_for(
    session: Session,
    *,
    phone_hashes: Sequence[str],
    as_of: date,
    designations: Iterable[Designation],
) -> Card:
    """The card of one number, or of all an account's numbers (active and grey)."""
    first, last = card_window(as_of)
    return itinerary_card(visits_of(session, phone_hashes, first, last), designations, as_of)
