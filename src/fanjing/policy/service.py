"""Use cases around the engine: gather (packs, registry, places), decide, return."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.infra.files import read_text
from fanjing.infra.metrics import DECISIONS
from fanjing.places.core import Place
from fanjing.places.designations_csv import read_designations_csv
from fanjing.places.registry import Registry
from fanjing.policy.core.decide import PolicyEvaluationError, decide
from fanjing.policy.core.explain import day_zh
from fanjing.policy.core.model import Decision
from fanjing.policy.core.pack import Pack, pack_in_force
from fanjing.policy.packfile import DEFAULT_PACK_ID
from fanjing.policy.situation_json import read_situation


@dataclass(frozen=True)
class Checker:
    """Everything an entry check needs besides the situation; built once, used for many."""

    packs: Sequence[Pack]
    registry: Registry
    parse_place: Callable[[str], Place]
    today: date
    pinned_pack: Pack | None = None  # --policy FILE: used whatever the day

    def pack_for(self, day: date) -> tuple[Pack, bool]:
        """The pack governing a decision on ``day``, and whether it is really in force then.

        Before the first pack comes into force the default pack is used (and said so).
        """
        if self.pinned_pack is not None:
            return self.pinned_pack, True
        pack = pack_in_force(self.packs, day)
        if pack is not None:
            return pack, True
        default = next((p for p in self.packs if p.id == DEFAULT_PACK_ID), None)
        if default is None:
            raise FanjingError(Code.NO_PACK_IN_FORCE, f"{day} 没有生效的政策包")
        return default, False

    def check(self, data: Any, *, explained: bool = True) -> Decision:
        """Decide for one situation (parsed JSON); raises ``InputErrors`` for bad input.
        ``explained=False``: no reasons (only the measures are wanted)."""
        situation = read_situation(data, parse_place=self.parse_place, today=self.today)
        pack, in_force = self.pack_for(situation.as_of)
        try:
            decision = decide(pack, self.registry, situation, explained=explained)
        except PolicyEvaluationError as problem:
            raise FanjingError(Code.POLICY_ERROR, f"政策包 {pack.id} 无法计算：{problem}") from None
        if not in_force:
            note = (
                f"评估日{day_zh(situation.as_of)}早于政策包生效日{day_zh(pack.in_force_from)}，"
                "按默认政策包计算。"
            )
            decision = replace(decision, reasons=(*decision.reasons, note))
        DECISIONS.labels("allowed" if decision.entry.allowed else "refused").inc()
        return decision

    def check_lines(self, lines: Iterator[str | bytes], file: str) -> Iterator[BatchLine]:
        """The batch path: one JSON situation per line → one answer per line, in order.

        A bad line is answered with its errors; the rest go on. Blank lines are skipped.
        """
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield BatchLine(number, self.check(orjson.loads(line)))
            except orjson.JSONDecodeError as problem:
                error = FanjingError(
                    Code.BAD_JSON, f"JSON 格式错误：{problem.msg}", Where(file, number)
                )
                yield BatchLine(number, None, (error,))
            except InputErrors as problems:
                yield BatchLine(number, None, tuple(problems.located(file, number).errors))
            except FanjingError as problem:
                yield BatchLine(number, None, (problem.located(file, number),))


@dataclass(frozen=True)
class BatchLine:
    """The answer to one line of a batch: a decision, or the problems with the line."""

    number: int
    decision: Decision | None
    errors: tuple[FanjingError, ...] = ()

    def to_json_line(self) -> bytes:
        """The decision JSON, or ``{"line": N, "errors": [...]}``, ending in a newline."""
        if self.decision is not None:
            return self.decision.to_json_bytes() + b"\n"
        body = {"line": self.number, "errors": [error.as_dict() for error in self.errors]}
        return orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)


def load_registry_csv(path: Path, parse_place: Callable[[str], Place]) -> Registry:
    text = read_text(path, "风险地区文件")
    return Registry.of(read_designations_csv(text, parse_place=parse_place, file=str(path)))
