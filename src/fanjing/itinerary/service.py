"""Importing the carriers' feed (PostgreSQL COPY, in batches) and drawing cards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from fanjing.itinerary.core import Card, Visit, card_window, itinerary_card
from fanjing.itinerary.feed import BadRow, FeedReader, FeedRow
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
    progress: Callable[[int], None] = lambda rows: None,
) -> FeedReport:
    """Stream the feed into the database, one committed batch at a time; idempotent.

    A writer thread stores each batch while this thread reads the next: reading is
    Python's work and storing the database's, so the two overlap on two cores.
    """
    report = FeedReport()
    write = _copy_batch if engine.dialect.name == "postgresql" else _insert_batch
    batch: list[FeedRow] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="itinerary-writer") as writer:
        storing: tuple[Future[int], int] | None = None

        def hand_over(rows: list[FeedRow]) -> tuple[Future[int], int]:
            _settle(storing, report, progress)  # one batch in flight at most
            return writer.submit(write, engine, rows), len(rows)

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
    storing: tuple[Future[int], int] | None, report: FeedReport, progress: Callable[[int], None]
) -> None:
    """Wait for the batch being stored (its error, if any, is raised here) and count it."""
    if storing is None:
        return
    future, rows = storing
    report.inserted += future.result()
    report.rows += rows
    progress(rows)


def _insert_batch(engine: Engine, batch: Sequence[FeedRow]) -> int:
    statement = insert(VisitRow).prefix_with("OR IGNORE")
    values = [{"phone_hash": r.phone_hash, "city": r.city, "visit_date": r.day} for r in batch]
    with engine.begin() as connection:
        return int(connection.execute(statement, values).rowcount or 0)


def _copy_batch(engine: Engine, batch: Sequence[FeedRow]) -> int:
    """COPY into a temporary table, then insert what is new: the fastest way into PostgreSQL,
    and ``ON CONFLICT DO NOTHING`` keeps re-imports from adding anything."""
    # in number order, so that new primary-key entries go into the tree in one sweep, not all over it
    ordered = sorted(batch)
    text = "".join(f"{row.phone_hash}\t{row.city}\t{row.day_text}\n" for row in ordered)
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS itinerary_staging "
                "(phone_hash varchar(64), city varchar(100), visit_date date) ON COMMIT DELETE ROWS"
            )
            with cursor.copy(
                "COPY itinerary_staging (phone_hash, city, visit_date) FROM STDIN"
            ) as copy:  # type: ignore[attr-defined]
                copy.write(text)
            cursor.execute(
                "INSERT INTO itinerary_visit (phone_hash, city, visit_date) "
                "SELECT phone_hash, city, visit_date FROM itinerary_staging "
                "ON CONFLICT DO NOTHING"
            )
            inserted = int(cursor.rowcount or 0)
        connection.commit()
        return inserted
    finally:
        connection.close()


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
