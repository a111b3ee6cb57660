"""Checkpoints (检查站) and commuters (环京通勤): what a checkpoint decides and records, and who
may register as a commuter. Pure: days and moments are passed in.

The 14-day test rule itself is a rule of the policy pack (``entry.commuter_test``, M6); this
module only finds the day of a person's last negative test from the results on record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from fanjing.errors import Code, FanjingError, Where
from fanjing.places.core import Place


class Outcome(StrEnum):
    """What the checkpoint did with a person."""

    PASS = "pass"
    TURN_BACK = "turn_back"
    OBSERVATION = "observation"

    @property
    def label_zh(self) -> str:
        return {"pass": "通行", "turn_back": "劝返", "observation": "送观察"}[self.value]


# 环京地区: the commuters of the sources come from 河北 (廊坊、燕郊 in the 2021-01-19 article) and
# 天津; a home must be named at least to its county (区/县/县级市) there
SURROUNDING_PROVINCES = ("天津市", "河北省")
# 体温正常: below 37.3 ℃, the threshold Beijing's checkpoints used
FEVER_FROM = Decimal("37.3")
LOWEST, HIGHEST = Decimal("34.0"), Decimal("43.0")


def commuter_home(place: Place, *, field: str = "home") -> str:
    """The standard name of a commuter's home, which must lie in the surrounding area."""
    if place.province not in SURROUNDING_PROVINCES:
        raise FanjingError(
            Code.NOT_SURROUNDING_AREA,
            f"“{place.text}”不在环京地区（{'、'.join(SURROUNDING_PROVINCES)}）",
            Where(field=field),
        )
    if not place.county_known:
        raise FanjingError(
            Code.PLACE_TOO_COARSE,
            f"“{place.text}”请写到区、县（如 河北省廊坊市三河市）",
            Where(field=field),
        )
    return place.name


def employer_name(text: str, *, field: str = "employer") -> str:
    """The employer in Beijing, as written (free text, 2 to 100 characters)."""
    name = text.strip()
    if not 2 <= len(name) <= 100:
        raise FanjingError(Code.BAD_VALUE, "请填写在京工作单位名称（2到100字）", Where(field=field))
    return name


def temperature(value: str | float | Decimal, *, field: str = "temperature") -> Decimal:
    """A measured temperature in ℃, one decimal, within what a thermometer reads on a person."""
    try:
        reading = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise FanjingError(
            Code.BAD_VALUE, f"体温应为数字（℃），收到“{value}”", Where(field=field)
        ) from None
    if not LOWEST <= reading <= HIGHEST:
        raise FanjingError(
            Code.BAD_VALUE, f"体温 {reading} ℃ 不在 {LOWEST}–{HIGHEST} ℃ 之间", Where(field=field)
        )
    return reading


def temperature_normal(reading: Decimal) -> bool:
    return reading < FEVER_FROM


def last_negative_test(results: Iterable[tuple[date, str]]) -> date | None:
    """The day of the last negative test, from (day, result) pairs with, for each day, the
    standing result first. A positive result after it (or pending, which proves nothing) does
    not count as negative; a positive one voids every earlier negative."""
    standing: dict[date, str] = {}
    for day, result in results:
        standing.setdefault(day, result)
    for day in sorted(standing, reverse=True):
        if standing[day] == "positive":
            return None
        if standing[day] == "negative":
            return day
    return None


@dataclass(frozen=True)
class ScanResult:
    """One person checked at a checkpoint, as the page sends it (queued while offline)."""

    client_id: str  # drawn by the page, so a result sent twice is kept once
    outcome: Outcome
    colour: str
    popup: bool
    masked_name: str
    pass_expires_at: datetime
    temperature: Decimal
    checked_at: datetime
    commuter_id: int | None = None
    test_proof_on: date | None = None  # the day on a negative test proof shown, if any


def check_scan(scan: ScanResult, *, now: datetime, today: date) -> None:
    """Refuse a result that cannot be true: checked in the future, or a proof dated after it."""
    if scan.checked_at > now:
        raise FanjingError(Code.BAD_VALUE, "核验时间晚于现在", Where(field="checked_at"))
    if scan.test_proof_on is not None and scan.test_proof_on > today:
        raise FanjingError(Code.BAD_VALUE, "核酸证明的采样日晚于今天", Where(field="test_proof_on"))
    if scan.outcome is Outcome.PASS and (scan.colour != "green" or scan.popup):
        # 只需要查看健康码“绿码”及体温正常即可通行: a pop-up holds the person back (E1)
        raise FanjingError(Code.BAD_VALUE, "非绿码或有弹窗，不能登记为通行", Where(field="outcome"))
    if scan.outcome is Outcome.PASS and not temperature_normal(scan.temperature):
        raise FanjingError(Code.BAD_VALUE, "体温异常，不能登记为通行", Where(field="outcome"))
