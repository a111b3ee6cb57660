"""``python -m bench itinerary [--rows N]``: importing the carriers' feed, rows per second.

Writes a CSV of N rows (default 1,000,000: 100,000 numbers, 40 cities, 14 days),
then times ``fanjing.itinerary.service.import_feed`` into a fresh database twice:
the first import (every row new) and a re-import (every row already there).
Target: ≥ 100,000 rows/s on PostgreSQL. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

from cryptography.fernet import Fernet

from bench.databases import PG_HINT, postgres_database, sqlite_database
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import open_database
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.service import import_feed
from fanjing.places.gazetteer import Gazetteer

TARGET = 100_000
CITIES = [
    "北京市", "上海市", "天津市", "重庆市", "江苏省南京市", "江苏省扬州市", "河南省郑州市",
    "湖南省张家界市", "四川省成都市", "广东省广州市", "广东省深圳市", "浙江省杭州市", "湖北省武汉市",
    "河北省廊坊市", "河北省石家庄市", "山东省济南市", "山东省烟台市", "福建省厦门市", "辽宁省沈阳市",
    "辽宁省大连市", "云南省昆明市", "海南省海口市", "陕西省西安市", "吉林省长春市", "黑龙江省哈尔滨市",
    "安徽省合肥市", "江西省南昌市", "广西壮族自治区南宁市", "贵州省贵阳市", "甘肃省兰州市",
    "山西省太原市", "内蒙古自治区呼和浩特市", "宁夏回族自治区银川市", "青海省西宁市",
    "新疆维吾尔自治区乌鲁木齐市", "西藏自治区拉萨市", "江苏省苏州市", "江苏省无锡市", "浙江省宁波市",
    "湖南省长沙市",
]  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the feed (1,000,000)")
    parser.add_argument("--database-url", help="PostgreSQL server (default: FANJING_TEST_PG_URL)")


def write_feed(path: Path, rows: int) -> None:
    rng = random.Random(2021)
    start = date(2021, 7, 25)
    days = [(start + timedelta(days=d)).isoformat() for d in range(14)]
    with path.open("w", encoding="utf-8") as out:
        out.write("phone,city,day\n")
        for _ in range(rows):
            out.write(
                f"1{rng.randint(3, 9)}{rng.randint(0, 99_999):09d},{rng.choice(CITIES)},{rng.choice(days)}\n"
            )


def _measure(label: str, url: str, feed: Path, new_reader: Callable[[], FeedReader]) -> None:
    engine = open_database(url)
    for attempt in ("first import", "re-import"):
        reader = new_reader()  # each import starts cold, as a new ``fanjing itinerary import``
        with feed.open(encoding="utf-8", newline="") as lines:
            start = perf_counter()
            report = import_feed(engine=engine, lines=lines, jsonl=False, reader=reader)
            seconds = perf_counter() - start
        rate = report.rows / seconds
        verdict = "meets" if rate >= TARGET else "below"
        print(
            f"{label} {attempt}: {report.rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s "
            f"(target ≥ {TARGET:,}/s on PostgreSQL: {verdict}); new {report.inserted:,}, bad {report.bad}"
        )
    engine.dispose()


def run(arguments: argparse.Namespace) -> None:
    server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    cipher = FieldCipher([Fernet.generate_key()], b"b" * 32)
    gazetteer = Gazetteer()
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as folder:
        feed = Path(folder) / "feed.csv"
        start = perf_counter()
        write_feed(feed, arguments.rows)
        print(f"feed: {arguments.rows:,} rows written in {perf_counter() - start:.1f} s")

        def new_reader() -> FeedReader:
            return FeedReader(parse_place=gazetteer.parse, lookup_hash=cipher.lookup_hash)

        with sqlite_database("bench-itinerary") as url:
            _measure("SQLite", url, feed, new_reader)
        if server is None:
            print(PG_HINT.format(command="itinerary"))
            return
        with postgres_database(server, "bench_itinerary") as url:
            _measure("PostgreSQL", url, feed, new_reader)
