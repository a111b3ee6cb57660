"""Checkpoint request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommuterRegister(_Body):
    employer: str = Field(
        max_length=100, description="在京工作单位名称", examples=["北京某科技有限公司"]
    )
    home: str = Field(
        max_length=200,
        description="居住地（天津或河北，写到区县）",
        examples=["河北省廊坊市三河市燕郊镇"],
    )


class CommuterRead(BaseModel):
    id: int
    employer: str
    home: str


class CommuterCheckBody(_Body):
    document_kind: Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit"] = (
        "resident_id"
    )
    number: str = Field(max_length=40, description="证件号码")
    temperature: float = Field(ge=30, le=45, description="测得体温（℃）")
    health_code: Literal["green", "yellow", "red", "popup"] = "green"
    proof_on: date | None = Field(None, description="现场出示的核酸阴性证明的采样日")


class CommuterCheckRead(BaseModel):
    commuter_id: int
    employer: str
    home: str
    last_negative_test: date | None
    allowed: bool
    rule: str | None
    clause: str | None
    reasons: list[str]
    policy: str


class ResultBody(_Body):
    client_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    outcome: Literal["pass", "turn_back", "observation"]
    colour: Literal["green", "yellow", "red"]
    popup: bool
    masked_name: str = Field(max_length=50)
    pass_expires_at: datetime
    temperature: float = Field(ge=30, le=45)
    checked_at: datetime
    commuter_id: int | None = Field(None, ge=1, le=2**31 - 1)
    test_proof_on: date | None = None


class ResultsBody(_Body):
    results: list[ResultBody] = Field(min_length=1, max_length=500)


class ResultRead(BaseModel):
    id: int
    client_id: str
    outcome: str
    colour: str
    popup: bool
    masked_name: str
    temperature: float
    commuter_id: int | None
    checked_at: datetime
    recorded_at: datetime
    new: bool = False


class CheckpointRead(BaseModel):
    id: int
    name: str
    district: str
