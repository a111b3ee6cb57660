"""``python -m bench popups [--rows N] [--numbers M]``: raising pop-ups after one designation.

The issue's figure: designating one district-level area against 10 million itinerary
rows (target < 10 s on PostgreSQL). The rows are generated in the database itself
(generate_series) — M numbers, each on an account, visiting 40 cities over 14 days —
then a high-risk district of one city is designated and ``raise_popups`` (one
INSERT … SELECT) is timed. PostgreSQL only. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from time import perf_counter

from sqlalchemy import Engine, text

from bench.databases import PG_HINT, postgres_database
from bench.itinerary import CITIES
from fanjing.healthkit.popups import raise_popups
from fanjing.infra.db import open_database, session_scope
from fanjing.itinerary.partition_store import create_days
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.service import designate

TARGET_SECONDS = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=10_000_000, help="itinerary rows (10,000,000)")
    parser.add_argument(
        "--numbers", type=int, default=1_000_000, help="numbers and accounts (1,000,000)"
    )
    parser.add_argument("--database-url", help="PostgreSQL server (default: FANJING_TEST_PG_URL)")


def citizens(count: int) -> list[str]:
    """Statements making citizens 1 … ``count``, each with an account of the same number and
    its status row (green)."""
    return [
        "INSERT INTO app_user (id, name, name_encrypted, name_hash, role, token_hash, "
        "token_expires_at, created_at, created_by) SELECT g, 'u' || g, 'x', "
        "md5('n' || g) || md5('m' || g), 'citizen', md5('t' || g) || md5('u' || g), "
        f"now() + interval '1 day', now(), 'bench' FROM generate_series(1, {count}) g",
        "INSERT INTO healthkit_account (id, user_id, name_encrypted, document_kind, document_encrypted, document_hash, created_at) "
        f"SELECT g, g, 'x', 'resident_id', 'x', md5('d' || g) || md5('e' || g), now() FROM generate_series(1, {count}) g",
        # every account has its status row, which raising a pop-up refreshes
        "INSERT INTO healthkit_status (account_id, user_id, colour, popup, popups, history, version) "
        f"SELECT g, g, 'green', false, '[]', '[]', 0 FROM generate_series(1, {count}) g",
    ]


def _fill(connection, rows: int, numbers: int) -> None:  # type: ignore[no-untyped-def]
    hash_of = "md5('p' || {n}) || md5('q' || {n})"
    create_days(connection, (date(2021, 7, 25) + timedelta(days=d) for d in range(14)))
    statements = [
        *citizens(numbers),
        "INSERT INTO phone_binding (account_id, phone_encrypted, phone_hash, platform, state, bound_at) "
        f"SELECT g, 'x', {hash_of.format(n='g')}, 'wechat', 'active', now() FROM generate_series(1, {numbers}) g",
        "INSERT INTO itinerary_visit (phone_hash, visit_date, city) "
        f"SELECT {hash_of.format(n=f'((g % {numbers}) + 1)')}, date '2021-07-25' + ((g / {numbers}) % 14)::int, "
        f"(ARRAY[{', '.join(repr(c) for c in CITIES)}])[((g::bigint * 7919) % {len(CITIES)})::int + 1] "
        f"FROM generate_series(0::bigint, {rows - 1}) g",
        "ANALYZE",
    ]
    for statement in statements:
        start = perf_counter()
        connection.execute(text(statement))
        print(f"  {statement.split(' (')[0][:40]}: {perf_counter() - start:.1f} s")


def timed_designations(engine: Engine, gazetteer: Gazetteer) -> Iterator[tuple[str, int, float]]:
    """Designate two districts, one after the other: each, the pop-ups raised and the seconds
    ``raise_popups`` took."""
    now = datetime(2021, 8, 7, tzinfo=UTC)
    for district in ("河南省郑州市二七区", "江苏省扬州市邗江区"):
        with session_scope(engine) as session:
            row = designate(
                session=session,
                level="high",
                area=district,
                start=date(2021, 8, 4),
                end=None,
                parse_place=gazetteer.parse,
                actor="bench",
                now=now,
            )
            start = perf_counter()
            raised = raise_popups(session=session, designation=row, today=date(2021, 8, 7), now=now)
            seconds = perf_counter() - start
        yield district, raised, seconds


def run(arguments: argparse.Namespace) -> None:
    server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    if server is None:
        print(PG_HINT.format(command="popups"))
        return
    gazetteer = Gazetteer()
    with postgres_database(server, "bench_popups") as url:
        engine = open_database(url)
        print(
            f"generating {arguments.rows:,} itinerary rows for {arguments.numbers:,} numbers and accounts:"
        )
        with engine.begin() as connection:
            _fill(connection, arguments.rows, arguments.numbers)
        for district, raised, seconds in timed_designations(engine, gazetteer):
            verdict = "meets" if seconds < TARGET_SECONDS else "MISSES"
            print(
                f"designating {district}: {raised:,} pop-ups raised in {seconds:.2f} s "
                f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
            )
        engine.dispose()
