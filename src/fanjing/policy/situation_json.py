"""The contract's situation JSON → ``Situation``, with every problem named by its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fanjing.common.days import parse_day
from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.places.core import Place
from fanjing.policy.core.model import (
    Contact,
    ContactRole,
    EnteredChina,
    HealthCode,
    Situation,
    Stay,
)

_FIELDS = {
    "as_of",
    "arrival",
    "stays",
    "entered_china",
    "contact",
    "commuter",
    "health_code",
    "temperature_normal",
    "home_observation_possible",
    "last_negative_test",
}
_FLAGS = {"commuter": False, "temperature_normal": True, "home_observation_possible": True}


class _Reader:
    """Collects every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[FanjingError] = []

    def fail(self, code: Code, message: str, field: str) -> None:
        self.errors.append(FanjingError(code, message, Where(field=field)))

    def day(self, value: Any, field: str, *, required: bool = True) -> date | None:
        if value is None:
            if required:
                self.fail(Code.MISSING_FIELD, "缺少日期", field)
            return None
        if not isinstance(value, str):
            self.fail(Code.BAD_DATE, f"日期应为 YYYY-MM-DD 格式的字符串，实际为 {value!r}", field)
            return None
        try:
            return parse_day(value)
        except ValueError:
            self.fail(Code.BAD_DATE, f"日期应为 YYYY-MM-DD 格式：“{value}”", field)
            return None

    def text(self, value: Any, field: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(Code.BAD_VALUE, f"应为非空字符串，实际为 {value!r}", field)
            return None
        return value

    def object(self, value: Any, field: str, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(Code.BAD_VALUE, f"应为 JSON 对象，实际为 {type(value).__name__}", field)
            return None
        for key in sorted(set(value) - allowed):
            self.fail(Code.UNKNOWN_FIELD, f"未知字段“{key}”", f"{field}.{key}" if field else key)
        return value


def read_situation(data: Any, *, parse_place: Callable[[str], Place], today: date) -> Situation:
    """Validate ``data`` (parsed JSON) into a Situation; raises ``InputErrors`` with field paths.

    ``today`` (CST) is the default ``as_of``.
    """
    reader = _Reader()
    body = reader.object(data, "", _FIELDS)
    if body is None:
        raise InputErrors(reader.errors)
    # an explicit null means the same as an absent field: the default
    as_of = reader.day(body["as_of"], "as_of") if body.get("as_of") is not None else today
    arrival = reader.day(body.get("arrival"), "arrival", required=False)
    stays = _stays(reader, body.get("stays", []), parse_place, as_of, arrival)
    entered = _entered_china(reader, body.get("entered_china"))
    contact = _contact(reader, body.get("contact"))
    tested = reader.day(body.get("last_negative_test"), "last_negative_test", required=False)
    flags = {}
    for name, default in _FLAGS.items():
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            reader.fail(Code.BAD_VALUE, f"应为 true 或 false，实际为 {value!r}", name)
        flags[name] = value if isinstance(value, bool) else default
    code = body.get("health_code")
    try:
        health_code = HealthCode(code) if code is not None else HealthCode.GREEN
    except (ValueError, TypeError):
        reader.fail(
            Code.UNKNOWN_CODE,
            f"未知的健康码状态“{code}”（应为 green、yellow、red 或 popup）",
            "health_code",
        )
        health_code = HealthCode.GREEN
    if reader.errors or as_of is None:
        raise InputErrors(reader.errors)
    return Situation(
        as_of=as_of,
        arrival=arrival,
        stays=tuple(stays),
        entered_china=entered,
        contact=contact,
        commuter=flags["commuter"],
        health_code=health_code,
        temperature_normal=flags["temperature_normal"],
        home_observation_possible=flags["home_observation_possible"],
        last_negative_test=tested,
    )


def _stays(
    reader: _Reader,
    value: Any,
    parse_place: Callable[[str], Place],
    as_of: date | None,
    arrival: date | None,
) -> list[Stay]:
    if not isinstance(value, list):
        reader.fail(Code.BAD_VALUE, "stays 应为数组", "stays")
        return []
    stays = []
    last_allowed = arrival if arrival is not None else as_of
    for index, item in enumerate(value):
        field = f"stays[{index}]"
        body = reader.object(item, field, {"place", "from", "to"})
        if body is None:
            continue
        text = reader.text(body.get("place"), f"{field}.place")
        place = None
        if text is not None:
            try:
                place = parse_place(text)
            except FanjingError as problem:
                reader.fail(problem.code, problem.message, f"{field}.place")
        start = reader.day(body.get("from"), f"{field}.from")
        end = reader.day(body.get("to"), f"{field}.to")
        if start and end and start > end:
            reader.fail(
                Code.DATES_OUT_OF_ORDER, f"开始日 {start} 晚于结束日 {end}", f"{field}.from"
            )
        if end and last_allowed and end > last_allowed:
            what = "进京日" if arrival is not None else "评估日 as_of"
            reader.fail(
                Code.STAY_AFTER_ARRIVAL, f"结束日 {end} 晚于{what} {last_allowed}", f"{field}.to"
            )
        if place is not None and start is not None and end is not None:
            stays.append(Stay(place, start, end))
    return stays


def _entered_china(reader: _Reader, value: Any) -> EnteredChina | None:
    if value is None:
        return None
    body = reader.object(value, "entered_china", {"port", "date"})
    if body is None:
        return None
    port = reader.text(body.get("port"), "entered_china.port")
    day = reader.day(body.get("date"), "entered_china.date")
    return EnteredChina(port, day) if port and day else None


def _contact(reader: _Reader, value: Any) -> Contact | None:
    if value is None:
        return None
    body = reader.object(value, "contact", {"role", "last_contact"})
    if body is None:
        return None
    role_text = body.get("role")
    role = None
    try:
        role = ContactRole(role_text)
    except (ValueError, TypeError):
        roles = "、".join(r.value for r in ContactRole)
        reader.fail(
            Code.UNKNOWN_ROLE, f"未知的接触者类别“{role_text}”（应为 {roles}）", "contact.role"
        )
    day = reader.day(body.get("last_contact"), "contact.last_contact")
    return Contact(role, day) if role and day else None
