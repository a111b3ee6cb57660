"""The itinerary's day partitions on PostgreSQL (declarative partitioning, migration 0020):
made ahead by the daily job and for the days a feed brings, dropped once the card's 14 days
are past. Dropping a day is one ``DROP TABLE`` of its partition: no DELETE, no vacuum after.
SQLite keeps one plain table, and these do nothing there.

On a sharded itinerary every shard holds its own day partitions; the same statements run on
each (``fanjing.itinerary.shards``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, Engine, text

from fanjing.itinerary.core import CARD_DAYS

DAYS_AHEAD = 3  # partitions ready before their day's feed comes, even if a daily run is missed
_PREFIX = "itinerary_visit_"


def partition_name(day: date) -> str:
    return f"{_PREFIX}{day:%Y%m%d}"


def oldest_kept(today: date) -> date:
    """The first day a card as of ``today`` still shows; older partitions are dropped."""
    return today - timedelta(days=CARD_DAYS - 1)


def is_partitioned(connection: Connection) -> bool:
    """Whether this database's ``itinerary_visit`` is partitioned by day (PostgreSQL)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(
        connection.scalar(
            text("SELECT pg_get_partkeydef('itinerary_visit'::regclass) = 'RANGE (visit_date)'")
        )
    )


def create_days(connection: Connection, days: Iterable[date]) -> None:
    """Make the partitions of ``days`` that do not exist yet. Two imports may make the same
    day at once: a transaction-level advisory lock lets one make it, the other then finds it."""
    wanted = sorted(set(days))
    if not wanted:
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('itinerary_visit_days'))"))
    existing = _partitions(connection)
    for day in wanted:
        if partition_name(day) not in existing:
            connection.execute(
                text(
                    f'CREATE TABLE "{partition_name(day)}" PARTITION OF itinerary_visit '
                    f"FOR VALUES FROM ('{day.isoformat()}') TO ('{(day + timedelta(days=1)).isoformat()}')"
                )
            )


def drop_days_before(connection: Connection, first_kept: date) -> list[date]:
    """Drop every day partition before ``first_kept``, each with one statement; the days."""
    days = sorted(
        date(int(name[-8:-4]), int(name[-4:-2]), int(name[-2:]))
        for name in _partitions(connection)
        if name.startswith(_PREFIX) and name[len(_PREFIX) :].isdigit()
    )
    dropped = [day for day in days if day < first_kept]
    for day in dropped:
        connection.execute(text(f'DROP TABLE "{partition_name(day)}"'))
    return dropped


def keep_days(engine: Engine, today: date) -> list[date]:
    """The daily maintenance of one server: partitions for today and ``DAYS_AHEAD`` days on,
    days past the card's 14 dropped; the days dropped (none on an unpartitioned database)."""
    with engine.begin() as connection:
        if not is_partitioned(connection):
            return []
        create_days(connection, (today + timedelta(days=n) for n in range(DAYS_AHEAD + 1)))
        return drop_days_before(connection, oldest_kept(today))


def _partitions(connection: Connection) -> set[str]:
    return set(
        connection.scalars(
            text(
                "SELECT relname FROM pg_inherits JOIN pg_class ON pg_class.oid = inhrelid "
                "WHERE inhparent = 'itinerary_visit'::regclass"
            )
        )
    )
