"""Values built from the database (the registry, the policy packs) and kept until the
audit log says something changed."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fanjing.audit.store import AuditEntryRow
from fanjing.infra.db import session_scope

T = TypeVar("T")


def audit_revision(session: Session) -> int:
    """A number that grows with every audited change (designations, packs, users…): each is
    audited in its own transaction, and the audit log only grows."""
    return session.scalar(select(func.coalesce(func.max(AuditEntryRow.id), 0))) or 0


class AuditedCache(Generic[T]):
    """``load(session)`` as of the latest audit revision, loaded again only after a change.

    A server answers many checks between two changes. Building the value once per
    change, and asking the database for the revision at most every
    ``recheck_seconds``, keeps ``POST /api/v1/check`` off the database: a change
    made by another process is seen within that time, one made by this process at
    once (``changed()``).
    """

    def __init__(
        self, engine: Engine, load: Callable[[Session], T], *, recheck_seconds: float = 1.0
    ) -> None:
        self._engine = engine
        self._load = load
        self._recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._revision = -1
        self._checked_at = -math.inf
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            now = time.monotonic()
            if self._value is None or now - self._checked_at >= self._recheck_seconds:
                with session_scope(self._engine) as session:
                    revision = audit_revision(session)
                    if self._value is None or revision != self._revision:
                        self._value = self._load(session)
                        self._revision = revision
                self._checked_at = now
            return self._value

    def changed(self) -> None:
        """This process changed what the value is built from: look again on the next ``get``."""
        with self._lock:
            self._checked_at = -math.inf
