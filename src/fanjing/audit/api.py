"""``GET /api/v1/audit``: the audit log, for CDC staff and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from fanjing.audit.store import newest_entries
from fanjing.users.core import Role
from fanjing.web.deps import Caller, DbSession, require

router = APIRouter(prefix="/api/v1", tags=["审计"])


class AuditEntryRead(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/audit", response_model=list[AuditEntryRead], summary="审计日志（最新在前）")
def audit_log(
    session: DbSession,
    _user: Annotated[Caller, Depends(require(Role.CDC, Role.ADMIN))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    entity: Annotated[str | None, Query(max_length=50)] = None,
) -> list[Any]:
    return list(newest_entries(session, limit=limit, entity=entity))
