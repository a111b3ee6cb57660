"""The server's daily jobs: at a fixed CST time (a moved clock, no sleeping), once a day over
several workers, a failure logged and retried the next time without stopping the others."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest

from fanjing.common.days import CHINA_STANDARD_TIME, next_time_in_china
from fanjing.infra.clock import Clock
from fanjing.web.app import daily_jobs
from fanjing.web.jobs import (
    DailyJob,
    daily_key,
    every_day_at,
    run_daily_jobs,
    status_refresh_job,
)


class MovedClock:
    """A clock a test moves; ``sleep`` moves it instead of waiting."""

    def __init__(self, start: datetime, *, stop_after: int) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self.stop_after = stop_after

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if len(self.sleeps) == self.stop_after:
            raise asyncio.CancelledError
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param("2021-08-07T10:00:00+08:00", "2021-08-08T03:00:00+08:00", id="later-same-day"),
        pytest.param("2021-08-07T02:59:59+08:00", "2021-08-07T03:00:00+08:00", id="just-before"),
        pytest.param("2021-08-07T03:00:00+08:00", "2021-08-08T03:00:00+08:00", id="exactly-at"),
        pytest.param("2021-08-06T19:30:00+00:00", "2021-08-08T03:00:00+08:00", id="utc-evening"),
        pytest.param("2021-08-06T18:59:00+00:00", "2021-08-07T03:00:00+08:00", id="utc-before"),
    ],
)
def test_the_next_run_is_at_the_cst_time(after, expected):
    due = next_time_in_china(datetime.fromisoformat(after), time(3, 0))
    assert due == datetime.fromisoformat(expected) and due.tzinfo == UTC


def test_the_loop_runs_each_day_at_the_fixed_time_not_a_day_after_start():
    # started at 10:00 CST: today's run is made up at once (it is skipped if a worker did it),
    # then every 03:00
    clock = MovedClock(datetime(2021, 8, 7, 2, 0, tzinfo=UTC), stop_after=3)
    runs: list[tuple[date, datetime]] = []

    def run(day: date) -> None:
        runs.append((day, clock()))
        clock.now += timedelta(minutes=2)  # the jobs take a while

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(every_day_at(time(3, 0), run, clock=clock, sleep=clock.sleep))
    cst = [moment.astimezone(CHINA_STANDARD_TIME) for _, moment in runs]
    assert [m.isoformat() for m in cst] == [
        "2021-08-07T10:00:00+08:00",
        "2021-08-08T03:00:00+08:00",
        "2021-08-09T03:00:00+08:00",
        "2021-08-10T03:00:00+08:00",
    ]
    assert [day for day, _ in runs] == [
        date(2021, 8, 7),
        date(2021, 8, 8),
        date(2021, 8, 9),
        date(2021, 8, 10),
    ]
    assert clock.sleeps[0] == 17 * 3600 - 120  # 10:02, after the make-up run → 03:00


def test_a_settable_time():
    clock = MovedClock(datetime(2021, 8, 7, 2, 0, tzinfo=UTC), stop_after=1)
    runs: list[datetime] = []
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(
            every_day_at(
                time(11, 30), lambda day: runs.append(clock()), clock=clock, sleep=clock.sleep
            )
        )
    # started 10:00 CST: the make-up run for the 6th at once, then 11:30 CST the same day
    assert runs == [datetime(2021, 8, 7, 2, 0, tzinfo=UTC), datetime(2021, 8, 7, 3, 30, tzinfo=UTC)]


def _counting(name: str, offset: int, calls: list[str], fail: bool = False) -> DailyJob:
    def run() -> str:
        calls.append(name)
        if fail:
            raise RuntimeError(f"{name} broke")
        return f"{name} done"

    return DailyJob(name, daily_key(offset), run)


def test_one_worker_runs_a_job_once_a_day(engine):
    calls: list[str] = []
    jobs = [_counting("purge", 0, calls), _counting("close", 1, calls)]
    clock = MovedClock(datetime(2021, 8, 7, 19, 0, tzinfo=UTC), stop_after=0)
    day = date(2021, 8, 8)
    first = run_daily_jobs(jobs, engine=engine, clock=clock, day=day)
    second = run_daily_jobs(jobs, engine=engine, clock=clock, day=day)  # another worker
    assert first == {"purge": "ran", "close": "ran"}
    assert second == {"purge": "done", "close": "done"}
    assert calls == ["purge", "close"]
    assert run_daily_jobs(jobs, engine=engine, clock=clock, day=day + timedelta(days=1)) == {
        "purge": "ran",
        "close": "ran",
    }


def test_a_failed_job_is_logged_retried_next_time_and_never_stops_the_others(engine, caplog):
    calls: list[str] = []
    broken = _counting("purge", 0, calls, fail=True)
    jobs = [broken, _counting("close", 1, calls)]
    clock = MovedClock(datetime(2021, 8, 7, 19, 0, tzinfo=UTC), stop_after=0)
    with caplog.at_level(logging.ERROR, logger="fanjing.jobs"):
        outcome = run_daily_jobs(jobs, engine=engine, clock=clock, day=date(2021, 8, 8))
    assert outcome == {"purge": "failed", "close": "ran"}
    [record] = caplog.records
    assert record.getMessage() == "daily job purge failed; it runs again at the next time"
    assert record.exc_info is not None
    fixed = _counting("purge", 0, calls)
    again = run_daily_jobs([fixed, jobs[1]], engine=engine, clock=clock, day=date(2021, 8, 8))
    assert again == {"purge": "ran", "close": "done"}  # the failed one was not marked done


def test_a_job_another_worker_holds_is_skipped(engine):
    from fanjing.vaccination.sync import sync_lock

    calls: list[str] = []
    job = _counting("purge", 0, calls)
    clock = MovedClock(datetime(2021, 8, 7, 19, 0, tzinfo=UTC), stop_after=0)
    run_daily_jobs([job], engine=engine, clock=clock, day=date(2021, 8, 7))  # makes its row
    with sync_lock(
        engine,
        holder="other-host:1",
        clock=clock,
        lease=timedelta(minutes=30),
        name="daily:purge",
        key=job.advisory_key,
    ) as acquired:
        assert acquired
        assert run_daily_jobs([job], engine=engine, clock=clock, day=date(2021, 8, 8)) == {
            "purge": "busy"
        }
    assert calls == ["purge"]


def test_the_server_has_its_four_daily_jobs_with_distinct_locks(engine):
    jobs = daily_jobs(engine, Clock())
    assert [job.name for job in jobs] == [
        "purge_grey_numbers",
        "close_finished_cases",
        "expire_appointments",
        "itinerary_days",
    ]
    assert len({job.advisory_key for job in jobs}) == 4
    clock = MovedClock(datetime(2021, 8, 7, 19, 0, tzinfo=UTC), stop_after=0)
    assert set(run_daily_jobs(jobs, engine=engine, clock=clock, day=date(2021, 8, 8)).values()) == {
        "ran"
    }


def test_a_run_that_raises_does_not_end_the_loop(caplog):
    clock = MovedClock(datetime(2021, 8, 7, 2, 0, tzinfo=UTC), stop_after=2)
    days: list[date] = []

    def run(day: date) -> None:
        days.append(day)
        if len(days) == 1:
            raise RuntimeError("the database is away")

    with (
        caplog.at_level(logging.ERROR, logger="fanjing.jobs"),
        pytest.raises(asyncio.CancelledError),
    ):
        asyncio.run(every_day_at(time(3, 0), run, clock=clock, sleep=clock.sleep))
    assert days == [date(2021, 8, 7), date(2021, 8, 8), date(2021, 8, 9)]
    assert [r.getMessage() for r in caplog.records] == ["daily jobs of 2021-08-07 failed"]


def test_at_the_day_change_the_status_rows_the_date_moved_are_refreshed(engine, gazetteer):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from fanjing.healthkit.status_row import verify_statuses
    from fanjing.healthkit.store import StatusRow
    from tests.healthkit.test_status_row import World

    with Session(engine) as session:
        world = World(session, gazetteer)
        world.account(0)
        world.mark(0)
        session.commit()
        mark_day = world.today
    job = status_refresh_job(engine, Clock(mark_day))
    assert job.advisory_key not in {j.advisory_key for j in daily_jobs(engine, Clock())}
    with engine.begin() as connection:  # as migration 0019 leaves a row: holding for no day
        connection.execute(StatusRow.__table__.update().values(valid_until=date(1900, 1, 1)))
    clock = MovedClock(datetime(2021, 8, 7, 16, 0, tzinfo=UTC), stop_after=0)
    assert run_daily_jobs((job,), engine=engine, clock=clock, day=mark_day) == {
        "refresh_statuses": "ran"
    }
    with Session(engine) as session:
        assert list(verify_statuses(session=session, today=mark_day)) == []
        assert session.scalars(select(StatusRow.colour)).all() == ["red"]
