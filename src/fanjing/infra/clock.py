"""The only place fanjing reads the clock; everything else is passed a day.

``FANJING_TODAY=YYYY-MM-DD`` fixes the day (the demo runs on 7 August 2021): read at
each call, so every server worker and command started with it agrees.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from fanjing.common.days import day_in_china
from fanjing.errors import FanjingError

FIXED_DAY = "FANJING_TODAY"


def fixed_day() -> date | None:
    """The day the clock is set to, if it is (a demo or a rehearsal), else None."""
    text = os.environ.get(FIXED_DAY)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FanjingError("bad_date", f"{FIXED_DAY} 应为 YYYY-MM-DD：“{text}”") from None


def today_in_china() -> date:
    return fixed_day() or day_in_china(datetime.now(UTC))


def now_utc() -> datetime:
    """The present moment (the real one: ``FANJING_TODAY`` fixes days, not moments)."""
    return datetime.now(UTC)
