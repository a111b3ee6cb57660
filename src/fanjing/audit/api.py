"""``GET /api/v1/audit``: the audit log, for CDC staff and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from fanjing.audit.core import AuditEntry, ChainedEntry
from fanjing.audit.store import newest_entries
from fanjing.users.core import Role
from fanjing.web.deps import Caller, DbSession, require

router = APIRouter(prefix="/api/v1", tags=["审计"])


@router.get("/audit", response_model=list[AuditEntry], summary="审计日志（最新在前）")
def audit_log(
    session: DbSession,
    _user: Annotated[Caller, Depends(require(Role.CDC, Role.ADMIN))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    entity: Annotated[str | None, Query(max_length=50)] = None,
) -> list[ChainedEntry]:
    return newest_entries(session, limit=limit, entity=entity)
