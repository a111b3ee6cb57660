"""The only place fanjing reads the clock; everything else is passed a day.

``FANJING_TODAY=YYYY-MM-DD`` (``Settings.today``) fixes the day (the demo runs on 7 August
2021). Each entry point hands it here once, with ``fix_day``: the CLI when it starts, the
server for each request and for its jobs (from its application's settings). It is a context
variable rather than a parameter of every call because some forty places ask for today, and a
request's worker threads and a job's threads inherit it.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime

from fanjing.common.days import day_in_china

_FIXED_DAY: ContextVar[date | None] = ContextVar("fanjing_fixed_day", default=None)


def fix_day(day: date | None) -> None:
    """Set (or, with None, release) the day of this context and of what it starts."""
    _FIXED_DAY.set(day)


def fixed_day() -> date | None:
    """The day the clock is set to, if it is (a demo or a rehearsal), else None."""
    return _FIXED_DAY.get()


def today_in_china() -> date:
    return fixed_day() or day_in_china(now_utc())


def now_utc() -> datetime:
    """The present moment (the real one: ``FANJING_TODAY`` fixes days, not moments)."""
    return datetime.now(UTC)
