"""The packaged domain dictionary, synonyms and filler words, and the
analyzer built on them with jieba (segmentation), OpenCC (traditional → simplified) and
jionlp's character readings (mending input-method slips).

Building it takes about two seconds (jieba's prefix dictionary, jionlp's character
dictionary); ``default_analyzer()`` builds it once per process, on first use, never at
import.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import threading
from collections.abc import Callable, Iterator
from importlib import resources

import jieba
import opencc

from fanjing.hotline.core.text import Analyzer, Lexicon, Respeller, lenient_syllable

_DATA = resources.files("fanjing.hotline") / "data"
_DOMAIN_WORD_FREQUENCY = 200_000  # high enough that jieba never splits a domain word
_lock = threading.Lock()


def _lines(name: str) -> list[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def packaged_lexicon() -> Lexicon:
    """The lexicon in ``fanjing/hotline/data``: dictionary.txt, synonyms.txt, stopwords.txt."""
    synonyms: dict[str, str] = {}
    for line in _lines("synonyms.txt"):
        forms = [form.strip().lower() for form in line.split("=") if form.strip()]
        for form in forms:
            synonyms[form] = forms[0]
    words = tuple(dict.fromkeys([*_lines("dictionary.txt"), *synonyms.values()]))
    return Lexicon(words=words, synonyms=synonyms, stopwords=frozenset(_lines("stopwords.txt")))


@functools.cache
def simplifier() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """Traditional characters (and Hong Kong and Taiwan variants) made simplified."""
    return str(simplifier().convert(text))


def default_analyzer() -> Analyzer:
    """The analyzer for the packaged lexicon (built once per process, thread-safe)."""
    with _lock:
        return _build_analyzer()


@functools.cache
def _build_analyzer() -> Analyzer:
    lexicon = packaged_lexicon()
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in lexicon.words:
        tokenizer.add_word(word, freq=_DOMAIN_WORD_FREQUENCY)
    respeller = Respeller(
        [*lexicon.words, *lexicon.synonyms],
        sounds=_sounds_reader(),
        is_word=lambda text: tokenizer.FREQ.get(text, 0) > 0,
    )

    def segment(text: str) -> Iterator[list[str]]:
        # jieba's cut_for_search, each word kept with the dictionary words inside it
        for word in tokenizer.cut(text, HMM=True):
            inside = [
                word[start : start + size]
                for size in (2, 3)
                if len(word) > size
                for start in range(len(word) - size + 1)
                if tokenizer.FREQ.get(word[start : start + size])
            ]
            yield [*inside, word]

    return Analyzer(
        segment=segment,
        simplify=simplify,
        lexicon=lexicon,
        respell=respeller,
    )


def _sounds_reader() -> Callable[[str], list[str]]:
    """A text's syllables in context, one per character (jionlp), made lenient."""
    # jionlp prints a banner on stdout when imported, which would corrupt JSON output
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    lenient = functools.lru_cache(maxsize=8192)(lenient_syllable)  # a few thousand syllables

    def sounds(text: str) -> list[str]:
        readings = jionlp.pinyin(text, formater="simple")
        if len(readings) != len(text):  # never seen; then the text is read as is
            return [""] * len(text)
        return [lenient(r) if r != "<py_unk>" else "" for r in readings]

    return sounds
