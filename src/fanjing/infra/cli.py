"""``fanjing db …``: the database's schema."""

from __future__ import annotations

import typer

from fanjing.infra.db import create_db_engine, upgrade
from fanjing.settings import Settings

db_app = typer.Typer(help="数据库：迁移", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """把数据库迁移到最新结构（默认 var/ 下的 SQLite 文件；FANJING_DATABASE_URL 可改）。"""
    settings = Settings.from_environment()
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    typer.echo(f"数据库已是最新结构：{engine.url.render_as_string(hide_password=True)}")
