"""The only place fanjing reads the clock; everything else is handed a ``Clock`` or a day.

``FANJING_TODAY=YYYY-MM-DD`` (``Settings.today``) fixes the day (the demo runs on 7 August
2021); ``Settings.clock`` gives the clock that honours it. Each entry point makes one clock
from its settings and hands it down: the server keeps it on the application (routes and
pages take it as ``ClockDep``), the CLI as ``command_clock()``, the jobs from the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fanjing.common.days import day_in_china


@dataclass(frozen=True)
class Clock:
    """The present as fanjing sees it: the real one, or one whose day is fixed.

    A fixed day fixes days, not moments: ``now()`` is always the real moment (tokens, codes
    and sessions expire in real time even in the demo)."""

    fixed_day: date | None = None

    def today(self) -> date:
        """Today in China Standard Time (the fixed day, if there is one)."""
        return self.fixed_day or day_in_china(self.now())

    def now(self) -> datetime:
        return datetime.now(UTC)
