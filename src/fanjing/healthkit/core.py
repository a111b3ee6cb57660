"""Health-kit rules that need no storage: phone bindings (H3).

An unbound number stays on the account, grey, for 14 calendar days (CST): it is
still checked in travel declarations, then deleted. A number is rebound or
unbound only on the platform that authorised it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from fanjing.errors import Code, FanjingError, Where

GREY_DAYS = 14
CODE_DIGITS = 6


class Colour(StrEnum):
    GREEN = "green"  # 未见异常
    YELLOW = "yellow"  # from a medium/high-risk area, under observation
    RED = "red"  # confirmed case or close contact


class Platform(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"

    @property
    def label_zh(self) -> str:
        return {"wechat": "微信", "alipay": "支付宝"}[self.value]


class BindingState(StrEnum):
    ACTIVE = "active"
    GREY = "grey"  # unbound, still checked until deleted


def deletion_day(unbound_on: date) -> date:
    """The day a number unbound on ``unbound_on`` leaves the account (14 days later)."""
    return unbound_on + timedelta(days=GREY_DAYS)


def check_platform(bound_on: Platform, asked_on: Platform) -> None:
    """A number is changed only on the platform that authorised it (seed answer 4)."""
    if bound_on is not asked_on:
        raise FanjingError(
            Code.WRONG_PLATFORM,
            f"该手机号是在{bound_on.label_zh}端授权绑定的，请在{bound_on.label_zh}端换绑或解绑",
            Where(field="platform"),
        )


COLOUR_ZH = {
    Colour.GREEN: "绿码：未见异常",
    Colour.YELLOW: "黄码：中高风险地区来京，观察中",
    Colour.RED: "红码：确诊病例或密切接触者",
}
_OBSERVATION = ("centralized_observation", "home_observation")


@dataclass(frozen=True)
class Period:
    """Days a colour applies: ``start`` inclusive, ``end`` exclusive (None: still running)."""

    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def observation_periods(decision: Mapping[str, Any] | None) -> list[Period]:
    """The observations (centralised or at home) a stored decision puts the person under."""
    return [
        Period(date.fromisoformat(m["start"]), date.fromisoformat(m["end"]) if m["end"] else None)
        for m in (decision or {}).get("measures", [])
        if m["kind"] in _OBSERVATION
    ]


def colour_on(day: date, *, yellow: Sequence[Period], red: Sequence[Period]) -> Colour:
    """H2: red while CDC marks the person a confirmed case or close contact; else yellow
    while an observation decided for them runs; else green."""
    if any(period.covers(day) for period in red):
        return Colour.RED
    if any(period.covers(day) for period in yellow):
        return Colour.YELLOW
    return Colour.GREEN


def colour_changes(
    *, yellow: Sequence[Period], red: Sequence[Period], until: date
) -> list[tuple[date, Colour]]:
    """The colour's history up to ``until``: each day it changed and what to, oldest first
    (green before the first change)."""
    days = sorted(
        {p.start for p in (*yellow, *red)} | {p.end for p in (*yellow, *red) if p.end is not None}
    )
    changes: list[tuple[date, Colour]] = []
    current = Colour.GREEN
    for day in days:
        if day > until:
            break
        colour = colour_on(day, yellow=yellow, red=red)
        if colour is not current:
            changes.append((day, colour))
            current = colour
    return changes


def colour_validity(
    day: date, *, yellow: Sequence[Period], red: Sequence[Period]
) -> tuple[date | None, date | None]:
    """The days around ``day`` on which the colour and its history stay as they are on
    ``day``: from the last period boundary on or before it (None: since ever) until the
    first after it (exclusive; None: for ever), the date alone changing nothing between."""
    boundaries = {p.start for p in (*yellow, *red)} | {
        p.end for p in (*yellow, *red) if p.end is not None
    }
    since = max((b for b in boundaries if b <= day), default=None)
    until = min((b for b in boundaries if b > day), default=None)
    return since, until
