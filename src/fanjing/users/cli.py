"""``fanjing users …``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from fanjing.common.days import day_in_china
from fanjing.errors import FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.settings import Settings
from fanjing.users.core import TOKEN_DAYS, Role
from fanjing.users.service import add_user, revoke_user, users_listed

users_app = typer.Typer(help="用户与角色", no_args_is_help=True)

STATE_ZH = {"active": "有效", "token_expired": "令牌已过期", "token_revoked": "令牌已吊销"}

# the options of every command that adds a user (this one and ``fanjing employers user add``)
ExpiresInDays = Annotated[int, typer.Option("--expires-in-days", help="令牌有效天数")]
AddedBy = Annotated[str, typer.Option("--by", help="由谁添加")]


def add_showing_token(add: Callable[[Session, Settings], tuple[str, str]]) -> None:
    """Run ``add`` in a session of its own: it adds a user and returns the line saying who
    was added and their token, which is then shown this once (only its digest is stored)."""
    settings = command_settings()
    try:
        with session_scope(open_database(settings.database_url)) as session:
            added, token = add(session, settings)
    except FanjingError as problem:
        fail(problem)
    typer.echo(added)
    typer.echo("令牌（只显示这一次，请妥善保存）：")
    typer.echo(token)


@users_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="、".join(r.value for r in Role))],
    community: Annotated[str | None, typer.Option("--community", help="社区工作者所属社区")] = None,
    clinic: Annotated[
        str | None, typer.Option("--clinic", help="接种门诊用户所属门诊的代码")
    ] = None,
    expires_in_days: ExpiresInDays = TOKEN_DAYS,
    actor: AddedBy = "cli",
) -> None:
    """添加用户；令牌只显示这一次（只保存其摘要）。"""

    def add(session: Session, settings: Settings) -> tuple[str, str]:
        user, token = add_user(
            session=session,
            cipher=load_field_cipher(settings),
            name=name,
            role=role,
            community=community,
            clinic=clinic,
            parse_place=Gazetteer().parse,
            actor=actor,
            now=command_clock().now(),
            expires_in_days=expires_in_days,
        )
        added = (
            f"已添加用户 {user.name}（{Role(user.role).label_zh}）"
            + (f"，社区：{user.community}" if user.community else "")
            + (f"，门诊：{user.clinic}" if user.clinic else "")
            + f"，令牌 {day_in_china(user.token_expires_at)} 到期"
        )
        return added, token

    add_showing_token(add)


@users_app.command("revoke")
def revoke_command(
    name: Annotated[str, typer.Argument(help="用户名")],
    actor: Annotated[str, typer.Option("--by", help="由谁吊销")] = "cli",
) -> None:
    """吊销用户的令牌：此后不能再用它登录，已登录的页面会话随即结束（记入审计日志）。"""
    settings = command_settings()
    try:
        with session_scope(open_database(settings.database_url)) as session:
            user = revoke_user(
                session=session,
                cipher=load_field_cipher(settings),
                name=name,
                actor=actor,
                now=command_clock().now(),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"已吊销用户 {user.name}（{Role(user.role).label_zh}）的令牌")


@users_app.command("list")
def list_command() -> None:
    """列出用户（姓名遮蔽，不含令牌）：角色、社区或门诊、令牌到期日与状态。"""
    settings = command_settings()
    try:
        with session_scope(open_database(settings.database_url)) as session:
            listed = users_listed(
                session=session, cipher=load_field_cipher(settings), now=command_clock().now()
            )
    except FanjingError as problem:  # names under keys this machine does not have
        fail(problem)
    for user in listed:
        where = f"  {user.place}" if user.place else ""
        typer.echo(
            f"{user.masked_name}  {user.role.label_zh}{where}  "
            f"{day_in_china(user.token_expires_at)} 到期  {STATE_ZH[user.state]}"
        )
