"""The unseen paraphrase set: written from the sources, over at least 100 entries, and
split into its tuning and held-back parts by the questions' hashes alone."""

from __future__ import annotations

import json
import math

from fanjing.hotline.lexicon import simplify
from tests.hotline.paraphrase_split import HELDOUT, TUNE, split


def _lines(path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_parts_are_the_split_of_their_union():
    tune, held = _lines(TUNE), _lines(HELDOUT)
    everything = tune + held
    again_tune, again_held = split(everything)
    assert set(again_tune) == set(tune) and set(again_held) == set(held)
    assert len(held) == math.ceil(len(everything) * 0.3)


def test_at_least_300_paraphrases_over_at_least_100_entries_none_twice():
    items = [json.loads(line) for line in _lines(TUNE) + _lines(HELDOUT)]
    assert len(items) >= 300
    assert len({item["expect"] for item in items}) >= 100
    assert len({item["q"] for item in items}) == len(items)


def test_the_set_has_traditional_characters_typos_and_english():
    queries = [json.loads(line)["q"] for line in _lines(TUNE) + _lines(HELDOUT)]
    traditional = [q for q in queries if simplify(q) != q]
    english = [q for q in queries if any("a" <= c.lower() <= "z" for c in q)]
    typos = [
        q
        for q in queries
        if any(slip in q for slip in ("格离", "核算", "健康包", "行程马", "疫描", "观擦"))
    ]
    assert len(traditional) >= 60 and len(english) >= 10 and len(typos) >= 10
