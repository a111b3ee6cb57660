"""From a caller's words to search terms: width and case folded, traditional characters
made simplified, typing slips of the pinyin input method mended (格离 → 隔离), synonyms
brought to one form, segmented with the domain dictionary, and filler words (请问、怎么办、
吗…) dropped.

The segmenter, the traditional→simplified converter and the readings of characters are
given (the shell builds them from jieba, OpenCC and jionlp with the packaged dictionary),
so this module stays pure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Segment = Callable[[str], Iterable[Sequence[str]]]  # words, each with the words inside it
Simplify = Callable[[str], str]
IsWord = Callable[[str], bool]

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
    """Search terms for a text: the same for the knowledge base and for questions, except
    that a caller's question has its input-method slips mended (``respell``) first."""

    def __init__(
        self,
        *,
        segment: Segment,
        simplify: Simplify,
        lexicon: Lexicon,
        respell: Callable[[str], str] = str,
    ) -> None:
        self._segment = segment
        self._simplify = simplify
        self._respell = respell
        self.lexicon = lexicon
        variants = sorted(lexicon.synonyms, key=len, reverse=True)
        self._synonym = re.compile("|".join(map(re.escape, variants))) if variants else None

    def normalise(self, text: str) -> str:
        """Folded text with every synonym written in its one form (longest variant first,
        so 次密接 is not read as 密接)."""
        return self._one_form(fold(text, self._simplify))

    def _one_form(self, text: str) -> str:
        if self._synonym is None:
            return text
        synonyms = self.lexicon.synonyms
        return self._synonym.sub(lambda match: synonyms[match.group(0)], text)

    def terms(self, text: str) -> list[str]:
        """The search terms of ``text`` (an entry's), in order, repeats kept (BM25 counts
        them)."""
        return [
            term
            for group in self._groups(self._one_form(fold(text, self._simplify)))
            for term in group
        ]

    def asked(self, question: str) -> list[tuple[str, ...]]:
        """The search terms of a caller's question, by word: each word of the segmentation
        with the dictionary words inside it (集中观察: 集中, 观察, 集中观察), which say one
        thing. Input-method slips are mended first (entries are written with care, and
        mending their long answers would cost the index build dearly)."""
        return self._groups(self._one_form(self._respell(fold(question, self._simplify))))

    def _groups(self, searchable: str) -> list[tuple[str, ...]]:
        stop = self.lexicon.stopwords
        groups = []
        for pieces in self._segment(searchable):
            group = tuple(
                term
                for term in (piece.strip() for piece in pieces)
                if term and term not in stop and _WORDISH.search(term)
            )
            if group:
                groups.append(group)
        return groups


class Respeller:
    """Mends the slips of the pinyin input method: a run of two to four Chinese characters
    that is no word at all (``is_word`` says no, and it is not one of ``words``) but sounds
    like one of ``words`` and differs from it in one character is read as that word
    (格离 → 隔离, 健康包 → 健康宝, 居家观擦 → 居家观察).

    ``sounds`` gives a text's syllables, one per character, read in context (行 of 行程 is
    xing, of 银行 hang), without tones and made lenient (zh/ch/sh as z/c/s, -ng as -n: the
    usual confusions); "" for a character with none. A sound shared by two words mends
    nothing: guessing between them would be worse than leaving the slip.
    """

    def __init__(
        self,
        words: Iterable[str],
        *,
        sounds: Callable[[str], Sequence[str]],
        is_word: IsWord,
    ) -> None:
        self._sounds = sounds
        self._is_word = is_word
        self._words = frozenset(w for w in words if 2 <= len(w) <= 4 and _HAN_ONLY.match(w))
        by_sound: dict[tuple[str, ...], set[str]] = {}
        for word in self._words:
            sound = tuple(sounds(word))
            if all(sound):
                by_sound.setdefault(sound, set()).add(word)
        self._by_sound = {sound: next(iter(ws)) for sound, ws in by_sound.items() if len(ws) == 1}
        self._longest = max((len(w) for w in self._words), default=0)

    def _mended(self, window: str, sound: tuple[str, ...]) -> str | None:
        if window in self._words or self._is_word(window) or not all(sound):
            return None
        word = self._by_sound.get(sound)
        if word and sum(a != b for a, b in zip(word, window, strict=True)) == 1:
            return word
        return None

    def __call__(self, text: str) -> str:
        """``text`` with every slip mended, longest first, left to right."""
        sounds = tuple(self._sounds(text))
        out = []
        index = 0
        while index < len(text):
            for size in range(min(self._longest, len(text) - index), 1, -1):
                window = text[index : index + size]
                if window in self._words:
                    out.append(window)
                    index += size
                    break
                mended = self._mended(window, sounds[index : index + size])
                if mended:
                    out.append(mended)
                    index += size
                    break
            else:
                out.append(text[index])
                index += 1
        return "".join(out)


_HAN_ONLY = re.compile(r"^[\u3400-\u9fff]+$")
_LENIENT = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"ng$"), "n"))


def lenient_syllable(syllable: str) -> str:
    """A pinyin syllable without tone marks or digits, zh/ch/sh as z/c/s and -ng as -n:
    the sounds that the input method confuses most (观察 guan cha, typed 观擦 guan ca)."""
    plain = "".join(
        c for c in unicodedata.normalize("NFD", syllable.lower()) if c.isascii() and c.isalpha()
    )
    for pattern, replacement in _LENIENT:
        plain = pattern.sub(replacement, plain)
    return plain


_ONE_HAN = re.compile(r"^[\u3400-\u9fff]$")


def words(terms: list[str]) -> list[str]:
    """The terms that are words: a lone Chinese character (人、页、补) says little on its
    own and, rare in the entries' wording, would weigh as much as a rare word; it still
    counts in the character pairs."""
    return [term for term in terms if not _ONE_HAN.match(term)]


def chinese_characters(terms: list[str]) -> list[str]:
    """The Chinese characters of the terms, in order."""
    return [char for term in terms for char in term if _ONE_HAN.match(char)]


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
