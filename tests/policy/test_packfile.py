from __future__ import annotations

from pathlib import Path

import pytest

from fanjing.errors import InputErrors
from fanjing.policy.packfile import builtin_packs, load_pack_text

PACK_FILE = Path(__file__).resolve().parents[2] / "src/fanjing/policy/packs/beijing-2021-08.yaml"


def test_the_default_pack_implements_every_rule_of_the_design():
    pack = builtin_packs()[0]
    refs = {rule.ref for rule in pack.rules} | {p.ref for p in pack.spec.principles}
    assert {
        "E1",
        "E2",
        "E3",
        "E4",
        "M1",
        "M2",
        "M3",
        "M4",
        "M5",
        "M6",
        "M7",
        "M8",
        "M9",
        "M10",
    } <= refs
    assert (pack.id, pack.jurisdiction, pack.in_force_from.isoformat()) == (
        "beijing-2021-08",
        "北京市",
        "2021-08-07",
    )


def test_every_clause_is_quoted_from_its_sources():
    """Clauses are verbatim: each one appears in the seed or the official texts (simplified)."""
    shared = Path(__file__).resolve().parents[2].parent / "shared"
    texts = [(shared / "seed").glob("*.txt"), (shared / "sources/beijing-policy").glob("*.md")]
    corpus = "".join(p.read_text(encoding="utf-8") for group in texts for p in group)
    corpus = corpus.replace("(", "（").replace(")", "）").replace(" ", "").replace(",", "，")
    for rule in builtin_packs()[0].rules:
        for sentence in rule.clause.replace("；", "。").split("。"):
            assert sentence.replace(" ", "") in corpus, f"{rule.id}: {sentence}"


def _broken_pack(old: str, new: str) -> str:
    text = PACK_FILE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_errors_point_at_their_yaml_line():
    text = _broken_pack(
        "        days: 14\n        from: stay.left", "        days: -3\n        from: stay.left"
    )
    text = text.replace("  - id: arrival.report", "  - id: Arrival Report", 1)
    with pytest.raises(InputErrors) as raised:
        load_pack_text(text, file="pack.yaml")
    lines = {(e.where.line, e.where.field) for e in raised.value.errors}
    assert (_line_of(text, "days: -3"), "rules[4].measures[0].days") in lines
    assert (_line_of(text, "Arrival Report"), "rules[14].id") in lines


def test_an_invalid_certlogic_condition_is_reported():
    text = _broken_pack(
        'when: {"===": [{"var": "stay.level"}, "high"]}',
        'when: {"==": [{"var": "stay.level"}, "high"]}',
    )
    with pytest.raises(InputErrors) as raised:
        load_pack_text(text, file="pack.yaml")
    (error,) = raised.value.errors
    assert "unrecognised operator" in error.message and error.where.line == _line_of(text, '"=="')


def test_a_rule_citing_an_unknown_source_is_refused():
    text = _broken_pack("source: presser-2021-01-19", "source: nowhere")
    with pytest.raises(InputErrors) as raised:
        load_pack_text(text, file="pack.yaml")
    assert "nowhere" in raised.value.errors[0].message


def test_malformed_yaml_says_where():
    with pytest.raises(InputErrors) as raised:
        load_pack_text("id: x\nrules: [\n", file="pack.yaml")
    assert (
        raised.value.errors[0].code == "bad_yaml" and raised.value.errors[0].where.line is not None
    )


def test_observation_without_an_end_is_refused():
    text = _broken_pack(
        "      - kind: health_monitoring\n        days: 14\n",
        "      - kind: health_monitoring\n        days: null\n",
    )
    with pytest.raises(InputErrors) as raised:
        load_pack_text(text, file="pack.yaml")
    assert "health_monitoring needs days" in raised.value.errors[0].message


def test_a_stay_anchor_on_a_person_rule_is_refused():
    """``not_before: stay.level_since`` needs a stay: a person rule has none to read it from."""
    text = _broken_pack(
        '    scope: person\n    when: {"var": "entered_china"}',
        '    scope: person\n    not_before: stay.level_since\n    when: {"var": "entered_china"}',
    )
    with pytest.raises(InputErrors) as raised:
        load_pack_text(text, file="pack.yaml")
    (error,) = raised.value.errors
    assert "stay.level_since can only anchor a rule with scope: stay" in error.message
