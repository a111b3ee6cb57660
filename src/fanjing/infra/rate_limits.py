"""Rate limits on what can be guessed or flooded: sending one-time codes and logging in.

The ``limits`` library's moving windows, kept in this worker's memory. Why memory and not
the database: these limits slow guessing and flooding, while the bound that matters for
security (at most 5 tries per code, single use, expiry) is kept on the code's row in the
database, so it holds whatever the number of workers; with N workers (``fanjing serve
--workers N``) each of these limits is at most N times looser, and a restart forgets them.
A database-backed window would cost a write per login attempt and per send for that
exactness.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from fanjing.errors import TooManyRequests, Where


@dataclass(frozen=True)
class Limit:
    name: str  # the namespace of its keys
    item: RateLimitItem
    message: str  # Chinese: what was reached


CODE_SENDS = (
    Limit("code-send", parse("1/60 seconds"), "同一手机号每 60 秒只能获取一次验证码"),
    Limit("code-send", parse("10/day"), "同一手机号每天最多获取 10 次验证码"),
)
LOGIN_FAILURES = Limit(
    "login-failure", parse("10/minute"), "令牌错误次数过多：同一地址每分钟最多 10 次"
)


class RateLimits:
    """Counts per key within each limit's moving window (one instance per worker)."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def take(self, limits: tuple[Limit, ...], key: str, where: Where | None = None) -> None:
        """Count one use of ``key`` under every limit, or refuse if one is reached."""
        for limit in limits:
            if not self._limiter.hit(limit.item, limit.name, key):
                raise self._refusal(limit, key, where)

    def refuse_if_reached(self, limit: Limit, key: str) -> None:
        """Refuse without counting (before trying a login): the failures so far are enough."""
        if not self._limiter.test(limit.item, limit.name, key):
            raise self._refusal(limit, key, None)

    def count(self, limit: Limit, key: str) -> None:
        """Count one failure of ``key``."""
        self._limiter.hit(limit.item, limit.name, key)

    def _refusal(self, limit: Limit, key: str, where: Where | None) -> TooManyRequests:
        reset = self._limiter.get_window_stats(limit.item, limit.name, key).reset_time
        seconds = max(1, math.ceil(reset - time.time()))
        return TooManyRequests(f"{limit.message}，请 {seconds} 秒后再试", seconds, where)
