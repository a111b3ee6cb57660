"""From a caller's words to search terms: width and case folded, traditional characters
made simplified, synonyms brought to one form, segmented with the domain dictionary, and
filler words (请问、怎么办、吗…) dropped.

The segmenter and the traditional→simplified converter are given (the shell builds them
from jieba and OpenCC with the packaged dictionary), so this module stays pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

Segment = Callable[[str], Iterable[str]]
Simplify = Callable[[str], str]

_WORDISH = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_NOT_KEY = re.compile(r"[^\u3400-\u9fffa-z0-9]+")
_BRACKETED = re.compile(r"[(（]\s*([返回])\s*[)）]")


@dataclass(frozen=True)
class Lexicon:
    """The domain's words (kept whole by the segmenter), its synonyms (variant → the one
    form used in the index) and the filler words a search ignores."""

    words: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()


def fold(text: str, simplify: Simplify) -> str:
    """NFKC (full-width letters, digits and punctuation to ASCII), simplified characters,
    lower case; ``进（返）京`` and ``来(返)京`` read as ``进返京`` and ``来返京``."""
    text = simplify(unicodedata.normalize("NFKC", text)).lower()
    return _BRACKETED.sub(r"\1", text)


def question_key(question: str, simplify: Simplify) -> str:
    """What makes two questions "the same question": their folded text without spaces or
    punctuation. Re-imports match on it; a newer answer under the same key supersedes."""
    return _NOT_KEY.sub("", fold(question, simplify))[:300]


class Analyzer:
    """Search terms for a text; the same for the knowledge base and for questions."""

    def __init__(self, *, segment: Segment, simplify: Simplify, lexicon: Lexicon) -> None:
        self._segment = segment
        self._simplify = simplify
        self.lexicon = lexicon
        variants = sorted(lexicon.synonyms, key=len, reverse=True)
        self._synonym = re.compile("|".join(map(re.escape, variants))) if variants else None

    def normalise(self, text: str) -> str:
        """Folded text with every synonym written in its one form (longest variant first,
        so 次密接 is not read as 密接)."""
        text = fold(text, self._simplify)
        if self._synonym is None:
            return text
        synonyms = self.lexicon.synonyms
        return self._synonym.sub(lambda match: synonyms[match.group(0)], text)

    def terms(self, text: str) -> list[str]:
        """The search terms of ``text``, in order, repeats kept (BM25 counts them)."""
        stop = self.lexicon.stopwords
        return [
            word
            for word in (piece.strip() for piece in self._segment(self.normalise(text)))
            if word and word not in stop and _WORDISH.search(word)
        ]


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def bigrams(terms: list[str]) -> list[str]:
    """Character pairs across the search terms: they catch what segmentation splits
    differently in a question and in an entry (不再使用 / 不用)."""
    text = "".join(terms)
    return [text[i : i + 2] for i in range(len(text) - 1)]


_ENTRY = re.compile(
    r"(?:进|返|来|入|回|抵|到|赴|去)(?:返|回)?(?:北京|京)(?!东|西|剧|津冀|外|沪|哈|广|九|港)"
    r"|(?:进|返|来|入)(?:返)?京|京外|外地.{0,6}(?:北京|京)"
)


def about_entering_beijing(normalised: str) -> bool:
    """True when a (folded) question is about coming to Beijing (进京、返京、来京、回北京、
    从外地到北京…): the hotline then also points to the entry check."""
    return bool(_ENTRY.search(normalised))
