"""The only place fanjing reads the clock; everything else is passed a day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fanjing.common.days import day_in_china


def today_in_china() -> date:
    return day_in_china(datetime.now(UTC))
