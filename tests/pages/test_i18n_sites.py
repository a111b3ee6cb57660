"""Every text of the observation sites' pages has its English: each ``_("…")`` literal in the
sites templates and each text the pages pass through ``_()`` from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fanjing.web.pages.i18n import catalogue
from fanjing.web.pages.sites import TEXTS

WEB = Path(__file__).resolve().parents[2] / "src" / "fanjing" / "web"
TEMPLATES = sorted((WEB / "templates").glob("sites_*.html"))
LITERAL = re.compile(r"""_\(\s*(["'])(.*?)\1""")
ENGLISH = catalogue("en")


def _literals() -> list[str]:
    found: list[str] = []
    for template in TEMPLATES:
        for match in LITERAL.finditer(template.read_text("utf-8")):
            if match.group(2) not in found:
                found.append(match.group(2))
    return found


def test_the_templates_are_found():
    assert len(TEMPLATES) == 4 and len(_literals()) > 50


@pytest.mark.parametrize("text", [*_literals(), *TEXTS])
def test_every_text_has_its_english(text: str):
    assert ENGLISH.get(text), f"locales/en/*.json lacks “{text}”"
    assert set(re.findall(r"\{(\w+)\}", ENGLISH[text])) == set(re.findall(r"\{(\w+)\}", text))
