"""Every text of the CDC and clinic pages has an English entry: the ``_("…")`` literals of
their templates, and the texts the page modules hand to ``_()`` (labels, flash messages)."""

from __future__ import annotations

import json
import re
from importlib import resources

from fanjing.web.pages import cdc, cdc_cases, clinic

TEMPLATES = resources.files("fanjing.web") / "templates"
LOCALES = resources.files("fanjing.web") / "locales" / "en"
LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _literals(prefixes: tuple[str, ...]) -> set[str]:
    found = set()
    for entry in TEMPLATES.iterdir():
        if entry.name.startswith(prefixes) and entry.name.endswith(".html"):
            for double, single in LITERAL.findall(entry.read_text("utf-8")):
                found.add(double or single)
    return found


def _catalogue(name: str) -> dict[str, str]:
    return json.loads((LOCALES / name).read_text("utf-8"))


def _missing(texts: set[str], entries: dict[str, str]) -> list[str]:
    return sorted(t for t in texts if CHINESE.search(t) and t not in entries)


def test_every_cdc_text_has_an_english_entry():
    texts = _literals(("cdc_",)) | set(cdc.TEXTS) | set(cdc_cases.TEXTS)
    assert _missing(texts, _catalogue("cdc.json")) == []


def test_every_clinic_text_has_an_english_entry():
    texts = _literals(("clinic_",)) | set(clinic.TEXTS)
    assert _missing(texts, _catalogue("clinic.json") | _catalogue("cdc.json")) == []


def test_the_english_keeps_each_texts_fields():
    for name in ("cdc.json", "clinic.json"):
        for chinese, english in _catalogue(name).items():
            fields = set(re.findall(r"{(\w+)}", chinese))
            assert set(re.findall(r"{(\w+)}", english)) == fields, (name, chinese)
