"""Vaccination API schemas. Identities are shown masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentKind = Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit"]


class ProductRead(BaseModel):
    code: str
    name: str
    maker: str
    kind: str
    doses: int
    min_interval_days: int
    earliest_day: date


class ClinicCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description="门诊代码")
    name: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200, description="所在街道或乡镇")


class ClinicRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    district: str
    street: str


class IdentityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    document_kind: DocumentKind = "resident_id"
    document_number: str = Field(min_length=1, max_length=30)


class DoseCreate(IdentityBody):
    product_code: str = Field(min_length=1, max_length=40)
    dose_number: int = Field(ge=1, le=5)
    day: date
    given_in: str | None = Field(
        None, max_length=100, description="外地接种的省份（补录外地剂次时填写）"
    )
    certificate_number: str | None = Field(None, max_length=60, description="接种证明编号")


class IdentityCorrection(IdentityBody):
    reason: str = Field(min_length=1, max_length=300, description="更正原因")


class EligibilityQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_code: str = Field(min_length=1, max_length=40)
    dose_number: int = Field(ge=1, le=5)
    day: date
    certificate_shown: bool = Field(False, description="已出示前一剂的接种证明（外地接种时需要）")


class ReasonRead(BaseModel):
    code: str
    message: str
    earliest_day: date | None


class EligibilityRead(BaseModel):
    eligible: bool
    dose_number: int
    earliest_day: date | None
    reasons: list[ReasonRead]
    notes: list[ReasonRead]


class CapacitySet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: str = Field(min_length=1, max_length=200, description="街道或乡镇")
    day: date
    capacity: int = Field(ge=0, le=100_000)


class SlotRead(BaseModel):
    street: str
    day: date
    capacity: int
    booked: int


class AppointmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: str = Field(min_length=1, max_length=200, description="所在街道或乡镇")
    day: date
    product_code: str = Field(min_length=1, max_length=40)
    dose_number: int = Field(ge=1, le=5)


class AppointmentRead(BaseModel):
    id: int
    street: str
    day: date
    product_code: str
    dose_number: int
    state: Literal["booked", "cancelled", "expired"]  # expired: booked, its day has passed
    booked_at: datetime
