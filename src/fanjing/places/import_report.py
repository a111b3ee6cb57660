"""What an import of risk areas did, as kept and shown: the areas opened, closed, withdrawn and
unchanged, the lines not placed, the lifts held back when the list may be truncated and who
confirmed them; in Chinese and as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class UnplacedLine:
    line: int
    text: str
    reason: str
    level: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import found and did; kept in the database for review."""

    kind: str  # national_list | csv
    file: str
    list_date: date | None
    declared: dict[str, int] = field(default_factory=dict)  # counts the list's header declares
    parsed: dict[str, int] = field(default_factory=dict)  # areas parsed, per level
    opened: tuple[str, ...] = ()  # "level area" of each designation opened
    opened_ids: tuple[int, ...] = ()  # their ids (pop-ups are raised for them)
    closed: tuple[str, ...] = ()
    withdrawn: tuple[str, ...] = ()
    unchanged: int = 0
    unplaced: tuple[UnplacedLine, ...] = ()
    count_problems: tuple[str, ...] = ()  # parsed counts that differ from declared ones
    # lifts and withdrawals not made because the list may be incomplete (see ``reconcile``)
    held: tuple[str, ...] = ()
    held_ids: tuple[int, ...] = ()
    incomplete: dict[str, tuple[str, ...]] = field(default_factory=dict)  # level: why
    warnings: tuple[str, ...] = ()  # more areas than declared: imported as read
    lifts_confirmed_by: str | None = None  # CDC staff who confirmed lifting despite ``incomplete``
    import_id: int | None = None  # the id it is kept under (registry_import)

    @property
    def lifts_held(self) -> bool:
        """Designations the list does not name stay in force until CDC confirms their lifts."""
        return bool(self.held) and self.lifts_confirmed_by is None

    def summary_zh(self) -> str:
        lines = [
            f"导入 {self.file}（{'全国中高风险地区名单' if self.kind == 'national_list' else 'CSV'}）"
        ]
        if self.list_date:
            lines.append(f"名单日期：{self.list_date}")
        if self.declared:
            lines.append("名单声明：" + "，".join(f"{k} {v} 个" for k, v in self.declared.items()))
        lines.append("解析：" + ("，".join(f"{k} {v} 个" for k, v in self.parsed.items()) or "无"))
        lines.append(
            f"新增 {len(self.opened)}，解除 {len(self.closed)}，撤回 {len(self.withdrawn)}，不变 {self.unchanged}"
        )
        lines.extend(f"  计数不符：{problem}" for problem in self.count_problems)
        lines.extend(f"  警告：{warning}" for warning in self.warnings)
        lines.extend(f"  未能识别（第{u.line}行）：{u.text} —— {u.reason}" for u in self.unplaced)
        if self.held:
            lines.append(
                f"暂缓解除 {len(self.held)} 个：名单可能不完整，名单未列出的这些地区仍按原等级管理，"
                + (
                    f"已由 {self.lifts_confirmed_by} 确认解除"
                    if self.lifts_confirmed_by
                    else "须疾控核对后确认才解除（--confirm-lifts）"
                )
            )
            lines.extend(
                f"  {level}：{reason}" for level, why in self.incomplete.items() for reason in why
            )
            lines.extend(f"  暂缓解除：{label}" for label in self.held)
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["list_date"] = self.list_date.isoformat() if self.list_date else None
        body["lifts_held"] = self.lifts_held
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ImportReport:
        """The report as ``as_json`` kept it (reports kept before a field existed lack it)."""
        values = {key: value for key, value in body.items() if key != "lifts_held"}
        values["list_date"] = date.fromisoformat(body["list_date"]) if body["list_date"] else None
        values["unplaced"] = tuple(UnplacedLine(**line) for line in body.get("unplaced", ()))
        values["incomplete"] = {k: tuple(v) for k, v in body.get("incomplete", {}).items()}
        for name in ("opened", "opened_ids", "closed", "withdrawn", "held", "held_ids", "warnings"):
            values[name] = tuple(body.get(name, ()))
        values["count_problems"] = tuple(body.get("count_problems", ()))
        return cls(**values)
