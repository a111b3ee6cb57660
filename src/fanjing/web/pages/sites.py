"""The observation sites' pages, for CDC and a site's manager (their own site): the capacity
dashboard (chart and table) with CDC's form for a new site, the placement queue with one-at-a-time
and whole-queue assignment, and a site's day (rooms, residents, checks, tests, checkout; CDC
also marks household rooms, releases early and transfers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanjing.errors import Code, FanjingError
from fanjing.infra.clock import Clock
from fanjing.places.gazetteer import Gazetteer
from fanjing.sites.api import place_name
from fanjing.sites.assignment import assign_case, assign_district_queue, rooms_with_space
from fanjing.sites.core import CHECK_SLOT_ZH, SITE_STATUS_ZH
from fanjing.sites.dashboard import capacity_on
from fanjing.sites.queue import placement_queue
from fanjing.sites.service import RoomSpec, register_site, site_scope
from fanjing.sites.store import SiteRow
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import ClockDep, GazetteerDep, RowId
from fanjing.web.pages.charts import grouped_bars, stacked_columns
from fanjing.web.pages.session import (
    Posted,
    Visit,
    Visited,
    for_roles,
    render,
    require_page,
    stamp,
)

router = APIRouter(include_in_schema=False)
Staff = Annotated[UserRow, Depends(require_page(Role.CDC, Role.SITE_MANAGER))]
FLASH = "sites_flash"
LOAD_ZH = {"occupied": "已入住", "free_rooms": "空房", "in_disinfection": "消毒中"}
RESULT_ZH = {"negative": "阴性", "positive": "阳性", "pending": "待出结果"}
DONE_ZH = {
    "registered": "观察点已登记",
    "assigned": "已安置：个案 {case} 入住房间 {room}",
    "queue": "已安置 {placed} 人，仍在等待 {waiting} 人",
    "household": "房间已标记为家庭房（{capacity} 人）",
    "checked": "已登记检测",
    "tested": "已登记核酸结果",
    "positive": "核酸阳性：已上报疾控，同住和相邻房间的人已标记",
    "checked_out": "已办理离开，转回社区健康监测",
    "released": "已提前解除并离开",
    "moved": "已转移到房间 {room}",
}
# texts the templates show through _() that come from here (the catalogue test reads them)
TEXTS = (
    *LOAD_ZH.values(),
    *RESULT_ZH.values(),
    *DONE_ZH.values(),
    *SITE_STATUS_ZH.values(),
    *CHECK_SLOT_ZH.values(),
)


@dataclass(frozen=True)
class _Kit:
    """What the sites' pages are drawn with."""

    clock: Clock
    gazetteer: Gazetteer


async def _kit(clock: ClockDep, gazetteer: GazetteerDep) -> _Kit:
    return _Kit(clock, gazetteer)


Kit = Annotated[_Kit, Depends(_kit)]


@dataclass(frozen=True)
class _SitesPage(Visit):
    """The sites' dashboard or queue asked for, or a form on it posted, with what they are
    drawn with."""

    kit: _Kit


async def _sites_page(visit: Visited, kit: Kit) -> _SitesPage:
    return _SitesPage(visit.request, visit.session, visit.user, kit)


async def _sites_form(posted: Posted, kit: Kit) -> _SitesPage:
    return _SitesPage(posted.request, posted.session, posted.user, kit)


StaffPage = Annotated[_SitesPage, for_roles(_sites_page, Role.CDC, Role.SITE_MANAGER)]
StaffForm = Annotated[_SitesPage, for_roles(_sites_form, Role.CDC, Role.SITE_MANAGER)]
CdcForm = Annotated[_SitesPage, for_roles(_sites_form, Role.CDC)]


def done(request: Request, key: str, **fields: object) -> None:
    request.session[FLASH] = {
        "text": DONE_ZH[key],
        "fields": {k: str(v) for k, v in fields.items()},
    }


def flash_of(request: Request) -> dict[str, Any] | None:
    message = request.session.pop(FLASH, None)
    return message if isinstance(message, dict) else None


def _dashboard(page: _SitesPage, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    request, session, kit, user = page.request, page.session, page.kit, page.user
    figures = capacity_on(
        session,
        today=kit.clock.today(),
        now=kit.clock.now(),
        place_name=place_name(kit.gazetteer),
        site_id=site_scope(session, user),
    )
    load_chart = grouped_bars(
        [
            (
                s.name,
                {
                    "occupied": s.occupied,
                    "free_rooms": s.free_rooms,
                    "in_disinfection": s.in_disinfection,
                },
            )
            for s in figures.sites
        ],
        list(LOAD_ZH),
    )
    districts = sorted(figures.arrivals)
    arrivals_chart = stacked_columns(
        [
            (
                day.isoformat(),
                f"{day.month}/{day.day}",
                {d: figures.arrivals[d][i] for d in districts},
            )
            for i, day in enumerate(figures.days)
        ],
        districts,
    )
    return render(
        request,
        "sites_dashboard.html",
        user=user,
        status_code=status_code,
        here="dashboard",
        figures=figures,
        load_chart=load_chart,
        arrivals_chart=arrivals_chart,
        districts=districts,
        load_zh=LOAD_ZH,
        status_zh=SITE_STATUS_ZH,
        flash=flash_of(request),
        form=context.pop("form", {}),
        **context,
    )


@router.get("/sites", response_class=HTMLResponse)
def dashboard(page: StaffPage) -> Response:
    return _dashboard(page)


@router.post("/sites", response_class=HTMLResponse)
def register(
    form: CdcForm,
    name: Annotated[str, Form(max_length=200)] = "",
    district: Annotated[str, Form(max_length=50)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    floors: Annotated[str, Form(max_length=3)] = "1",
    per_floor: Annotated[str, Form(max_length=3)] = "10",
) -> Response:
    typed = {
        "name": name,
        "district": district,
        "address": address,
        "floors": floors,
        "per_floor": per_floor,
    }
    try:
        if not (
            floors.isdigit()
            and per_floor.isdigit()
            and 0 < int(floors) <= 50
            and 0 < int(per_floor) <= 100
        ):
            raise FanjingError(Code.BAD_VALUE, "楼层数 1–50、每层房间数 1–100")
        rooms = [
            RoomSpec(f, n) for f in range(1, int(floors) + 1) for n in range(1, int(per_floor) + 1)
        ]
        register_site(
            session=form.session,
            name=name,
            district=district,
            address=address,
            rooms=rooms,
            parse_place=form.kit.gazetteer.parse,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        form.session.rollback()
        return _dashboard(form, status_code=422, site_errors=problem.problems(), form=typed)
    done(form.request, "registered")
    return RedirectResponse("/sites", status_code=303)


def _queue_page(page: _SitesPage, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    request, session, kit, user = page.request, page.session, page.kit, page.user
    scope = site_scope(session, user)
    district = request.query_params.get("district") or None
    if scope is not None:
        district = session.get(SiteRow, scope).district  # type: ignore[union-attr]
    queued = placement_queue(
        session, today=kit.clock.today(), place_name=place_name(kit.gazetteer), district=district
    )
    rooms = rooms_with_space(session, kit.clock.now(), scope)
    return render(
        request,
        "sites_queue.html",
        user=user,
        status_code=status_code,
        here="queue",
        queued=queued,
        rooms=rooms,
        district=district or "",
        flash=flash_of(request),
        **context,
    )


def _queue_refused(form: _SitesPage, problem: FanjingError, **context: Any) -> HTMLResponse:
    """An assignment refused: nothing of it kept, the queue again with its errors (409)."""
    form.session.rollback()
    return _queue_page(form, status_code=409, errors=problem.problems(), **context)


@router.get("/sites/queue", response_class=HTMLResponse)
def queue(page: StaffPage) -> Response:
    return _queue_page(page)


@router.post("/sites/queue/assign", response_class=HTMLResponse)
def assign_all(
    form: StaffForm,
    district: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    scope = site_scope(form.session, form.user)
    try:
        assignment = assign_district_queue(
            session=form.session,
            district=None if scope is not None else (district or None),
            site_id=scope,
            place_name=place_name(form.kit.gazetteer),
            **stamp(form.user, form.kit.clock),
        )
    except FanjingError as problem:
        return _queue_refused(form, problem)
    done(form.request, "queue", placed=len(assignment.placed), waiting=len(assignment.waiting))
    return RedirectResponse("/sites/queue", status_code=303)


@router.post("/sites/queue/{case_id}/assign", response_class=HTMLResponse)
def assign_one(
    case_id: RowId,
    form: StaffForm,
    room_id: Annotated[str, Form(max_length=12)] = "",
    household: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        if not room_id.isdigit():
            raise FanjingError(Code.MISSING_FIELD, "请选择房间")
        placement = assign_case(
            session=form.session,
            case_id=case_id,
            room_id=int(room_id),
            household=household,
            site_id=site_scope(form.session, form.user),
            place_name=place_name(form.kit.gazetteer),
            **stamp(form.user, form.kit.clock),
        )
    except FanjingError as problem:
        return _queue_refused(form, problem, failed=case_id)
    done(form.request, "assigned", case=placement.case_id, room=placement.room_id)
    return RedirectResponse("/sites/queue", status_code=303)
