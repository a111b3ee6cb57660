"""``fanjing serve``: migrate the database, then run the API with uvicorn.

The command's settings reach the worker processes through their environment (uvicorn starts
them afresh): ``run_server`` writes them there, and each worker reads them once when it builds
its application (``app_from_environment``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from fanjing.errors import FanjingError
from fanjing.healthkit.sender import sender_from_settings
from fanjing.infra.console import command_settings, fail
from fanjing.infra.db import open_database
from fanjing.infra.logs import configure_server_logging
from fanjing.itinerary.shards import prepared_shards
from fanjing.settings import Settings
from fanjing.web.app import create_app

MULTIPROCESS_METRICS = "PROMETHEUS_MULTIPROC_DIR"


def app_from_environment() -> FastAPI:
    """The application each uvicorn worker builds (settings from the environment, read once)."""
    settings = Settings.from_environment()
    configure_server_logging(settings)
    return create_app(settings)


class _TcpConfig(uvicorn.Config):
    """uvicorn's config, binding the socket its worker processes share as a TCP socket.

    uvicorn binds it with protocol 0; asyncio then never sets TCP_NODELAY on the
    connections accepted from it, and with keep-alive every answer waits for the
    client's delayed ACK (~40 ms on Linux; uvicorn issue #3149).
    """

    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        tcp = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
        tcp.set_inheritable(True)
        return tcp


def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="工作进程数")] = 1,
) -> None:
    """启动 HTTP 服务（先把数据库迁移到最新结构）；文档在 /docs。"""
    run_server(command_settings(), host=host, port=port, workers=workers)


def run_server(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Migrate, then serve ``settings``' database with ``workers`` processes (logs: JSON lines
    on stdout; metrics: one directory under var/ shared by the workers)."""
    configure_server_logging(settings)
    try:
        sender_from_settings(settings)  # a wrong SMS setting is said here, not in each worker
    except FanjingError as problem:
        fail(problem)
    engine = open_database(settings.database_url)
    try:
        for shard in prepared_shards(engine, settings):
            shard.dispose()
    except FanjingError as problem:
        fail(problem)
    engine.dispose()
    os.environ.update(settings.as_environment())
    if workers > 1:
        os.environ[MULTIPROCESS_METRICS] = str(_fresh_metrics_dir(settings))
    typer.echo(f"fanjing 在 http://{host}:{port}/ 提供服务（文档 /docs），{workers} 个工作进程")
    config = _TcpConfig(
        "fanjing.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # the application's logging (JSON lines) carries uvicorn's too
        log_level="warning",
        access_log=False,  # requests carry personal data; nothing of them is logged
        forwarded_allow_ips=settings.trusted_proxies,  # X-Forwarded-For from these only
    )
    with contextlib.suppress(KeyboardInterrupt):
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()


def _fresh_metrics_dir(settings: Settings) -> os.PathLike[str]:
    """``var/prometheus/``, emptied: counts of a previous run's workers would be added in."""
    folder = settings.var_dir / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
