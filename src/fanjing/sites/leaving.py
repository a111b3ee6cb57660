"""Leaving a site: checkout on the day observation ends, early release by CDC with a reason (the
community's measure ended early, through its service), and transfer to another site; each
frees the room for disinfection first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.community.measures import end_measure
from fanjing.community.store import CaseRow, measures_of
from fanjing.errors import Code, FanjingError, Where
from fanjing.sites.assignment import placement_snapshot, record_assignment, take_room
from fanjing.sites.core import Cohort
from fanjing.sites.placement_store import OBSERVATION
from fanjing.sites.room_store import free_room
from fanjing.sites.service import room_in_scope
from fanjing.sites.store import PlacementRow


@dataclass(frozen=True)
class Departure:
    """Who lets someone leave, on which day and at which moment, and how long the room they
    leave is then disinfected: the same for a checkout, an early release and a transfer."""

    actor: str
    today: date
    now: datetime
    disinfection: timedelta


def _end(
    session: Session, placement: PlacementRow, departure: Departure, kind: str, reason: str | None
) -> None:
    before = placement_snapshot(placement)
    now = departure.now
    placement.ended_at, placement.ended_on, placement.end_kind = now, departure.today, kind
    placement.end_reason, placement.ended_by = reason, departure.actor
    session.flush()
    free_room(session, placement.room_id, until=now + departure.disinfection)
    record(
        session,
        actor=departure.actor,
        at=now,
        action=f"site.{kind}",
        entity="site_placement",
        entity_id=placement.id,
        before=before,
        after=placement_snapshot(placement),
    )


def _observation_last_day(session: Session, case_id: int) -> tuple[int, date | None]:
    for row in measures_of(session, case_id):
        if row.kind == OBSERVATION:
            return row.id, row.to_core().last_day()
    raise FanjingError(Code.NOT_FOUND, f"个案 {case_id} 没有集中观察措施")


def check_out(*, session: Session, placement: PlacementRow, departure: Departure) -> PlacementRow:
    """Checkout on the day observation ends (its last day, as the case's measure now says) or
    later; the person goes on to health monitoring by their home community, whose worklist
    shows it starting the next day (the case's following measure)."""
    _, last_day = _observation_last_day(session, placement.case_id)
    if last_day is not None and departure.today < last_day:
        raise FanjingError(
            Code.OBSERVATION_NOT_OVER,
            f"集中观察至 {last_day} 结束，之前离开须由疾控提前解除（写明理由）",
        )
    _end(session, placement, departure, "checkout", None)
    return placement


def release_early(
    *, session: Session, placement: PlacementRow, reason: str, departure: Departure
) -> PlacementRow:
    """CDC releases someone before observation ends, saying why: the community's measure ends
    today (its service, audited there too) and the room is freed."""
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明提前解除的理由", Where(field="reason"))
    measure_id, _ = _observation_last_day(session, placement.case_id)
    case_row = session.get(CaseRow, placement.case_id)
    assert case_row is not None
    end_measure(
        session=session,
        case=case_row,
        measure_id=measure_id,
        day=departure.today,
        reason=f"集中观察提前解除：{reason.strip()}",
        actor=departure.actor,
        now=departure.now,
    )
    _end(session, placement, departure, "early_release", reason.strip())
    return placement


def transfer(
    *,
    session: Session,
    placement: PlacementRow,
    room_id: int,
    reason: str,
    departure: Departure,
) -> PlacementRow:
    """To a room of another (or the same) site, under the same rules; the old room is freed
    and disinfected. The new placement keeps the observation's days."""
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明转移理由", Where(field="reason"))
    room, _site = room_in_scope(session, room_id, None)
    if room.id == placement.room_id:
        raise FanjingError(Code.BAD_VALUE, "已在该房间", Where(field="room_id"))
    _end(session, placement, departure, "transfer", reason.strip())
    take_room(
        session,
        room,
        Cohort(placement.start_date, placement.origin, placement.household),
        departure.now,
    )
    moved = PlacementRow(
        case_id=placement.case_id,
        room_id=room.id,
        start_date=placement.start_date,
        last_day=placement.last_day,
        origin=placement.origin,
        household=placement.household,
        placed_at=departure.now,
        placed_by=departure.actor,
    )
    session.add(moved)
    session.flush()
    record_assignment(
        session, moved, actor=departure.actor, now=departure.now, moved_from=placement
    )
    return moved
