"""Every text of the community worker's pages has its English: each ``_("…")`` literal in
the community templates, and each text the pages pass through ``_()`` from the code (what
to do, kinds of measure, test results, group links, what a form did)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fanjing.community.core import KIND_ZH, WHAT_ZH
from fanjing.web.pages.community import DONE_ZH, LINK_ZH, RESULT_ZH

WEB = Path(__file__).resolve().parents[2] / "src" / "fanjing" / "web"
TEMPLATES = sorted((WEB / "templates").glob("community_*.html"))
LITERAL = re.compile(r"""_\(\s*(["'])(.*?)\1""")
ENGLISH = json.loads((WEB / "locales" / "en" / "community.json").read_text("utf-8"))
DYNAMIC = [*WHAT_ZH.values(), *KIND_ZH.values(), *RESULT_ZH.values(), *LINK_ZH.values()]


def _literals() -> list[str]:
    found: list[str] = []
    for template in TEMPLATES:
        for match in LITERAL.finditer(template.read_text("utf-8")):
            if match.group(2) not in found:
                found.append(match.group(2))
    return found


def test_the_templates_are_found_and_use_translated_texts():
    assert len(TEMPLATES) >= 4
    assert len(_literals()) > 40


@pytest.mark.parametrize("text", [*_literals(), *DYNAMIC, *DONE_ZH.values()])
def test_every_text_has_its_english(text: str):
    assert ENGLISH.get(text), f"locales/en/community.json lacks “{text}”"


@pytest.mark.parametrize("text", _literals())
def test_the_english_keeps_the_fields_of_the_chinese(text: str):
    fields = set(re.findall(r"\{(\w+)\}", text))
    assert set(re.findall(r"\{(\w+)\}", ENGLISH[text])) == fields
