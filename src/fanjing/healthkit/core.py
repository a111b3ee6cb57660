"""Health-kit rules that need no storage: phone bindings (H3).

An unbound number stays on the account, grey, for 14 calendar days (CST): it is
still checked in travel declarations, then deleted. A number is rebound or
unbound only on the platform that authorised it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from fanjing.errors import FanjingError, Where

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
            "wrong_platform",
            f"该手机号是在{bound_on.label_zh}端授权绑定的，请在{bound_on.label_zh}端换绑或解绑",
            Where(field="platform"),
        )


COLOUR_ZH = {
    Colour.GREEN: "绿码：未见异常",
    Colour.YELLOW: "黄码：中高风险地区来京，观察中",
    Colour.RED: "红码",
}
_OBSERVATION = ("centralized_observation", "home_observation")


def colour_from_decision(decision: Mapping[str, Any] | None, today: date) -> Colour:
    """H2: yellow while an observation decided for the person runs today; green otherwise.
    (Red, for confirmed cases and close contacts, is set by CDC.)"""
    for measure in (decision or {}).get("measures", []):
        if measure["kind"] in _OBSERVATION and measure["start"] <= today.isoformat() < (
            measure["end"] or "9999"
        ):
            return Colour.YELLOW
    return Colour.GREEN
