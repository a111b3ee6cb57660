"""Reading the registry: designations in force on a day, changes between days, and the
designations near a community."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

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
class AreaFilter:
    """Which designations a list shows: in force on ``day`` (or every one ever, ``in_force``
    False), of a level, a province, with a text in the area's name; one page of them."""

    day: date
    in_force: bool = True
    level: str | None = None
    province: str | None = None
    text: str = ""
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class AreaPage:
    rows: tuple[DesignationRow, ...]
    total: int  # rows matching the filter, on every page
    page: int  # the page shown (the one asked for, within 1…pages)
    pages: int


_LEVEL_ORDER = case({"high": 0, "medium": 1, "cases": 2}, value=DesignationRow.level, else_=3)


def designations_matching(session: Session, wanted: AreaFilter) -> AreaPage:
    """One page of the designations ``wanted`` names, highest level first, then by area."""
    query = select(DesignationRow)
    if wanted.in_force:
        query = query.where(
            DesignationRow.from_date <= wanted.day,
            (DesignationRow.to_date.is_(None)) | (DesignationRow.to_date >= wanted.day),
        )
    if wanted.level:
        query = query.where(DesignationRow.level == wanted.level)
    if wanted.province:
        query = query.where(DesignationRow.province == wanted.province)
    if wanted.text.strip():
        query = query.where(DesignationRow.area_name.contains(wanted.text.strip(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // wanted.per_page))
    page = min(max(wanted.page, 1), pages)
    rows = session.scalars(
        query.order_by(_LEVEL_ORDER, DesignationRow.area_name, DesignationRow.from_date)
        .offset((page - 1) * wanted.per_page)
        .limit(wanted.per_page)
    ).all()
    return AreaPage(tuple(rows), total, page, pages)


def provinces_designated(session: Session) -> list[str]:
    """Provinces with any designation, for the list's filter."""
    return list(
        session.scalars(
            select(DesignationRow.province)
            .where(DesignationRow.province.is_not(None))
            .distinct()
            .order_by(DesignationRow.province)
        )
    )


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
