"""Sites and rooms: CDC registers sites and their rooms and marks household rooms; a site
manager is bound to one site and acts on it only (placements: ``fanjing.sites.assignment``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.places.core import Place
from fanjing.sites.core import (
    SITE_STATUSES,
)
from fanjing.sites.store import (
    RoomRow,
    SiteManagerRow,
    SiteRow,
    insert_empty_rooms,
    room_numbers_of,
    site_name_taken,
)
from fanjing.users.core import Role
from fanjing.users.store import UserRow

MAX_CAPACITY = 8  # a household room's places


@dataclass(frozen=True)
class RoomSpec:
    floor: int
    number: int
    capacity: int = 1
    household: bool = False


def register_site(
    *,
    session: Session,
    name: str,
    district: str,
    address: str,
    rooms: Sequence[RoomSpec],
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
) -> SiteRow:
    """A new site, open, in a district of Beijing (朝阳区), with its rooms."""
    name, address = name.strip(), address.strip()
    if not name:
        raise FanjingError(Code.MISSING_FIELD, "请填写观察点名称", Where(field="name"))
    if not address:
        raise FanjingError(Code.MISSING_FIELD, "请填写地址", Where(field="address"))
    place = parse_place(f"北京市{district.strip().removeprefix('北京市')}")
    if not place.in_beijing or place.county is None or place.town is not None:
        raise FanjingError(Code.BAD_VALUE, f"“{district}”不是北京市的区", Where(field="district"))
    if site_name_taken(session, name):
        raise FanjingError(Code.SITE_EXISTS, f"观察点“{name}”已登记", Where(field="name"))
    site = SiteRow(
        name=name,
        district=place.county,
        address=address,
        status="open",
        created_at=now,
        created_by=actor,
    )
    session.add(site)
    session.flush()
    add_rooms(session=session, site=site, rooms=rooms, actor=actor, now=now)
    record(
        session,
        actor=actor,
        at=now,
        action="site.register",
        entity="observation_site",
        entity_id=site.id,
        after={"name": name, "district": site.district, "address": address, "rooms": len(rooms)},
    )
    return site


def add_rooms(
    *, session: Session, site: SiteRow, rooms: Sequence[RoomSpec], actor: str, now: datetime
) -> int:
    """Rooms of a site (single unless marked for a household); a floor and number once."""
    seen: set[tuple[int, int]] = set()
    for index, spec in enumerate(rooms):
        where = Where(field=f"rooms[{index}]")
        if spec.floor < 0 or spec.number < 1:
            raise FanjingError(Code.BAD_VALUE, "楼层应 ≥ 0、房号应 ≥ 1", where)
        if not 1 <= spec.capacity <= MAX_CAPACITY or (spec.capacity > 1 and not spec.household):
            raise FanjingError(
                Code.BAD_VALUE, f"单人间容量为 1；家庭房容量 1–{MAX_CAPACITY}", where
            )
        if (spec.floor, spec.number) in seen:
            raise FanjingError(Code.ROOM_EXISTS, f"{spec.floor} 层 {spec.number} 号重复", where)
        seen.add((spec.floor, spec.number))
    existing = room_numbers_of(session, site.id)
    clash = seen & existing
    if clash:
        floor, number = min(clash)
        raise FanjingError(Code.ROOM_EXISTS, f"{floor} 层 {number} 号已登记", Where(field="rooms"))
    if rooms:
        insert_empty_rooms(
            session, site.id, [(s.floor, s.number, s.capacity, s.household) for s in rooms]
        )
    return len(rooms)


def site_by_id(session: Session, site_id: int) -> SiteRow:
    site = session.get(SiteRow, site_id)
    if site is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {site_id} 的观察点", Where(field="site_id"))
    return site


def set_site_status(
    *, session: Session, site: SiteRow, status: str, actor: str, now: datetime
) -> SiteRow:
    """Open, full (takes nobody new) or closed for disinfection."""
    if status not in SITE_STATUSES:
        raise FanjingError(
            Code.BAD_VALUE,
            f"未知状态“{status}”（应为 open、full 或 closed）",
            Where(field="status"),
        )
    before = site.status
    site.status = status
    record(
        session,
        actor=actor,
        at=now,
        action="site.status",
        entity="observation_site",
        entity_id=site.id,
        before={"status": before},
        after={"status": status},
    )
    return site


def mark_household_room(
    *, session: Session, room_id: int, capacity: int, actor: str, now: datetime
) -> RoomRow:
    """CDC marks an empty room for a household of up to ``capacity`` (1 makes it single again)."""
    room = session.get(RoomRow, room_id)
    if room is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {room_id} 的房间", Where(field="room_id"))
    if room.occupancy:
        raise FanjingError(Code.ROOM_OCCUPIED, "房间有人入住，不能更改为家庭房或单人间")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise FanjingError(
            Code.BAD_VALUE, f"家庭房容量应在 1–{MAX_CAPACITY} 之间", Where(field="capacity")
        )
    before = {"household": room.household, "capacity": room.capacity}
    room.household, room.capacity = capacity > 1, capacity
    record(
        session,
        actor=actor,
        at=now,
        action="site.room.household",
        entity="site_room",
        entity_id=room.id,
        before=before,
        after={"household": room.household, "capacity": capacity},
    )
    return room


def bind_manager(
    *, session: Session, user: UserRow, site: SiteRow, actor: str, now: datetime
) -> None:
    """A site manager works for ``site`` (again: the binding moves)."""
    if user.role != Role.SITE_MANAGER.value:
        raise FanjingError(Code.BAD_VALUE, "只有观察点管理员绑定观察点", Where(field="role"))
    binding = session.get(SiteManagerRow, user.id)
    before = {"site_id": binding.site_id} if binding else None
    if binding is None:
        session.add(SiteManagerRow(user_id=user.id, site_id=site.id))
    else:
        binding.site_id = site.id
    record(
        session,
        actor=actor,
        at=now,
        action="site.manager.bind",
        entity="app_user",
        entity_id=user.id,
        before=before,
        after={"site_id": site.id},
    )


def managed_site(session: Session, user: UserRow) -> SiteRow:
    """A site manager's site (403 while they are bound to none)."""
    binding = session.get(SiteManagerRow, user.id)
    if binding is None:
        raise FanjingError(Code.FORBIDDEN, "该观察点管理员尚未绑定观察点")
    return site_by_id(session, binding.site_id)


def site_scope(session: Session, user: UserRow) -> int | None:
    """The site a user may act on: a site manager's own, None for CDC (every site)."""
    return managed_site(session, user).id if user.role == Role.SITE_MANAGER.value else None


def room_in_scope(session: Session, room_id: int, site_id: int | None) -> tuple[RoomRow, SiteRow]:
    room = session.get(RoomRow, room_id)
    if room is None or (site_id is not None and room.site_id != site_id):
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {room_id} 的房间", Where(field="room_id"))
    return room, site_by_id(session, room.site_id)
