"""Every text of the employer's pages and the citizen's link page has its English: each
``_("…")`` literal of their templates and each text the pages pass through ``_()``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fanjing.community.core import KIND_ZH
from fanjing.users.core import Role
from fanjing.web.pages.citizen_employer import DONE_ZH
from fanjing.web.pages.i18n import catalogue

WEB = Path(__file__).resolve().parents[2] / "src" / "fanjing" / "web"
TEMPLATES = [
    *sorted((WEB / "templates").glob("employer_*.html")),
    WEB / "templates" / "_employer_measures.html",
    WEB / "templates" / "citizen_employer.html",
]
LITERAL = re.compile(r"""_\(\s*(["'])(.*?)\1""")


def _literals() -> list[str]:
    found: list[str] = []
    for template in TEMPLATES:
        for match in LITERAL.finditer(template.read_text("utf-8")):
            if match.group(2) not in found:
                found.append(match.group(2))
    return found


def test_the_templates_are_found_and_use_translated_texts():
    assert len(TEMPLATES) == 5 and len(_literals()) > 25


@pytest.mark.parametrize(
    "text", [*_literals(), *DONE_ZH.values(), *KIND_ZH.values(), Role.EMPLOYER.label_zh]
)
def test_every_text_has_its_english_with_the_same_fields(text: str):
    english = catalogue("en").get(text)
    assert english, f"no English for “{text}” in locales/en/*.json"
    assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", english))
