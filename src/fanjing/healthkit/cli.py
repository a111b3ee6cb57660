"""``fanjing pass …``: verify a pass offline, rotate the signing key, issue a test pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from fanjing.common.days import day_of
from fanjing.common.identity import mask_name
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.core import Colour
from fanjing.healthkit.keys import jwks, rotate_signing_key, stored_keys
from fanjing.healthkit.pass_token import issue_pass, verify_pass
from fanjing.healthkit.status_row import Difference, refresh_due_statuses, verify_statuses
from fanjing.healthkit.store import account_count, purge_grey_numbers
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.db import open_database, session_scope
from fanjing.infra.files import read_text

T = TypeVar("T")
pass_app = typer.Typer(help="健康宝通行码：核验、签名密钥", no_args_is_help=True)
healthkit_app = typer.Typer(help="健康宝：每日维护、状态核对", no_args_is_help=True)


DIFFERENCES_FOUND = 3  # verify-status: rows that differ from their sources (2: bad input)
Today = Annotated[str | None, typer.Option("--today", help="按哪一天（默认今天，北京时间）")]


def _on_day(today: str | None, work: Callable[[Session, date], T]) -> tuple[date, T]:
    """``work`` in one transaction on the database, for ``--today`` or the CST day."""
    try:
        day = day_of(today, "--today") if today else command_clock().today()
        with session_scope(open_database(command_settings().database_url)) as session:
            return day, work(session, day)
    except FanjingError as problem:
        fail(problem)


@healthkit_app.command("purge")
def purge_command(today: Today = None) -> None:
    """删除解绑满14天的灰色手机号（服务器每天自动运行）。"""
    day, removed = _on_day(today, lambda s, d: purge_grey_numbers(session=s, today=d))
    typer.echo(f"{day}：删除了 {removed} 个解绑满14天的手机号")


@healthkit_app.command("refresh-status")
def refresh_status_command(today: Today = None) -> None:
    """按当天重算随日期变化的健康宝状态（服务器每天零点自动运行）。"""
    day, refreshed = _on_day(today, lambda s, d: refresh_due_statuses(session=s, today=d))
    typer.echo(f"{day}：重算了 {refreshed} 个账户的状态")


@healthkit_app.command("verify-status")
def verify_status_command(today: Today = None) -> None:
    """从来源（申报、红码、弹窗）重算每个账户的状态，与保存的状态逐一核对：
    一致退出 0，不一致逐个列出并退出 3。"""

    def verify(session: Session, day: date) -> tuple[list[Difference], int]:
        differences = list(verify_statuses(session=session, today=day))
        return differences, account_count(session)

    day, (differences, accounts) = _on_day(today, verify)
    for difference in differences:
        shown = "；".join(
            f"{name} 保存为 {_json(stored)}，应为 {_json(computed)}"
            for name, (stored, computed) in difference.fields.items()
        )
        typer.echo(f"账户 #{difference.account_id}：{shown}")
    typer.echo(f"{day}：核对 {accounts} 个账户，{len(differences)} 个不一致")
    if differences:
        raise typer.Exit(DIFFERENCES_FOUND)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


@pass_app.command("verify")
def verify_command(
    token: Annotated[str, typer.Argument(help="二维码中的通行码")],
    jwks_file: Annotated[
        Path | None, typer.Option("--jwks", help="公钥（JWKS JSON）；默认本机密钥")
    ] = None,
) -> None:
    """离线核验通行码：签名、有效期（5分钟）、密钥。"""
    now = command_clock().now()
    try:
        keys = (
            json.loads(read_text(jwks_file, "公钥文件"))
            if jwks_file
            else jwks(stored_keys(command_settings(), now=now), now=now)
        )
        claims = verify_pass(token.strip(), jwks=keys, now=now)
    except json.JSONDecodeError as problem:
        fail(FanjingError(Code.BAD_JSON, f"公钥文件不是 JSON：{problem.msg}"))
    except FanjingError as problem:
        fail(problem)
    popup = "，有弹窗" if claims.popup else ""
    version = "" if claims.version is None else f"，状态版本 {claims.version}"
    typer.echo(
        f"有效：{claims.masked_name}，{claims.colour.value}{popup}{version}，"
        f"{claims.expires_at.isoformat()} 前有效"
    )


@pass_app.command("rotate-key")
def rotate_command() -> None:
    """换新的签名密钥；旧密钥继续公布一天，其间签发的通行码仍可核验。"""
    key = rotate_signing_key(command_settings(), now=command_clock().now())
    typer.echo(f"新签名密钥：{key.kid}")


@pass_app.command("issue")
def issue_command(
    name: Annotated[str, typer.Option("--name", help="姓名（签发时遮蔽）")],
    colour: Annotated[Colour, typer.Option("--colour", help="green、yellow 或 red")] = Colour.GREEN,
    popup: Annotated[bool, typer.Option("--popup", help="有弹窗")] = False,
    version: Annotated[int, typer.Option("--version", help="状态版本")] = 0,
) -> None:
    """签发一个通行码（用于测试核验流程）。"""
    now = command_clock().now()
    key = stored_keys(command_settings(), now=now)[0].key
    typer.echo(
        issue_pass(
            key=key,
            masked_name=mask_name(name),
            colour=colour,
            popup=popup,
            version=version,
            now=now,
        )
    )
