"""Every text of the work orders' pages has its English: each ``_("…")`` literal in their
templates, and each text the pages pass through ``_()`` from the code (categories, states,
steps, satisfaction, actions, units)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fanjing.web.pages.i18n import catalogue
from fanjing.web.pages.workorders import TEXTS

WEB = Path(__file__).resolve().parents[2] / "src" / "fanjing" / "web"
TEMPLATES = sorted((WEB / "templates").glob("workorders_*.html"))
LITERAL = re.compile(r"""_\(\s*(["'])(.*?)\1""")
OWN = json.loads((WEB / "locales" / "en" / "workorders.json").read_text("utf-8"))


def _literals() -> list[str]:
    found: list[str] = []
    for template in TEMPLATES:
        for match in LITERAL.finditer(template.read_text("utf-8")):
            if match.group(2) not in found:
                found.append(match.group(2))
    return found


def test_the_templates_are_found_and_use_translated_texts():
    assert len(TEMPLATES) == 5
    assert len(_literals()) > 60


# the links to these pages from the menu (base.html) and the health kit's page
LINKS = ("12345 工单", "我的 12345 工单")


@pytest.mark.parametrize("text", [*_literals(), *TEXTS, *LINKS])
def test_every_text_has_its_english(text: str):
    assert catalogue("en").get(text), f"no English for “{text}”"


@pytest.mark.parametrize("text", list(OWN))
def test_the_english_keeps_the_fields_of_the_chinese(text: str):
    assert set(re.findall(r"\{(\w+)\}", OWN[text])) == set(re.findall(r"\{(\w+)\}", text))
