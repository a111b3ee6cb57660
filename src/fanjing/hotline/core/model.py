"""What the knowledge base holds: question–answer pairs, their source, and search hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Source:
    """Where answers come from: the article's (or table's) title, address, day and author."""

    title: str = ""
    url: str | None = None
    day: date | None = None  # the publication day, CST
    author: str | None = None


@dataclass(frozen=True)
class Pair:
    """One question and its authoritative answer, with the paraphrases known for it."""

    question: str
    answer: str
    alternatives: tuple[str, ...] = ()
    source: Source = field(default_factory=Source)


@dataclass(frozen=True)
class Extracted:
    """What one file gave: its kind (``article``, ``html``, ``text``, ``csv``, ``jsonl``),
    the source it names, and its pairs in document order."""

    kind: str
    source: Source
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class Document:
    """One entry as the search index sees it; ``ref`` is the caller's handle (a row id)."""

    ref: int
    question: str
    answer: str
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    ref: int
    score: float
