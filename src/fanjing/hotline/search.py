"""Answering questions from the knowledge base: an in-memory BM25 index over the current
entries, built from the database and rebuilt when the revision moves; and the
evaluation of labelled questions (top-1, top-3, MRR)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from sqlalchemy.orm import Session

from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.hotline.core.rank import SearchIndex
from fanjing.hotline.core.text import Analyzer, about_entering_beijing, question_key
from fanjing.hotline.lexicon import default_analyzer, simplify
from fanjing.hotline.store import entries_in_order, faq_revision

ENTRY_CHECK = "/api/v1/check"  # the entry check (POST a situation), linked from entry questions
ENTRY_CHECK_PAGE = "/check"  # the same check as a form, for the caller or the operator
ENTRY_CHECK_SAYS = (
    "进京检查按本人行程给出最早可进京日（不论计划哪天进京，entry.earliest_possible），"
    "以及到京后须做什么、依据哪一条。"
)
LONGEST_QUERY = 500


@dataclass(frozen=True)
class Found:
    """One answer to a question, with its source and BM25 score."""

    entry_id: int
    question: str
    answer: str
    source: str
    url: str | None
    day: date | None
    score: float

    def as_json(self) -> dict[str, object]:
        """The shape of ``fanjing faq ask --json`` answers (and the batch lines)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "source": self.source,
            "date": self.day.isoformat() if self.day else None,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Answered:
    query: str
    answers: tuple[Found, ...]
    about_entry: bool  # the question is about coming to Beijing: link the entry check

    @property
    def entry_check(self) -> str | None:
        return ENTRY_CHECK if self.about_entry else None

    @property
    def entry_check_page(self) -> str | None:
        return ENTRY_CHECK_PAGE if self.about_entry else None

    @property
    def entry_check_says(self) -> str | None:
        """What the check answers that the hotline's text cannot: the caller's earliest day."""
        return ENTRY_CHECK_SAYS if self.about_entry else None


def checked_query(query: str, where: Where | None = None) -> str:
    """The query, stripped; an empty or overlong one is refused."""
    text = query.strip()
    if not text:
        raise FanjingError(Code.EMPTY_QUERY, "问题不能为空", where or Where(field="q"))
    if len(text) > LONGEST_QUERY:
        raise FanjingError(
            Code.QUERY_TOO_LONG, f"问题不能超过 {LONGEST_QUERY} 字", where or Where(field="q")
        )
    return text


@dataclass(frozen=True)
class Snapshot:
    """An index and the entries its hits refer to, built together from one revision: a
    search reads both from the same snapshot, whatever rebuilds happen meanwhile."""

    revision: int
    index: SearchIndex
    found: Mapping[int, Found]


class Searcher:
    """The search index of one process, shared by its requests; rebuilt when entries
    change (any process's change: the revision is in the database)."""

    def __init__(self, analyzer: Analyzer | None = None) -> None:
        self._analyzer = analyzer
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = default_analyzer()
        return self._analyzer

    def snapshot(self, session: Session) -> Snapshot:
        """The current index with its entries (rebuilt if the revision moved). Never read the
        index from one call and the entries from the searcher later: a rebuild in between
        (after a delete) leaves hits that point at no entry."""
        revision = faq_revision(session)
        with self._lock:
            if self._snapshot is None or revision != self._snapshot.revision:
                rows = entries_in_order(session)
                found = {
                    row.id: Found(
                        row.id,
                        row.question,
                        row.answer,
                        row.source,
                        row.url,
                        row.published_date,
                        0.0,
                    )
                    for row in rows
                }
                self._snapshot = Snapshot(
                    revision,
                    SearchIndex([row.document() for row in rows], self.analyzer),
                    MappingProxyType(found),
                )
            return self._snapshot

    def ask(self, session: Session, query: str, *, top: int = 3) -> Answered:
        """The ``top`` best current answers to ``query`` (traditional characters, synonyms
        and filler words allowed), best first."""
        text = checked_query(query)
        snapshot = self.snapshot(session)
        found = tuple(
            _scored(snapshot.found[hit.ref], hit.score) for hit in snapshot.index.search(text, top)
        )
        return Answered(text, found, about_entering_beijing(self.analyzer.normalise(text)))


def _scored(found: Found, score: float) -> Found:
    return Found(
        found.entry_id, found.question, found.answer, found.source, found.url, found.day, score
    )


# --- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Labelled:
    line: int
    query: str
    expect: str


@dataclass(frozen=True)
class Miss:
    """A labelled question whose expected entry did not come first: what was expected (the
    entry, if the knowledge base has it), where it came (1–10, or None), and what came
    first instead."""

    line: int
    query: str
    expected: str
    expected_entry: Found | None
    rank: int | None
    found: Found | None

    def as_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "q": self.query,
            "expect": _entry_json(self.expected_entry) or {"id": None, "question": self.expected},
            "rank": self.rank,
            "found": _entry_json(self.found),
        }


def _entry_json(found: Found | None) -> dict[str, object] | None:
    if found is None:
        return None
    return {
        "id": found.entry_id,
        "question": found.question,
        "answer": found.answer,
        "source": found.source,
        "date": found.day.isoformat() if found.day else None,
    }


@dataclass(frozen=True)
class Evaluation:
    """How well labelled questions find their expected question."""

    count: int
    top1: float
    top3: float
    mrr: float  # mean reciprocal rank of the expected question within the top 10
    misses: tuple[Miss, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "mrr": round(self.mrr, 4),
            "misses": [miss.as_json() for miss in self.misses],
        }


def labelled_lines(lines: Iterable[str], file: str) -> list[Labelled]:
    """Lines ``{"q": …, "expect": question text}``; every bad line reported (file:line)."""
    found, errors = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) and item[k].strip() for k in ("q", "expect")
            ):
                raise FanjingError(Code.BAD_ROW, '每行应是 {"q": 问题, "expect": 期望的问题}')
            found.append(Labelled(number, item["q"], item["expect"]))
        except json.JSONDecodeError as problem:
            errors.append(
                FanjingError(Code.BAD_JSON, f"不是有效的 JSON：{problem.msg}", Where(file, number))
            )
        except FanjingError as problem:
            errors.append(problem.located(file, number))
    if errors:
        raise InputErrors(errors)
    if not found:
        raise FanjingError(Code.EMPTY_FILE, "没有可评估的问题", Where(file))
    return found


def evaluate(session: Session, searcher: Searcher, labelled: Sequence[Labelled]) -> Evaluation:
    """Top-1, top-3 and MRR (over the top 10) of ``labelled``; a hit is an answer whose
    question is the expected one (compared folded: punctuation and script ignored). Every
    question whose expected entry is not first is a miss, with that entry and the first."""
    current = {
        question_key(found.question, simplify): found
        for found in searcher.snapshot(session).found.values()
    }
    top1 = top3 = 0
    reciprocal = 0.0
    misses = []
    for item in labelled:
        answered = searcher.ask(session, item.query, top=10)
        keys = [question_key(f.question, simplify) for f in answered.answers]
        wanted = question_key(item.expect, simplify)
        rank = keys.index(wanted) + 1 if wanted in keys else None
        top1 += rank == 1
        top3 += rank is not None and rank <= 3
        reciprocal += 1 / rank if rank else 0.0
        if rank != 1:
            first = answered.answers[0] if answered.answers else None
            expected = current.get(wanted)
            misses.append(Miss(item.line, item.query, item.expect, expected, rank, first))
    count = len(labelled)
    return Evaluation(count, top1 / count, top3 / count, reciprocal / count, tuple(misses))
