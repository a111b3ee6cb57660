"""Community API schemas. People are shown masked unless the viewer's role needs more."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fanjing.policy.schemas import SituationBody


class PersonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    document_kind: Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit"] = (
        "resident_id"
    )
    document_number: str = Field(min_length=1, max_length=30)
    phone: str | None = Field(None, max_length=30)


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community: str | None = Field(
        None, max_length=200, description="所在社区（村）；社区工作者代报时默认本社区"
    )
    employer: str | None = Field(None, max_length=200, description="工作单位")
    person: PersonBody | None = Field(
        None, description="被报告人；社区工作者代报时必填，市民本人报告时取自健康宝账户"
    )
    situation: SituationBody
    contact_case_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="次密接共同居住或工作人员：次密接的个案编号（M8）"
    )


class MeasureRead(BaseModel):
    id: int
    kind: str
    kind_zh: str
    start: date
    end: date | None = Field(description="按决定或调整的结束日（不含）；空为另行通知")
    until: date | None = Field(description="实际结束日（不含）：提前结束时为结束那天")
    ended_on: date | None
    end_reason: str | None
    rule: str
    clause: str


class ReportRead(BaseModel):
    id: int
    community: str
    case_id: int | None = Field(description="需要社区管理时开立的个案")
    pack: str
    measures: list[MeasureRead]
    decision: dict[str, Any]


class CheckRead(BaseModel):
    day: date
    temperature: float
    symptoms: list[str]
    abnormal: bool
    recorded_by: str


class TestRead(BaseModel):
    day: date
    result: Literal["pending", "negative", "positive"]
    superseded: bool = Field(
        description="被同日后登记的结果取代（留作记录）；以当日最后登记的结果为准"
    )


class CaseSummary(BaseModel):
    id: int
    community: str
    person: str
    phone: str
    status: Literal["open", "closed"]
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    link: Literal["cohabitant", "coworker"] | None
    contact_case_id: int | None


class CaseRead(CaseSummary):
    employer: str | None
    arrival: date
    measures: list[MeasureRead]
    checks: list[CheckRead]
    tests: list[TestRead]
    members: list[CaseSummary] = Field(description="次密接的共同居住、工作人员（闭环管理）")


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    temperature: str = Field(min_length=1, max_length=5, description="体温（℃），如 36.5")
    symptoms: list[str] = Field(default_factory=list, max_length=20)


class TestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    result: Literal["pending", "negative", "positive"]


class EndBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date = Field(description="自这一天起不再执行")
    reason: str = Field(min_length=1, max_length=300)


class AdjustBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end: date | None = Field(description="新的结束日（不含）；空为另行通知")
    reason: str = Field(min_length=1, max_length=300)


class LiftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date | None = Field(None, description="自这一天起解除；默认今天")
    reason: str = Field(min_length=1, max_length=300)


class WorkItemRead(BaseModel):
    what: str
    what_zh: str
    case_id: int | None
    person: str
    phone: str
    kind: str | None
    detail: str


class WorklistRead(BaseModel):
    community: str
    day: date
    items: list[WorkItemRead]


class ImportRead(BaseModel):
    reports: int
    cases: int
