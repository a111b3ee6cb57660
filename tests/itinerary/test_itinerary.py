"""The itinerary card (H4) and the carriers' feed, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.itinerary.core import Visit, itinerary_card
from fanjing.itinerary.feed import BadRow, FeedReader
from fanjing.itinerary.service import card_for, import_feed
from fanjing.itinerary.store import VisitRow
from tests.builders import JINGGUANG, YANGZHOU, designation

CIPHER = FieldCipher([Fernet.generate_key()], b"l" * 32)
FEED = """phone,city,day
13912345678,江苏省扬州市,2021-08-01
13912345678,郑州市,2021-07-30
13912345678,郑州,2021-07-30
13912345678,上海市,2021-07-20
13800000000,火星市,2021-08-01
12345,北京市,2021-08-01
13912345678,北京市,2021/08/02
"""


def test_the_card_stars_cities_with_risk_areas_on_the_day_asked():
    visits = [
        Visit("河南省郑州市", date(2021, 8, 1)),
        Visit("江苏省扬州市", date(2021, 7, 30)),
        Visit("上海市", date(2021, 7, 20)),  # more than 14 days before
    ]
    designations = [
        designation("high", JINGGUANG, "2021-08-04"),
        designation("cases", YANGZHOU, "2021-07-28"),
    ]
    card = itinerary_card(visits, designations, date(2021, 8, 7))
    assert [(c.city, c.starred) for c in card.cities] == [
        ("河南省郑州市", True),
        ("江苏省扬州市", False),
    ]
    assert card.cities[0].because == ("河南省郑州市二七区京广路街道",)
    before = itinerary_card(visits, designations, date(2021, 8, 3))  # not yet designated
    assert not before.starred
    assert [c.city for c in itinerary_card(visits, designations, date(2021, 8, 14)).cities] == [
        "河南省郑州市"
    ]


def test_feed_rows_are_read_and_bad_ones_reported_by_line(gazetteer):
    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=CIPHER.lookup_hash)
    rows = list(reader.rows(FEED.splitlines(keepends=True), jsonl=False))
    bad = [(r.line, r.reason) for r in rows if isinstance(r, BadRow)]
    assert [line for line, _ in bad] == [6, 7, 8]
    good = [r for r in rows if not isinstance(r, BadRow)]
    assert [(r.city, r.day.isoformat()) for r in good] == [
        ("江苏省扬州市", "2021-08-01"),
        ("河南省郑州市", "2021-07-30"),
        ("河南省郑州市", "2021-07-30"),
        ("上海市", "2021-07-20"),
    ]
    assert all("13912345678" not in r.phone_hash for r in good)


@pytest.mark.on_shards
def test_importing_is_idempotent_and_keeps_no_number_in_clear(engine, shards, gazetteer):
    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=CIPHER.lookup_hash)
    first = import_feed(
        engine=engine,
        lines=FEED.splitlines(keepends=True),
        jsonl=False,
        reader=reader,
        shards=shards,
    )
    assert (first.rows, first.inserted, first.bad) == (4, 3, 3)  # one row repeats another
    again = import_feed(
        engine=engine,
        lines=FEED.splitlines(keepends=True),
        jsonl=False,
        reader=reader,
        shards=shards,
    )
    assert (again.rows, again.inserted) == (4, 0)
    jsonl = [
        json.dumps(
            {"phone": "13912345678", "city": "扬州", "day": "2021-08-05"}, ensure_ascii=False
        )
    ]
    assert (
        import_feed(engine=engine, lines=jsonl, jsonl=True, reader=reader, shards=shards).inserted
        == 1
    )
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(VisitRow)) == 4
        hashes = session.scalars(select(VisitRow.phone_hash)).all()
        assert "13912345678" not in " ".join(hashes)
        card = card_for(
            session,
            phone_hashes=[CIPHER.lookup_hash("13912345678")],
            as_of=date(2021, 8, 7),
            designations=[designation("medium", JINGGUANG, "2021-08-01")],
        )
    assert [(c.city, c.last_day.isoformat(), c.starred) for c in card.cities] == [
        ("江苏省扬州市", "2021-08-05", False),
        ("河南省郑州市", "2021-07-30", True),
    ]


def test_a_batch_that_fails_to_store_stops_the_import_and_earlier_batches_stay(
    engine, gazetteer, monkeypatch
):
    from fanjing.itinerary import service

    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    real_writes = {"postgresql": service._copy_batch, "sqlite": service.insert_visits}
    real = real_writes[engine.dialect.name]
    calls = []

    def failing_second(engine, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(engine, batch)

    monkeypatch.setattr(service, "_copy_batch", failing_second)
    monkeypatch.setattr(service, "insert_visits", failing_second)
    feed = "phone,city,day\n" + "".join(
        f"1391234567{n},江苏省扬州市,2021-08-0{n}\n" for n in range(1, 7)
    )
    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=CIPHER.lookup_hash)
    with pytest.raises(RuntimeError, match="disk full"):
        import_feed(engine=engine, lines=feed.splitlines(keepends=True), jsonl=False, reader=reader)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(VisitRow)) == 2
