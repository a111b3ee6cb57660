"""Ranking answers for a question: BM25 (bm25s) over four fields with weights.

An entry's score is ``(phrasing × best phrasing + bigrams × best phrasing's character
pairs + characters × best phrasing's characters + answer × its answer) × coverage ^
exponent``: the best of its question and alternatives (each phrasing is its own BM25
document, so a long list of paraphrases does not dilute the question), character pairs for
what segmentation splits differently, single characters only for the question's words that
no entry has (back-off: 管 of 怎么管 still meets 管理), the answer text at a lower weight
(callers describe their situation in the answer's words), all scaled by the share of the
question's IDF weight the entry has anywhere (an entry answering the whole question beats
one matching a single rare word, as Lucene's old coordination factor did). Equal scores
are ordered by the answer's own score, then by document order. Scores are comparable
within one index, not across indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import numpy.typing as npt

from fanjing.hotline.core.model import Document, Hit
from fanjing.hotline.core.text import Analyzer, bigrams, chinese_characters, words

_EMPTY = "\x00"  # the term of a text with none, so that every document has one


@dataclass(frozen=True)
class Weights:
    phrasing: float = 1.0
    answer: float = 0.5
    bigrams: float = 0.4
    characters: float = 0.3  # the back-off for words no entry has
    coverage: float = 2.0  # exponent of the share of the question's terms an entry has


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
        characters: list[list[str]] = []
        starts: list[int] = []
        for document in self.documents:
            starts.append(len(phrasings))
            for text in (document.question, *document.alternatives):
                terms = analyzer.terms(text)
                phrasings.append(words(terms) or [_EMPTY])
                pairs.append(bigrams(terms) or [_EMPTY])
                characters.append(chinese_characters(terms) or [_EMPTY])
        self._starts = np.asarray(starts, dtype=np.intp)
        self._phrasings = _bm25(phrasings)
        self._pairs = _bm25(pairs)
        self._characters = _bm25(characters)
        answers = [words(analyzer.terms(d.answer)) for d in self.documents]
        self._answers = _bm25([terms or [_EMPTY] for terms in answers])
        self._holders, self._idf = _term_holders(self.documents, phrasings, self._starts, answers)

    def __len__(self) -> int:
        return len(self.documents)

    def search(self, query: str, top: int) -> list[Hit]:
        """The ``top`` best documents for ``query`` with a positive score, best first (equal
        scores by the answer's score, then in document order). A query with no search term
        finds nothing."""
        groups = self.analyzer.asked(query)
        if not groups or not self.documents or top < 1:
            return []
        pairs = bigrams([term for group in groups for term in group])
        known_groups, unknown = self._known(groups)
        known = [term for group in known_groups for term in group]
        answer = _scores(self._answers, known, len(self.documents))
        scores = self.weights.phrasing * self._best(self._phrasings, known)
        scores += self.weights.bigrams * self._best(self._pairs, pairs)
        scores += self.weights.characters * self._best(self._characters, unknown)
        scores += self.weights.answer * answer
        scores *= self._coverage(known_groups) ** self.weights.coverage
        return [Hit(self.documents[i].ref, float(scores[i])) for i in _ranked(scores, answer, top)]

    def _known(self, groups: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], list[str]]:
        """(each word's terms that some entry has, with the known pieces of unknown ones;
        the characters of lone characters and of unknown words with no known piece)."""
        known_groups, unknown = [], []
        for group in groups:
            known: list[str] = []
            for term in group:
                if term in self._holders:  # never a lone character: see words()
                    known.append(term)
                    continue
                inside = [part for part in _parts(term) if part in self._holders]
                known.extend(inside)
                if not inside:
                    unknown.extend(chinese_characters([term]))
            if known:
                known_groups.append(tuple(dict.fromkeys(known)))
        return known_groups, unknown

    def _coverage(self, groups: list[tuple[str, ...]]) -> npt.NDArray[np.float64]:
        """The share of the question's weight each document has, word by word: a word
        weighs its rarest term's IDF, and a document is credited with the rarest of the
        word's terms it has (核酸 of 核酸检测 counts, less than 核酸检测 itself). An entry
        that answers all of a question beats one that matches a rare word."""
        covered = np.zeros(len(self.documents))
        total = 0.0
        for group in dict.fromkeys(groups):
            credit = np.zeros(len(self.documents))
            for term in group:
                holders = self._holders[term]
                credit[holders] = np.maximum(credit[holders], self._idf[term])
            covered += credit
            total += max(self._idf[term] for term in group)
        return covered / total if total else covered

    def _best(self, index: bm25s.BM25, terms: list[str]) -> npt.NDArray[np.float64]:
        if not terms:
            return np.zeros(len(self.documents))
        per_phrasing = np.asarray(index.get_scores(terms), dtype=np.float64)
        return np.maximum.reduceat(per_phrasing, self._starts)


def _scores(index: bm25s.BM25, terms: list[str], size: int) -> npt.NDArray[np.float64]:
    """BM25 scores of every document of ``index`` (``size`` of them) for ``terms``; zeros
    for no terms (bm25s wants at least one)."""
    if not terms:
        return np.zeros(size)
    return np.asarray(index.get_scores(terms), dtype=np.float64)


def _parts(term: str) -> list[str]:
    """The pieces of two or more characters inside a longer term, longest first."""
    return [
        term[start : start + size]
        for size in range(len(term) - 1, 1, -1)
        for start in range(len(term) - size + 1)
    ]


def _ranked(
    scores: npt.NDArray[np.float64], answer: npt.NDArray[np.float64], top: int
) -> list[int]:
    """The indexes of the ``top`` best positive scores, best first; equal scores by the
    answer's score (the entry whose answer speaks of the question), then by index."""
    positive = np.flatnonzero(scores > 0)
    if not len(positive):
        return []
    count = min(top, len(positive))
    kth = -np.partition(-scores[positive], count - 1)[count - 1]
    candidates = positive[scores[positive] >= kth]  # ascending, so index breaks last ties
    order = np.lexsort((candidates, -answer[candidates], -scores[candidates]))
    return [int(i) for i in candidates[order[:count]]]


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
    # k1 a little below Lucene's 1.5 and b well below its 0.75: texts are short, and a
    # long question (the seed's run to 40 characters) is no less about each of its words
    retriever = bm25s.BM25(k1=1.2, b=0.3)
    retriever.index(corpus or [[_EMPTY]], show_progress=False)  # bm25s needs a document
    return retriever
