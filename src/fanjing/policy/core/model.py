"""What goes into and comes out of an entry check (``check-contract.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import orjson

from fanjing.places.core import Place


class ContactRole(StrEnum):
    CLOSE_CONTACT = "close_contact"
    SECONDARY_CLOSE_CONTACT = "secondary_close_contact"
    COHABITANT_OF_SECONDARY_CLOSE_CONTACT = "cohabitant_of_secondary_close_contact"
    COWORKER_OF_SECONDARY_CLOSE_CONTACT = "coworker_of_secondary_close_contact"

    @property
    def label_zh(self) -> str:
        return {
            "close_contact": "密切接触者",
            "secondary_close_contact": "次密切接触者",
            "cohabitant_of_secondary_close_contact": "次密切接触者的共同生活人员",
            "coworker_of_secondary_close_contact": "次密切接触者的共同工作人员",
        }[self.value]


class HealthCode(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    POPUP = "popup"

    @property
    def label_zh(self) -> str:
        return {"green": "绿码", "yellow": "黄码", "red": "红码", "popup": "弹窗"}[self.value]


class MeasureKind(StrEnum):
    CENTRALIZED_OBSERVATION = "centralized_observation"
    HOME_OBSERVATION = "home_observation"
    HEALTH_MONITORING = "health_monitoring"
    NUCLEIC_ACID_TEST = "nucleic_acid_test"
    CLOSED_LOOP_MANAGEMENT = "closed_loop_management"
    REPORT_TO_COMMUNITY = "report_to_community"

    @property
    def label_zh(self) -> str:
        return {
            "centralized_observation": "集中观察",
            "home_observation": "居家观察",
            "health_monitoring": "健康监测",
            "nucleic_acid_test": "核酸检测",
            "closed_loop_management": "闭环管理",
            "report_to_community": "向社区和单位报告",
        }[self.value]

    @property
    def strictness(self) -> int:
        """Timeline kinds by strictness (centralized > home > monitoring); others 0."""
        return _STRICTNESS.get(self, 0)

    @property
    def on_timeline(self) -> bool:
        return self in _STRICTNESS


_STRICTNESS = {
    MeasureKind.CENTRALIZED_OBSERVATION: 3,
    MeasureKind.HOME_OBSERVATION: 2,
    MeasureKind.HEALTH_MONITORING: 1,
}


@dataclass(frozen=True, slots=True)
class Stay:
    """Where the person stayed or passed through; ``start``/``end`` both inclusive."""

    place: Place
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Contact:
    role: ContactRole
    last_contact: date


@dataclass(frozen=True, slots=True)
class EnteredChina:
    port: str
    day: date


@dataclass(frozen=True, slots=True)
class Situation:
    """A person's situation, already validated and with places parsed."""

    as_of: date
    arrival: date | None = None
    stays: tuple[Stay, ...] = ()
    entered_china: EnteredChina | None = None
    contact: Contact | None = None
    commuter: bool = False
    health_code: HealthCode = HealthCode.GREEN
    temperature_normal: bool = True
    home_observation_possible: bool = True
    last_negative_test: date | None = None  # a commuter's latest negative nucleic acid test

    @property
    def first_day(self) -> date:
        """F of the contract: the arrival day, or ``as_of`` when there is no arrival."""
        return self.arrival if self.arrival is not None else self.as_of

    @property
    def planned(self) -> bool:
        return self.arrival is not None and self.arrival > self.as_of


@dataclass(frozen=True, slots=True)
class Measure:
    kind: MeasureKind
    start: date
    end: date | None  # exclusive; None: no fixed end
    rule: str
    clause: str


@dataclass(frozen=True, slots=True)
class Hold:
    """An entry rule holding the person back until ``until`` (the first allowed day)."""

    rule: str
    clause: str
    until: date


@dataclass(frozen=True, slots=True)
class Entry:
    allowed: bool
    earliest: date | None
    # the first day on or after as_of on which no entry hold runs, whatever the planned
    # arrival ("when may I come?"); None when entry is refused
    earliest_possible: date | None
    holds: tuple[Hold, ...] = ()
    requirements: tuple[str, ...] = ()
    popup: bool = False


@dataclass(frozen=True, slots=True)
class PackRef:
    id: str
    version: str


@dataclass(frozen=True)
class Decision:
    policy: PackRef
    as_of: date
    arrival: date | None
    entry: Entry
    measures: tuple[Measure, ...]
    reasons: tuple[str, ...]
    rules_applied: tuple[str, ...] = field(default=())

    def to_json_bytes(self) -> bytes:
        """The contract's decision JSON, UTF-8, one line: the dataclass fields as they are
        (dates as ``YYYY-MM-DD``, kinds by their value), so the JSON cannot drift from them."""
        return orjson.dumps(self)

    def to_json(self) -> dict[str, Any]:
        """The same decision JSON as plain Python values."""
        decoded: dict[str, Any] = orjson.loads(self.to_json_bytes())
        return decoded
