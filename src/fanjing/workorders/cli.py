"""``fanjing workorders …``: open an order from a call, list, close after the call-back, run the
overdue check, the report (Excel too), and check a deadlines file."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from fanjing.common.days import day_of
from fanjing.errors import FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.infra.files import read_text
from fanjing.places.gazetteer import Gazetteer
from fanjing.workorders import service, views
from fanjing.workorders.deadlines import builtin_deadlines, parse_deadlines
from fanjing.workorders.reports import report, report_days, report_xlsx

workorders_app = typer.Typer(help="12345 接诉即办工单", no_args_is_help=True)


@workorders_app.command("open")
def open_command(
    caller_name: Annotated[str, typer.Option("--caller-name", help="来电人姓名")],
    caller_phone: Annotated[str, typer.Option("--caller-phone", help="来电号码")],
    category: Annotated[str, typer.Option("--category", help="popup_appeal 等类别")],
    text: Annotated[str, typer.Option("--text", help="来电诉求")],
    address: Annotated[str | None, typer.Option("--address", help="住址（写到社区/村）")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="所涉健康宝手机号")] = None,
    faq: Annotated[int | None, typer.Option("--faq", help="通话中给出的知识库问答编号")] = None,
    clinic: Annotated[str | None, typer.Option("--clinic", help="接种门诊代码")] = None,
    actor: Annotated[str, typer.Option("--by", help="话务员")] = "cli",
) -> None:
    """受理来电：开工单并派给承办单位。"""
    settings, clock = command_settings(), command_clock()
    try:
        with session_scope(open_database(settings.database_url)) as session:
            order = service.open_order(
                session=session,
                cipher=load_field_cipher(settings),
                call=service.Call(
                    caller_name, caller_phone, category, text, address, phone, faq, clinic
                ),
                deadlines=builtin_deadlines(),
                parse_place=Gazetteer().parse,
                actor=actor,
                now=clock.now(),
            )
            unit = views.unit_label(session, order.unit_kind, order.unit_key)
            typer.echo(f"已开工单 #{order.id}，派给 {unit}")
    except FanjingError as problem:
        fail(problem)


@workorders_app.command("list")
def list_command(
    state: Annotated[list[str] | None, typer.Option("--state", help="只列该状态（可多次）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 行")] = False,
) -> None:
    """列出工单（来电人已脱敏）。"""
    settings, clock = command_settings(), command_clock()
    with session_scope(open_database(settings.database_url)) as session:
        cipher, now = load_field_cipher(settings), clock.now()
        for row in views.orders(session, states=state or ()):
            view = views.order_view(session, cipher, row, now=now)
            if as_json:
                typer.echo(json.dumps(asdict(view), ensure_ascii=False, default=str))
            else:
                late = f" 超时（{view.overdue}）" if view.overdue else ""
                typer.echo(
                    f"#{view.id} {view.category_zh} {view.state_zh}{late} {view.caller} "
                    f"{view.caller_phone} → {view.unit}"
                )


@workorders_app.command("close")
def close_command(
    order_id: Annotated[int, typer.Argument(help="工单号")],
    satisfaction: Annotated[
        str, typer.Option("--satisfaction", help="satisfied、basically_satisfied 或 dissatisfied")
    ],
    note: Annotated[str, typer.Option("--note", help="回访记录")] = "",
    actor: Annotated[str, typer.Option("--by", help="话务员")] = "cli",
) -> None:
    """回访后结单，记下来电人的满意度。"""
    clock = command_clock()
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            service.close(
                session=session,
                order_id=order_id,
                satisfaction=satisfaction,
                note=note,
                actor=actor,
                now=clock.now(),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"工单 #{order_id} 已结单")


@workorders_app.command("escalate")
def escalate_command() -> None:
    """超时检查：把超过时限的工单升级到所在区督办（服务器每 15 分钟也做一次）。"""
    clock = command_clock()
    with session_scope(open_database(command_settings().database_url)) as session:
        escalated = service.escalate_overdue(session=session, now=clock.now())
        typer.echo(f"升级督办 {len(escalated)} 张工单" + "".join(f" #{o.id}" for o in escalated))


@workorders_app.command("report")
def report_command(
    first: Annotated[str | None, typer.Option("--from", help="开始日期 YYYY-MM-DD")] = None,
    last: Annotated[str | None, typer.Option("--to", help="结束日期 YYYY-MM-DD")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="导出 Excel 到此文件")] = None,
) -> None:
    """统计：每日各类工单、响应与办结时长（中位数、P90）、超时清单。"""
    now = command_clock().now()
    try:
        days = report_days(_day(first, "--from"), _day(last, "--to"), now=now)
        with session_scope(open_database(command_settings().database_url)) as session:
            found = report(session, **days, now=now)
    except FanjingError as problem:
        fail(problem)
    if xlsx is not None:
        xlsx.write_bytes(report_xlsx(found))
        typer.echo(f"已导出到 {xlsx}")
        return
    typer.echo(json.dumps(asdict(found), ensure_ascii=False, default=str, indent=1))


@workorders_app.command("deadlines")
def deadlines_command(
    file: Annotated[Path | None, typer.Argument(help="要检查的时限文件（默认：内置）")] = None,
) -> None:
    """检查并列出各类工单的响应、办结时限。"""
    try:
        found = (
            parse_deadlines(read_text(file, "时限文件"), file=str(file))
            if file
            else builtin_deadlines()
        )
    except FanjingError as problem:
        fail(problem)
    for category, deadline in found.items():
        typer.echo(
            f"{category.value}（{category.label_zh}）：{deadline.respond_hours} 小时内响应，"
            f"{deadline.resolve_hours} 小时内办结"
        )


def _day(text: str | None, field: str) -> date | None:
    return None if text is None else day_of(text, field)
