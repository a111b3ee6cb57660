"""``fanjing db …``: the database's schema; ``fanjing keys …``: the personal-data keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress, TaskID

from fanjing.errors import Code, FanjingError
from fanjing.infra.console import command_settings, fail
from fanjing.infra.crypto import (
    load_field_cipher,
    reencrypt_columns,
    retire_old_data_keys,
    rotate_data_key,
    undecryptable_under_newest,
)
from fanjing.infra.db import create_db_engine, open_database, upgrade
from fanjing.itinerary.shards import prepared_shards
from fanjing.settings import PREFIX, Settings

db_app = typer.Typer(help="数据库：迁移", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """把数据库迁移到最新结构（默认 var/ 下的 SQLite 文件；FANJING_DATABASE_URL 可改）。"""
    settings = command_settings()
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    typer.echo(f"数据库已是最新结构：{engine.url.render_as_string(hide_password=True)}")
    try:
        shards = prepared_shards(engine, settings)
    except FanjingError as problem:
        fail(problem)
    if shards:
        typer.echo(f"行程数据分片到 {len(shards)} 个服务器，均已是最新结构")


keys_app = typer.Typer(help="个人数据加密密钥：轮换、重新加密", no_args_is_help=True)


@keys_app.command("rotate")
def rotate_command() -> None:
    """换新的数据加密密钥：放在 var/keys/data.keys 最前面（旧密钥仍可解密）。
    之后重启所有服务进程，再运行 fanjing keys reencrypt。"""
    settings = command_settings()
    if settings.data_keys is not None:
        fail(
            FanjingError(
                Code.KEYS_FROM_ENVIRONMENT,
                f"密钥来自环境变量 {PREFIX}DATA_KEYS：请把新密钥放在最前面，"
                "重启服务后再运行 fanjing keys reencrypt",
            )
        )
    rotate_data_key(settings)
    # running servers hold the keys they started with: until they restart they could not
    # read values re-encrypted under the new key, so re-encrypting is a separate step
    typer.echo("已加入新密钥。请重启所有服务进程，然后运行 fanjing keys reencrypt [--retire-old]")


@keys_app.command("reencrypt")
def reencrypt_command(
    retire_old: Annotated[
        bool, typer.Option("--retire-old", help="重新加密后删去旧密钥（仅限密钥文件）")
    ] = False,
) -> None:
    """把所有加密字段改用最新的密钥加密（中断后可再次运行）。"""
    _reencrypt(command_settings(), retire_old=retire_old)


def _reencrypt(settings: Settings, *, retire_old: bool) -> None:
    from fanjing.tables import metadata  # every capability's tables

    engine = open_database(settings.database_url)
    cipher = load_field_cipher(settings)
    with Progress(transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(table: str, rows: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(f"重新加密 {table}", total=None)
            progress.advance(tasks[table], rows)

        counts = reencrypt_columns(engine, metadata, cipher, progress=advance)
    for table, rows in counts.items():
        typer.echo(f"{table}：{rows} 行已用最新密钥重新加密")
    if not retire_old:
        return
    if settings.data_keys is not None:
        fail(
            FanjingError(Code.KEYS_FROM_ENVIRONMENT, f"旧密钥请从环境变量 {PREFIX}DATA_KEYS 中删去")
        )
    left = undecryptable_under_newest(engine, metadata, cipher)
    if left:
        where = "、".join(f"{table} {rows} 个" for table, rows in left.items())
        fail(
            FanjingError(
                Code.OLD_KEY_STILL_USED,
                f"仍有数据只能用旧密钥解密（{where}）：可能有服务进程仍在用旧密钥写入；"
                "请重启所有服务进程后再运行 fanjing keys reencrypt --retire-old",
            )
        )
    dropped = retire_old_data_keys(settings)
    typer.echo(f"已删去 {dropped} 个旧密钥")
