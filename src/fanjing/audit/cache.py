"""Values built from the database (the registry, the policy packs) and kept until their
revision counter says something changed."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.audit.store import revision
from fanjing.infra.db import session_scope

T = TypeVar("T")


REGISTRY = "registry"
PACKS = "packs"


class RevisionCache(Generic[T]):
    """``load(session)`` as of the latest revision of ``name``, loaded again only after a change.

    A server answers many checks between two changes. Building the value once per
    change, and asking the database for the revision at most every
    ``recheck_seconds``, keeps ``POST /api/v1/check`` off the database: a change
    made by another process is seen within that time, one made by this process at
    once (``changed()``).
    """

    def __init__(
        self,
        engine: Engine,
        name: str,
        load: Callable[[Session], T],
        *,
        recheck_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._name = name
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
                    current = revision(session, self._name)
                    if self._value is None or current != self._revision:
                        self._value = self._load(session)
                        self._revision = current
                self._checked_at = now
            return self._value

    def changed(self) -> None:
        """This process changed what the value is built from: look again on the next ``get``."""
        with self._lock:
            self._checked_at = -math.inf


def commit_and_tell(session: Session, *caches: RevisionCache[Any]) -> None:
    """Commit a change now and tell this process's caches built from it: its next read sees
    the change at once (another process's within its cache's recheck)."""
    session.commit()
    for cache in caches:
        cache.changed()
