"""The observation sites' API bodies and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Text = Annotated[str, Field(max_length=300)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]  # what the databases' INTEGER holds


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoomCreate(_Body):
    floor: Annotated[int, Field(ge=0, le=200)]
    number: Annotated[int, Field(ge=1, le=9999)]
    capacity: Annotated[int, Field(ge=1, le=8)] = 1
    household: bool = False


class SiteCreate(_Body):
    name: Annotated[str, Field(max_length=200)]
    district: Annotated[str, Field(max_length=50)]
    address: Text
    rooms: Annotated[list[RoomCreate], Field(max_length=5000)] = []


class SiteStatusBody(_Body):
    status: Literal["open", "full", "closed"]


class HouseholdBody(_Body):
    capacity: Annotated[int, Field(ge=1, le=8)]


class AssignBody(_Body):
    case_id: Id
    room_id: Id
    household: Annotated[str | None, Field(max_length=100)] = None


class AssignQueueBody(_Body):
    district: Annotated[str | None, Field(max_length=50)] = None


class CheckBody(_Body):
    day: date
    slot: Literal["morning", "afternoon"]
    temperature: Annotated[str, Field(max_length=10)]
    symptoms: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)] = []


class ResultBody(_Body):
    day: date
    result: Literal["pending", "negative", "positive"]


class ReasonBody(_Body):
    reason: Text


class TransferBody(_Body):
    room_id: Id
    reason: Text


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    district: str
    address: str
    status: str


class RoomRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    floor: int
    number: int
    capacity: int
    household: bool
    occupancy: int
    disinfected_until: datetime | None


class SiteDetail(SiteRead):
    rooms: list[RoomRead]


class QueuedRead(BaseModel):
    case_id: int
    community: str
    district: str
    start: date
    last_day: date
    origin: str
    expected_on: date


class PlacementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    case_id: int
    room_id: int
    start_date: date
    last_day: date
    household: str | None
    ended_on: date | None
    end_kind: str | None


class PlacedRead(BaseModel):
    case_id: int
    room_id: int


class AssignmentRead(BaseModel):
    placed: int
    waiting: int
    placements: list[PlacedRead]


class ResultRead(BaseModel):
    id: int
    case_id: int
    day: date
    result: str
