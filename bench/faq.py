"""``python -m bench faq [--entries N] [--queries N]``: answering a question over 10,000 entries.

The knowledge base is the seed's six answers and the packaged ones, plus generated
entries up to ``--entries`` (10,000): hotline-style questions about real places and
topics (进京、核酸、健康宝、行程卡、隔离、疫苗…) with answers in the sources' wording.
Questions are the labelled paraphrases of tests/hotline (the first set and both parts of
the unseen one: typos, traditional characters, English words), each asked in turn until
``--queries`` (2,000) have been asked. Prints the index build time and the latency of
one question (p50, p95, p99 in ms): in memory (``SearchIndex.search``) and through the
service on a migrated SQLite database (``Searcher.ask``, which also reads the revision).
Target: p95 < 10 ms. Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter

from fanjing.hotline import service
from fanjing.hotline.core.model import Document, Extracted, Pair, Source
from fanjing.hotline.core.rank import SearchIndex
from fanjing.hotline.lexicon import default_analyzer
from fanjing.hotline.reading import read_builtin, read_file
from fanjing.hotline.search import Searcher
from fanjing.infra.db import open_database, session_scope

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_b0fa59e071304922.txt"
PARAPHRASES = tuple(
    ROOT / "tests" / "hotline" / "data" / name
    for name in ("paraphrases.jsonl", "paraphrases-tune.jsonl", "paraphrases-heldout.jsonl")
)
TARGET_MS = 10.0

PLACES = (
    "郑州", "南京", "扬州", "张家界", "成都", "大连", "上海", "广州", "武汉", "荆州", "株洲",
    "宁波", "厦门", "哈尔滨", "石家庄", "廊坊", "天津", "保定", "西安", "昆明", "瑞丽", "青岛",
)  # fmt: skip
WHO = ("我", "我家老人", "孩子", "我爱人", "同事", "快递员", "网约车司机", "在京务工人员", "留学生")
TEMPLATES = (
    ("{who}从{place}回北京，需要做核酸检测吗？", "从{place}来（返）京人员，请在登机或乘车前咨询所在地政府和相关部门；北京健康宝“绿码”人员持登机登车前48小时内核酸检测阴性证明即可返京。"),
    ("{who}{days}天前去过{place}，现在能进京吗？", "对目前尚在中高风险地区所在县（市、区、旗）及14日内有该区域旅居史的待进返京人员，弹窗温馨提示，暂缓进返京。"),
    ("{place}的{who}，健康宝弹窗了怎么办？", "请您及时主动与所在社区（村）或单位联系，配合落实社区等开展的排查、核酸检测、健康监测等各项防控措施。"),
    ("{who}的行程卡显示{place}带星，能回京吗？", "行程卡带星号，则需确认是否曾经过中高风险区域。对高风险地区已来（返）京人员，一律实施14天集中观察和7天健康监测。"),
    ("{who}在{place}打了第一针疫苗，第二针能在北京打吗？", "可与所在街道（乡镇）咨询预约第二针接种事宜；确保已间隔21天以上，有接种证明。"),
    ("从{place}回京后居家观察{days}天，{who}可以出门吗？", "居家观察期间应严格遵守居家观察有关要求，做好家庭防护，做到足不出户。"),
    ("{who}是{place}的次密接，家人要隔离吗？", "凡被确定为次密切接触者的，除本人按规定进行隔离观察外，共同生活和工作的人员按规定进行闭环管理。"),
    ("{place}入境的{who}满{days}天了，可以进京吗？", "国内其他口岸入境人员满21天方可进京，进京后补足7天健康监测。"),
)  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=10_000, help="entries in the index (10,000)")
    parser.add_argument("--queries", type=int, default=2_000, help="questions asked (2,000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generator")


def generated_pairs(count: int, rng: random.Random) -> list[Pair]:
    """``count`` distinct hotline-style pairs, dated across July and August 2021."""
    pairs, seen = [], set()
    while len(pairs) < count:
        question, answer = rng.choice(TEMPLATES)
        values = {"who": rng.choice(WHO), "place": rng.choice(PLACES), "days": rng.randint(3, 28)}
        text = question.format(**values)
        if text in seen:
            text = f"{text[:-1]}（第{len(pairs)}号来电）？"
        seen.add(text)
        day = date(2021, 7, 1) + timedelta(days=rng.randint(0, 61))
        pairs.append(Pair(text, answer.format(**values), (), Source("12345 来电整理", day=day)))
    return pairs


def run(arguments: argparse.Namespace) -> None:
    rng = random.Random(arguments.seed)
    real = [*read_file(SEED).pairs, *read_builtin().pairs]
    pairs = real + generated_pairs(max(arguments.entries - len(real), 0), rng)
    questions = [
        json.loads(line)["q"]
        for path in PARAPHRASES
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    asked = [questions[i % len(questions)] for i in range(arguments.queries)]

    start = perf_counter()
    analyzer = default_analyzer()
    print(
        f"analyzer (jieba dictionary, OpenCC, jionlp readings): {perf_counter() - start:.2f} s,"
        " once per process"
    )
    documents = [Document(i, p.question, p.answer, p.alternatives) for i, p in enumerate(pairs)]
    start = perf_counter()
    index = SearchIndex(documents, analyzer)
    print(f"entries: {len(index)}; index build: {perf_counter() - start:.2f} s")
    _report("in memory (SearchIndex.search, top 3)", [_timed(index.search, q, 3) for q in asked])

    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/faq.db")
        start = perf_counter()
        with session_scope(engine) as session:
            service.import_extracted(
                session=session,
                extracted=Extracted("jsonl", Source("bench"), tuple(pairs)),
                file="bench",
                actor="bench",
                now=datetime.now(UTC),
            )
        print(f"import into SQLite: {perf_counter() - start:.2f} s")
        searcher = Searcher(analyzer)
        with session_scope(engine) as session:
            start = perf_counter()
            searcher.snapshot(session)
            print(f"index build from the database: {perf_counter() - start:.2f} s")
            times = [_timed(lambda q, k: searcher.ask(session, q, top=k), q, 3) for q in asked]
        engine.dispose()
    _report("through the service on SQLite (Searcher.ask, top 3)", times)


def _timed(function, query: str, top: int) -> float:  # type: ignore[no-untyped-def]
    start = perf_counter()
    function(query, top)
    return (perf_counter() - start) * 1000


def _report(label: str, milliseconds: list[float]) -> None:
    cuts = statistics.quantiles(milliseconds, n=100)
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    verdict = "meets" if p95 < TARGET_MS else "MISSES"
    print(
        f"{label}: {len(milliseconds)} questions; p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
        f"p99 {p99:.2f} ms, max {max(milliseconds):.2f} ms ({verdict} p95 < {TARGET_MS:.0f} ms)"
    )
