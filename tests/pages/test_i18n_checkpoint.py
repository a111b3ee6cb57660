"""Every Chinese text the checkpoint page shows has its English: the literals in its template
and the texts its script shows (translated by the page, the script has no catalogue)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fanjing.checkpoints.core import Outcome
from fanjing.web.pages import checkpoint
from fanjing.web.pages.i18n import catalogue

TEMPLATE = Path(checkpoint.__file__).resolve().parent.parent / "templates" / "checkpoint.html"
LITERAL = re.compile(r"""_\(\s*(?:"([^"]+)"|'([^']+)')""")


def _texts() -> set[str]:
    found = {d or s for d, s in LITERAL.findall(TEMPLATE.read_text(encoding="utf-8"))}
    return found | set(checkpoint.TEXTS) | {o.label_zh for o in Outcome} | {checkpoint.REGISTERED}


@pytest.mark.parametrize("text", sorted(_texts()))
def test_every_text_has_its_english(text: str):
    english = catalogue("en").get(text)
    assert english, f"no English for “{text}” in locales/en/*.json"
    assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", english))
