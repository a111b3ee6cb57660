"""Ranking answers for a question: BM25 (bm25s) over three fields with weights.

An entry's score is ``question × best phrasing + answer × its answer``: the best of its
question and alternatives (each phrasing is its own BM25 document, so a long list of
paraphrases does not dilute the question), plus its answer text at a lower weight, which
catches callers who describe their situation in the answer's words. Scores are BM25
units: comparable within one index, not across indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import numpy.typing as npt

from fanjing.hotline.core.model import Document, Hit
from fanjing.hotline.core.text import Analyzer

_EMPTY = "\x00"  # the term of a text with none, so that every document has one


@dataclass(frozen=True)
class Weights:
    phrasing: float = 1.0
    answer: float = 0.25


class SearchIndex:
    """An in-memory index of documents; build once, search many times (thread-safe reads)."""

    def __init__(
        self, documents: Sequence[Document], analyzer: Analyzer, weights: Weights = Weights()
    ) -> None:
        self.documents = tuple(documents)
        self.analyzer = analyzer
        self.weights = weights
        phrasings: list[list[str]] = []
        starts: list[int] = []
        for document in self.documents:
            starts.append(len(phrasings))
            for text in (document.question, *document.alternatives):
                phrasings.append(analyzer.terms(text) or [_EMPTY])
        self._starts = np.asarray(starts, dtype=np.intp)
        self._phrasings = _bm25(phrasings)
        self._answers = _bm25([analyzer.terms(d.answer) or [_EMPTY] for d in self.documents])

    def __len__(self) -> int:
        return len(self.documents)

    def search(self, query: str, top: int) -> list[Hit]:
        """The ``top`` best documents for ``query`` with a positive score, best first (ties
        in document order). A query with no search term finds nothing."""
        terms = self.analyzer.terms(query)
        if not terms or not self.documents or top < 1:
            return []
        scores = self.weights.phrasing * self._best_phrasing(terms)
        scores += self.weights.answer * self._answers.get_scores(terms)
        count = min(top, len(scores))
        best = np.argpartition(-scores, count - 1)[:count]
        ranked = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [Hit(self.documents[i].ref, float(scores[i])) for i in ranked if scores[i] > 0]

    def _best_phrasing(self, terms: list[str]) -> npt.NDArray[np.float64]:
        per_phrasing = np.asarray(self._phrasings.get_scores(terms), dtype=np.float64)
        return np.maximum.reduceat(per_phrasing, self._starts)


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    return retriever
