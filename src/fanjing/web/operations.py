"""For operators: ``GET /readyz`` (the database answers and is migrated to the newest
revision) and ``GET /metrics`` (Prometheus, for the configured addresses or token).
``GET /healthz`` (web/health.py) stays the liveness check, touching nothing."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from ipaddress import ip_address

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from fanjing.infra.db import newest_revisions
from fanjing.settings import Settings
from fanjing.vaccination.sync import sync_lag
from fanjing.vaccination.sync_store import held_doses
from fanjing.web import errors
from fanjing.web.deps import ReadEngineDep, SettingsDep

router = APIRouter(tags=["运维"])


@router.get("/readyz", summary="就绪检查：数据库可用且已迁移到最新结构")
def readyz(engine: ReadEngineDep) -> JSONResponse:
    heads = newest_revisions()
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as problem:  # the class only: the message may carry the URL
        return errors.problem(
            503, "database_unavailable", "未就绪", f"数据库无法连接（{type(problem).__name__}）"
        )
    if current != heads:
        have = "、".join(sorted(current)) or "无"
        return errors.problem(
            503,
            "migrations_behind",
            "未就绪",
            f"数据库结构版本为 {have}，最新为 {'、'.join(sorted(heads))}：请运行 fanjing db upgrade",
        )
    return JSONResponse({"status": "ready", "migration": sorted(heads)})


@router.get("/metrics", summary="Prometheus 指标（限配置的地址或令牌）", include_in_schema=False)
def metrics(request: Request, settings: SettingsDep, read_engine: ReadEngineDep) -> Response:
    if not _may_read_metrics(request, settings):
        return errors.problem(
            403,
            "forbidden",
            "禁止访问",
            "指标只对 FANJING_METRICS_ALLOW 中的地址或持 FANJING_METRICS_TOKEN 的请求开放",
        )
    database = CollectorRegistry()
    database.register(DatabaseFacts(read_engine))
    body = generate_latest(_process_registry()) + generate_latest(database)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _may_read_metrics(request: Request, settings: Settings) -> bool:
    """A token, if one is configured and given, or a client address in the allow list (the
    address after uvicorn has believed X-Forwarded-For from a trusted proxy only)."""
    given = request.headers.get("authorization", "")
    if settings.metrics_token is not None and given.startswith("Bearer "):
        expected = settings.metrics_token.get_secret_value()
        return hmac.compare_digest(given.removeprefix("Bearer ").encode(), expected.encode())
    if request.client is None:
        return False
    try:
        client = ip_address(request.client.host)
    except ValueError:
        return False
    return any(client in network for network in settings.metrics_allow)


def _process_registry() -> CollectorRegistry:
    """Every worker's counts (multiprocess mode) or this process's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class DatabaseFacts(Collector):
    """What the database says at scrape time: the sync's lag and the held doses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            with self.engine.connect() as connection:
                lag = sync_lag(connection)
                held = held_doses(connection)
        except SQLAlchemyError:  # the process's counts are still worth scraping
            yield GaugeMetricFamily("fanjing_database_up", "Whether the database answered", 0)
            return
        yield GaugeMetricFamily("fanjing_database_up", "Whether the database answered", 1)
        yield GaugeMetricFamily(
            "fanjing_vaccination_sync_lag",
            "Newest clinic change number minus the sync's watermark",
            value=lag,
        )
        by_reason = GaugeMetricFamily(
            "fanjing_vaccination_held_doses",
            "Doses held, not on an account, by reason",
            labels=["reason"],
        )
        for reason in ("no_account", "name_mismatch"):
            by_reason.add_metric([reason], held.get(reason, 0))
        yield by_reason
