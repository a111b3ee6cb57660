"""``fanjing employers …``: registering organisations and their users, and their staff's
measures and return days (masked names; Excel with ``--xlsx``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from fanjing.common.days import day_in_china, day_of
from fanjing.employers.export import HEADER, staff_rows, staff_xlsx
from fanjing.employers.service import (
    add_employer_user,
    employer_by_credit_code,
    register_employer,
)
from fanjing.employers.staff import staff_statuses
from fanjing.employers.store import all_employers
from fanjing.errors import FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.settings import Settings
from fanjing.users.cli import AddedBy, ExpiresInDays, add_showing_token
from fanjing.users.core import TOKEN_DAYS

employers_app = typer.Typer(help="单位：登记、单位用户、员工的观察监测与返岗", no_args_is_help=True)
user_app = typer.Typer(help="单位用户（角色 employer，绑定一个单位）", no_args_is_help=True)
employers_app.add_typer(user_app, name="user")
CREDIT_CODE = typer.Argument(help="单位的统一社会信用代码")


@employers_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="单位名称")],
    credit_code: Annotated[str, typer.Option("--credit-code", help="统一社会信用代码（18位）")],
    district: Annotated[str, typer.Option("--district", help="所在区，如 朝阳区")],
    actor: Annotated[str, typer.Option("--by", help="由谁登记")] = "cli",
) -> None:
    """登记单位；显示员工关联单位时填写的单位代码。"""
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            employer = register_employer(
                session=session,
                name=name,
                credit_code=credit_code,
                district=district,
                parse_place=Gazetteer().parse,
                actor=actor,
                now=command_clock().now(),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"已登记单位 {employer.name}（{employer.district}，{employer.credit_code}）")
    typer.echo(f"单位代码（员工在健康宝中关联单位时填写）：{employer.code}")


@employers_app.command("list")
def list_command() -> None:
    """已登记的单位：名称、区、统一社会信用代码、单位代码。"""
    with session_scope(open_database(command_settings().database_url)) as session:
        for employer in all_employers(session):
            typer.echo(
                f"{employer.name}  {employer.district}  {employer.credit_code}  {employer.code}"
            )


@user_app.command("add")
def user_add_command(
    name: Annotated[str, typer.Argument(help="用户名")],
    employer: Annotated[str, typer.Option("--employer", help="所属单位的统一社会信用代码")],
    expires_in_days: ExpiresInDays = TOKEN_DAYS,
    actor: AddedBy = "cli",
) -> None:
    """添加单位用户；令牌只显示这一次（只保存其摘要）。"""

    def add(session: Session, settings: Settings) -> tuple[str, str]:
        found = employer_by_credit_code(session, employer)
        user, token = add_employer_user(
            session=session,
            cipher=load_field_cipher(settings),
            employer=found,
            name=name,
            parse_place=Gazetteer().parse,
            actor=actor,
            now=command_clock().now(),
            expires_in_days=expires_in_days,
        )
        expires = day_in_china(user.token_expires_at)
        return f"已添加单位用户 {user.name}（{found.name}），令牌 {expires} 到期", token

    add_showing_token(add)


@employers_app.command("staff")
def staff_command(
    credit_code: Annotated[str, CREDIT_CODE],
    day: Annotated[str | None, typer.Option("--day", help="哪一天（默认今天，北京时间）")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="导出 Excel 到此文件")] = None,
) -> None:
    """单位员工某日的状态：观察或监测措施及其最后一天、可返岗日期（姓名遮蔽）。"""
    settings = command_settings()
    try:
        chosen = day_of(day, "--day") if day else command_clock().today()
        with session_scope(open_database(settings.database_url)) as session:
            employer = employer_by_credit_code(session, credit_code)
            statuses = staff_statuses(
                session, load_field_cipher(settings), employer_id=employer.id, day=chosen
            )
    except FanjingError as problem:
        fail(problem)
    if xlsx:
        xlsx.write_bytes(staff_xlsx(statuses, employer.name, chosen.isoformat()))
        typer.echo(f"已导出 {len(statuses)} 名员工到 {xlsx}")
        return
    typer.echo(f"{employer.name} {chosen} 员工：{len(statuses)} 名")
    typer.echo("  " + "｜".join(HEADER))
    for row in staff_rows(statuses):
        typer.echo("  " + "｜".join(cell or "-" for cell in row))
