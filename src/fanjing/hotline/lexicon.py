"""The packaged domain dictionary, synonyms and filler words, and the analyzer built on
them with jieba (segmentation) and OpenCC (traditional → simplified).

Building it takes about a second (jieba's prefix dictionary); ``default_analyzer()``
builds it once per process, on first use, never at import.
"""

from __future__ import annotations

import functools
import logging
import threading
from importlib import resources

import jieba
import opencc

from fanjing.hotline.core.text import Analyzer, Lexicon

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
    return Analyzer(
        segment=lambda text: tokenizer.cut_for_search(text, HMM=True),
        simplify=simplify,
        lexicon=lexicon,
    )
