"""Reading the registry by meaning: the changes between two days, and the designations near a
community (the queries themselves are the store's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from fanjing.places.core import Containment, Place, containment
from fanjing.places.store import DesignationRow, designations_in_force


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
