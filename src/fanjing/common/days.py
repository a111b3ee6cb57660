"""Calendar days in China Standard Time, the unit of all policy arithmetic."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache

from fanjing.errors import Code, FanjingError, Where

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=8192)  # batches repeat the same few hundred days
def parse_day(text: str) -> date:
    """Parse ``YYYY-MM-DD`` strictly (``date.fromisoformat`` also takes ``20210807``)."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def day_of(text: str, field: str) -> date:
    """``parse_day`` for a named input: a bad day is a ``bad_date`` error naming the field."""
    try:
        return parse_day(text)
    except ValueError:
        raise FanjingError(
            Code.BAD_DATE, f"日期应为 YYYY-MM-DD 格式：“{text}”", Where(field=field)
        ) from None


def day_in_china(moment: datetime) -> date:
    """The CST calendar day of an aware moment."""
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def next_time_in_china(after: datetime, at: time) -> datetime:
    """The first moment strictly after ``after`` whose China Standard Time clock reads ``at``
    (China keeps no daylight saving, so it is every 24 hours), as an aware UTC datetime."""
    local = after.astimezone(CHINA_STANDARD_TIME)
    candidate = datetime.combine(local.date(), at, CHINA_STANDARD_TIME)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)
