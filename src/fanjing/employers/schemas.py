"""Employer API schemas. People are shown masked; of their health only measures and days."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from fanjing.users.core import TOKEN_DAYS


class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="单位名称")
    credit_code: str = Field(min_length=1, max_length=30, description="统一社会信用代码")
    district: str = Field(min_length=1, max_length=100, description="所在区，如 朝阳区")


class EmployerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    credit_code: str
    district: str
    code: str = Field(description="员工在健康宝中关联单位时填写的单位代码")


class EmployerUserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int = Field(default=TOKEN_DAYS, ge=1, le=3650)


class EmployerUserRead(BaseModel):
    name: str
    employer_id: int
    token: str = Field(description="只显示这一次")
    token_expires_at: datetime


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20, description="单位提供的单位代码")


class LinkRead(BaseModel):
    employer: str | None = Field(description="所关联单位的名称；未关联时为空")
    district: str | None = None
    linked_at: datetime | None = None


class MeasureRead(BaseModel):
    kind: str
    kind_zh: str
    last_day: date | None = Field(description="措施的最后一天（含）；空：尚无确定的结束日")


class StaffRead(BaseModel):
    link_id: int
    person: str = Field(description="姓名（遮蔽）")
    measures: list[MeasureRead]
    return_day: date | None = Field(description="可返岗日期；空：观察尚无确定的结束日")
    at_work: bool


class StaffPage(BaseModel):
    employer: str
    day: date
    staff: list[StaffRead]


class InboxRead(BaseModel):
    report_id: int
    person: str = Field(description="姓名（遮蔽）")
    arrival_date: date
    reported_on: date
    measures: list[MeasureRead]
