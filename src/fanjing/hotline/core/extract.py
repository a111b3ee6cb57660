"""Question–answer pairs from an article's blocks, in the shapes real articles use.

Questions: numbered (``1．…？``, ``1.``, ``（1）``, ``一、``, ``01``), in bold or a heading,
marked with a symbol (``➤``, ``●``, ``【相关问题】``), introduced by ``问：``, plain lines
ending in ``？`` or ``?``, or short plain lines that ask without a question mark (ending in
吗/呢/么, in 什么时候/怎么办/如何…, or like "第二针什么时候打"). Answers: everything up to
the next question, without a leading ``答：``/``答:`` (a numbered list stays a list, one item
a line); or the rest of a ``问：…答：…`` line; or, in a two-column table (HTML or Markdown)
of questions and answers, the row's second cell.

A marked question (number, bold, symbol) must read as a question (a question mark or a
question word such as 吗、如何、怎么) and must not end as a sentence does (。；！): numbered
steps inside an answer ("1. 打开微信…", "2. 是否同意授权，点击确定。") are not questions, nor
are items numbered in another style than the article's questions (（1）… under 1．…). Where
an article marks its answers with ``答：``, a question counts only when an answer marked so
follows it; where it marks none, plain lines count only if the article has no marked
questions (its shape is then plain lines). A table counts as questions and answers when its
header names them (问题/答复…) or most of its first cells read as questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fanjing.hotline.core.blocks import Block, body_blocks
from fanjing.hotline.core.model import Pair, Source

_CUE = re.compile(
    r"[？?]|吗|呢|么\s*$|如何|怎么|怎样|什么|哪|是否|能否|可否|能不能|可不可以|要不要|需不需要|"
    r"为何|为啥|多久|多长|几天|几针|多少|有没有|行不行|可以.{0,12}吗"
)
_ANSWER = re.compile(r"^\s*(?:答|回答|解答|A)\s*[：:]\s*", re.IGNORECASE)
_ASK = re.compile(r"^\s*(?:问|提问|Q)\s*[：:]\s*", re.IGNORECASE)
_INLINE = re.compile(r"^\s*(?:问|Q)\s*[：:]\s*(?P<q>.+?)\s*(?:答|A)\s*[：:]\s*(?P<a>.+)$", re.I)
_NUMERAL = r"(?:\d{1,3}|[一二三四五六七八九十]{1,3})"
_NUMBER = re.compile(
    rf"^\s*(?:[（(]\s*{_NUMERAL}\s*[)）]|{_NUMERAL}\s*[．.、:：)）]|0\d(?=[\s｜|丨/／\u4e00-\u9fff])"
    rf"|Q\s*\d{{1,3}}\s*[．.、:：]?)\s*[｜|丨/／]?\s*",
    re.IGNORECASE,
)
_SYMBOL = re.compile(
    r"^\s*(?:【\s*(?:相关问题|热点问题|常见问题|问题|提问|问)\s*】\s*[：:]?|[➤►▶▷●○■□◆◇★☆▲△✦✧❖➢➣➥→◎√▌|]+)\s*"
)
_SYMBOL_ONLY = re.compile(r"^\s*【\s*(?:相关问题|热点问题|常见问题|问题)\s*】\s*[：:]?\s*$")
_PLAIN_QUESTION = re.compile(r"[？?]\s*$")
_LONGEST_PLAIN_QUESTION = 80  # characters; a longer line ending in ？ is prose, not a question
_SENTENCE_END = re.compile(r"[。；;！!，,、：:…]\s*$")
# A question without a question mark: it ends in a particle or an asking phrase, or asks
# with a question word followed by a short verb phrase (第二针什么时候打, 核酸在哪做).
_ASKING_END = re.compile(
    r"(?:吗|呢|么|嘛|什么时候|何时|怎么办|咋办|如何|怎么样|怎样|多久|多长时间|哪里|哪儿|在哪|"
    r"哪些|为什么|为啥|是什么|什么|几天|多少天|多少)$"
)
_ASKING_WORD = re.compile(
    r"(?:什么时候|何时|怎么|如何|怎样|为什么|为啥|在哪里|在哪|去哪|哪里|多久|是否|能否|能不能|"
    r"可不可以|要不要|需不需要|有没有)(?P<rest>[\u4e00-\u9fff]{1,6})$"
)
_NOT_ASKING_START = re.compile(r"^(?:请|如您|如果|如需|如有|若|您可|可以|需要注意)")
_LONGEST_BARE_QUESTION = 40  # characters
# a header cell of a table of questions and answers (来电问题 | 热线答复, Q | A)
_TABLE_QUESTION = re.compile(r"^(?:.{0,6}(?:问题|提问)|问|Q|questions?)$", re.IGNORECASE)
_TABLE_ANSWER = re.compile(r"^(?:.{0,6}(?:答复|回答|解答|回复|答案)|答|A|answers?)$", re.IGNORECASE)


@dataclass(frozen=True)
class _Line:
    kind: str  # qa, row, ask, answer, marked, plain, text
    text: str  # without its marker
    answer: str = ""  # for qa and row: the answer on the same line or in the next cell
    numbering: str = ""  # for marked: the style of its number (arabic., （n）, 一、…)


def pairs_in(blocks: Sequence[Block], source: Source) -> tuple[Pair, ...]:
    """Every question–answer pair in ``blocks`` (an article's body), in document order.

    Boilerplate is dropped first; a question with no answer text is skipped.
    """
    lines = _classify(body_blocks(blocks))
    starts = _question_starts(lines)
    pairs = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        question = _clean_question(lines[start].text)
        answer = _answer(lines, start, end)
        if question and answer:
            pairs.append(Pair(question=question, answer=answer, source=source))
    return tuple(pairs)


def _classify(blocks: Sequence[Block]) -> list[_Line]:
    lines: list[_Line] = []
    marker_before = False
    table: list[tuple[str, str]] = []
    for block in blocks:
        if block.cells is not None:
            table.append(block.cells)
            continue
        lines.extend(_table_lines(table))
        table = []
        line = _classify_one(block, marker_before)
        marker_before = bool(_SYMBOL_ONLY.match(block.text))
        if not marker_before:
            lines.extend(_question_last(line))
    lines.extend(_table_lines(table))
    return _in_question_numbering(lines)


_LAST_SENTENCE = re.compile(r"^(?P<before>.*[。！!])\s*(?P<question>[^。！!]+)$")


def _question_last(line: _Line) -> list[_Line]:
    """A plain line of sentences that ends asking (如您有进京记录，请尽早核验行程。如何使用
    健康宝核验行程？) is those sentences, then the question."""
    parts = _LAST_SENTENCE.match(line.text) if line.kind == "plain" else None
    if parts is None:
        return [line]
    return [_Line("text", parts["before"]), _Line("plain", parts["question"])]


def _table_lines(rows: list[tuple[str, str]]) -> list[_Line]:
    """A two-column table's rows: questions and answers when its header names them or
    most first cells read as questions; otherwise text lines ("cell：cell")."""
    if not rows:
        return []
    first, second = rows[0]
    if _TABLE_QUESTION.match(first.strip()) and _TABLE_ANSWER.match(second.strip()):
        return [_Line("row", q, a) for q, a in rows[1:] if q and a]
    asking = sum(bool(_CUE.search(q)) for q, _ in rows)
    if asking * 2 > len(rows):
        return [_Line("row", q, a) for q, a in rows if q and a]
    return [_Line("text", "：".join(cell for cell in row if cell)) for row in rows]


def _classify_one(block: Block, marker_before: bool) -> _Line:
    text = block.text
    inline = _INLINE.match(text)
    if inline:
        return _Line("qa", inline["q"], inline["a"])
    if _ASK.match(text):
        return _Line("ask", _ASK.sub("", text))
    if _ANSWER.match(text):
        return _Line("answer", _ANSWER.sub("", text))
    reads_as_question = bool(_CUE.search(text)) and not _SENTENCE_END.search(text)
    number = _NUMBER.match(text)
    marked = marker_before or block.bold or number or _SYMBOL.match(text)
    if marked and reads_as_question:
        return _Line("marked", text, numbering=_numbering(number.group(0)) if number else "")
    if _PLAIN_QUESTION.search(text) and len(text) <= _LONGEST_PLAIN_QUESTION:
        return _Line("plain", text)
    if _asks_without_mark(text):
        return _Line("plain", text)
    return _Line("text", text)


def _asks_without_mark(text: str) -> bool:
    """A short line that asks though it has no question mark: 返京政策如何, 第二针什么时候打
    (not 请咨询社区如何办理, which tells; not a sentence ending in 。)."""
    line = text.strip()
    if len(line) > _LONGEST_BARE_QUESTION or _SENTENCE_END.search(line):
        return False
    if _NOT_ASKING_START.match(line) or re.search(r"[。！!；;]", line):
        return False
    return bool(_ASKING_END.search(line) or _ASKING_WORD.search(line))


def _numbering(number: str) -> str:
    """The style of a question's number: (1) and （1） are one style, 1. and 1． another,
    一、 another…: a list inside an answer is numbered in another style than the questions."""
    digits = re.sub(r"\s", "", number)
    digits = re.sub(r"\d+", "n", digits)
    digits = re.sub(r"[一二三四五六七八九十]+", "c", digits)
    return digits.translate(str.maketrans("（）．：｜丨／", "().:|||"))


def _in_question_numbering(lines: list[_Line]) -> list[_Line]:
    """Numbered "questions" in another numbering style than the article's first numbered
    question are items of an answer's list, not questions."""
    styles = [line.numbering for line in lines if line.kind == "marked" and line.numbering]
    if not styles:
        return lines
    return [
        _Line("text", line.text)
        if line.kind == "marked" and line.numbering and line.numbering != styles[0]
        else line
        for line in lines
    ]


def _question_starts(lines: Sequence[_Line]) -> list[int]:
    answers_marked = any(line.kind in ("answer", "qa") for line in lines)
    if answers_marked:
        return [
            index
            for index, line in enumerate(lines)
            if line.kind in ("qa", "ask", "row")
            or (
                line.kind in ("marked", "plain")
                and index + 1 < len(lines)
                and lines[index + 1].kind == "answer"
            )
        ]
    has_marked = any(line.kind in ("marked", "ask") for line in lines)
    wanted = ("marked", "ask", "row") if has_marked else ("plain", "row")
    return [index for index, line in enumerate(lines) if line.kind in wanted]


def _answer(lines: Sequence[_Line], start: int, end: int) -> str:
    first = lines[start]
    if first.kind == "row":  # the cell is the answer; text after a table is not
        return first.answer.strip()
    parts = [first.answer] if first.kind == "qa" else []
    parts.extend(line.text for line in lines[start + 1 : end])
    return "\n".join(part.strip() for part in parts if part.strip())


def _clean_question(text: str) -> str:
    for pattern in (_ASK, _SYMBOL, _NUMBER, _SYMBOL):
        text = pattern.sub("", text, count=1)
    return text.strip(" ：:")
