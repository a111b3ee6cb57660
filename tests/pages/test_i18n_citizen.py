"""Every Chinese text the citizen and hotline pages show has its English: the literals in
``_("…")`` of their templates, and the texts they pass through ``_()`` from code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fanjing.healthkit.core import COLOUR_ZH
from fanjing.policy.core.model import MeasureKind
from fanjing.web.pages import citizen, citizen_vaccination, hotline
from fanjing.web.pages.i18n import catalogue

TEMPLATES = Path(citizen.__file__).resolve().parent.parent / "templates"
LITERAL = re.compile(r"""_\(\s*(?:"([^"]+)"|'([^']+)')""")
CONTACT_ROLES_ZH = (  # the declaration form's choices, passed through _() in a loop
    "无",
    "密切接触者",
    "次密切接触者",
    "次密接的共同居住人员",
    "次密接的共同工作人员",
)


def _literals() -> set[str]:
    found: set[str] = set()
    for template in [*TEMPLATES.glob("citizen_*.html"), *TEMPLATES.glob("hotline_*.html")]:
        for double, single in LITERAL.findall(template.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def _dynamic() -> set[str]:
    return {
        *COLOUR_ZH.values(),
        *citizen.PLATFORM_ZH.values(),
        *citizen.HELD_REASON_ZH.values(),
        *citizen.DOCUMENT_KINDS_ZH.values(),
        *hotline.DONE_ZH.values(),
        *citizen_vaccination.TEXTS,
        *citizen.RESULT_ZH.values(),
        *CONTACT_ROLES_ZH,
        *(kind.label_zh for kind in MeasureKind),
    }


def test_the_templates_use_texts_at_all():
    assert len(_literals()) > 50


@pytest.mark.parametrize("text", sorted(_literals() | _dynamic()))
def test_every_text_has_its_english(text: str):
    english = catalogue("en").get(text)
    assert english, f"no English for “{text}” in locales/en/*.json"
    fields = set(re.findall(r"\{(\w+)\}", text))
    assert fields == set(re.findall(r"\{(\w+)\}", english)), "the same {fields} in both"
