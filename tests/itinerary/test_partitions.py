"""The itinerary's day partitions (PostgreSQL; SQLite keeps its plain table): made for the
days a feed brings and ahead, a day past the card's 14 dropped with one DROP TABLE."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from fanjing.infra.db import downgrade, session_scope, upgrade
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.partition_store import partition_name
from fanjing.itinerary.service import card_for, import_feed
from fanjing.itinerary.shards import keep_itinerary_days
from fanjing.itinerary.store import VisitRow
from tests.itinerary.test_itinerary import CIPHER

FEED = "phone,city,day\n" + "".join(
    f"1391234567{n},江苏省扬州市,2021-07-{day}\n" for n in range(5) for day in (24, 25, 26)
)


def _partitions(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return sorted(
            connection.scalars(
                text(
                    "SELECT relname FROM pg_inherits JOIN pg_class ON oid = inhrelid "
                    "WHERE inhparent = 'itinerary_visit'::regclass"
                )
            )
        )


@pytest.mark.on_shards
def test_the_day_past_the_card_s_14_is_dropped_whole_and_the_others_stay(engine, shards, gazetteer):
    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=CIPHER.lookup_hash)
    lines = FEED.splitlines(keepends=True)
    assert (
        import_feed(engine=engine, lines=lines, jsonl=False, reader=reader, shards=shards).inserted
        == 15
    )
    for server in shards or ([engine] if engine.dialect.name == "postgresql" else []):
        assert _partitions(server) == [partition_name(date(2021, 7, d)) for d in (24, 25, 26)]
    # on 08-07 a card covers 07-25 … 08-07: 07-24 goes, and 08-07 … 08-10 are made ready
    dropped = keep_itinerary_days(engine, shards, date(2021, 8, 7))
    with session_scope(engine) as session:
        left = session.scalars(select(VisitRow.visit_date).distinct()).all()
        card = card_for(
            session,
            phone_hashes=[CIPHER.lookup_hash("13912345670")],
            as_of=date(2021, 8, 7),
            designations=[],
        )
    assert [c.last_day for c in card.cities] == [date(2021, 7, 26)]
    if engine.dialect.name == "sqlite":  # no partitions: nothing dropped, the rows stay
        assert dropped == [] and sorted(left) == [date(2021, 7, d) for d in (24, 25, 26)]
        return
    assert dropped == [date(2021, 7, 24)]
    assert sorted(left) == [date(2021, 7, 25), date(2021, 7, 26)]
    for server in shards or [engine]:
        assert _partitions(server) == [
            partition_name(day)
            for day in (
                date(2021, 7, 25),
                date(2021, 7, 26),
                *(date(2021, 8, d) for d in range(7, 11)),
            )
        ]
    assert keep_itinerary_days(engine, shards, date(2021, 8, 7)) == []  # the second run: nothing


def test_the_migration_moves_visits_into_day_partitions_and_back(engine):
    downgrade(engine, "0014")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO itinerary_visit (phone_hash, visit_date, city) VALUES "
                "('a', '2021-08-01', '上海市'), ('b', '2021-08-02', '上海市'), ('a', '2021-08-02', '北京市')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(VisitRow)) == 3
    if engine.dialect.name == "postgresql":
        assert _partitions(engine) == [partition_name(date(2021, 8, d)) for d in (1, 2)]
    downgrade(engine, "0014")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM itinerary_visit")) == 3
    upgrade(engine)
