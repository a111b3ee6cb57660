"""Scenario files: situations with expected decisions, that CDC staff can write and run.

A scenario file (YAML)::

    rule: arrival.high_risk              # what it is about (for people; not checked)
    policy: other-pack.yaml              # optional: a pack file, relative to this file
    risk_areas:                          # the registry the cases run against
      - {level: high, area: 河南省郑州市二七区, from: 2021-07-31, to: null}
    cases:
      - name: 离开第13天进京
        situation: {as_of: 2021-08-07, arrival: 2021-08-07, stays: [...]}
        expect:                          # any part of the decision JSON; lists match item by item
          entry: {allowed: false, earliest: 2021-08-15}
          measures:
            - {kind: centralized_observation, start: 2021-08-07, end: 2021-08-15}
          reasons_contain: [京广路街道]    # each text appears in some reason
          error: unknown_place             # instead: the situation is refused with this code

Dates may be written bare (YAML dates) or quoted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.infra.files import read_text
from fanjing.places.core import Place
from fanjing.places.designations_csv import read_designation
from fanjing.places.registry import Designation, Registry
from fanjing.policy.core.pack import Pack
from fanjing.policy.packfile import load_pack_file
from fanjing.policy.service import Checker


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    problems: tuple[str, ...]  # empty: passed

    @property
    def passed(self) -> bool:
        return not self.problems


def scenario_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def run_scenario_file(
    path: Path, *, packs: Sequence[Pack], parse_place: Callable[[str], Place], today: date
) -> list[CaseResult]:
    """Run every case of one file; a malformed file raises ``InputErrors``."""
    text = read_text(path, "场景文件")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        raise InputErrors(
            [
                FanjingError(
                    Code.BAD_SCENARIO, f"场景文件 YAML 格式错误：{problem}", Where(str(path))
                )
            ]
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise InputErrors(
            [FanjingError(Code.BAD_SCENARIO, "场景文件应有 cases 列表", Where(str(path)))]
        )
    pinned = load_pack_file(path.parent / document["policy"]) if document.get("policy") else None
    registry = Registry.of(_designations(document.get("risk_areas") or [], parse_place, str(path)))
    checker = Checker(packs, registry, parse_place, today, pinned)
    results = []
    for index, case in enumerate(document["cases"]):
        name = (
            str(case.get("name", f"case {index + 1}"))
            if isinstance(case, dict)
            else f"case {index + 1}"
        )
        results.append(CaseResult(str(path), name, tuple(_run_case(checker, case))))
    return results


def _run_case(checker: Checker, case: Any) -> list[str]:
    if not isinstance(case, dict) or "situation" not in case or "expect" not in case:
        return ["场景应有 situation 和 expect"]
    try:
        decision = checker.check(_plain(case["situation"])).to_json()
    except FanjingError as problem:
        expected_error = case["expect"].get("error") if isinstance(case["expect"], dict) else None
        if expected_error is not None and expected_error == problem.code:
            return []
        return [f"输入错误：{problem}"]
    expect = _plain(case["expect"])
    wanted = expect.pop("reasons_contain", []) if isinstance(expect, dict) else []
    problems = list(mismatches(expect, decision, "decision"))
    reasons = decision.get("reasons", [])
    problems.extend(
        f"decision.reasons: 没有包含“{text}”的理由"
        for text in wanted
        if not any(text in r for r in reasons)
    )
    return problems


def mismatches(expected: Any, actual: Any, path: str) -> list[str]:
    """Where ``actual`` differs from the parts of it that ``expected`` spells out."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: 应为对象，实际为 {actual!r}"]
        return [
            m
            for key, value in expected.items()
            for m in mismatches(value, actual.get(key), f"{path}.{key}")
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: 应为 {expected!r}，实际为 {actual!r}"]
        return [
            m
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for m in mismatches(e, a, f"{path}[{i}]")
        ]
    if expected != actual:
        return [f"{path}: 应为 {expected!r}，实际为 {actual!r}"]
    return []


def _plain(value: Any) -> Any:
    """YAML dates → ISO strings, so scenarios compare with the decision JSON."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _designations(
    items: list[Any], parse_place: Callable[[str], Place], file: str
) -> list[Designation]:
    designations = []
    errors: list[FanjingError] = []
    for index, item in enumerate(_plain(items)):
        where = Where(file, field=f"risk_areas[{index}]")
        if not isinstance(item, dict):
            errors.append(
                FanjingError(Code.BAD_SCENARIO, "风险地区应为 {level, area, from, to}", where)
            )
            continue
        try:
            designations.append(read_designation(item, parse_place=parse_place, where=where))
        except InputErrors as problems:
            errors.extend(problems.errors)
    if errors:
        raise InputErrors(errors)
    return designations
