"""The itinerary sharded by phone hash (scripts/with-postgres-shards): rows on the shard of
their hash, the card reading that shard alone, the pop-up fan-out grouped on every shard."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from fanjing.errors import FanjingError
from fanjing.healthkit.popup_store import popups_statement
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.service import import_feed
from fanjing.itinerary.shards import attach_shards, shard_bounds, shard_of
from fanjing.places.service import designate
from tests.cli_helpers import run_fanjing

CIPHER = FieldCipher([Fernet.generate_key()], b"s" * 32)
PHONES = [f"139{n:08d}" for n in range(40)]


def test_routing_agrees_with_the_partition_bounds_the_coordinator_uses():
    rng = random.Random(13)
    hashes = [f"{rng.getrandbits(256):064x}" for _ in range(2_000)]
    hashes += ["0" * 64, "f" * 64, "55555555" + "0" * 56, "55555554" + "f" * 56]
    for count in (1, 2, 3, 7):
        bounds = shard_bounds(count)
        assert bounds[0][0] == "MINVALUE" and bounds[-1][1] == "MAXVALUE"
        for phone_hash in hashes:
            shard = shard_of(phone_hash, count)
            start, end = bounds[shard]
            assert start == "MINVALUE" or phone_hash >= start.strip("'")
            assert end == "MAXVALUE" or phone_hash < end.strip("'")
    assert [shard_of(h, 3) for h in hashes[-2:]] == [1, 0]  # 0x55555555 = 2^32 // 3


def _import(engine: Engine, shards, gazetteer) -> None:  # type: ignore[no-untyped-def]
    feed = "phone,city,day\n" + "".join(
        f"{phone},{city},2021-08-0{day}\n"
        for phone in PHONES
        for city, day in (("郑州市", 1), ("扬州市", 3), ("上海市", 5))
    )
    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=CIPHER.lookup_hash)
    report = import_feed(
        engine=engine,
        lines=feed.splitlines(keepends=True),
        jsonl=False,
        reader=reader,
        shards=shards,
    )
    assert report.inserted == 3 * len(PHONES)


@pytest.mark.shards
def test_each_row_is_on_the_shard_of_its_hash_and_the_coordinator_sees_them_all(
    engine, shards, gazetteer
):
    _import(engine, shards, gazetteer)
    for number, shard in enumerate(shards):
        with shard.connect() as connection:
            stored = connection.scalars(text("SELECT DISTINCT phone_hash FROM itinerary_visit"))
            held = set(stored)
        assert held == {
            CIPHER.lookup_hash(p) for p in PHONES if shard_of(CIPHER.lookup_hash(p), 2) == number
        }
        assert 0 < len(held) < len(PHONES)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM itinerary_visit")) == 3 * len(PHONES)


def _plan(engine: Engine, query: str, **parameters: object) -> str:
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_partitionwise_aggregate = on"))
        rows = connection.execute(text(f"EXPLAIN (VERBOSE, COSTS OFF) {query}"), parameters)
        return "\n".join(row[0] for row in rows)


@pytest.mark.shards
def test_the_card_reads_the_shard_of_the_number_alone(engine, shards, gazetteer):
    _import(engine, shards, gazetteer)
    phone_hash = CIPHER.lookup_hash(PHONES[0])
    plan = _plan(
        engine,
        "SELECT city, visit_date FROM itinerary_visit WHERE phone_hash IN (:h) "
        "AND visit_date BETWEEN '2021-07-25' AND '2021-08-07'",
        h=phone_hash,
    )
    assert plan.count("Foreign Scan") == 1
    assert f"itinerary_shard_{shard_of(phone_hash, 2):03d}" in plan


@pytest.mark.shards
def test_the_pop_up_fan_out_groups_on_every_shard_at_once(engine, shards, gazetteer):
    _import(engine, shards, gazetteer)
    now = datetime(2021, 8, 7, tzinfo=UTC)
    with session_scope(engine) as session:
        row = designate(
            session=session,
            level="high",
            area="河南省郑州市二七区京广路街道",
            start=date(2021, 8, 4),
            end=None,
            parse_place=gazetteer.parse,
            actor="cdc",
            now=now,
        )
        compiled = popups_statement(row, today=date(2021, 8, 7), now=now).compile(
            dialect=engine.dialect
        )
        session.execute(text("SET LOCAL enable_partitionwise_aggregate = on"))
        explained = session.connection().exec_driver_sql(
            f"EXPLAIN (VERBOSE, COSTS OFF) {compiled}", compiled.params
        )
        plan = "\n".join(line for (line,) in explained)
    assert plan.count("Async Foreign Scan") == 2  # both shards, concurrently
    assert plan.count("GROUP BY 1") == 2  # the grouping by phone hash runs there, not here


@pytest.mark.shards
def test_attaching_again_changes_nothing_and_other_shards_are_refused(engine, shards):
    assert attach_shards(engine, shards) is False
    with pytest.raises(FanjingError) as refused:
        attach_shards(engine, shards[:1])
    assert refused.value.code == "shards_changed"


@pytest.mark.shards
def test_the_commands_import_to_the_shards_and_drop_a_day_on_each(engine, shards, tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "phone,city,day\n"
        + "".join(f"{p},郑州市,2021-07-{d}\n" for p in PHONES[:10] for d in (24, 25)),
        encoding="utf-8",
    )
    settings = {
        "FANJING_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FANJING_ITINERARY_SHARDS": ",".join(
            s.url.render_as_string(hide_password=False) for s in shards
        ),
    }
    imported = run_fanjing(tmp_path, "itinerary", "import", str(feed), settings=settings)
    assert imported.returncode == 0, imported.stderr
    assert "新增 20" in imported.stdout
    kept = run_fanjing(tmp_path, "itinerary", "keep-days", "--day", "2021-08-07", settings=settings)
    assert kept.returncode == 0, kept.stderr
    assert "已删去 1 天的行程数据（2021-07-24），保留 2021-07-25 起" in kept.stdout
    card = run_fanjing(
        tmp_path, "itinerary", "card", PHONES[0], "--as-of", "2021-08-07", settings=settings
    )
    assert "河南省郑州市  最近 2021-07-25" in card.stdout
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM itinerary_visit")) == 10
    for shard in shards:
        with shard.connect() as connection:
            names = connection.scalars(text("SELECT relname FROM pg_class WHERE relkind = 'r'"))
            assert "itinerary_visit_20210724" not in set(names)
