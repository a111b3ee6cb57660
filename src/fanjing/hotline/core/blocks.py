"""Text as blocks (paragraphs, list items, headings, lines), with the bold text each starts
with: the common ground of HTML pages, Markdown posts and plain text. A row of a
two-column table (HTML or Markdown) is one block with its two cells.

Boilerplate is dropped here, before any question is looked for: scripts, styles, frames,
comments, ads, QR-code blocks, editor lines and everything from "推荐阅读" on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree


@dataclass(frozen=True)
class Block:
    text: str
    lead_bold: str = ""  # the bold text the block starts with ("" when it starts plain)
    cells: tuple[str, str] | None = None  # a row of a two-column table: its two cells

    @property
    def bold(self) -> bool:
        return bool(self.lead_bold) and self.lead_bold == self.text


_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’]"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")
_SPACES = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")


def tidy(text: str) -> str:
    """One line: runs of white space (ideographic and non-breaking too) become one space,
    and spaces between Chinese characters or full-width punctuation go."""
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


# --- boilerplate --------------------------------------------------------------------------

_END_OF_BODY = {"推荐阅读", "相关阅读", "延伸阅读", "相关推荐", "热门推荐", "猜你喜欢", "相关新闻"}
_BOILERPLATE_LINE = re.compile(
    r"^(?:责任编辑|编辑|校对|审核|主编|原标题|本文来源|版权声明|转载请注明|免责声明|声明|文章来源)\s*[：:]"
    r"|二维码|扫码|扫一扫|海量资讯|下载.{0,6}APP|APP.{0,6}下载|更好阅读体验|关注.{0,8}公众号"
    r"|^【纠错】$|^[（(]?\s*责任编辑"
    r"|^版权声明|^转载请注明",
    re.IGNORECASE,
)


def is_boilerplate(text: str) -> bool:
    """Editor lines, QR-code and app prompts, copyright notes: never part of an answer."""
    return bool(_BOILERPLATE_LINE.search(text))


def is_end_of_body(text: str) -> bool:
    """ "推荐阅读" and its kin start the links after an article: nothing after them is kept."""
    return re.sub(r"[^\u4e00-\u9fff]", "", text) in _END_OF_BODY


def body_blocks(blocks: Iterable[Block]) -> list[Block]:
    """The blocks of the article's body: boilerplate lines dropped, cut at "推荐阅读"."""
    kept = []
    for block in blocks:
        if is_end_of_body(block.text):
            break
        if block.text and not is_boilerplate(block.text):
            kept.append(block)
    return kept


# --- HTML -------------------------------------------------------------------------------

_DROPPED_TAGS = ("script", "style", "noscript", "iframe", "form", "nav", "footer", "aside", "svg")
_BOILERPLATE_PART = re.compile(
    r"^(?:ad|ads|adv|advert\w*|banner|qr|qrcode|appendqr\w*|share\w*|recommend\w*|related|"
    r"editor|copyright|footer|sidebar|nav|comments?)$"
)  # parts of class and id names (appendQr_wrap, article-editor, share-box)
_BLOCK_TAGS = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "blockquote", "pre",
    "section", "article", "tr", "td", "th", "ul", "ol", "table", "header", "main", "body",
}  # fmt: skip
_BOLD_STYLE = re.compile(r"bold|font-weight\s*:\s*[6-9]00", re.IGNORECASE)
_BREAK = None


def parse_html(html: str) -> lxml.html.HtmlElement:
    """The page or fragment as a tree (an empty ``<div>`` for an empty text)."""
    if not html.strip():
        return lxml.html.fragment_fromstring("<div></div>")
    return lxml.html.fromstring(html)


def html_blocks(root: lxml.html.HtmlElement) -> list[Block]:
    """The body's blocks, boilerplate elements removed first (the tree is changed)."""
    _drop_boilerplate(root)
    body = root.find(".//body")
    return list(_assemble(_walk(body if body is not None else root, False)))


def _drop_boilerplate(root: lxml.html.HtmlElement) -> None:
    doomed = [
        element
        for element in root.iter()
        if not isinstance(element.tag, str)  # comments and processing instructions
        or element.tag in _DROPPED_TAGS
        or element.tag == "head"
        or any(_BOILERPLATE_PART.match(part) for part in _name_parts(element))
    ]
    for element in doomed:
        if element.getparent() is not None:
            if isinstance(element.tag, str):
                element.drop_tree()  # keeps the tail text
            else:
                _drop_keeping_tail(element)


def _drop_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _name_parts(element: lxml.html.HtmlElement) -> list[str]:
    names = element.get("class", "") + " " + element.get("id", "")
    return [part for part in re.split(r"[\s_-]+", names.lower()) if part]


def _is_bold(element: lxml.html.HtmlElement) -> bool:
    if element.tag in ("b", "strong", "h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    styling = " ".join(element.get(name, "") for name in ("style", "class", "cms-style"))
    return bool(_BOLD_STYLE.search(styling))


def _walk(element: lxml.html.HtmlElement, bold: bool) -> Iterator[tuple[str, bool] | Block | None]:
    rows = _two_column_rows(element) if element.tag == "table" else None
    if rows is not None:
        yield _BREAK
        yield from rows
        yield _BREAK
        return
    block = element.tag in _BLOCK_TAGS or element.tag == "br"
    if block:
        yield _BREAK
    bold = bold or _is_bold(element)
    if element.text:
        yield element.text, bold
    for child in element:
        if isinstance(child.tag, str):
            yield from _walk(child, bold)
        if child.tail:
            yield child.tail, bold
    if block:
        yield _BREAK


def _two_column_rows(table: lxml.html.HtmlElement) -> list[Block] | None:
    """The rows of a table whose every row has two cells, as blocks; None for any other
    table (its cells are read as text). A cell's paragraphs and line breaks stay lines."""
    rows = []
    for row in table.iter("tr"):
        cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        texts = ["\n".join(b.text for b in _assemble(_walk(cell, False))) for cell in cells]
        if not any(texts):
            continue
        if len(texts) != 2:
            return None
        rows.append(_row(texts[0], texts[1]))
    return rows or None


def _row(question: str, answer: str) -> Block:
    return Block(f"{question} {answer}".strip(), cells=(question, answer))


def _assemble(pieces: Iterable[tuple[str, bool] | Block | None]) -> Iterator[Block]:
    texts: list[str] = []
    lead: list[str] = []
    leading = True
    for piece in [*pieces, _BREAK]:
        if isinstance(piece, Block):
            yield piece
            continue
        if piece is _BREAK:
            text = tidy("".join(texts))
            if text:
                yield Block(text, _lead(tidy("".join(lead)), text))
            texts, lead, leading = [], [], True
            continue
        content, bold = piece
        texts.append(content)
        if leading and (bold or not content.strip()):
            lead.append(content)
        else:
            leading = False


def _lead(bold: str, text: str) -> str:
    return bold if bold and text.startswith(bold) else ""


# --- Markdown and plain text --------------------------------------------------------------

_MD_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s*|[-*+]\s+(?!\*))")
_MD_BOLD = re.compile(r"^(\*\*|__)(.+?)\1")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
_MD_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def text_blocks(text: str) -> list[Block]:
    """One block per non-empty line; a Markdown heading counts as bold, ``**…**`` at the
    start of a line is its bold lead, and Markdown markup is removed from the text. A
    Markdown table of two columns gives one block per row (its header row included)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        rows, index = _markdown_table(lines, index)
        if rows is not None:
            blocks.extend(rows)
            continue
        raw = lines[index]
        index += 1
        heading = bool(_MD_HEADING.match(raw))
        line = _MD_PREFIX.sub("", raw).strip()
        match = _MD_BOLD.match(line)
        lead = match.group(2) if match else ""
        line = tidy(re.sub(r"(\*\*|__)(.+?)\1", r"\2", line))
        lead = tidy(lead)
        if not line:
            continue
        blocks.append(Block(line, line if heading else _lead(lead, line)))
    return blocks


def _markdown_table(lines: list[str], start: int) -> tuple[list[Block] | None, int]:
    """(the rows of the two-column table starting at ``start``, the line after it), or
    (None, ``start``) when no such table starts there (a header, then a ``---|---`` rule)."""
    if start + 1 >= len(lines) or not _MD_TABLE_RULE.match(lines[start + 1]):
        return None, start
    header = _markdown_cells(lines[start])
    if len(header) != 2:
        return None, start
    rows = [_row(*header)]
    index = start + 2
    while index < len(lines) and "|" in lines[index]:
        cells = _markdown_cells(lines[index])
        if len(cells) != 2:
            return None, start
        if any(cells):
            rows.append(_row(*cells))
        index += 1
    return rows, index


def _markdown_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    cells = re.split(r"(?<!\\)\|", inner)
    return [_markdown_cell(cell) for cell in cells]


def _markdown_cell(cell: str) -> str:
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", cell.replace("\\|", "|"))
    return "\n".join(tidy(part) for part in _MD_BREAK.split(text) if tidy(part))


def looks_like_html(text: str) -> bool:
    """True when the text has block-level HTML (a Hexo post's body often does); a lone
    ``<br>`` does not count: Markdown tables break lines in their cells with it."""
    return bool(re.search(r"<(p|div|h[1-6]|li|table|section|article|font|span)\b", text, re.I))
