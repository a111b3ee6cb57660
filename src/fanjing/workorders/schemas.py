"""Work-order API schemas. Callers are shown masked (the hotline sees the number it calls back)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fanjing.vaccination.schemas import IdentityBody

Category = Literal[
    "popup_appeal",
    "colour_appeal",
    "vaccination_missing",
    "itinerary_star",
    "policy_question",
    "complaint",
]
Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
LONG = 2000


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    caller_name: str = Field(min_length=1, max_length=50)
    caller_phone: str = Field(min_length=1, max_length=20)
    category: Category
    description: str = Field(min_length=1, max_length=LONG, description="来电诉求")
    address: str | None = Field(None, max_length=200, description="来电人住址（写到社区/村）")
    concerns_phone: str | None = Field(
        None, max_length=20, description="所涉健康宝手机号（不是来电号码时填写）"
    )
    faq_entry_id: int | None = Field(None, ge=1, le=2**31 - 1, description="通话中给出的知识库问答")
    clinic: str | None = Field(None, max_length=40, description="接种门诊代码（接种记录缺失）")


class TextBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=LONG)


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    satisfaction: Satisfaction
    note: str = Field("", max_length=LONG, description="回访记录")


class PopupsClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)
    city: str | None = Field(None, max_length=100, description="只清除该城市的弹窗；不填则全部")


class DoseIdentityBody(IdentityBody):
    dose_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=1, max_length=200)


class RedMarkLiftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mark_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=1, max_length=200)


class ActionRead(BaseModel):
    kind: str
    kind_zh: str
    target_id: int
    reason: str
    acted_at: datetime
    acted_by: str


class OrderRead(BaseModel):
    id: int
    category: str
    category_zh: str
    state: str
    state_zh: str
    caller: str
    caller_phone: str
    address: str | None
    concerns_phone: str | None
    account_id: int | None
    description: str
    faq_entry_id: int | None
    faq_question: str | None
    unit_kind: str
    unit: str
    district: str | None
    opened_at: datetime
    opened_by: str
    respond_by: datetime | None
    resolve_by: datetime | None
    responded_at: datetime | None
    response: str | None
    resolved_at: datetime | None
    resolution: str | None
    escalated_at: datetime | None
    escalated_stage: str | None
    overdue: str | None
    closed_at: datetime | None
    satisfaction: str | None
    satisfaction_zh: str | None
    callback_note: str | None
    next_steps: list[str]
    actions: list[ActionRead]


class CitizenOrderRead(BaseModel):
    """What the health kit shows a citizen of their own order."""

    id: int
    category_zh: str
    state: str
    state_zh: str
    unit: str
    opened_at: datetime
    response: str | None
    resolution: str | None
    closed_at: datetime | None
    satisfaction_zh: str | None


class DayCountsRead(BaseModel):
    day: date
    by_category: dict[str, int]
    total: int


class TimingRead(BaseModel):
    category: str
    category_zh: str
    opened: int
    responded: int
    respond_median_hours: float | None
    respond_p90_hours: float | None
    resolved: int
    resolve_median_hours: float | None
    resolve_p90_hours: float | None


class OverdueRead(BaseModel):
    id: int
    category_zh: str
    unit: str
    district: str | None
    state_zh: str
    stage_zh: str
    due: datetime
    hours_over: float


class ReportRead(BaseModel):
    first_day: date
    last_day: date
    days: list[DayCountsRead]
    timings: list[TimingRead]
    satisfaction: dict[str, int]
    overdue: list[OverdueRead]


ReportFormat = Literal["json", "xlsx"]
