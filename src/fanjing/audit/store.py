"""The audit log: who changed what, when, before and after. Append-only (a database
trigger refuses updates and deletes, see the migrations) and hash-chained (audit/core.py):
``previous_hash`` is unique, so even two writers that read the same last entry could not
fork the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

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


class CacheRevisionRow(Base):
    """A counter per kind of cached data (the registry, the policy packs), raised in the same
    transaction as every change to it: a process sees the change committed when it sees
    the counter move (ids of audit rows are handed out before commit, so their maximum is
    no such signal)."""

    __tablename__ = "cache_revision"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
