"""``fanjing serve``: migrate the database, then run the API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI

from fanjing.infra.db import open_database
from fanjing.settings import Settings
from fanjing.web.app import create_app


def app_from_environment() -> FastAPI:
    """The application each uvicorn worker builds (settings from the environment)."""
    return create_app(Settings.from_environment())


def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="工作进程数")] = 1,
) -> None:
    """启动 HTTP 服务（先把数据库迁移到最新结构）；文档在 /docs。"""
    open_database(Settings.from_environment().database_url).dispose()
    typer.echo(f"fanjing 在 http://{host}:{port}/ 提供服务（文档 /docs），{workers} 个工作进程")
    uvicorn.run(
        "fanjing.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # requests carry personal data; nothing of them is logged
    )
