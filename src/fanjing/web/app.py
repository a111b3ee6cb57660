"""The HTTP API: ``create_app(settings)``; OpenAPI at /openapi.json, docs at /docs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanjing.audit.cache import PACKS, REGISTRY, RevisionCache
from fanjing.community.store import close_finished_cases
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.healthkit.sender import CodeSender, sender_from_settings
from fanjing.healthkit.store import purge_grey_numbers
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher, load_field_cipher, session_secret
from fanjing.infra.db import awaited_read_engine, create_db_engine, session_scope
from fanjing.infra.metrics import JOB_RUNS
from fanjing.infra.rate_limits import RateLimits
from fanjing.itinerary.shards import keep_itinerary_days, shard_engines
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import registry_in_database
from fanjing.policy.packstore import packs_in_database
from fanjing.settings import Settings
from fanjing.vaccination.appointment_store import expire_past_appointments
from fanjing.vaccination.sync import sync_to_healthkit
from fanjing.web import errors
from fanjing.web.jobs import (
    DAY_CHANGE,
    DailyJob,
    daily_key,
    every_day_at,
    run_daily_jobs,
    status_refresh_job,
)
from fanjing.web.openapi import document_problems
from fanjing.web.pages import install_pages
from fanjing.web.request_context import RequestContextMiddleware
from fanjing.workorders.service import escalate_overdue

log = logging.getLogger("fanjing.web")
POOL_CONNECTIONS = 20  # per worker
MAX_BODY_BYTES = 2 * 1024 * 1024  # a day's national list is ~15 KB; a situation far less
SYNC_BATCH = 1_000
ESCALATE_EVERY_SECONDS = 15 * 60
SYNC_PAUSE_SECONDS = 0.05


def create_app(
    settings: Settings, *, engine: Engine | None = None, sender: CodeSender | None = None
) -> FastAPI:
    """The application on ``settings``' database (already migrated: ``fanjing serve`` does it)."""
    from fanjing.audit.api import router as audit_router
    from fanjing.checkpoints.api import router as checkpoints_router
    from fanjing.community.api import router as community_router
    from fanjing.community.packs_api import router as packs_router
    from fanjing.employers.api import router as employers_router
    from fanjing.healthkit.api import router as healthkit_router
    from fanjing.healthkit.staff_api import router as healthkit_staff_router
    from fanjing.hotline.api import router as hotline_router
    from fanjing.hotline.search import Searcher
    from fanjing.places.api import router as places_router
    from fanjing.policy.api import router as policy_router
    from fanjing.sites.api import router as sites_router
    from fanjing.users.api import router as users_router
    from fanjing.vaccination.api import router as vaccination_router
    from fanjing.web.health import router as health_router
    from fanjing.web.operations import router as operations_router
    from fanjing.workorders.api import router as workorders_router

    app = FastAPI(
        lifespan=_server_jobs,
        title="返京 fanjing",
        description="进京检查、风险地区登记与社区健康管理（北京，2021年8月政策）",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.clock = settings.clock
    app.state.engine = engine or create_db_engine(settings.database_url, **_pool(settings))
    app.state.read_engine = (
        app.state.engine.execution_options(isolation_level="AUTOCOMMIT")
        if engine is not None
        else create_db_engine(
            settings.database_url, isolation_level="AUTOCOMMIT", **_pool(settings)
        )
    )
    app.state.awaited_read_engine = None  # made by the server's lifespan, on its event loop
    app.state.itinerary_shards = shard_engines(settings.itinerary_shards)
    app.state.gazetteer = Gazetteer()
    app.state.registry = RevisionCache(app.state.engine, REGISTRY, registry_in_database)
    app.state.packs = RevisionCache(app.state.engine, PACKS, packs_in_database)
    app.state.cipher = load_field_cipher(settings)
    app.state.sender = sender or sender_from_settings(settings)
    app.state.rate_limits = RateLimits()
    app.state.faq_searcher = Searcher()
    app.state.designation_followers = POPUP_FOLLOWERS
    errors.install(app)
    # the API before the pages, the busiest first: a request is matched against the routes
    # in order, and the ~100 page routes ahead of the health kit made a status read 30% dearer
    routers = (
        health_router,
        healthkit_router,
        policy_router,
        operations_router,
        places_router,
        audit_router,
        users_router,
        healthkit_staff_router,
        community_router,
        packs_router,
        hotline_router,
        vaccination_router,
        checkpoints_router,
        workorders_router,
        employers_router,
        sites_router,
    )
    for router in routers:
        app.include_router(router)
    install_pages(app, session_secret(settings), secure_cookies=settings.secure_cookies)
    document_problems(app)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestContextMiddleware)  # outermost: a refused body gets an id too
    return app


def _pool(settings: Settings) -> dict[str, int]:
    """Enough pooled connections for the request threads a worker runs at once: connections
    opened beyond the pool are closed after each request, and reopening costs more than
    the query (SQLite's pool is per file and needs nothing)."""
    if settings.database_url.startswith("sqlite"):
        return {}
    return {"pool_size": POOL_CONNECTIONS, "max_overflow": POOL_CONNECTIONS}


@asynccontextmanager
async def _server_jobs(app: FastAPI) -> AsyncIterator[None]:
    """The daily jobs at their CST time and the half-hourly sync (see ``fanjing.web.jobs``)."""
    settings: Settings = app.state.settings
    clock: Clock = app.state.clock
    # made here, not in create_app: its pooled connections belong to the loop that serves
    awaited = app.state.awaited_read_engine = awaited_read_engine(
        app.state.engine, **_pool(settings)
    )
    tasks = [
        asyncio.create_task(
            every_day_at(settings.daily_jobs_at, lambda day: _daily(app, day), clock=clock.now)
        ),
        asyncio.create_task(
            every_day_at(DAY_CHANGE, lambda day: _day_change(app, day), clock=clock.now)
        ),
        asyncio.create_task(_every_half_hour(app)),
        asyncio.create_task(_escalate_every_quarter_hour(app)),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        app.state.awaited_read_engine = None
        if awaited is not None:
            await awaited.dispose()


def daily_jobs(engine: Engine, clock: Clock, shards: Sequence[Engine] = ()) -> tuple[DailyJob, ...]:
    """The daily jobs on ``engine`` (and the itinerary's ``shards``); each works on the clock's
    day (``FANJING_TODAY`` or CST)."""

    def purge() -> str:
        with session_scope(engine) as session:
            removed = purge_grey_numbers(session=session, today=clock.today())
        return f"{removed} grey phone numbers deleted"

    def close() -> str:
        with session_scope(engine) as session:
            closed = close_finished_cases(session=session, today=clock.today())
        return f"{closed} community cases closed, their measures over"

    def expire() -> str:
        with session_scope(engine) as session:
            expired = expire_past_appointments(session=session, today=clock.today())
        return f"{expired} past appointments expired"

    def itinerary_days() -> str:
        dropped = keep_itinerary_days(engine, shards, clock.today())
        return f"itinerary: {len(dropped)} days past the card's 14 dropped, partitions made ahead"

    return (
        DailyJob("purge_grey_numbers", daily_key(0), purge),
        DailyJob("close_finished_cases", daily_key(1), close),
        DailyJob("expire_appointments", daily_key(2), expire),
        DailyJob("itinerary_days", daily_key(3), itinerary_days),
    )


def _daily(app: FastAPI, day: date) -> None:
    clock: Clock = app.state.clock
    jobs = daily_jobs(app.state.engine, clock, app.state.itinerary_shards)
    run_daily_jobs(jobs, engine=app.state.engine, clock=clock.now, day=day)


def _day_change(app: FastAPI, day: date) -> None:
    engine, clock = app.state.engine, app.state.clock
    run_daily_jobs((status_refresh_job(engine, clock),), engine=engine, clock=clock.now, day=day)


async def _every_half_hour(app: FastAPI) -> None:
    """V2: clinic records reach the health kit about every half hour (数据约每半小时同步一次;
    ``FANJING_SYNC_EVERY_SECONDS``). Every worker runs the job; the sync's lock lets one
    through and the others skip. Throttled: bounded batches with a pause between them, so a
    large backlog does not starve requests."""
    while True:
        await asyncio.sleep(app.state.settings.sync_every_seconds)
        await asyncio.to_thread(sync_once, app.state.engine, app.state.cipher, app.state.clock)


async def _escalate_every_quarter_hour(app: FastAPI) -> None:
    """Work orders past a deadline go to their district within 15 minutes (the deadlines are
    in hours, so a daily run would be a day late). Each escalation is a conditional UPDATE:
    workers running it at once escalate an order once."""
    while True:
        await asyncio.sleep(ESCALATE_EVERY_SECONDS)
        await asyncio.to_thread(escalate_once, app.state.engine, app.state.clock)


def escalate_once(engine: Engine, clock: Clock) -> None:
    try:
        with session_scope(engine) as session:
            escalated = escalate_overdue(session=session, now=clock.now())
    except Exception:
        log.exception("work-order escalation failed; it runs again in 15 minutes")
        JOB_RUNS.labels("workorders_escalate", "failed").inc()
        return
    log.info("work orders: %d escalated to their district", len(escalated))
    JOB_RUNS.labels("workorders_escalate", "ran").inc()


def sync_once(engine: Engine, cipher: FieldCipher, clock: Clock) -> None:
    """One throttled sync run, its report logged (a failure too: the next run resumes from
    the watermark)."""
    try:
        report = sync_to_healthkit(
            engine=engine,
            cipher=cipher,
            clock=clock.now,
            batch=SYNC_BATCH,
            pause=SYNC_PAUSE_SECONDS,
        )
    except Exception:
        log.exception("vaccination sync to the health kit failed")
        JOB_RUNS.labels("vaccination_sync", "failed").inc()
        return
    if report.skipped:
        log.info("vaccination sync: another worker is running it, skipped")
        JOB_RUNS.labels("vaccination_sync", "busy").inc()
        return
    log.info(
        "vaccination sync: %d changes in %d batches, %d synced, %d held, %d released, "
        "%d accounts skipped (name cannot be decrypted), watermark %d",
        report.changes,
        report.batches,
        report.synced,
        report.held,
        report.released,
        report.names_skipped,
        report.watermark,
    )
    JOB_RUNS.labels("vaccination_sync", "ran").inc()


class BodySizeLimit:
    """Refuse request bodies over ``limit`` bytes (413), whether declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await errors.problem(413, "payload_too_large", "请求过大", self._detail())(
                scope, receive, send
            )
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, self._detail())
            return message

        await self.app(scope, limited_receive, send)

    def _detail(self) -> str:
        return f"请求体不能超过 {self.limit // 1024} KB"
