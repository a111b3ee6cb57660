"""The headline, the plan and the reasons say the same thing, for every case of every scenario
file: all three come from the decision's fields (entry, arrival, as_of, measures)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from fanjing.errors import Where
from fanjing.places.designations_csv import read_designation
from fanjing.places.registry import Registry
from fanjing.policy.core.explain import day_zh, plan_zh, reasons_for_citizens, verdict
from fanjing.policy.core.model import Decision
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker
from tests.policy.test_scenarios import FILES, TODAY

PACKS = builtin_packs()


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _cases() -> list[Any]:
    found = []
    for path in FILES:
        document = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
        if document.get("policy"):
            continue  # a pack of its own: not the default pack's texts
        for case in document["cases"]:
            if "error" not in case["expect"]:
                found.append(pytest.param(path, document, case, id=f"{path.stem}: {case['name']}"))
    return found


def _decide(path: Path, document: dict[str, Any], case: dict[str, Any], gazetteer) -> Decision:
    designations = [
        read_designation(item, parse_place=gazetteer.parse, where=Where(str(path)))
        for item in document.get("risk_areas") or []
    ]
    checker = Checker(PACKS, Registry.of(designations), gazetteer.parse, TODAY)
    return checker.check(case["situation"])


@pytest.mark.parametrize(("path", "document", "case"), _cases())
def test_headline_plan_and_reasons_agree(path, document, case, gazetteer):
    decision = _decide(path, document, case, gazetteer)
    entry, arrival, as_of = decision.entry, decision.arrival, decision.as_of
    said = verdict(decision)
    plan = plan_zh(decision, PACKS[0].title)
    assert f"结论：{said.headline.zh()}" in plan
    assert all(note.zh() in plan for note in said.notes)
    held = [r for r in decision.reasons if r.startswith("暂缓进返京：")]
    here = arrival is None or arrival <= as_of
    if entry.earliest is None:
        assert said.tone == "no" and not entry.allowed
    elif here:
        assert said.tone == "here" and said.headline.text.startswith(("已到京", "已在京"))
        timeline = [m for m in decision.measures if m.kind.on_timeline]
        if timeline:
            assert said.headline.fields["kind"] is timeline[0].kind
            assert said.headline.fields["day"] == timeline[0].end - timedelta(days=1)
        came_early = arrival is not None and not entry.allowed
        assert bool(said.notes) == came_early
        assert came_early == any("早于可进京日期" in r for r in decision.reasons)
    elif entry.allowed:
        assert said.tone == "ok" and said.headline.fields["day"] == arrival
        assert not held, "a green headline over a reason that holds the person back"
    else:
        assert said.tone == "hold"
        day = said.headline.fields["day"]
        assert day == entry.earliest == entry.earliest_possible
        assert any(f"{day_zh(day)}（含）起方可进京" in r for r in held)
    citizens = " ".join(reasons_for_citizens(decision, PACKS[0]))
    assert not [rule.id for rule in PACKS[0].rules if f"（{rule.id}）" in citizens]
