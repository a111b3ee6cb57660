"""Health-kit API schemas. Everything shown is masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    document_kind: Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit"] = (
        "resident_id"
    )
    document_number: str = Field(min_length=1, max_length=30)
    community: str | None = Field(None, max_length=200, description="居住的社区（村）")


class PhoneRead(BaseModel):
    number: str  # masked
    platform: Literal["wechat", "alipay"]
    state: Literal["active", "grey"]
    delete_on: date | None = Field(None, description="灰色号码删除日")


class AccountRead(BaseModel):
    id: int
    name: str
    document_kind: str
    document: str
    community: str | None
    phones: list[PhoneRead]


class PhoneBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=30)
    platform: Literal["wechat", "alipay"]


class ConfirmBody(PhoneBody):
    code: str = Field(min_length=1, max_length=10)


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=2000)


class VerifyResult(BaseModel):
    valid: bool
    code: str | None = (
        None  # why not: pass_tampered, pass_expired, pass_unknown_key, pass_malformed…
    )
    reason: str | None = None
    masked_name: str | None = None
    colour: str | None = None
    popup: bool | None = None
    version: int | None = None
    expires_at: datetime | None = None


class CardCityRead(BaseModel):
    city: str
    last_day: date
    starred: bool
    because: list[str]


class DeclarationRead(BaseModel):
    id: int
    allowed: bool = Field(description="可以进京：决定允许，且行程卡上带星的城市都已申报")
    undeclared_cities: list[str] = Field(
        description="行程卡带星、未申报的城市：须说明是否到过其中的中高风险地区"
    )
    card: list[CardCityRead]
    decision: dict[str, Any]


class PopupRead(BaseModel):
    id: int
    city: str
    last_visit: date
    postpone_until: date = Field(description="暂缓进返京至此日（离开该市满14天）")
    what_to_do: str


class ColourChange(BaseModel):
    day: date = Field(description="自这一天起（北京时间）")
    colour: Literal["green", "yellow", "red"]
    colour_zh: str


class StatusRead(BaseModel):
    colour: Literal["green", "yellow", "red"]
    colour_zh: str
    popup: bool = Field(description="有未处理的弹窗")
    popups: list[PopupRead]
    history: list[ColourChange] = Field(description="颜色变化，最早的在前（此前为绿码）")


class PassRead(BaseModel):
    token: str = Field(description="签名通行码（EdDSA，5分钟有效）")
    expires_at: datetime
    colour: Literal["green", "yellow", "red"]
    popup: bool
    version: int = Field(description="状态版本：每次颜色或弹窗变化加一，通行码中也有")
    qr_svg: str | None = Field(
        description="通行码二维码（SVG data URI），仅在 ?qr=svg 时给出；二维码内容即 token，"
        "应用可在手机上自行绘制"
    )


class RedMarkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_kind: Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit"] = (
        "resident_id"
    )
    document_number: str = Field(min_length=1, max_length=30)
    kind: Literal["confirmed_case", "close_contact"]
    reason: str = Field(min_length=1, max_length=300)


class RedMarkRead(BaseModel):
    id: int
    account_id: int
    kind: Literal["confirmed_case", "close_contact"]
    kind_zh: str
    reason: str
    marked_on: date
    marked_by: str
    lifted_on: date | None
    lift_reason: str | None


class LiftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class ClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class ClearManyBody(ClearBody):
    city: str | None = Field(
        None, max_length=100, description="只处理该城市的弹窗；不填则处理此人的全部弹窗"
    )
