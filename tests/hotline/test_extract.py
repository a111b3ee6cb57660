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


WITHOUT_QUESTION_MARKS = {
    "plain lines": ("热线答复\n第二针什么时候打\n可与所在街道咨询预约。\n返京政策如何\n请咨询所在地政府。", ".txt"),
    "plain lines ending in particles": ("热线答复\n解绑的手机号多久删除呢\n14天后删除。\n行程卡带星还能进京么\n需确认。", ".txt"),
    "markdown headings": ("# 热线答复\n## 第二针什么时候打\n可与所在街道咨询预约。\n### 返京政策如何\n请咨询所在地政府。", ".md"),
    "html headings": ("<h1>热线答复</h1><h2>第二针什么时候打</h2><p>可与所在街道咨询预约。</p><h3>返京政策如何</h3><p>请咨询所在地政府。</p>", ".html"),
    "bold lines": ("<p>热线答复</p><p><strong>第二针什么时候打</strong></p><p>可与所在街道咨询预约。</p><p><b>返京政策如何</b></p><p>请咨询所在地政府。</p>", ".html"),
    "numbered": ("热线答复\n1. 第二针什么时候打\n可与所在街道咨询预约。\n2. 返京政策如何\n请咨询所在地政府。", ".txt"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "suffix"), WITHOUT_QUESTION_MARKS.values(), ids=WITHOUT_QUESTION_MARKS.keys()
)
def test_questions_without_a_question_mark(text, suffix):
    expected = (
        [("解绑的手机号多久删除呢", "14天后删除。"), ("行程卡带星还能进京么", "需确认。")]
        if "删除" in text
        else [
            ("第二针什么时候打", "可与所在街道咨询预约。"),
            ("返京政策如何", "请咨询所在地政府。"),
        ]
    )
    assert questions(text, suffix) == expected


ORDINARY = {
    "sentence with a question word": "如何进京，请咨询所在地政府。",
    "instruction": "请您关注健康宝什么时候更新",
    "conditional": "如果不是您的常用手机号点击使用其他手机号码",
    "sentence ending in 。 with 是否": "需确认是否曾经过中高风险区域。",
    "lead-in": "具体方式如下",
    "thanks": "一人不便换来千万人的安全方便，感谢您的理解和支持",
    "long line": "防疫无小事被替换手机号码14天内仍要一并查询行程直至14天后更换才会彻底生效怎么说都不为过",
    "caption": "（央广网记者张佳琪摄）",
}


@pytest.mark.parametrize("line", ORDINARY.values(), ids=ORDINARY.keys())
def test_ordinary_sentences_are_not_questions(line):
    assert questions(f"热线答复\n健康宝弹窗怎么办\n{line}\n联系社区。") == [
        ("健康宝弹窗怎么办", f"{line}\n联系社区。")
    ]
    assert questions(f"热线答复\n{line}\n联系社区。") == []


def test_sentences_before_a_question_on_its_line_are_not_part_of_it():
    text = "标题\n如您有进京记录，请尽早核验行程。如何使用健康宝核验行程？\n点击“继续”。"
    assert questions(text) == [("如何使用健康宝核验行程？", "点击“继续”。")]


def test_numbered_questions_whose_answers_are_lists():
    text = (
        "热线答复\n一、哪些人要集中观察？\n1. 高风险地区来京人员；\n2. 外省市通报的密接。\n"
        "二、换绑手机号怎么操作？\n（1）打开小程序；\n（2）选择是否同意授权，点击确定。\n"
        "（3）怎么确认换绑成功：看个人中心\n三、解绑的号码多久删除\n- 14天后删除。"
    )
    assert questions(text) == [
        ("哪些人要集中观察？", "1. 高风险地区来京人员；\n2. 外省市通报的密接。"),
        (
            "换绑手机号怎么操作？",
            "（1）打开小程序；\n（2）选择是否同意授权，点击确定。\n（3）怎么确认换绑成功：看个人中心",
        ),
        ("解绑的号码多久删除", "14天后删除。"),
    ]


def test_list_items_in_the_questions_own_style_that_end_as_sentences_are_not_questions():
    text = "热线答复\n1. 换绑怎么操作？\n2. 选择是否同意授权，点击确定。\n3. 健康宝弹窗怎么办？\n联系社区。"
    assert questions(text) == [
        ("换绑怎么操作？", "2. 选择是否同意授权，点击确定。"),
        ("健康宝弹窗怎么办？", "联系社区。"),
    ]


TABLES = {
    "html with a header": (
        "<p>热线答复</p><table><tr><th>问题</th><th>答复</th></tr>"
        "<tr><td>行程卡带星能进京吗</td><td><p>需确认是否经过中高风险区域。</p><p>详询社区。</p></td></tr>"
        "<tr><td>健康宝弹窗怎么办</td><td>联系社区。</td></tr></table><p>以上为权威答复。</p>",
        ".html",
    ),
    "html without a header": (
        "<p>热线答复</p><table><tr><td>行程卡带星能进京吗？</td><td>需确认是否经过中高风险区域。<br>详询社区。</td></tr>"
        "<tr><td>健康宝弹窗怎么办</td><td>联系社区。</td></tr></table>",
        ".html",
    ),
    "markdown with a header": (
        "热线答复\n\n| 来电问题 | 热线答复 |\n| --- | :--- |\n"
        "| 行程卡带星能进京吗 | 需确认是否经过中高风险区域。<br>详询社区。 |\n"
        "| **健康宝弹窗怎么办** | 联系社区。 |\n\n以上为权威答复。",
        ".md",
    ),
    "markdown without outer pipes": (
        "热线答复\n问题 | 答复\n---|---\n行程卡带星能进京吗？ | 需确认是否经过中高风险区域。<br/>详询社区。\n健康宝弹窗怎么办 | 联系社区。",
        ".md",
    ),
}


@pytest.mark.parametrize(("text", "suffix"), TABLES.values(), ids=TABLES.keys())
def test_two_column_tables_of_questions_and_answers(text, suffix):
    assert [(q.rstrip("？"), a) for q, a in questions(text, suffix)] == [
        ("行程卡带星能进京吗", "需确认是否经过中高风险区域。\n详询社区。"),
        ("健康宝弹窗怎么办", "联系社区。"),
    ]


def test_a_table_of_other_things_is_part_of_an_answer():
    html = (
        "<p>热线答复</p><p><b>郑州哪些地方是中风险地区？</b></p><p>8月10日的目录：</p>"
        "<table><tr><th>地区</th><th>等级</th></tr><tr><td>二七区长江路街道</td><td>中风险</td></tr></table>"
        "<p><b>三列的表呢？</b></p><table><tr><td>问</td><td>答</td><td>日期</td></tr></table>"
    )
    assert questions(html, ".html") == [
        ("郑州哪些地方是中风险地区？", "8月10日的目录：\n地区：等级\n二七区长江路街道：中风险"),
        ("三列的表呢？", "问\n答\n日期"),
    ]
