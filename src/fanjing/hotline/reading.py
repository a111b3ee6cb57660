"""Reading a file into pairs: its type from its name and content, its text from UTF-8 (or
GB 18030, common for Chinese files), its front matter from YAML."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fanjing.errors import Code, FanjingError, Where
from fanjing.hotline.core.articles import page_pairs, post_pairs, split_front_matter, text_pairs
from fanjing.hotline.core.blocks import looks_like_html
from fanjing.hotline.core.model import Extracted
from fanjing.hotline.core.tables import csv_pairs, jsonl_pairs

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".html", ".htm")
TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson")
BUILTIN = "builtin:knowledge.jsonl"


def read_file(path: Path) -> Extracted:
    """The pairs of the file at ``path``; every problem names the file (and line)."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in ARTICLE_SUFFIXES + TABLE_SUFFIXES:
        kinds = "、".join(ARTICLE_SUFFIXES + TABLE_SUFFIXES)
        raise FanjingError(
            Code.UNKNOWN_FILE_TYPE,
            f"不认识的文件类型“{suffix or '无后缀'}”（应为 {kinds}）",
            Where(name),
        )
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise FanjingError(
            Code.UNREADABLE_FILE, f"无法读取文件：{problem.strerror}", Where(name)
        ) from None
    return read_text(_decode(data, name), name, suffix)


def read_builtin() -> Extracted:
    """The authoritative answers shipped with fanjing (``fanjing/hotline/data/knowledge.jsonl``)."""
    text = (resources.files("fanjing.hotline") / "data" / "knowledge.jsonl").read_text("utf-8")
    return read_text(text, BUILTIN, ".jsonl")


def read_text(text: str, name: str, suffix: str) -> Extracted:
    if suffix == ".csv":
        return csv_pairs(text, name)
    if suffix in (".jsonl", ".ndjson"):
        return jsonl_pairs(text, name)
    front, body = split_front_matter(text)
    if front is not None:
        return post_pairs(_front_matter(front, name), body)
    if suffix in (".html", ".htm") or looks_like_html(text):
        return page_pairs(text)
    return text_pairs(text)


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FanjingError(Code.BAD_ENCODING, "文件不是 UTF-8 或 GB18030 编码的文字", Where(name))


def _front_matter(text: str, name: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for "---"
        raise FanjingError(
            Code.BAD_FRONT_MATTER,
            f"文件头（YAML）有误：{getattr(problem, 'problem', None) or problem}",
            Where(name, line),
        ) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise FanjingError(Code.BAD_FRONT_MATTER, "文件头（YAML）应是键值对", Where(name, 2))
    return meta
