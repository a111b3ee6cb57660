"""Placing people: staff assign a queued case to a room, or a district's whole queue at once.
Each placement takes its room with one conditional UPDATE, which holds the rules whatever else
runs at the same moment (PostgreSQL re-checks the condition on the row it waited for; SQLite
runs one writer at a time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.sites.core import REFUSAL_ZH, Assignment, Cohort, assign_queue, refusal
from fanjing.sites.placement_store import insert_placements
from fanjing.sites.queue import Queued, placement_queue
from fanjing.sites.room_store import claim_place, rooms_of, rooms_with_a_place, take_empty_rooms
from fanjing.sites.service import room_in_scope, site_by_id
from fanjing.sites.store import PlacementRow, RoomRow, SiteRow


def rooms_with_space(
    session: Session, now: datetime, site_id: int | None = None
) -> list[tuple[RoomRow, SiteRow]]:
    """Rooms someone could still take (a place left, an open site, not in disinfection), by
    site, floor and number: what staff choose from (the rules still decide on taking one)."""
    return [
        (room, site)
        for room, site in rooms_with_a_place(session, site_id)
        if not room.to_core(site).in_disinfection(now)
    ]


def take_room(session: Session, room: RoomRow, cohort: Cohort, now: datetime) -> None:
    """One more person of ``cohort`` in ``room`` if the rules let them, decided by the database
    in one conditional UPDATE (409 ``room_refused`` otherwise, with the reason when it can
    be told)."""
    site = site_by_id(session, room.site_id)
    session.refresh(room)
    reason = refusal(room.to_core(site), cohort, now)
    claimed = claim_place(session, room.id, cohort, now)
    session.expire(room)
    if not claimed:
        raise FanjingError(
            Code.ROOM_REFUSED, REFUSAL_ZH.get(reason or "", "房间刚被占用或状态已变，请重新选择")
        )


def assign_case(
    *,
    session: Session,
    case_id: int,
    room_id: int,
    household: str | None,
    site_id: int | None,
    place_name: Callable[[str], str],
    actor: str,
    today: date,
    now: datetime,
) -> PlacementRow:
    """Put one queued case in a room (a household room: name the household)."""
    room, site = room_in_scope(session, room_id, site_id)
    queued = _queued(session, case_id, today=today, place_name=place_name)
    if queued.case.district != site.district:
        raise FanjingError(
            Code.OTHER_DISTRICT, f"个案属于{queued.case.district}，观察点在{site.district}"
        )
    household = (household or "").strip() or None
    cohort = Cohort(queued.case.start, queued.case.origin, household)
    take_room(session, room, cohort, now)
    placement = _place(session, queued, room.id, household, actor, now)
    record_assignment(session, placement, actor=actor, now=now)
    return placement


def record_assignment(
    session: Session,
    placement: PlacementRow,
    *,
    actor: str,
    now: datetime,
    moved_from: PlacementRow | None = None,
) -> None:
    """Audit a placement made: a case assigned, or moved by a transfer from ``moved_from``."""
    after = placement_snapshot(placement)
    if moved_from is not None:
        after["from_placement"] = moved_from.id
    record(
        session,
        actor=actor,
        at=now,
        action="site.assign",
        entity="site_placement",
        entity_id=placement.id,
        after=after,
    )


def _queued(
    session: Session, case_id: int, *, today: date, place_name: Callable[[str], str]
) -> Queued:
    for queued in placement_queue(session, today=today, place_name=place_name, case_id=case_id):
        return queued
    raise FanjingError(
        Code.NOT_QUEUED,
        f"个案 {case_id} 不在待安置队列中（无集中观察，或已安置）",
        Where(field="case_id"),
    )


def _place(
    session: Session,
    queued: Queued,
    room_id: int,
    household: str | None,
    actor: str,
    now: datetime,
) -> PlacementRow:
    placement = PlacementRow(
        case_id=queued.case.case_id,
        room_id=room_id,
        start_date=queued.case.start,
        last_day=queued.case.last_day,
        origin=queued.case.origin,
        household=household,
        placed_at=now,
        placed_by=actor,
    )
    session.add(placement)
    try:
        session.flush()
    except IntegrityError:  # the same case placed at the same moment by someone else
        raise FanjingError(Code.ALREADY_PLACED, f"个案 {queued.case.case_id} 已安置") from None
    return placement


def assign_district_queue(
    *,
    session: Session,
    district: str | None,
    site_id: int | None,
    place_name: Callable[[str], str],
    actor: str,
    today: date,
    now: datetime,
) -> Assignment:
    """Assign a district's queue (None: every district; ``site_id``: to that site's rooms
    only) in one pass of the core, then take all
    the rooms in one conditional UPDATE per room, sent together: if any room was taken or
    closed meanwhile, nothing is placed (409 ``rooms_changed``: run it again)."""
    queue = placement_queue(session, today=today, place_name=place_name, district=district)
    rooms = rooms_of(session, district, site_id)
    assignment = assign_queue([q.case for q in queue], rooms, today=today, now=now)
    if not assignment.placed:
        return assignment
    by_case = {q.case.case_id: q.case for q in queue}
    taken = 0
    for chunk in _chunks(assignment.placed, ROOMS_PER_STATEMENT):
        taken += take_empty_rooms(
            session,
            [(room, by_case[case].start, by_case[case].origin) for case, room in chunk],
            now,
        )
    if taken != len(assignment.placed):
        raise FanjingError(Code.ROOMS_CHANGED, "有房间刚被占用或关闭：未安置任何人，请重试")
    rows = [
        {
            "case_id": case,
            "room_id": room,
            "start_date": by_case[case].start,
            "last_day": by_case[case].last_day,
            "origin": by_case[case].origin,
            "household": None,
            "placed_at": now,
            "placed_by": actor,
        }
        for case, room in assignment.placed
    ]
    try:
        insert_placements(session, rows)
    except IntegrityError:
        raise FanjingError(Code.ALREADY_PLACED, "有个案刚被安置：未安置任何人，请重试") from None
    # one staff action, one entry naming every placement (10,000 entries would cost more
    # than the placements themselves)
    record(
        session,
        actor=actor,
        at=now,
        action="site.assign_queue",
        entity="site_placement",
        entity_id=district or "all",
        after={"site_id": site_id, "placements": [list(pair) for pair in assignment.placed]},
    )
    session.expire_all()
    return assignment


ROOMS_PER_STATEMENT = 5_000  # 3 parameters a room: within SQLite's and PostgreSQL's limits


def _chunks(pairs: Sequence[tuple[int, int]], size: int) -> list[Sequence[tuple[int, int]]]:
    return [pairs[i : i + size] for i in range(0, len(pairs), size)]


def placement_snapshot(placement: PlacementRow) -> dict[str, Any]:
    """A placement as the audit log keeps it (no personal data: the case by its number)."""
    return {
        "case_id": placement.case_id,
        "room_id": placement.room_id,
        "start": placement.start_date.isoformat(),
        "last_day": placement.last_day.isoformat(),
        "household": placement.household,
        "ended_on": placement.ended_on.isoformat() if placement.ended_on else None,
        "end_kind": placement.end_kind,
        "end_reason": placement.end_reason,
    }
