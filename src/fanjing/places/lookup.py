"""Reading the registry: designations in force on a day, changes between days, the
designations near a community, and the cached registry the API checks against."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fanjing.audit.store import AuditEntryRow
from fanjing.infra.db import session_scope
from fanjing.places.core import Containment, Place, containment
from fanjing.places.registry import Registry
from fanjing.places.store import DesignationRow


def registry_in_database(session: Session) -> Registry:
    """Every designation, for judging stays (the core filters by days)."""
    return Registry.of(
        row.to_core() for row in session.scalars(select(DesignationRow).order_by(DesignationRow.id))
    )


def designations_in_force(session: Session, day: date) -> list[DesignationRow]:
    rows = session.scalars(
        select(DesignationRow).where(
            DesignationRow.from_date <= day,
            (DesignationRow.to_date.is_(None)) | (DesignationRow.to_date >= day),
        )
    ).all()
    rank = {"high": 0, "medium": 1, "cases": 2}
    return sorted(rows, key=lambda row: (rank[row.level], row.area_name))


@dataclass(frozen=True)
class RegistryDiff:
    added: tuple[DesignationRow, ...]  # in force on the second day, not the first
    lifted: tuple[DesignationRow, ...]  # in force on the first day, not the second
    changed: tuple[tuple[DesignationRow, DesignationRow], ...]  # same area, other level


def diff(session: Session, first: date, second: date) -> RegistryDiff:
    before = {row.area_name: row for row in designations_in_force(session, first)}
    after = {row.area_name: row for row in designations_in_force(session, second)}
    return RegistryDiff(
        added=tuple(after[name] for name in sorted(after.keys() - before.keys())),
        lifted=tuple(before[name] for name in sorted(before.keys() - after.keys())),
        changed=tuple(
            (before[name], after[name])
            for name in sorted(before.keys() & after.keys())
            if before[name].level != after[name].level
        ),
    )


def designations_touching(session: Session, community: Place, day: date) -> list[DesignationRow]:
    """Designations in force on ``day`` whose area contains the community or lies in it."""
    touching = []
    for row in designations_in_force(session, day):
        area = row.to_core().area
        if (
            containment(area, community) is Containment.INSIDE
            or containment(community, area) is Containment.INSIDE
        ):
            touching.append(row)
    return touching


def registry_revision(session: Session) -> int:
    """A number that grows with every change to the registry: every change is audited in the
    same transaction, and the audit log only grows."""
    return session.scalar(select(func.coalesce(func.max(AuditEntryRow.id), 0))) or 0


class RegistryCache:
    """The registry as of the latest revision, loaded again only after a change.

    A server answers many checks between two changes. Building the registry (and
    its per-place caches) once per change, and asking the database for the
    revision at most every ``recheck_seconds``, keeps ``POST /api/v1/check`` off
    the database: a change made by another process is seen within that time, one
    made by this process at once (``changed()``).
    """

    def __init__(self, engine: Engine, *, recheck_seconds: float = 1.0) -> None:
        self._engine = engine
        self._recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._revision = -1
        self._checked_at = -math.inf
        self._registry = Registry()

    def get(self) -> Registry:
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at >= self._recheck_seconds:
                with session_scope(self._engine) as session:
                    revision = registry_revision(session)
                    if revision != self._revision:
                        self._registry = registry_in_database(session)
                        self._revision = revision
                self._checked_at = now
            return self._registry

    def changed(self) -> None:
        """This process changed the registry: look again on the next ``get``."""
        with self._lock:
            self._checked_at = -math.inf
