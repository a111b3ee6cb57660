"""Every text of the pages anyone may open has an English entry: the ``_("…")`` literals of
their templates, and the texts the check page hands to ``_()`` (the verdict's sentences, the
form's field labels, the measure kinds)."""

from __future__ import annotations

import json
import re
from importlib import resources

from fanjing.policy.core.explain import VERDICT_TEXTS
from fanjing.policy.core.model import MeasureKind
from fanjing.web.pages.situation_form import LABEL_TEXTS

TEMPLATES = resources.files("fanjing.web") / "templates"
LOCALES = resources.files("fanjing.web") / "locales" / "en"
LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PUBLIC = ("check.html", "_decision_plan.html", "_situation_fields.html", "ask.html", "home.html")


def _entries() -> dict[str, str]:
    return json.loads((LOCALES / "public.json").read_text("utf-8"))


def _texts() -> set[str]:
    found = {*VERDICT_TEXTS, *LABEL_TEXTS, *(kind.label_zh for kind in MeasureKind)}
    for name in PUBLIC:
        for double, single in LITERAL.findall((TEMPLATES / name).read_text("utf-8")):
            found.add(double or single)
    return found


def test_every_public_text_has_an_english_entry():
    entries = _entries()
    assert sorted(t for t in _texts() if CHINESE.search(t) and t not in entries) == []


def test_the_english_keeps_each_texts_fields():
    entries = _entries()
    for chinese in _texts() & set(entries):
        fields = set(re.findall(r"{(\w+)}", chinese))
        assert set(re.findall(r"{(\w+)}", entries[chinese])) == fields, chinese
