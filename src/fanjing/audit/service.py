"""Recording and reading the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fanjing.audit.store import AuditEntryRow


def record(
    session: Session,
    *,
    actor: str,
    at: datetime,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry; the caller's transaction commits it with the change it describes."""
    session.add(
        AuditEntryRow(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append many entries at once (keys as ``record``'s, ``entity_id`` already text): for
    changes made in bulk, such as a re-evaluation of every open case."""
    if entries:
        session.execute(insert(AuditEntryRow), entries)


def entries(
    session: Session, *, limit: int = 100, entity: str | None = None
) -> list[AuditEntryRow]:
    """The newest entries first."""
    query = select(AuditEntryRow).order_by(AuditEntryRow.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEntryRow.entity == entity)
    return list(session.scalars(query))
