"""Taking and freeing rooms: each change is one conditional UPDATE, which holds the rules
whatever else runs at the same moment (PostgreSQL re-checks the condition on the row it
waited for; SQLite runs one writer at a time); and the rooms to choose from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Date,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    column,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.orm import Session

from fanjing.sites.core import Cohort, Room
from fanjing.sites.store import RoomRow, SiteRow


def rooms_with_a_place(session: Session, site_id: int | None) -> list[tuple[RoomRow, SiteRow]]:
    """Rooms with a place left at open sites (``site_id``: that site's), by site, floor and
    number; in disinfection or not."""
    query = (
        select(RoomRow, SiteRow)
        .join(SiteRow, SiteRow.id == RoomRow.site_id)
        .where(RoomRow.occupancy < RoomRow.capacity, SiteRow.status == "open")
        .order_by(SiteRow.name, RoomRow.floor, RoomRow.number)
    )
    if site_id is not None:
        query = query.where(SiteRow.id == site_id)
    return [(room, site) for room, site in session.execute(query)]


def rooms_of(session: Session, district: str | None, site_id: int | None) -> list[Room]:
    """Every room of a district (None: of every district; ``site_id``: of that site)."""
    query = select(RoomRow, SiteRow).join(SiteRow, SiteRow.id == RoomRow.site_id)
    if district is not None:
        query = query.where(SiteRow.district == district)
    if site_id is not None:
        query = query.where(SiteRow.id == site_id)
    return [room.to_core(site) for room, site in session.execute(query)]


def rooms_on_floor(session: Session, site_id: int, floor: int) -> list[RoomRow]:
    return list(
        session.scalars(select(RoomRow).where(RoomRow.site_id == site_id, RoomRow.floor == floor))
    )


def claim_place(session: Session, room_id: int, cohort: Cohort, now: datetime) -> bool:
    """One more person of ``cohort`` in the room if the rules let them; whether they did."""
    table = RoomRow.__table__
    result = session.execute(
        update(RoomRow)
        .where(
            RoomRow.id == room_id,
            RoomRow.occupancy < RoomRow.capacity,
            RoomRow.household == (cohort.household is not None),
            or_(RoomRow.disinfected_until.is_(None), RoomRow.disinfected_until <= now),
            RoomRow.site_id.in_(select(SiteRow.id).where(SiteRow.status == "open")),
            or_(
                RoomRow.occupancy == 0,
                and_(
                    table.c.cohort_start_date == cohort.start,
                    table.c.cohort_origin == cohort.origin,
                    table.c.cohort_household == cohort.household,  # None: IS NULL
                ),
            ),
        )
        .values(
            occupancy=RoomRow.occupancy + 1,
            cohort_start_date=cohort.start,
            cohort_origin=cohort.origin,
            cohort_household=cohort.household,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(cast(CursorResult[Any], result).rowcount == 1)


def take_empty_rooms(
    session: Session, rooms: Sequence[tuple[int, date, str]], now: datetime
) -> int:
    """Empty single rooms of open sites, not in disinfection, each (room, start, origin) taken
    by that cohort; how many rooms it took. PostgreSQL: one UPDATE … FROM (VALUES …) for the
    lot (an executemany there is a round trip a room); SQLite, which cannot name a VALUES
    list's columns, runs the same conditional UPDATE for each room in one executemany."""
    table = cast(Table, RoomRow.__table__)  # typed as a FromClause; a mapped class's is a Table
    free = (
        table.c.occupancy == 0,
        ~table.c.household,
        or_(table.c.disinfected_until.is_(None), table.c.disinfected_until <= now),
        table.c.site_id.in_(select(SiteRow.id).where(SiteRow.status == "open")),
    )
    rows = list(rooms)
    if session.get_bind().dialect.name == "postgresql":
        chosen = values(
            column("room", Integer), column("start", Date), column("origin", String), name="chosen"
        ).data(rows)
        result = session.execute(
            update(table)
            .where(table.c.id == chosen.c.room, *free)
            .values(occupancy=1, cohort_start_date=chosen.c.start, cohort_origin=chosen.c.origin)
            .execution_options(synchronize_session=False)
        )
    else:
        result = session.execute(
            update(table)
            .where(table.c.id == bindparam("room"), *free)
            .values(
                occupancy=1, cohort_start_date=bindparam("start"), cohort_origin=bindparam("origin")
            )
            .execution_options(synchronize_session=False),
            [{"room": room, "start": start, "origin": origin} for room, start, origin in rows],
        )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def free_room(session: Session, room_id: int, *, until: datetime) -> None:
    """One person out; the last one out closes the room for disinfection ``until`` and clears
    its cohort (one UPDATE: its right-hand sides read the row as it was)."""
    last = RoomRow.occupancy == 1
    session.execute(
        update(RoomRow)
        .where(RoomRow.id == room_id, RoomRow.occupancy > 0)
        .values(
            occupancy=RoomRow.occupancy - 1,
            cohort_start_date=case((last, None), else_=RoomRow.cohort_start_date),
            cohort_origin=case((last, None), else_=RoomRow.cohort_origin),
            cohort_household=case((last, None), else_=RoomRow.cohort_household),
            disinfected_until=case((last, until), else_=RoomRow.disinfected_until),
        )
        .execution_options(synchronize_session=False)
    )
