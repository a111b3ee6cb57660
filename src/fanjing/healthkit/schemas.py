"""Health-kit API schemas. Everything shown is masked."""

from __future__ import annotations

from datetime import date
from typing import Literal

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
