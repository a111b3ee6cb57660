"""Observation sites over HTTP: CDC registers sites and rooms, marks household rooms, releases
early and transfers; CDC and a site's manager (their own site only) see the queue, assign,
record checks and tests, check out and read the capacity dashboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fanjing.community.follow_up import NucleicAcidResult
from fanjing.errors import Code, FanjingError
from fanjing.places.gazetteer import Gazetteer
from fanjing.settings import Settings
from fanjing.sites.assignment import assign_case, assign_district_queue
from fanjing.sites.daily import (
    current_placement,
    record_site_check,
    record_site_test,
    site_test_days,
)
from fanjing.sites.dashboard import Capacity, Resident, capacity_on, residents_on
from fanjing.sites.leaving import Departure, check_out, release_early, transfer
from fanjing.sites.queue import placement_queue
from fanjing.sites.schemas import (
    AssignBody,
    AssignmentRead,
    AssignQueueBody,
    CheckBody,
    HouseholdBody,
    PlacementRead,
    QueuedRead,
    ReasonBody,
    ResultBody,
    ResultRead,
    SiteCreate,
    SiteDetail,
    SiteRead,
    SiteStatusBody,
    TransferBody,
)
from fanjing.sites.service import (
    RoomSpec,
    mark_household_room,
    register_site,
    set_site_status,
    site_by_id,
    site_scope,
)
from fanjing.sites.store import PlacementRow, SiteRow, rooms_of_site, sites_in_order
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CipherDep,
    ClockDep,
    DbSession,
    GazetteerDep,
    PacksCacheDep,
    RowId,
    SettingsDep,
    require,
)

router = APIRouter(tags=["集中观察点"])
Cdc = Annotated[UserRow, Depends(require(Role.CDC))]
Staff = Annotated[UserRow, Depends(require(Role.CDC, Role.SITE_MANAGER))]


def place_name(gazetteer: Gazetteer) -> Callable[[str], str]:
    """A stay's standard name, for the cases' origins (the app's gazetteer)."""
    return lambda text: gazetteer.parse(text).name


def disinfection(settings: Settings) -> timedelta:
    return timedelta(hours=settings.site_disinfection_hours)


def own_site(session: Session, user: UserRow, site_id: int) -> SiteRow:
    """The site, if the user may see it: CDC any, a manager only theirs (404 for another's)."""
    scope = site_scope(session, user)
    if scope is not None and scope != site_id:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {site_id} 的观察点")
    return site_by_id(session, site_id)


@router.post("/api/v1/sites", response_model=SiteRead, status_code=201, summary="登记观察点")
def create_site(
    body: SiteCreate, session: DbSession, user: Cdc, gazetteer: GazetteerDep, clock: ClockDep
) -> SiteRow:
    return register_site(
        session=session,
        name=body.name,
        district=body.district,
        address=body.address,
        rooms=[RoomSpec(r.floor, r.number, r.capacity, r.household) for r in body.rooms],
        parse_place=gazetteer.parse,
        actor=user.name,
        now=clock.now(),
    )


@router.get("/api/v1/sites", response_model=list[SiteRead], summary="观察点")
def list_sites(session: DbSession, user: Staff) -> list[SiteRow]:
    scope = site_scope(session, user)
    return sites_in_order(session, scope)


@router.get("/api/v1/sites/{site_id}", response_model=SiteDetail, summary="观察点与房间")
def site_detail(site_id: RowId, session: DbSession, user: Staff) -> dict[str, Any]:
    site = own_site(session, user, site_id)
    rooms = rooms_of_site(session, site.id)
    return {**SiteRead.model_validate(site).model_dump(), "rooms": rooms}


@router.post("/api/v1/sites/{site_id}/status", response_model=SiteRead, summary="观察点状态")
def site_status(
    site_id: RowId, body: SiteStatusBody, session: DbSession, user: Staff, clock: ClockDep
) -> SiteRow:
    site = own_site(session, user, site_id)
    return set_site_status(
        session=session, site=site, status=body.status, actor=user.name, now=clock.now()
    )


@router.post("/api/v1/sites/rooms/{room_id}/household", summary="标记家庭房（疾控）")
def household_room(
    room_id: RowId, body: HouseholdBody, session: DbSession, user: Cdc, clock: ClockDep
) -> Any:
    room = mark_household_room(
        session=session,
        room_id=room_id,
        capacity=body.capacity,
        actor=user.name,
        now=clock.now(),
    )
    return {"id": room.id, "household": room.household, "capacity": room.capacity}


def _district(session: Session, user: UserRow, district: str | None) -> str | None:
    """A manager works on their site's district's queue; CDC on any (None: every district)."""
    scope = site_scope(session, user)
    return site_by_id(session, scope).district if scope is not None else district


@router.get("/api/v1/sites/queue/cases", response_model=list[QueuedRead], summary="待安置队列")
def queue(
    session: DbSession,
    user: Staff,
    gazetteer: GazetteerDep,
    clock: ClockDep,
    district: Annotated[str | None, Query(max_length=50)] = None,
) -> list[dict[str, Any]]:
    queued = placement_queue(
        session,
        today=clock.today(),
        place_name=place_name(gazetteer),
        district=_district(session, user, district),
    )
    return [{**asdict(q.case), "community": q.community} for q in queued]


@router.post("/api/v1/sites/queue/assign", response_model=AssignmentRead, summary="安置整个队列")
def assign_queue(
    body: AssignQueueBody,
    session: DbSession,
    user: Staff,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    assignment = assign_district_queue(
        session=session,
        district=_district(session, user, body.district),
        site_id=site_scope(session, user),
        place_name=place_name(gazetteer),
        actor=user.name,
        today=clock.today(),
        now=clock.now(),
    )
    return {
        "placed": len(assignment.placed),
        "waiting": len(assignment.waiting),
        "placements": [{"case_id": case, "room_id": room} for case, room in assignment.placed],
    }


@router.post(
    "/api/v1/sites/placements", response_model=PlacementRead, status_code=201, summary="安置"
)
def assign(
    body: AssignBody, session: DbSession, user: Staff, gazetteer: GazetteerDep, clock: ClockDep
) -> PlacementRow:
    return assign_case(
        session=session,
        case_id=body.case_id,
        room_id=body.room_id,
        household=body.household,
        site_id=site_scope(session, user),
        place_name=place_name(gazetteer),
        actor=user.name,
        today=clock.today(),
        now=clock.now(),
    )


@router.get("/api/v1/sites/{site_id}/residents", response_model=list[Resident], summary="在住人员")
def residents(
    site_id: RowId, session: DbSession, user: Staff, packs: PacksCacheDep, clock: ClockDep
) -> list[Resident]:
    site = own_site(session, user, site_id)
    today = clock.today()
    days = site_test_days(packs.get(), today)
    return residents_on(session, site_id=site.id, today=today, test_days=days)


@router.post("/api/v1/sites/placements/{placement_id}/checks", status_code=201, summary="体温症状")
def check(
    placement_id: RowId, body: CheckBody, session: DbSession, user: Staff, clock: ClockDep
) -> dict[str, Any]:
    placement = current_placement(session, placement_id, site_scope(session, user))
    row = record_site_check(
        session=session,
        placement=placement,
        day=body.day,
        slot=body.slot,
        temperature=body.temperature,
        symptoms=body.symptoms,
        actor=user.name,
        today=clock.today(),
        now=clock.now(),
    )
    return {"id": row.id, "day": row.check_date, "slot": row.slot}


@router.post(
    "/api/v1/sites/placements/{placement_id}/tests",
    response_model=ResultRead,
    status_code=201,
    summary="核酸结果",
)
def test_result(
    placement_id: RowId,
    body: ResultBody,
    session: DbSession,
    user: Staff,
    cipher: CipherDep,
    clock: ClockDep,
) -> dict[str, Any]:
    placement = current_placement(session, placement_id, site_scope(session, user))
    row = record_site_test(
        session=session,
        cipher=cipher,
        placement=placement,
        test=NucleicAcidResult(body.day, body.result),
        actor=user.name,
        today=clock.today(),
        now=clock.now(),
    )
    return {"id": row.id, "case_id": row.case_id, "day": row.test_date, "result": row.result}


@router.post(
    "/api/v1/sites/placements/{placement_id}/checkout",
    response_model=PlacementRead,
    summary="期满离开",
)
def checkout(
    placement_id: RowId, session: DbSession, user: Staff, settings: SettingsDep, clock: ClockDep
) -> PlacementRow:
    placement = current_placement(session, placement_id, site_scope(session, user))
    return check_out(
        session=session,
        placement=placement,
        departure=Departure(user.name, clock.today(), clock.now(), disinfection(settings)),
    )


@router.post(
    "/api/v1/sites/placements/{placement_id}/release",
    response_model=PlacementRead,
    summary="提前解除（疾控）",
)
def release(
    placement_id: RowId,
    body: ReasonBody,
    session: DbSession,
    user: Cdc,
    settings: SettingsDep,
    clock: ClockDep,
) -> PlacementRow:
    return release_early(
        session=session,
        placement=current_placement(session, placement_id, None),
        reason=body.reason,
        departure=Departure(user.name, clock.today(), clock.now(), disinfection(settings)),
    )


@router.post(
    "/api/v1/sites/placements/{placement_id}/transfer",
    response_model=PlacementRead,
    summary="转移到其他观察点（疾控）",
)
def move(
    placement_id: RowId,
    body: TransferBody,
    session: DbSession,
    user: Cdc,
    settings: SettingsDep,
    clock: ClockDep,
) -> PlacementRow:
    return transfer(
        session=session,
        placement=current_placement(session, placement_id, None),
        room_id=body.room_id,
        reason=body.reason,
        departure=Departure(user.name, clock.today(), clock.now(), disinfection(settings)),
    )


@router.get("/api/v1/sites/capacity/overview", response_model=Capacity, summary="容量概览")
def capacity(session: DbSession, user: Staff, gazetteer: GazetteerDep, clock: ClockDep) -> Capacity:
    return capacity_on(
        session,
        today=clock.today(),
        now=clock.now(),
        place_name=place_name(gazetteer),
        site_id=site_scope(session, user),
    )
