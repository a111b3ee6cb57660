"""``fanjing community …``: worklists and their export, arrival lists from Excel, closing
finished cases; ``fanjing policy upload/preview/approve``: a new pack and the open cases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from sqlalchemy import Engine

from fanjing.common.days import day_of
from fanjing.community.arrival_list import MAX_ROWS
from fanjing.community.core import KIND_ZH, Measure
from fanjing.community.excel import sheet_rows
from fanjing.community.measures import close_finished_cases
from fanjing.community.reevaluate import Preview, approve_pack, preview_pack
from fanjing.community.service import import_arrival_list
from fanjing.community.worklist import (
    community_worklist,
    worklist_csv,
    worklist_rows,
    worklist_xlsx,
)
from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.infra.files import read_text
from fanjing.places.core import beijing_community
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import registry_in_database
from fanjing.policy.packstore import packs_in_database, upload_pack
from fanjing.policy.service import Checker
from fanjing.settings import Settings

community_app = typer.Typer(help="社区健康管理：工作清单、导入名单", no_args_is_help=True)


def _engine(settings: Settings) -> Engine:
    return open_database(settings.database_url)


def _checker(engine: Engine, gazetteer: Gazetteer, today: date) -> Checker:
    with session_scope(engine) as session:
        packs, registry = packs_in_database(session), registry_in_database(session)
    return Checker(packs, registry, gazetteer.parse, today)


@community_app.command("worklist")
def worklist_command(
    community: Annotated[
        str, typer.Argument(help="社区（村），如 北京市朝阳区潘家园街道松榆里社区")
    ],
    day: Annotated[str | None, typer.Option("--day", help="哪一天（默认今天，北京时间）")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="导出 Excel 到此文件")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="导出 CSV 到此文件")] = None,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="显示完整姓名和手机号（社区工作者联系本人时用）")
    ] = False,
) -> None:
    """某社区某日的工作清单：开始、结束观察或监测，应做核酸检测，漏报健康监测，到京未报告。"""
    settings = command_settings()
    try:
        chosen = day_of(day, "--day") if day else command_clock().today()
        place = beijing_community(Gazetteer().parse(community), at="community")
        engine = _engine(settings)
        with session_scope(engine) as session:
            work = community_worklist(
                session,
                load_field_cipher(settings),
                community=place.name,
                day=chosen,
                reveal=reveal,
            )
    except FanjingError as problem:
        fail(problem)
    if xlsx:
        xlsx.write_bytes(worklist_xlsx(work, place.name))
        typer.echo(f"已导出 {len(work.items)} 项到 {xlsx}")
    if csv_file:
        csv_file.write_text(worklist_csv(work), encoding="utf-8")
        typer.echo(f"已导出 {len(work.items)} 项到 {csv_file}")
    if not (xlsx or csv_file):
        typer.echo(f"{place.name} {chosen} 工作清单：{len(work.items)} 项")
        for what, case, person, phone, kind, detail in worklist_rows(work):
            typer.echo(f"  {what}｜{case or '-'}｜{person} {phone}｜{kind or '-'}｜{detail}")


@community_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="到京人员名单（.xlsx）")],
    community: Annotated[str, typer.Option("--community", help="这些人所在的社区（村）")],
    actor: Annotated[str, typer.Option("--by", help="录入人")] = "cli",
) -> None:
    """导入 Excel 名单：逐行报错；全部无误才导入。"""
    settings = command_settings()
    clock = command_clock()
    try:
        if not file.is_file():
            raise FanjingError(Code.FILE_NOT_FOUND, "文件不存在", Where(file=str(file)))
        rows = sheet_rows(file.read_bytes(), file=str(file), max_rows=MAX_ROWS)
        gazetteer = Gazetteer()
        engine = _engine(settings)
        checker = _checker(engine, gazetteer, clock.today())
        with session_scope(engine) as session:
            reported = import_arrival_list(
                session=session,
                cipher=load_field_cipher(settings),
                checker=checker,
                community=community,
                rows=rows,
                file=str(file),
                actor=actor,
                now=clock.now(),
            )
    except FanjingError as problem:
        fail(problem)
    cases = sum(1 for r in reported if r.case)
    typer.echo(f"已导入 {len(reported)} 人的到京报告，其中 {cases} 人需社区管理")


@community_app.command("close-finished")
def close_finished_command(
    today: Annotated[str | None, typer.Option("--today", help="按哪一天（默认今天）")] = None,
) -> None:
    """结束措施均已期满的个案（服务器每天自动运行）。"""
    try:
        day = day_of(today, "--today") if today else command_clock().today()
        with session_scope(_engine(command_settings())) as session:
            closed = close_finished_cases(session=session, today=day)
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"{day}：{closed} 个个案措施期满，已结束")


def upload_command(
    file: Annotated[Path, typer.Argument(help="政策包 YAML")],
    actor: Annotated[str, typer.Option("--by", help="上传人")] = "cli",
) -> None:
    """上传新版本政策包：校验（逐条报错）后存为草稿，待预览和批准。"""
    clock = command_clock()
    try:
        text = read_text(file, "政策包")
        with session_scope(_engine(command_settings())) as session:
            row = upload_pack(
                session=session, text=text, file=str(file), actor=actor, now=clock.now()
            )
            shown = f"{row.id}：{row.pack_id} {row.version}，{row.in_force_from} 起生效"
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"已存为草稿 {shown}；下一步：fanjing policy preview {row.id}")


def preview_command(
    pack: Annotated[int, typer.Argument(help="草稿编号（fanjing policy upload 给出）")],
    as_json: Annotated[bool, typer.Option("--json", help="每个有变化的个案一行 JSON")] = False,
) -> None:
    """预览：新政策包会改变哪些在管个案、怎样改变。"""
    _reevaluate(pack, approve=False, as_json=as_json, actor="cli")


def approve_command(
    pack: Annotated[int, typer.Argument(help="草稿编号")],
    actor: Annotated[str, typer.Option("--by", help="批准人")] = "cli",
) -> None:
    """批准政策包：生效，并按预览更新在管个案（逐个记入审计日志）。"""
    _reevaluate(pack, approve=True, as_json=False, actor=actor)


def _reevaluate(pack: int, *, approve: bool, as_json: bool, actor: str) -> None:
    settings = command_settings()
    clock = command_clock()
    try:
        engine = _engine(settings)
        checker = _checker(engine, Gazetteer(), clock.today())
        with Progress(transient=True) as progress, session_scope(engine) as session:
            task = progress.add_task("重新评估在管个案", total=None)

            def advance(cases: int) -> None:
                progress.advance(task, cases)

            if approve:
                found = approve_pack(
                    session=session,
                    checker=checker,
                    row_id=pack,
                    actor=actor,
                    now=clock.now(),
                    progress=advance,
                    dask_scheduler=settings.dask_scheduler,
                )
            else:
                found = preview_pack(
                    session=session,
                    checker=checker,
                    row_id=pack,
                    progress=advance,
                    dask_scheduler=settings.dask_scheduler,
                )
            _show(found, approve=approve, as_json=as_json)
    except FanjingError as problem:
        fail(problem)


def _show(found: Preview, *, approve: bool, as_json: bool) -> None:
    if as_json:
        for change in found.changes:
            typer.echo(
                json.dumps(
                    {
                        "case_id": change.case_id,
                        "changes": [
                            {
                                "kind": c.kind,
                                "what": c.what,
                                "before": _period(c.before),
                                "after": _period(c.after),
                            }
                            for c in change.changes
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        return
    row = found.pack
    done = "已批准并更新" if approve else "批准后将改变"
    typer.echo(
        f"政策包 {row.pack_id} {row.version}（{row.in_force_from} 起）：重新评估 {found.cases} 个在管个案，"
        f"{done} {len(found.changes)} 个，无法评估 {len(found.failed)} 个"
    )
    for change in found.changes[:20]:
        parts = [
            f"{KIND_ZH.get(c.kind, c.kind)} {_shown(c.before)} → {_shown(c.after)}"
            for c in change.changes
        ]
        typer.echo(f"  个案 {change.case_id}：" + "；".join(parts))
    if len(found.changes) > 20:
        typer.echo(f"  ……其余 {len(found.changes) - 20} 个（--json 列出全部）")
    for case_id, why in found.failed[:20]:
        typer.echo(f"  个案 {case_id} 无法评估：{why}")


def _period(measure: Measure | None) -> dict[str, Any] | None:
    if measure is None:
        return None
    return {
        "start": measure.start.isoformat(),
        "until": measure.until.isoformat() if measure.until else None,
    }


def _shown(measure: Measure | None) -> str:
    if measure is None:
        return "无"
    return f"{measure.start}–{measure.until or '另行通知'}"
