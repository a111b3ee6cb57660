"""``fanjing checkpoints …``: checkpoints, their staff, results, and a commuter's 14-day test."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import select

from fanjing.checkpoints.service import (
    OUTCOMES_ZH,
    add_checkpoint,
    bind_staff,
    check_commuter,
    checkpoint_named,
    commuter_by_document,
    recent_results,
)
from fanjing.checkpoints.store import CheckpointRow
from fanjing.common.identity import read_document
from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import registry_in_database
from fanjing.policy.packstore import packs_in_database
from fanjing.policy.service import Checker
from fanjing.users.service import user_name_hash
from fanjing.users.store import UserRow

checkpoints_app = typer.Typer(help="检查站与环京通勤人员", no_args_is_help=True)
staff_app = typer.Typer(help="检查站工作人员", no_args_is_help=True)
checkpoints_app.add_typer(staff_app, name="staff")


@checkpoints_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="检查站名称，如 白庙检查站")],
    district: Annotated[str, typer.Option("--district", help="所在区，如 北京市通州区")],
    actor: Annotated[str, typer.Option("--by", help="由谁添加")] = "cli",
) -> None:
    """添加检查站。"""
    clock = command_clock()
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            row = add_checkpoint(
                session=session,
                name=name,
                district=district,
                parse_place=Gazetteer().parse,
                actor=actor,
                now=clock.now(),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"已添加检查站 #{row.id}：{row.name}（{row.district}）")


@checkpoints_app.command("list")
def list_command() -> None:
    """列出检查站。"""
    with session_scope(open_database(command_settings().database_url)) as session:
        for row in session.scalars(select(CheckpointRow).order_by(CheckpointRow.id)):
            typer.echo(f"{row.id}  {row.name}  {row.district}")


@staff_app.command("add")
def staff_add_command(
    user: Annotated[
        str, typer.Argument(help="检查站工作人员的用户名（fanjing users add … --role checkpoint）")
    ],
    checkpoint: Annotated[str, typer.Option("--checkpoint", help="检查站名称")],
    actor: Annotated[str, typer.Option("--by", help="由谁绑定")] = "cli",
) -> None:
    """把检查站工作人员绑定到检查站。"""
    settings, clock = command_settings(), command_clock()
    try:
        with session_scope(open_database(settings.database_url)) as session:
            wanted = user_name_hash(load_field_cipher(settings), user.strip())
            found = session.scalar(select(UserRow).where(UserRow.name_hash == wanted))
            if found is None:
                raise FanjingError(Code.NOT_FOUND, f"没有用户“{user}”", Where(field="user"))
            row = checkpoint_named(session, checkpoint)
            bind_staff(session=session, user=found, checkpoint=row, actor=actor, now=clock.now())
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"{user} 已绑定到 {row.name}")


@checkpoints_app.command("results")
def results_command(
    checkpoint: Annotated[str, typer.Argument(help="检查站名称")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON 行")] = False,
) -> None:
    """检查站最近的核验结果（姓名已遮蔽）。"""
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            rows = recent_results(session, checkpoint_named(session, checkpoint))
    except FanjingError as problem:
        fail(problem)
    for r in rows:
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "id": r.id,
                        "checked_at": r.checked_at.isoformat(),
                        "masked_name": r.masked_name,
                        "colour": r.colour,
                        "popup": r.popup,
                        "temperature": str(r.temperature),
                        "outcome": r.outcome,
                        "commuter": r.commuter_id,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            typer.echo(
                f"{r.checked_at:%m-%d %H:%M}  {r.masked_name}  {r.colour}  {r.temperature}℃  {OUTCOMES_ZH[r.outcome]}"
            )


@checkpoints_app.command("commuter-check")
def commuter_check_command(
    number: Annotated[str, typer.Argument(help="通勤人员的身份证号")],
    proof_on: Annotated[
        str | None, typer.Option("--proof-on", help="现场出示的核酸阴性证明采样日")
    ] = None,
) -> None:
    """查验通勤人员：最近一次核酸阴性是否在14天内（政策包 entry.commuter_test）。"""
    settings = command_settings()
    today = command_clock().today()
    try:
        proof = datetime.strptime(proof_on, "%Y-%m-%d").date() if proof_on else None
    except ValueError:
        fail(
            FanjingError(
                Code.BAD_DATE, f"日期应为 YYYY-MM-DD：“{proof_on}”", Where(field="--proof-on")
            )
        )
    try:
        engine = open_database(settings.database_url)
        gazetteer = Gazetteer()
        with session_scope(engine) as session:
            checker = Checker(
                packs_in_database(session), registry_in_database(session), gazetteer.parse, today
            )
            document = read_document("resident_id", number, today=today)
            found = check_commuter(
                session=session,
                commuter=commuter_by_document(session, load_field_cipher(settings), document),
                checker=checker,
                today=today,
                proof_on=proof,
            )
    except FanjingError as problem:
        fail(problem)
    tested = found.last_negative_test.isoformat() if found.last_negative_test else "无记录"
    verdict = "可通行" if found.allowed else f"不能通行（{found.rule}：{found.clause}）"
    typer.echo(f"{found.employer} · {found.home} · 最近一次核酸阴性 {tested} · {verdict}")
    raise typer.Exit(0 if found.allowed else 3)
