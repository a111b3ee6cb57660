"""``GET /api/v1/me``: who the token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from fanjing.users.store import UserRow
from fanjing.web.deps import current_user

router = APIRouter(prefix="/api/v1", tags=["用户"])


class MeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    role: str
    community: str | None


@router.get("/me", response_model=MeRead, summary="当前用户")
def me(user: Annotated[UserRow, Depends(current_user)]) -> UserRow:
    return user
