"""The carriers' feed: one row per number, city and day, written in batches and read for a
card. The number is kept only as a keyed hash (the card is looked up through an account's
numbers, never the other way)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import psycopg
from sqlalchemy import Date, Engine, Index, String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.infra.db import Base
from fanjing.itinerary.core import Visit
from fanjing.itinerary.feed import FeedRow


class VisitRow(Base):
    """One row per number, day and city (the key): importing a feed twice adds nothing. No
    surrogate id: at tens of millions of rows, one index fewer and no sequence to draw from."""

    __tablename__ = "itinerary_visit"
    __table_args__ = (Index("ix_itinerary_visit_city_date", "city", "visit_date"),)

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    visit_date: Mapped[date] = mapped_column(Date, primary_key=True)
    city: Mapped[str] = mapped_column(String(100), primary_key=True)


def insert_visits(engine: Engine, batch: Sequence[FeedRow]) -> int:
    """Store a batch in one transaction (SQLite); the visits new to the database."""
    statement = insert(VisitRow).prefix_with("OR IGNORE")
    values = [{"phone_hash": r.phone_hash, "city": r.city, "visit_date": r.day} for r in batch]
    with engine.begin() as connection:
        return int(connection.execute(statement, values).rowcount or 0)


def copy_visits(engine: Engine, batch: Sequence[FeedRow]) -> int:
    """COPY into a temporary table, then insert what is new: the fastest way into PostgreSQL,
    and ``ON CONFLICT DO NOTHING`` keeps re-imports from adding anything. The day partitions
    must exist already."""
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


def visits_of(
    session: Session, phone_hashes: Sequence[str], first: date, last: date
) -> list[Visit]:
    """The visits of these numbers from ``first`` to ``last``, both inclusive."""
    rows = session.execute(
        select(VisitRow.city, VisitRow.visit_date).where(
            VisitRow.phone_hash.in_(phone_hashes), VisitRow.visit_date.between(first, last)
        )
    )
    return [Visit(city, day) for city, day in rows]
