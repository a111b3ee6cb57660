"""The check contract as API schemas (the documentation and the fuzzing read these).

Dates are strings here and checked by ``read_situation``, so the API refuses
exactly what ``fanjing check`` refuses, with the same messages.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Day = str  # YYYY-MM-DD, China Standard Time


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StayBody(_Body):
    place: str = Field(min_length=1, max_length=200, examples=["河南省郑州市二七区京广路街道"])
    from_: Day = Field(alias="from", examples=["2021-07-28"])
    to: Day = Field(examples=["2021-08-01"])


class EnteredChinaBody(_Body):
    port: str = Field(min_length=1, max_length=100)
    date: Day


class ContactBody(_Body):
    role: Literal[
        "close_contact",
        "secondary_close_contact",
        "cohabitant_of_secondary_close_contact",
        "coworker_of_secondary_close_contact",
    ]
    last_contact: Day


class SituationBody(_Body):
    """A person's situation (check-contract.md). Nothing of it is kept."""

    as_of: Day | None = Field(None, description="评估日；默认今天（北京时间）")
    arrival: Day | None = Field(None, description="进京日；不填表示已在京")
    stays: list[StayBody] = Field(default_factory=list, max_length=100)
    entered_china: EnteredChinaBody | None = None
    contact: ContactBody | None = None
    commuter: bool = False
    health_code: Literal["green", "yellow", "red", "popup"] = "green"
    temperature_normal: bool = True
    home_observation_possible: bool = True
    last_negative_test: Day | None = Field(
        None, description="通勤人员最近一次核酸检测阴性的采样日（M6：每次进京需14天内阴性证明）"
    )


class PackRefOut(BaseModel):
    id: str
    version: str


class HoldOut(BaseModel):
    rule: str
    clause: str
    until: Day


class EntryOut(BaseModel):
    allowed: bool
    earliest: Day | None
    earliest_possible: Day | None = Field(
        description="评估日当天或以后、不再有任何暂缓进京规则的第一天（不论计划哪天进京）；拒绝进京时为空"
    )
    holds: list[HoldOut]
    requirements: list[str]
    popup: bool


class MeasureOut(BaseModel):
    kind: Literal[
        "centralized_observation",
        "home_observation",
        "health_monitoring",
        "nucleic_acid_test",
        "closed_loop_management",
        "report_to_community",
    ]
    start: Day
    end: Day | None
    rule: str
    clause: str


class DecisionOut(BaseModel):
    policy: PackRefOut
    as_of: Day
    arrival: Day | None
    entry: EntryOut
    measures: list[MeasureOut]
    reasons: list[str]
    rules_applied: list[str]
