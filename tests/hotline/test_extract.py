"""Extraction: every question shape the issue names, the seed article, boilerplate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fanjing.hotline.core.articles import day_from, page_pairs, text_pairs
from fanjing.hotline.reading import read_file, read_text

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_b0fa59e071304922.txt"


def questions(text: str, suffix: str = ".txt") -> list[tuple[str, str]]:
    return [(p.question, p.answer) for p in read_text(text, "fixture", suffix).pairs]


def test_the_seed_gives_six_pairs_with_title_date_and_author():
    extracted = read_file(SEED)
    assert extracted.kind == "article"
    assert extracted.source.title == "返京政策如何？行程卡带星能进京吗？北京12345权威答复"
    assert extracted.source.day == date(2021, 8, 7)
    assert extracted.source.author == "新浪财经"
    pairs = extracted.pairs
    assert len(pairs) == 6
    assert pairs[0].question == "外地返京政策如何？行程卡带星号是否可以进京？"
    assert pairs[0].answer.startswith("如您计划进京")  # 答： removed
    assert pairs[0].answer.endswith("并积极配合社区做好各项疫情防控工作。")
    assert pairs[3].question.startswith("北京健康宝之前有2个手机号码")
    assert pairs[5].answer.endswith("请与疾控部门联系确认。")
    assert all(p.source.day == date(2021, 8, 7) for p in pairs)


def test_the_seed_drops_its_qr_block_styles_and_editor_line():
    answers = "\n".join(p.answer for p in read_file(SEED).pairs)
    for boilerplate in ("新浪财经APP", "appendQr", "责任编辑", "王翔", "news_keyword", "原标题"):
        assert boilerplate not in answers


NUMBERED = {
    "full-width point": "1．健康宝弹窗怎么办？\n答：联系社区。\n2．行程卡带星能进京吗？\n答：需确认是否经过中高风险区域。",
    "ascii point": "1. 健康宝弹窗怎么办？\n请联系社区。\n2. 行程卡带星能进京吗？\n需确认是否经过中高风险区域。",
    "chinese numeral": "一、健康宝弹窗怎么办？\n请联系社区。\n二、行程卡带星能进京吗？\n需确认是否经过中高风险区域。",
    "zero padded": "01 健康宝弹窗怎么办？\n请联系社区。\n02 行程卡带星能进京吗？\n需确认是否经过中高风险区域。",
    "bracketed": "（1）健康宝弹窗怎么办？\n请联系社区。\n（2）行程卡带星能进京吗？\n需确认是否经过中高风险区域。",
    "arrow symbol": "➤健康宝弹窗怎么办？\n请联系社区。\n➤行程卡带星能进京吗？\n需确认是否经过中高风险区域。",
    "related question mark": "【相关问题】健康宝弹窗怎么办？\n请联系社区。\n【相关问题】行程卡带星能进京吗？\n需确认是否经过中高风险区域。",
    "plain question lines": "健康宝弹窗怎么办？\n请联系社区。\n行程卡带星能进京吗?\n需确认是否经过中高风险区域。",
    "ask and answer": "问：健康宝弹窗怎么办？\n答：请联系社区。\n问：行程卡带星能进京吗？\n答:需确认是否经过中高风险区域。",
    "ask and answer on one line": "问：健康宝弹窗怎么办？答：请联系社区。\n问：行程卡带星能进京吗？答：需确认是否经过中高风险区域。",
    "markdown bold": "**健康宝弹窗怎么办？**\n\n请联系社区。\n\n**行程卡带星能进京吗？**\n\n需确认是否经过中高风险区域。",
    "markdown headings": "## 健康宝弹窗怎么办\n请联系社区。\n## 行程卡带星能进京吗\n需确认是否经过中高风险区域。",
}


@pytest.mark.parametrize("text", NUMBERED.values(), ids=NUMBERED.keys())
def test_each_question_shape_gives_both_pairs(text):
    found = questions("标题：热线答复\n" + text)
    assert [q.rstrip("？?") for q, _ in found] == ["健康宝弹窗怎么办", "行程卡带星能进京吗"]
    assert found[0][1] in ("联系社区。", "请联系社区。")
    assert found[1][1] == "需确认是否经过中高风险区域。"


def test_bold_questions_in_html():
    html = """<html><head><title>热线答复</title>
    <meta name="author" content="北京日报"><meta property="article:published_time"
    content="2021-08-08T08:00:00+08:00"><script>var x = "吗？";</script></head><body>
    <h1>热线答复</h1><p>导语：近期来电增多。</p>
    <p><strong>低风险地区进京要核酸吗</strong></p><p>不需要，绿码即可。</p>
    <p><b>冒用行程码怎么处理</b></p><p>依法严肃处理。</p>
    <div class="share-box">分享到微博 怎么分享？</div>
    <p>推荐阅读：</p><p>》》涿州进京需要核酸检测证明吗</p></body></html>"""
    extracted = page_pairs(html)
    assert extracted.source.title == "热线答复"
    assert extracted.source.author == "北京日报"
    assert extracted.source.day == date(2021, 8, 8)
    assert [(p.question, p.answer) for p in extracted.pairs] == [
        ("低风险地区进京要核酸吗", "不需要，绿码即可。"),
        ("冒用行程码怎么处理", "依法严肃处理。"),
    ]


def test_numbered_steps_inside_an_answer_are_not_questions():
    text = (
        "换绑指南\n1. 微信端怎么换绑手机号？\n1. 打开微信端健康宝小程序。\n2. 点击第一个手机号。\n"
        "2. 支付宝端怎么换绑手机号？\n打开支付宝点击我的。"
    )
    found = questions(text)
    assert [q for q, _ in found] == ["微信端怎么换绑手机号？", "支付宝端怎么换绑手机号？"]
    assert found[0][1] == "1. 打开微信端健康宝小程序。\n2. 点击第一个手机号。"


def test_where_answers_are_marked_a_question_needs_one():
    text = "北京对中高风险地区人员如何管控?\n答:一律实施集中观察。\n你知道吗？\n这是闲话。\n"
    assert questions(text) == [
        ("北京对中高风险地区人员如何管控?", "一律实施集中观察。\n你知道吗？\n这是闲话。")
    ]


def test_recommended_reading_and_editor_lines_are_dropped():
    text = "问：进京要报告吗？\n答：要向社区报告。\n责任编辑：某某\n?推荐阅读:\n》》涿州进京需要核酸检测证明吗"
    assert questions(text) == [("进京要报告吗？", "要向社区报告。")]


def test_plain_text_title_and_date():
    extracted = text_pairs(
        "北京12345答复\n发布时间：2021-08-07 10:00\n健康宝弹窗怎么办？\n联系社区。"
    )
    assert extracted.source.title == "北京12345答复"
    assert extracted.source.day == date(2021, 8, 7)
    assert len(extracted.pairs) == 1


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("Sat, 07 Aug 2021 01:39:14 GMT", date(2021, 8, 7)),
        ("Fri, 06 Aug 2021 17:00:00 GMT", date(2021, 8, 7)),  # 01:00 in Beijing
        ("2021-08-07", date(2021, 8, 7)),
        ("2021年8月7日", date(2021, 8, 7)),
        ("2021-08-06T23:30:00+08:00", date(2021, 8, 6)),
        ("not a date", None),
        (None, None),
    ],
    ids=[
        "rfc2822",
        "rfc2822-next-day-in-beijing",
        "iso",
        "chinese",
        "iso-with-zone",
        "bad",
        "none",
    ],
)
def test_front_matter_dates_are_days_in_china(value, day):
    assert day_from(value) == day
