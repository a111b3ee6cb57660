"""Work-order API request bodies (what is answered: the dataclasses of ``views`` and
``reports``, the caller masked but for the hotline's call-back)."""

from __future__ import annotations

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


ReportFormat = Literal["json", "xlsx"]
