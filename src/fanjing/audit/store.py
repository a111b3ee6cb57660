"""The audit log: who changed what, when, before and after. Append-only (a database
trigger refuses updates and deletes, see the migrations) and hash-chained (audit/core.py):
``previous_hash`` is unique, so even two writers that read the same last entry could not
fork the chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.audit.core import ChainedEntry
from fanjing.infra.db import Base, UtcDateTime


class AuditEntryRow(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("uq_audit_entry_previous_hash", "previous_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(
        String(50)
    )  # designation.open, designation.lift, user.add …
    entity: Mapped[str] = mapped_column(String(50))  # designation, user
    entity_id: Mapped[str] = mapped_column(String(50))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def to_core(self) -> ChainedEntry:
        return ChainedEntry(
            id=self.id,
            at=self.at,
            actor=self.actor,
            action=self.action,
            entity=self.entity,
            entity_id=self.entity_id,
            before=self.before,
            after=self.after,
            previous_hash=self.previous_hash,
            hash=self.hash,
        )


class CacheRevisionRow(Base):
    """A counter per kind of cached data (the registry, the policy packs), raised in the same
    transaction as every change to it: a process sees the change committed when it sees
    the counter move (ids of audit rows are handed out before commit, so their maximum is
    no such signal)."""

    __tablename__ = "cache_revision"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def last_entry(session: Session) -> tuple[int, str] | None:
    """The id and hash of the newest entry, if any."""
    last = session.execute(
        select(AuditEntryRow.id, AuditEntryRow.hash).order_by(AuditEntryRow.id.desc()).limit(1)
    ).first()
    return None if last is None else (last.id, last.hash)


def newest_entries(
    session: Session, *, limit: int = 100, entity: str | None = None
) -> list[ChainedEntry]:
    """The newest entries first."""
    query = select(AuditEntryRow).order_by(AuditEntryRow.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEntryRow.entity == entity)
    return [row.to_core() for row in session.scalars(query)]


def chained_entries(session: Session) -> Iterator[ChainedEntry]:
    """Every entry, oldest first, read in batches (the log grows without end)."""
    rows = session.execute(select(AuditEntryRow).order_by(AuditEntryRow.id)).yield_per(2000)
    for row in rows.scalars():
        yield row.to_core()


def raise_revision(session: Session, name: str) -> None:
    """Count a change to ``name``'s data, in the caller's transaction (commits with it); the
    counters' rows are made by the migration."""
    session.execute(
        update(CacheRevisionRow)
        .where(CacheRevisionRow.name == name)
        .values(value=CacheRevisionRow.value + 1)
    )


def revision(session: Session, name: str) -> int:
    return session.scalar(select(CacheRevisionRow.value).where(CacheRevisionRow.name == name)) or 0
