"""The scenario files shipped with fanjing, one test per case (also run by ``fanjing policy test``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fanjing.places.gazetteer import Gazetteer
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.scenarios import mismatches, run_scenario_file, scenario_files

FOLDER = Path(__file__).resolve().parents[2] / "src" / "fanjing" / "policy" / "scenarios"
FILES = scenario_files(FOLDER)
TODAY = date(2021, 8, 7)  # scenarios give as_of; this default never decides them


def test_every_rule_of_the_default_pack_is_exercised_by_a_scenario():
    text = "".join(path.read_text(encoding="utf-8") for path in FILES)
    missing = [rule.id for rule in builtin_packs()[0].rules if f"rule: {rule.id}" not in text]
    assert not missing


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_file(path: Path, gazetteer: Gazetteer):
    results = run_scenario_file(
        path, packs=builtin_packs(), parse_place=gazetteer.parse, today=TODAY
    )
    assert results, "a scenario file without cases"
    failures = {r.name: r.problems for r in results if not r.passed}
    assert not failures


def test_mismatches_compare_only_what_is_expected():
    actual = {
        "entry": {"allowed": True, "earliest": "2021-08-07"},
        "measures": [{"kind": "x", "rule": "r"}],
    }
    assert mismatches({"entry": {"allowed": True}}, actual, "d") == []
    assert mismatches({"measures": [{"kind": "x"}]}, actual, "d") == []
    assert mismatches({"measures": []}, actual, "d") != []
    assert mismatches({"entry": {"earliest": "2021-08-08"}}, actual, "d") == [
        "d.entry.earliest: 应为 '2021-08-08'，实际为 '2021-08-07'"
    ]


def test_bad_risk_areas_in_a_scenario_file_are_all_reported(tmp_path, gazetteer):
    from fanjing.errors import InputErrors

    path = tmp_path / "bad.yaml"
    path.write_text(
        "risk_areas:\n"
        "  - {level: severe, area: 河南省郑州市二七区, from: 2021-07-31}\n"
        "  - {level: high, area: 火星市, from: 2021/07/31}\n"
        "cases: []\n",
        encoding="utf-8",
    )
    with pytest.raises(InputErrors) as raised:
        run_scenario_file(path, packs=builtin_packs(), parse_place=gazetteer.parse, today=TODAY)
    assert [(e.code, e.where.field) for e in raised.value.errors] == [
        ("unknown_level", "risk_areas[0].level"),
        ("unknown_place", "risk_areas[1].area"),
        ("bad_date", "risk_areas[1].from"),
    ]
