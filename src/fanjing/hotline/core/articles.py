"""Articles as sources: a post with front matter (Hexo, Markdown), an HTML page, plain text.

Each gives its source (title, address, day, author) and its pairs. Front matter is split
off here; its YAML is read by the caller (the shell), which passes the mapping in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from fanjing.hotline.core.blocks import (
    Block,
    html_blocks,
    is_boilerplate,
    looks_like_html,
    parse_html,
    text_blocks,
    tidy,
)
from fanjing.hotline.core.extract import pairs_in
from fanjing.hotline.core.model import Extracted, Source

CHINA = timezone(timedelta(hours=8))
_FRONT_MATTER = re.compile(r"\A\ufeff?\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(the YAML between the opening and closing ``---`` lines, the body); (None, text)
    when the text has no front matter."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end() :]


def post_pairs(meta: Mapping[str, object], body: str) -> Extracted:
    """A Hexo or Markdown post: the source from its front matter (``title``, ``date``,
    ``author``, ``url``/``permalink``/``link``), the pairs from its body (HTML or Markdown)."""
    title = _text(meta.get("title"))
    blocks = _body(body)
    source = Source(
        title=title or _first_line(blocks),
        url=_text(meta.get("url") or meta.get("permalink") or meta.get("link")) or None,
        day=day_from(meta.get("date")),
        author=_text(meta.get("author")) or None,
    )
    return Extracted("article", source, pairs_in(blocks, source))


def page_pairs(html: str) -> Extracted:
    """An HTML page: title from ``og:title``, ``<title>`` or the first ``<h1>``; day from
    the publication meta tags, ``<time datetime>`` or a 发布时间 line; author from meta."""
    root = parse_html(html)
    title = (
        _meta(root, "og:title")
        or tidy(root.findtext(".//title") or "")
        or tidy(_first_text(root, ".//h1"))
    )
    day = day_from(
        _meta(root, "article:published_time", "pubdate", "publishdate", "date", "publish_date")
        or _time_attribute(root)
    )
    author = _meta(root, "author", "article:author") or None
    url = _meta(root, "og:url") or None
    blocks = html_blocks(root)
    day = day or _day_in_text(blocks)
    if title and blocks and blocks[0].text == title:
        blocks = blocks[1:]
    source = Source(title=title or _first_line(blocks), url=url, day=day, author=author)
    return Extracted("html", source, pairs_in(blocks, source))


def text_pairs(text: str) -> Extracted:
    """Plain text: the first line is the title unless it is itself a question."""
    blocks = text_blocks(text)
    first = _first_line(blocks)
    title = "" if first.endswith(("？", "?")) else first
    body = blocks[1:] if title else blocks
    source = Source(title=title, day=_day_in_text(blocks))
    return Extracted("text", source, pairs_in(body, source))


def _body(body: str) -> list[Block]:
    return html_blocks(parse_html(body)) if looks_like_html(body) else text_blocks(body)


def _first_line(blocks: list[Block]) -> str:
    return next((b.text for b in blocks if not is_boilerplate(b.text)), "")[:200]


def _text(value: object) -> str:
    return tidy(str(value)) if value is not None else ""


def _meta(root: object, *names: str) -> str:
    for name in names:
        for attribute in ("property", "name", "itemprop"):
            found = root.xpath(f'//meta[@{attribute}="{name}"]/@content')  # type: ignore[attr-defined]
            if found and str(found[0]).strip():
                return tidy(str(found[0]))
    return ""


def _time_attribute(root: object) -> str:
    found = root.xpath("//time/@datetime")  # type: ignore[attr-defined]
    return str(found[0]) if found else ""


def _first_text(root: object, path: str) -> str:
    element = root.find(path)  # type: ignore[attr-defined]
    return element.text_content() if element is not None else ""


_DAY_IN_TEXT = re.compile(
    r"(?:发布时间|发布日期|时间|日期)\s*[：:]?\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
)


def _day_in_text(blocks: list[Block]) -> date | None:
    for block in blocks[:10]:
        match = _DAY_IN_TEXT.search(block.text)
        if match:
            return _safe_date(*(int(part) for part in match.groups()))
    return None


_ISO_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def day_from(value: object) -> date | None:
    """The calendar day (CST) of a front-matter or meta date: a YAML date or datetime,
    ISO 8601 (``2021-08-07``, ``2021-08-07T09:39:14+08:00``), RFC 2822 (``Sat, 07 Aug 2021
    01:39:14 GMT``, Hexo's export) or ``2021年8月7日``. A moment with a zone is moved to
    China time first (01:39 GMT is 09:39 in Beijing, the same day); one without a zone is
    taken as China time. None when there is no date or it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _day_in_china(value)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _ISO_DAY.match(text)
    if match:
        return _safe_date(*(int(part) for part in match.groups()))
    try:
        return _day_in_china(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _day_in_china(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def _day_in_china(moment: datetime) -> date:
    return moment.astimezone(CHINA).date() if moment.tzinfo else moment.date()


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
