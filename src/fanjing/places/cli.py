"""``fanjing risk …``: import, list and compare the risk-area registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from fanjing.common.days import day_of
from fanjing.errors import FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.db import open_database, session_scope
from fanjing.infra.files import read_text
from fanjing.places.followers import DesignationFollowers, publish
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.import_report import ImportReport
from fanjing.places.imports import confirm_held_lifts, import_risk_file
from fanjing.places.lookup import diff
from fanjing.places.store import DesignationRow, designations_in_force

risk_app = typer.Typer(help="风险地区：导入名单、查询、比较", no_args_is_help=True)

LEVEL_ZH = {"high": "高风险", "medium": "中风险", "cases": "有病例"}


def _engine() -> Engine:
    return open_database(command_settings().database_url)


def _day(text: str, option: str) -> date:
    try:
        return day_of(text, option)
    except FanjingError as problem:
        fail(problem)


def import_command(followers: DesignationFollowers) -> Callable[..., None]:
    """``fanjing risk import``, its pop-ups raised by ``followers`` (the root hands them in)."""

    def command(
        file: Annotated[
            Path, typer.Argument(help="全国中高风险地区名单（文本）或 CSV（level,area,from,to）")
        ],
        day: Annotated[
            str | None, typer.Option("--date", help="名单生效日（默认取名单中的日期）")
        ] = None,
        actor: Annotated[str, typer.Option("--by", help="录入人")] = "cli",
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 报告")] = False,
        confirm_lifts: Annotated[
            bool,
            typer.Option(
                "--confirm-lifts",
                help="名单不完整时也解除其未列出的地区（须已核对名单；记入审计日志）",
            ),
        ] = False,
    ) -> None:
        """导入一天的名单或 CSV：新增、解除、不变，以及未能识别的每一行。

        退出码：0 导入完成；2 输入有误，未导入；3 已导入，但名单可能不完整，其未列出的
        地区暂缓解除，须核对后用 --confirm-lifts 重新导入或 ``fanjing risk confirm-lifts``。
        """
        list_date = _day(day, "--date") if day else None
        clock = command_clock()
        try:
            text = read_text(file, "风险地区文件")
            gazetteer = Gazetteer()
            with session_scope(_engine()) as session:
                report = import_risk_file(
                    session=session,
                    text=text,
                    file=str(file),
                    parse_place=gazetteer.parse,
                    actor=actor,
                    now=clock.now(),
                    list_date=list_date,
                    confirm_lifts=confirm_lifts,
                    followers=followers,
                )
                publish(
                    session=session,
                    followers=followers,
                    opened_ids=report.opened_ids,
                    today=clock.today(),
                    now=clock.now(),
                )
        except FanjingError as problem:
            fail(problem)
        _report(report, as_json)
        if report.lifts_held:
            typer.echo(
                f"注意：名单可能不完整，{len(report.held)} 个地区暂缓解除。核对名单后："
                f"fanjing risk confirm-lifts {report.import_id} --by 姓名（或 --confirm-lifts 重新导入）",
                err=True,
            )
            raise typer.Exit(HELD_LIFTS_EXIT)

    return command


# exit code of an import that held lifts back: imported, but an operator must act
HELD_LIFTS_EXIT = 3


def _report(report: ImportReport, as_json: bool) -> None:
    typer.echo(
        json.dumps(report.as_json(), ensure_ascii=False, indent=2)
        if as_json
        else report.summary_zh()
    )


def confirm_lifts_command(followers: DesignationFollowers) -> Callable[..., None]:
    """``fanjing risk confirm-lifts``, a withdrawn area's pop-ups taken off by ``followers``."""

    def command(
        import_id: Annotated[int, typer.Argument(help="导入记录编号（导入时给出）")],
        actor: Annotated[str, typer.Option("--by", help="确认人（记入审计日志）")],
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 报告")] = False,
    ) -> None:
        """核对名单后，确认解除某次导入暂缓解除的地区。"""
        clock = command_clock()
        try:
            with session_scope(_engine()) as session:
                report = confirm_held_lifts(
                    session=session,
                    import_id=import_id,
                    actor=actor,
                    now=clock.now(),
                    followers=followers,
                )
        except FanjingError as problem:
            fail(problem)
        _report(report, as_json)

    return command


def _row_zh(row: DesignationRow) -> str:
    until = f"至 {row.to_date}" if row.to_date else "起"
    return f"{LEVEL_ZH[row.level]}  {row.area_name}  （{row.from_date} {until}）"


@risk_app.command("list")
def list_command(
    as_of: Annotated[str, typer.Option("--as-of", help="哪一天（YYYY-MM-DD）")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组")] = False,
) -> None:
    """列出某一天生效的风险地区。"""
    day = _day(as_of, "--as-of")
    with session_scope(_engine()) as session:
        rows = designations_in_force(session, day)
        if as_json:
            typer.echo(json.dumps([row.snapshot() for row in rows], ensure_ascii=False, indent=2))
            return
        typer.echo(f"{day} 生效的风险地区：{len(rows)} 个")
        for row in rows:
            typer.echo(f"  {_row_zh(row)}")


@risk_app.command("diff")
def diff_command(
    first: Annotated[str, typer.Argument(help="较早的一天")],
    second: Annotated[str, typer.Argument(help="较晚的一天")],
) -> None:
    """比较两天的风险地区：新增、解除、等级变化。"""
    day1, day2 = _day(first, "D1"), _day(second, "D2")
    with session_scope(_engine()) as session:
        changes = diff(session, day1, day2)
        typer.echo(
            f"{day1} → {day2}：新增 {len(changes.added)}，解除 {len(changes.lifted)}，等级变化 {len(changes.changed)}"
        )
        for row in changes.added:
            typer.echo(f"  + {_row_zh(row)}")
        for row in changes.lifted:
            typer.echo(f"  - {_row_zh(row)}")
        for before, after in changes.changed:
            typer.echo(f"  ~ {after.area_name}：{LEVEL_ZH[before.level]} → {LEVEL_ZH[after.level]}")
