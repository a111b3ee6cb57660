"""Chinese first, with an English switch: pages are written in Chinese, and the files
``locales/en/*.json`` (one per audience) map each Chinese text to its English. A text
missing there is shown in Chinese (a test lists every text the templates use and finds
each in the catalogue)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"
COOKIE = "lang"


@cache
def catalogue(language: str) -> dict[str, str]:
    if language == DEFAULT:
        return {}
    entries: dict[str, str] = {}
    folder = resources.files("fanjing.web") / "locales" / language
    for part in sorted(folder.iterdir(), key=lambda p: p.name):
        if part.name.endswith(".json"):
            entries.update(json.loads(part.read_text("utf-8")))
    return entries


def translator(language: str):  # type: ignore[no-untyped-def]
    """``_("中文")`` for a page in ``language``; ``{name}`` fields filled from keywords."""
    entries = catalogue(language if language in LANGUAGES else DEFAULT)

    def translate(text: str, **fields: object) -> str:
        chosen = entries.get(text, text)
        return chosen.format(**fields) if fields else chosen

    return translate
