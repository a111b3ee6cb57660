"""The search's parts for unseen callers: mending input-method slips, backing off to
characters, coverage by word, and equal scores ordered by the answer."""

from __future__ import annotations

import pytest

from fanjing.hotline.core.model import Document
from fanjing.hotline.core.rank import SearchIndex, Weights
from fanjing.hotline.core.text import Analyzer, Respeller, lenient_syllable
from fanjing.hotline.lexicon import default_analyzer

SOUNDS = {"隔": "ge", "格": "ge", "离": "li", "观": "guan", "察": "ca", "擦": "ca",
          "宝": "bao", "包": "bao", "保": "bao", "健": "jian", "康": "kan", "时": "si",
          "事": "si", "实": "si", "施": "si", "从": "con", "中": "zon", "高": "gao"}  # fmt: skip


def sounds(text: str) -> list[str]:
    return [SOUNDS.get(char, "") for char in text]


def respeller(*words: str, real: tuple[str, ...] = ()) -> Respeller:
    return Respeller(words, sounds=sounds, is_word=lambda text: text in real)


@pytest.mark.parametrize(
    ("text", "mended"),
    [("居家格离", "居家隔离"), ("健康包弹窗", "健康宝弹窗"), ("居家观擦", "居家观察")],
    ids=["two characters", "three characters", "lenient ch/c"],
)
def test_a_slip_that_sounds_like_a_word_is_mended(text, mended):
    assert respeller("隔离", "健康宝", "观察")(text) == mended


def test_real_words_known_words_and_shared_sounds_are_left_alone():
    assert respeller("隔离", real=("格离",))("格离") == "格离"  # the dictionary knows it
    assert respeller("隔离", "格离")("格离") == "格离"  # a word of the domain itself
    assert respeller("实施", "事实")("事施") == "事施"  # two words sound so: no guess
    assert respeller("中高")("从高") == "从高"  # cong is not zong
    assert respeller("隔离")("隔离") == "隔离"


def test_lenient_syllables():
    assert [lenient_syllable(s) for s in ("chá", "zhōng", "xíng", "lǘ", "shi4")] == [
        "ca",
        "zon",
        "xin",
        "lu",
        "si",
    ]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return default_analyzer()


def test_the_packaged_analyzer_mends_callers_slips_but_not_entries(analyzer):
    assert "居家观察" in {t for group in analyzer.asked("居家格离能出门吗") for t in group}
    assert "健康宝" in {t for group in analyzer.asked("健康包弹窗") for t in group}
    assert "健康宝" not in analyzer.terms("健康包弹窗")  # entries are taken as written
    assert "中高风险地区" not in {t for g in analyzer.asked("从高风险地区回来") for t in g}


def index(analyzer: Analyzer, *documents: tuple[str, str]) -> SearchIndex:
    return SearchIndex([Document(i, q, a) for i, (q, a) in enumerate(documents, start=1)], analyzer)


def test_a_lone_character_backs_off_to_the_characters_of_questions(analyzer):
    documents = [
        Document(1, "高风险地区人员怎么购票？", "见通知。"),
        Document(2, "高风险地区人员怎么管理？", "见通知。"),
    ]
    # character pairs (员管) would meet 管理 too: leave them out to see the back-off alone
    backing_off = SearchIndex(documents, analyzer, Weights(bigrams=0.0))
    without = SearchIndex(documents, analyzer, Weights(bigrams=0.0, characters=0.0))
    assert backing_off.search("高风险地区人员怎么管", 1)[0].ref == 2  # 管 meets 管理
    assert without.search("高风险地区人员怎么管", 1)[0].ref == 1  # a tie, in order


def test_a_word_counts_once_in_the_coverage_whatever_its_pieces(analyzer):
    """集中观察 segments as 集中, 观察 and 集中观察: an entry with only 集中观察 in its
    answer is not outweighed by one that has the word's pieces in its question."""
    found = index(
        analyzer,
        ("集中观察、居家观察期间要做核酸检测吗？", "全部按要求进行核酸检测。"),
        ("高风险地区来京人员怎么管理？", "一律实施14天集中观察和7天健康监测。"),
    )
    assert found.search("高风险地区来京要集中观察几天", 1)[0].ref == 2


def test_equal_scores_are_ordered_by_the_answer(analyzer):
    documents = [
        Document(1, "健康宝弹窗的问题？", "请咨询12345。"),
        Document(2, "健康宝弹窗的问题？", "健康宝弹窗请联系社区。"),
    ]
    hits = SearchIndex(documents, analyzer, Weights(answer=0.0)).search("健康宝弹窗", 2)
    assert hits[0].score == hits[1].score
    assert [hit.ref for hit in hits] == [2, 1]  # not document order: the answer speaks of it
