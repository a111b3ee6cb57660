"""Ranking answers for a question: BM25 (bm25s) over three fields with weights.

An entry's score is ``(phrasing × best phrasing + bigrams × best phrasing's character
pairs + answer × its answer) × coverage``: the best of its question and alternatives (each
phrasing is its own BM25 document, so a long list of paraphrases does not dilute the
question), character pairs for what segmentation splits differently, the answer text at a
lower weight (callers describe their situation in the answer's words), all scaled by the
share of the question's IDF weight the entry has anywhere (an entry answering the whole
question beats one matching a single rare word, as Lucene's old coordination factor did).
Scores are comparable within one index, not across indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import numpy.typing as npt

from fanjing.hotline.core.model import Document, Hit
from fanjing.hotline.core.text import Analyzer, bigrams

_EMPTY = "\x00"  # the term of a text with none, so that every document has one


@dataclass(frozen=True)
class Weights:
    phrasing: float = 1.0
    answer: float = 0.4
    bigrams: float = 0.2
    coverage: float = 1.0  # exponent of the share of the question's terms an entry has


class SearchIndex:
    """An in-memory index of documents; build once, search many times (thread-safe reads)."""

    def __init__(
        self, documents: Sequence[Document], analyzer: Analyzer, weights: Weights = Weights()
    ) -> None:
        self.documents = tuple(documents)
        self.analyzer = analyzer
        self.weights = weights
        phrasings: list[list[str]] = []
        pairs: list[list[str]] = []
        starts: list[int] = []
        for document in self.documents:
            starts.append(len(phrasings))
            for text in (document.question, *document.alternatives):
                terms = analyzer.terms(text)
                phrasings.append(terms or [_EMPTY])
                pairs.append(bigrams(terms) or [_EMPTY])
        self._starts = np.asarray(starts, dtype=np.intp)
        self._phrasings = _bm25(phrasings)
        self._pairs = _bm25(pairs)
        answers = [analyzer.terms(d.answer) for d in self.documents]
        self._answers = _bm25([terms or [_EMPTY] for terms in answers])
        self._holders, self._idf = _term_holders(self.documents, phrasings, self._starts, answers)

    def __len__(self) -> int:
        return len(self.documents)

    def search(self, query: str, top: int) -> list[Hit]:
        """The ``top`` best documents for ``query`` with a positive score, best first (ties
        in document order). A query with no search term finds nothing."""
        terms = self.analyzer.terms(query)
        if not terms or not self.documents or top < 1:
            return []
        scores = self.weights.phrasing * self._best(self._phrasings, terms)
        scores += self.weights.bigrams * self._best(self._pairs, bigrams(terms))
        scores += self.weights.answer * self._answers.get_scores(terms)
        scores *= self._coverage(terms) ** self.weights.coverage
        count = min(top, len(scores))
        best = np.argpartition(-scores, count - 1)[:count]
        ranked = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [Hit(self.documents[i].ref, float(scores[i])) for i in ranked if scores[i] > 0]

    def _coverage(self, terms: list[str]) -> npt.NDArray[np.float64]:
        """The share of the question's weight (IDF, unknown terms ignored) each document
        has: an entry that answers all of a question beats one that matches a rare word."""
        covered = np.zeros(len(self.documents))
        total = 0.0
        for term in set(terms):
            if term in self._holders:
                covered[self._holders[term]] += self._idf[term]
                total += self._idf[term]
        return covered / total if total else covered

    def _best(self, index: bm25s.BM25, terms: list[str]) -> npt.NDArray[np.float64]:
        if not terms:
            return np.zeros(len(self.documents))
        per_phrasing = np.asarray(index.get_scores(terms), dtype=np.float64)
        return np.maximum.reduceat(per_phrasing, self._starts)


def _term_holders(
    documents: Sequence[Document],
    phrasings: list[list[str]],
    starts: npt.NDArray[np.intp],
    answers: list[list[str]],
) -> tuple[dict[str, npt.NDArray[np.intp]], dict[str, float]]:
    """For each term, the documents having it anywhere (a phrasing or the answer), and
    its inverse document frequency over documents."""
    owner = np.repeat(np.arange(len(documents)), np.diff(np.append(starts, len(phrasings))))
    found: dict[str, set[int]] = {}
    for index, terms in enumerate(phrasings):
        for term in terms:
            found.setdefault(term, set()).add(int(owner[index]))
    for index, terms in enumerate(answers):
        for term in terms:
            found.setdefault(term, set()).add(index)
    total = len(documents)
    holders = {term: np.fromiter(ids, dtype=np.intp) for term, ids in found.items()}
    idf = {
        term: float(np.log(1 + (total - len(ids) + 0.5) / (len(ids) + 0.5)))
        for term, ids in found.items()
    }
    return holders, idf


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25(k1=1.2, b=0.75)  # k1 a little below Lucene's 1.5: texts are short
    retriever.index(corpus or [[_EMPTY]], show_progress=False)  # bm25s needs a document
    return retriever
