"""CertLogic dates and date-times: parsing ``plusTime`` operands and shifting them."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Final

from fanjing.policy.core.logic.errors import CertLogicError
from fanjing.policy.core.logic.values import _show

_TIME_UNITS: Final = ("year", "month", "day", "hour")

_DATE_TIME_FORMAT: Final = re.compile(
    r"(?P<year>[0-9]{4})"
    r"(?:-(?P<month>[0-9]{2})"
    r"(?:-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>Z|[+-][0-9]{1,2}(?::?[0-9]{2})?)?"
    r")?)?)?"
)


def _parse_offset(text: str | None) -> timezone:
    if text is None or text == "Z":
        return UTC  # a missing offset means UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    if ":" in digits:
        hours, minutes = digits.split(":")
    elif len(digits) <= 2:
        hours, minutes = digits, "00"
    else:  # hmm or hhmm, without a colon
        hours, minutes = digits[:-2], digits[-2:]
    if int(minutes) >= 60:
        raise ValueError(f"offset minutes out of range: {text}")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


@lru_cache(maxsize=4096)
def _parse_date_time(text: str) -> datetime:
    """Parse a plusTime date(-time) string to a UTC datetime, truncated to milliseconds.

    Cached because rules keep re-reading the same strings (the validation clock,
    a certificate's dates); datetimes are immutable, so sharing them is safe.
    """
    match = _DATE_TIME_FORMAT.fullmatch(text)
    if match is None:
        raise CertLogicError(f"not an allowed date or date-time format: {_show(text)}")
    part = match.group
    year = int(part("year"))
    try:
        if part("month") is None:
            # Partial dates mean the last day they cover (as dccDateOfBirth does).
            return datetime(year, 12, 31, tzinfo=UTC)
        month = int(part("month"))
        if part("day") is None:
            return datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=UTC)
        day = int(part("day"))
        if part("hour") is None:
            return datetime(year, month, day, tzinfo=UTC)
        # Digits beyond the third are dropped: the spec rounds down to the millisecond.
        millisecond = int((part("fraction") or "0").ljust(3, "0")[:3])
        local = datetime(
            year,
            month,
            day,
            int(part("hour")),
            int(part("minute")),
            int(part("second")),
            millisecond * 1000,
            tzinfo=_parse_offset(part("offset")),
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise CertLogicError(f"not a valid date or date-time: {_show(text)} ({error})") from None


def _with_overflowing_day(moment: datetime, year: int, month: int) -> datetime:
    # The spec pins plusTime to JavaScript's Date setters, which roll a day past the
    # end of the month into the next one: 2020-02-29 + 1 year = 2021-03-01.
    return moment.replace(year=year, month=month, day=1) + timedelta(days=moment.day - 1)


def _plus_years(moment: datetime, amount: int) -> datetime:
    return _with_overflowing_day(moment, moment.year + amount, moment.month)


def _plus_months(moment: datetime, amount: int) -> datetime:
    year, month_index = divmod(moment.year * 12 + moment.month - 1 + amount, 12)
    return _with_overflowing_day(moment, year, month_index + 1)


def _plus_days(moment: datetime, amount: int) -> datetime:
    return moment + timedelta(days=amount)  # UTC: no DST, every day is 24 hours


def _plus_hours(moment: datetime, amount: int) -> datetime:
    return moment + timedelta(hours=amount)


_SHIFTERS: Final[dict[str, Callable[[datetime, int], datetime]]] = {
    "year": _plus_years,
    "month": _plus_months,
    "day": _plus_days,
    "hour": _plus_hours,
}


@lru_cache(maxsize=4096)
def _plus_time(text: str, amount: int, unit: str) -> datetime:
    """``text`` parsed and shifted; cached like :func:`_parse_date_time`."""
    moment = _parse_date_time(text)
    try:
        return _SHIFTERS[unit](moment, amount)
    except (ValueError, OverflowError) as error:
        raise CertLogicError(
            f"plusTime of {amount} {unit}(s) on {_show(text)} is out of range ({error})"
        ) from None
