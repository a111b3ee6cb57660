"""The only place fanjing reads the clock; everything else is passed a day."""

from __future__ import annotations

from datetime import date, datetime, timezone

from fanjing.common.days import day_in_china


def today_in_china() -> date:
    return day_in_china(datetime.now(timezone.utc))
