"""Risk-area API schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Day = str  # YYYY-MM-DD


class DesignationRead(BaseModel):
    id: int
    level: Literal["high", "medium", "cases"]
    area: str
    area_text: str
    province: str | None
    city: str | None
    county: str | None
    from_: Day = Field(alias="from")
    to: Day | None
    origin: Literal["national_list", "csv", "manual"]
    source: str
    entered_by: str

    model_config = ConfigDict(populate_by_name=True)


class DesignationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["high", "medium", "cases"]
    area: str = Field(min_length=1, max_length=200, examples=["河南省郑州市二七区京广路街道"])
    from_: Day = Field(alias="from", examples=["2021-08-04"])
    to: Day | None = None


class LiftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Day = Field(description="最后一天（含）", examples=["2021-08-20"])


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, description="全国中高风险地区名单（文本）或 CSV（level,area,from,to）"
    )
    file: str = Field("upload", max_length=200, description="来源文件名（记入报告）")
    date: Day | None = Field(None, description="名单生效日；默认取名单中的日期")
    confirm_lifts: bool = Field(
        False,
        description="名单可能不完整时，仍解除其未列出的地区（须已核对名单；记入审计日志）",
    )


class UnplacedRead(BaseModel):
    line: int
    text: str
    reason: str
    level: str | None


class ImportReportRead(BaseModel):
    kind: Literal["national_list", "csv"]
    file: str
    list_date: Day | None
    declared: dict[str, int]
    parsed: dict[str, int]
    opened: list[str]
    opened_ids: list[int]
    closed: list[str]
    withdrawn: list[str]
    unchanged: int
    unplaced: list[UnplacedRead]
    count_problems: list[str]
    held: list[str] = Field(
        description="名单可能不完整（少于声明的个数或有未能识别的行）而暂缓解除的地区"
    )
    held_ids: list[int]
    incomplete: dict[str, list[str]] = Field(description="按等级：名单可能不完整的原因")
    warnings: list[str]
    lifts_confirmed_by: str | None = Field(description="确认解除暂缓地区的疾控人员")
    lifts_held: bool = Field(
        description="true：暂缓的地区仍按原等级管理，须疾控确认（POST …/imports/{import_id}/confirm-lifts）"
    )
    import_id: int
