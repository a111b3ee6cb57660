"""The jobs the server runs beside the requests.

Daily, at a fixed China Standard Time (``FANJING_DAILY_JOBS_AT``, 03:00 by default), not 24
hours after start (a day's run missed while no server was up is made up at start): purge grey phone numbers, close community cases whose measures are over,
expire past appointments. At the day change (00:00 CST), the health-kit status rows that the
date alone moves (an observation or a red mark ending). Every half hour (V2), the vaccination
sync. Every worker runs the
loops; each job takes the vaccination sync's lock (PostgreSQL advisory lock, SQLite lease) under
its own name, and a daily job records the day it last ran on its state row, so one worker runs
it once that day and the others skip. A job that fails is logged, counted, and runs again the
next time; it never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine

from fanjing.common.days import day_in_china, next_time_in_china
from fanjing.healthkit.status_row import refresh_due_statuses
from fanjing.infra.clock import Clock
from fanjing.infra.db import session_scope
from fanjing.infra.metrics import JOB_RUNS
from fanjing.vaccination.sync import ADVISORY_KEY, sync_lock
from fanjing.vaccination.sync_store import advance_watermark, ensure_state_row, watermark

log = logging.getLogger("fanjing.jobs")
DAY_CHANGE = time(0, 0)  # CST
JOB_LEASE = timedelta(minutes=30)
Now = Callable[[], datetime]  # the moment, UTC (a test's moves by hand)


@dataclass(frozen=True)
class DailyJob:
    """A job run once a day; ``run`` returns the line to log (counts, never personal data)."""

    name: str
    advisory_key: int  # stable across workers and releases: PostgreSQL's lock is by number
    run: Callable[[], str]


STATUS_REFRESH_OFFSET = 16  # apart from the 03:00 jobs' offsets (0, 1, 2…)


def daily_key(offset: int) -> int:
    """The advisory lock key of the ``offset``-th daily job (next to the sync's)."""
    return ADVISORY_KEY + 1 + offset


def status_refresh_job(engine: Engine, clock: Clock) -> DailyJob:
    """The status rows that no longer hold for the day, refreshed from their sources (a
    status asked before it ran is computed from them meanwhile)."""

    def refresh() -> str:
        with session_scope(engine) as session:
            refreshed = refresh_due_statuses(session=session, today=clock.today())
        return f"{refreshed} health-kit statuses refreshed for the day"

    return DailyJob("refresh_statuses", daily_key(STATUS_REFRESH_OFFSET), refresh)


def run_daily_jobs(
    jobs: Sequence[DailyJob], *, engine: Engine, clock: Now, day: date
) -> dict[str, str]:
    """Run each job not yet run on ``day`` (CST), one worker at a time: by job, ``ran``,
    ``done`` (already run that day), ``busy`` (another worker runs it) or ``failed``."""
    outcomes = {}
    for job in jobs:
        try:
            outcomes[job.name] = _once_on(job, engine=engine, clock=clock, day=day)
        except Exception:  # logged; tried again at the next time, the other jobs go on
            log.exception("daily job %s failed; it runs again at the next time", job.name)
            outcomes[job.name] = "failed"
        JOB_RUNS.labels(job.name, outcomes[job.name]).inc()
    return outcomes


def _once_on(job: DailyJob, *, engine: Engine, clock: Now, day: date) -> str:
    name = f"daily:{job.name}"
    with engine.begin() as connection:  # the job's lease and the day it last ran
        ensure_state_row(connection, name)
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with sync_lock(
        engine, holder=holder, clock=clock, lease=JOB_LEASE, name=name, key=job.advisory_key
    ) as acquired:
        if not acquired:
            return "busy"
        with engine.connect() as connection:
            last = watermark(connection, name)
        if last == day.toordinal():
            return "done"
        log.info("daily job %s: %s", job.name, job.run())
        with engine.begin() as connection:
            advance_watermark(connection, day.toordinal(), clock(), name)
    return "ran"


async def every_day_at(
    at: time,
    run: Callable[[date], object],
    *,
    clock: Now,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Call ``run(day)`` in a thread each day when the CST clock reads ``at`` (``day``: that
    CST day), for ever; and once at start for the last such moment, so that a run missed while
    no server was up is made up (``run_daily_jobs`` skips a day already done). The clock and
    the sleep are given, so a test can move time."""
    due = next_time_in_china(clock(), at)
    await _run_logged(run, day_in_china(due - timedelta(days=1)))
    while True:
        wait = (due - clock()).total_seconds()
        if wait > 0:
            await sleep(wait)
            continue  # a sleep may end early: look at the clock again
        await _run_logged(run, day_in_china(due))
        due = next_time_in_china(max(due, clock()), at)


async def _run_logged(run: Callable[[date], object], day: date) -> None:
    try:
        await asyncio.to_thread(run, day)
    except Exception:  # never the end of the loop: tomorrow is another run
        log.exception("daily jobs of %s failed", day)
