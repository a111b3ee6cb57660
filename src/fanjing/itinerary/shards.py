"""The itinerary sharded by phone hash over several PostgreSQL servers, with postgres_fdw.

``FANJING_ITINERARY_SHARDS`` names the shards (their URLs, in order). Each shard is a
fanjing database migrated like any other, whose ``itinerary_visit`` (partitioned by day)
holds the visits of its range of keyed phone hashes. The main database, the coordinator,
then has ``itinerary_visit`` partitioned by range of ``phone_hash`` (``COLLATE "C"``: hex
digits in byte order) into one foreign table per shard, so every query it runs on the
itinerary goes where the rows are:

- the itinerary card asks for an account's hashes: partition pruning sends it to the shard
  of each number, no other;
- the pop-up fan-out's INSERT … SELECT groups the visits by phone hash, which is the
  partition key: the planner pushes the grouped scan down to every shard (partitionwise
  aggregation), the shards run it at once (``async_capable``), and the coordinator joins
  what they send back to the phone bindings and inserts the pop-ups.

The import writes past the coordinator: it routes each row to its shard with the same
bounds (``shard_of``) and COPYs into the shards in parallel (``fanjing.itinerary.service``).
The shards' day partitions are made and dropped on each shard.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache

from sqlalchemy import Engine

from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.db import create_db_engine, upgrade
from fanjing.itinerary.partition_store import keep_days
from fanjing.itinerary.shard_store import (
    attached_servers,
    create_foreign_partition,
    has_visits,
    partition_by_phone_hash,
)
from fanjing.settings import Settings

_PREFIX_DIGITS = 8  # a phone hash is routed by its first 32 bits


@cache
def _lower_bounds(count: int) -> tuple[int, ...]:
    """The first 32-bit prefix of shards 1 … count-1 (shard 0 starts at the lowest hash)."""
    return tuple((shard << 32) // count for shard in range(1, count))


def shard_of(phone_hash: str, count: int) -> int:
    """Which of ``count`` shards holds a phone hash (lowercase hex, as ``lookup_hash`` gives)."""
    return bisect_right(_lower_bounds(count), int(phone_hash[:_PREFIX_DIGITS], 16))


def shard_bounds(count: int) -> list[tuple[str, str]]:
    """Each shard's range of phone hashes as PostgreSQL range bounds (``FROM … TO …``)."""
    starts = ["MINVALUE", *(f"'{bound:0{_PREFIX_DIGITS}x}'" for bound in _lower_bounds(count))]
    ends = [*starts[1:], "MAXVALUE"]
    return list(zip(starts, ends, strict=True))


def shard_engines(urls: Sequence[str]) -> tuple[Engine, ...]:
    return tuple(create_db_engine(url) for url in urls)


def attach_shards(coordinator: Engine, shards: Sequence[Engine]) -> bool:
    """Migrate every shard and make the coordinator's itinerary their foreign partitions;
    False when it already was. Refused when the coordinator's itinerary holds rows (they
    would be lost) or is attached to other shards (resharding moves rows: not done here)."""
    for shard in shards:
        upgrade(shard)
    wanted = [_server_options(shard) for shard in shards]
    with coordinator.begin() as connection:
        attached = attached_servers(connection)
        if attached == wanted:
            return False
        if attached:
            raise FanjingError(
                Code.SHARDS_CHANGED,
                f"行程数据已分片到 {len(attached)} 个服务器，与设置不同；不支持重新分片",
                Where(field="FANJING_ITINERARY_SHARDS"),
            )
        if has_visits(connection):
            raise FanjingError(
                Code.ITINERARY_NOT_EMPTY,
                "主库已有行程数据：分片前须为空（先导出，分片后重新导入）",
                Where(field="FANJING_ITINERARY_SHARDS"),
            )
        partition_by_phone_hash(connection)
        for number, (shard, (start, end)) in enumerate(
            zip(shards, shard_bounds(len(shards)), strict=True)
        ):
            options = {
                **_server_options(shard),
                "async_capable": "true",  # an Append over the shards scans them all at once
                "fetch_size": "10000",  # the fan-out brings back hundreds of thousands of rows
            }
            url = shard.url
            login = {"user": url.username or ""} | (
                {"password": url.password} if url.password else {}
            )
            create_foreign_partition(connection, number, options, login, start, end)
    return True


def _server_options(shard: Engine) -> dict[str, str]:
    url = shard.url
    return {
        "host": url.host or "localhost",
        "port": str(url.port or 5432),
        "dbname": url.database or "",
    }


def prepared_shards(coordinator: Engine, settings: Settings) -> tuple[Engine, ...]:
    """The shards ``FANJING_ITINERARY_SHARDS`` names, migrated and attached (none: none)."""
    shards = shard_engines(settings.itinerary_shards)
    if shards:
        attach_shards(coordinator, shards)
    return shards


def keep_itinerary_days(engine: Engine, shards: Sequence[Engine], today: date) -> list[date]:
    """The day partitions' daily maintenance (``partition_store.keep_days``) on the database,
    or on every shard at once; the days dropped."""
    if not shards:
        return keep_days(engine, today)
    with ThreadPoolExecutor(max_workers=len(shards)) as pool:
        dropped = list(pool.map(lambda shard: keep_days(shard, today), shards))
    return sorted(set().union(*dropped))
