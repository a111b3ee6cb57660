"""``fanjing users …``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import select

from fanjing.errors import FanjingError
from fanjing.infra.console import command_settings, fail
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.users.core import Role
from fanjing.users.service import add_user
from fanjing.users.store import UserRow

users_app = typer.Typer(help="用户与角色", no_args_is_help=True)


@users_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="、".join(r.value for r in Role))],
    community: Annotated[str | None, typer.Option("--community", help="社区工作者所属社区")] = None,
    clinic: Annotated[
        str | None, typer.Option("--clinic", help="接种门诊用户所属门诊的代码")
    ] = None,
    actor: Annotated[str, typer.Option("--by", help="由谁添加")] = "cli",
) -> None:
    """添加用户；令牌只显示这一次（只保存其摘要）。"""
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            user, token = add_user(
                session=session,
                name=name,
                role=role,
                community=community,
                clinic=clinic,
                parse_place=Gazetteer().parse,
                actor=actor,
                now=datetime.now(UTC),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(
        f"已添加用户 {user.name}（{Role(user.role).label_zh}）"
        + (f"，社区：{user.community}" if user.community else "")
        + (f"，门诊：{user.clinic}" if user.clinic else "")
    )
    typer.echo("令牌（只显示这一次，请妥善保存）：")
    typer.echo(token)


@users_app.command("list")
def list_command() -> None:
    """列出用户（不含令牌）。"""
    with session_scope(open_database(command_settings().database_url)) as session:
        for user in session.scalars(select(UserRow).order_by(UserRow.id)):
            place = user.community or user.clinic
            where = f"  {place}" if place else ""
            typer.echo(f"{user.name}  {Role(user.role).label_zh}{where}")
