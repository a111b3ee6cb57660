"""Question–answer pairs from an article's blocks, in the shapes real articles use.

Questions: numbered (``1．…？``, ``1.``, ``（1）``, ``一、``, ``01``), in bold, marked with a
symbol (``➤``, ``●``, ``【相关问题】``), introduced by ``问：``, or plain lines ending in ``？``
or ``?``. Answers: everything up to the next question, without a leading ``答：``/``答:``;
or the rest of a ``问：…答：…`` line.

A marked question (number, bold, symbol) must read as a question (a question mark or a
question word such as 吗、如何、怎么): numbered steps inside an answer ("1. 打开微信…")
are not questions. Where an article marks its answers with ``答：``, a question counts only
when an answer marked so follows it; where it marks none, plain ``？`` lines count only if
the article has no marked questions (its shape is then plain lines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fanjing.hotline.core.blocks import Block, body_blocks
from fanjing.hotline.core.model import Pair, Source

_CUE = re.compile(
    r"[？?]|吗|呢|如何|怎么|怎样|什么|哪|是否|能否|可否|能不能|可不可以|要不要|需不需要|"
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


@dataclass(frozen=True)
class _Line:
    kind: str  # qa, ask, answer, marked, plain, text
    text: str  # without its marker
    answer: str = ""  # for qa: the answer on the same line


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
    lines = []
    marker_before = False
    for block in blocks:
        line = _classify_one(block, marker_before)
        marker_before = bool(_SYMBOL_ONLY.match(block.text))
        if not marker_before:
            lines.append(line)
    return lines


def _classify_one(block: Block, marker_before: bool) -> _Line:
    text = block.text
    inline = _INLINE.match(text)
    if inline:
        return _Line("qa", inline["q"], inline["a"])
    if _ASK.match(text):
        return _Line("ask", _ASK.sub("", text))
    if _ANSWER.match(text):
        return _Line("answer", _ANSWER.sub("", text))
    reads_as_question = bool(_CUE.search(text))
    marked = marker_before or block.bold or _NUMBER.match(text) or _SYMBOL.match(text)
    if marked and reads_as_question:
        return _Line("marked", text)
    if _PLAIN_QUESTION.search(text) and len(text) <= _LONGEST_PLAIN_QUESTION:
        return _Line("plain", text)
    return _Line("text", text)


def _question_starts(lines: Sequence[_Line]) -> list[int]:
    answers_marked = any(line.kind in ("answer", "qa") for line in lines)
    if answers_marked:
        return [
            index
            for index, line in enumerate(lines)
            if line.kind in ("qa", "ask")
            or (
                line.kind in ("marked", "plain")
                and index + 1 < len(lines)
                and lines[index + 1].kind == "answer"
            )
        ]
    has_marked = any(line.kind in ("marked", "ask") for line in lines)
    wanted = ("marked", "ask") if has_marked else ("plain",)
    return [index for index, line in enumerate(lines) if line.kind in wanted]


def _answer(lines: Sequence[_Line], start: int, end: int) -> str:
    first = lines[start]
    parts = [first.answer] if first.kind == "qa" else []
    parts.extend(line.text for line in lines[start + 1 : end])
    return "\n".join(part.strip() for part in parts if part.strip())


def _clean_question(text: str) -> str:
    for pattern in (_ASK, _SYMBOL, _NUMBER, _SYMBOL):
        text = pattern.sub("", text, count=1)
    return text.strip(" ：:")
