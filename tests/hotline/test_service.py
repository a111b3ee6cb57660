"""Import, re-import, supersede, edits and search, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fanjing.audit.store import newest_entries as audit_entries
from fanjing.hotline import service
from fanjing.hotline.core.model import Extracted, Pair, Source
from fanjing.hotline.core.rank import SearchIndex
from fanjing.hotline.core.text import Analyzer
from fanjing.hotline.lexicon import default_analyzer
from fanjing.hotline.reading import read_builtin, read_file
from fanjing.hotline.search import Searcher, evaluate, labelled_lines
from fanjing.hotline.store import entries_in_order
from fanjing.infra.db import session_scope
from tests.hotline.paraphrase_split import HELDOUT, TUNE

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_b0fa59e071304922.txt"
PARAPHRASES = Path(__file__).parent / "data" / "paraphrases.jsonl"
NOW = datetime(2021, 8, 9, tzinfo=UTC)
TOP1_FLOOR = 0.95
UNSEEN_TOP1_FLOOR = 0.95  # the targets, on the tuning and the held-back part alike
UNSEEN_TOP3_FLOOR = 0.99


def load(engine, extracted: Extracted, file: str = "f") -> service.ImportReport:
    with session_scope(engine) as session:
        return service.import_extracted(
            session=session, extracted=extracted, file=file, actor="test", now=NOW
        )


def table(*pairs: tuple[str, str, date | None]) -> Extracted:
    return Extracted(
        "jsonl", Source("t"), tuple(Pair(q, a, (), Source("t", day=d)) for q, a, d in pairs)
    )


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return default_analyzer()


@pytest.fixture
def searcher(analyzer) -> Searcher:
    """A searcher per test: its cache is keyed by the revision of one database."""
    return Searcher(analyzer)


def test_reimporting_the_seed_changes_nothing(engine):
    first = load(engine, read_file(SEED))
    again = load(engine, read_file(SEED))
    assert (first.found, first.added) == (6, 6)
    assert (again.found, again.added, again.updated, again.unchanged) == (6, 0, 0, 6)
    with session_scope(engine) as session:
        assert len(entries_in_order(session, history=True)) == 6


def test_a_newer_answer_supersedes_and_the_older_is_kept(engine, searcher):
    load(engine, table(("健康宝弹窗怎么办？", "旧答复：联系社区。", date(2021, 8, 1))))
    newer = load(
        engine, table(("健康宝弹窗怎么办?", "新答复：联系社区并做核酸。", date(2021, 8, 7)))
    )
    older = load(engine, table(("健康宝弹窗怎么办", "更旧的答复。", date(2021, 7, 1))))
    assert (newer.added, newer.superseded) == (1, 1)
    assert (older.added, older.history) == (1, 1)
    with session_scope(engine) as session:
        assert [r.answer for r in entries_in_order(session)] == ["新答复：联系社区并做核酸。"]
        assert len(entries_in_order(session, history=True)) == 3
        found = searcher.ask(session, "健康寶彈窗", top=3)
    assert [f.answer for f in found.answers] == ["新答复：联系社区并做核酸。"]


def test_reimporting_a_changed_answer_updates_it(engine):
    load(engine, table(("q？", "a1", date(2021, 8, 7))))
    report = load(engine, table(("q？", "a2", date(2021, 8, 7))))
    assert (report.added, report.updated) == (0, 1)
    with session_scope(engine) as session:
        assert [r.answer for r in entries_in_order(session, history=True)] == ["a2"]


def test_edits_are_audited_and_deleting_restores_the_previous_version(engine):
    load(engine, table(("进京要报告吗？", "旧", date(2021, 1, 8))))
    with session_scope(engine) as session:
        row = service.create_entry(
            session=session,
            fields=service.EntryFields("进京要报告吗？", "新", day=date(2021, 8, 7)),
            actor="operator",
            now=NOW,
        )
        created = row.id
        service.update_entry(
            session=session,
            entry_id=created,
            fields=service.EntryFields("进京要报告吗？", "新的答复", day=date(2021, 8, 7)),
            actor="operator",
            now=NOW,
        )
        assert [r.answer for r in entries_in_order(session)] == ["新的答复"]
        service.delete_entry(session=session, entry_id=created, actor="operator", now=NOW)
        assert [r.answer for r in entries_in_order(session)] == ["旧"]
        actions = [e.action for e in audit_entries(session, entity="faq_entry")]
        update = next(e for e in audit_entries(session) if e.action == "faq.update")
    assert actions == ["faq.delete", "faq.update", "faq.create"]
    assert update.before["answer"] == "新" and update.after["answer"] == "新的答复"


def test_the_index_is_rebuilt_when_entries_change(engine, searcher):
    fresh = Searcher(searcher.analyzer)
    load(engine, table(("行程卡带星能进京吗？", "需确认是否经过中高风险区域。", None)))
    with session_scope(engine) as session:
        assert fresh.ask(session, "冒用行程码", top=1).answers[0].question == "行程卡带星能进京吗？"
    load(engine, table(("冒用行程码会怎么处理？", "依法严肃处理。", None)))
    with session_scope(engine) as session:
        assert (
            fresh.ask(session, "冒用行程码", top=1).answers[0].question == "冒用行程码会怎么处理？"
        )


def test_synonyms_traditional_characters_and_the_entry_link(engine, searcher):
    load(engine, read_file(SEED))
    with session_scope(engine) as session:
        star = searcher.ask(session, "通信行程碼帶星號能回北京嗎", top=1)
        contact = searcher.ask(session, "次密接的家里人要隔离吗", top=1)
        vaccine = searcher.ask(session, "疫苗记录健康宝里查不到", top=1)
    assert star.answers[0].question == "外地返京政策如何？行程卡带星号是否可以进京？"
    assert star.entry_check == "/api/v1/check"
    assert star.entry_check_page == "/check"
    assert star.entry_check_says is not None and "最早可进京日" in star.entry_check_says
    assert contact.answers[0].question.startswith("去过郑州等中高风险区域")
    assert vaccine.answers[0].question == "打了新冠疫苗，为什么在健康宝找不到接种记录？"
    assert vaccine.entry_check is None and vaccine.entry_check_page is None


def test_paraphrases_find_their_question(engine, searcher):
    """The evaluation set: ≥ 60 paraphrases (traditional characters and synonyms among
    them) of the seed's six questions and the packaged answers. Top-1 must stay ≥ 95%."""
    load(engine, read_file(SEED), "seed")
    load(engine, read_builtin(), "builtin")
    lines = PARAPHRASES.read_text(encoding="utf-8").splitlines()
    labelled = labelled_lines(lines, str(PARAPHRASES))
    assert len(labelled) >= 60
    assert (
        sum(
            any("\u4e00" <= c <= "\u9fff" and c in "們嗎還機碼寶彈號進檢離後" for c in item.query)
            for item in labelled
        )
        >= 15
    )
    with session_scope(engine) as session:
        result = evaluate(session, searcher, labelled)
    print(
        f"paraphrases: {result.count}, top-1 {result.top1:.1%}, top-3 {result.top3:.1%}, MRR {result.mrr:.3f}"
    )
    assert result.top1 >= TOP1_FLOOR, json.dumps(result.as_json(), ensure_ascii=False)
    assert result.top3 >= 0.98


def test_an_answer_is_read_from_the_index_it_was_found_in(engine, searcher, monkeypatch):
    """Another request rebuilds the index (an entry was deleted) after this one searched the
    old index and before it looked its hits up: the hits are still read from the old index's
    own entries, not from the new one's (where the deleted entry is missing: a KeyError)."""
    load(
        engine,
        table(("行程卡带星能进京吗？", "需确认。", None), ("疫苗怎么预约？", "街道。", None)),
    )
    with session_scope(engine) as session:
        target = next(r.id for r in entries_in_order(session) if r.question.startswith("行程卡"))
    search = SearchIndex.search
    rebuilt = []

    def search_then_rebuild(index: SearchIndex, query: str, top: int) -> list:
        hits = search(index, query, top)
        if not rebuilt:
            rebuilt.append(True)
            with session_scope(engine) as other:
                service.delete_entry(session=other, entry_id=target, actor="operator", now=NOW)
            with session_scope(engine) as other:
                now_found = searcher.ask(other, "行程卡带星", top=1).answers
            assert target not in [f.entry_id for f in now_found]
        return hits

    with session_scope(engine) as session:
        searcher.ask(session, "疫苗", top=1)  # the index as it was
        monkeypatch.setattr(SearchIndex, "search", search_then_rebuild)
        answered = searcher.ask(session, "行程卡带星", top=1)
    assert rebuilt and [f.entry_id for f in answered.answers] == [target]


def test_the_builtin_answers_with_the_seed_make_at_least_100_entries_each_with_its_source():
    builtin = read_builtin().pairs
    assert len(builtin) + len(read_file(SEED).pairs) >= 100
    assert all(pair.source.title and (pair.source.url or pair.source.day) for pair in builtin)
    undated = [pair.question for pair in builtin if pair.source.day is None]
    assert len(undated) <= 12  # only the undated page of 首都之窗 (it names no day)


def _unseen(engine, searcher, path: Path):
    load(engine, read_file(SEED), "seed")
    load(engine, read_builtin(), "builtin")
    labelled = labelled_lines(path.read_text(encoding="utf-8").splitlines(), str(path))
    with session_scope(engine) as session:
        return labelled, evaluate(session, searcher, labelled)


def test_the_unseen_tuning_part(engine, searcher):
    """Paraphrases the knowledge base's questions were not written from (colloquial, short,
    typos, traditional characters, English words), tuned on: top-1 ≥ 95 %, top-3 ≥ 99 %."""
    labelled, result = _unseen(engine, searcher, TUNE)
    assert len(labelled) >= 240 and len({item.expect for item in labelled}) >= 90
    print(f"tuning part: {result.count}, top-1 {result.top1:.1%}, top-3 {result.top3:.1%}")
    misses = json.dumps(result.as_json()["misses"], ensure_ascii=False)
    assert result.top1 >= UNSEEN_TOP1_FLOOR, misses
    assert result.top3 >= UNSEEN_TOP3_FLOOR, misses


def test_the_held_back_part(engine, searcher):
    """The 30 % never tuned on: the same targets. Only the figures are shown on failure, so
    that a failing run does not show the misses to whoever tunes next."""
    labelled, result = _unseen(engine, searcher, HELDOUT)
    assert len(labelled) >= 100
    figures = f"held back: {result.count}, top-1 {result.top1:.1%}, top-3 {result.top3:.1%}"
    print(figures)
    assert result.top1 >= UNSEEN_TOP1_FLOOR, figures
    assert result.top3 >= UNSEEN_TOP3_FLOOR, figures
