"""A site's day, for CDC and the site's manager: its rooms and who is in them, the morning and
afternoon checks, the nucleic acid tests due on the pack's days, escalations, checkout; CDC
also marks household rooms, releases early (with a reason) and transfers to another site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.audit.cache import RevisionCache
from fanjing.common.days import day_of
from fanjing.community.follow_up import NucleicAcidResult
from fanjing.errors import Code, FanjingError
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.policy.core.pack import Pack
from fanjing.sites.api import disinfection, own_site
from fanjing.sites.assignment import rooms_with_space
from fanjing.sites.core import CHECK_SLOT_ZH, SITE_STATUS_ZH
from fanjing.sites.daily import (
    current_placement,
    record_site_check,
    record_site_test,
    site_test_days,
)
from fanjing.sites.dashboard import residents_on
from fanjing.sites.leaving import Departure, check_out, release_early, transfer
from fanjing.sites.service import mark_household_room, room_in_scope
from fanjing.sites.store import PlacementRow, rooms_of_site
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import CipherDep, ClockDep, DbSession, PacksCacheDep, RowId, SettingsDep
from fanjing.web.pages.session import Posted, Visit, for_roles, render, stamp
from fanjing.web.pages.sites import RESULT_ZH, Staff, done, flash_of

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class _Kit:
    """What a site's page and its forms work with."""

    clock: Clock
    cipher: FieldCipher
    packs: RevisionCache[list[Pack]]
    disinfection: timedelta


async def _kit(
    clock: ClockDep, cipher: CipherDep, packs: PacksCacheDep, settings: SettingsDep
) -> _Kit:
    return _Kit(clock, cipher, packs, disinfection(settings))


Kit = Annotated[_Kit, Depends(_kit)]


def _site_page(
    request: Request,
    session: Session,
    kit: _Kit,
    user: UserRow,
    site_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    site = own_site(session, user, site_id)
    today = kit.clock.today()
    now = kit.clock.now()
    rooms = rooms_of_site(session, site.id)
    days = site_test_days(kit.packs.get(), today)
    return render(
        request,
        "sites_site.html",
        user=user,
        status_code=status_code,
        here="site",
        site=site,
        rooms=[(room, room.to_core(site).in_disinfection(now)) for room in rooms],
        residents=residents_on(session, site_id=site.id, today=today, test_days=days),
        test_days=days,
        targets=rooms_with_space(session, now),
        slot_zh=CHECK_SLOT_ZH,
        result_zh=RESULT_ZH,
        status_zh=SITE_STATUS_ZH,
        flash=flash_of(request),
        **context,
    )


@router.get("/sites/{site_id}", response_class=HTMLResponse)
def site_page(
    site_id: RowId, request: Request, session: DbSession, user: Staff, kit: Kit
) -> Response:
    return _site_page(request, session, kit, user, site_id)


@dataclass(frozen=True)
class _SiteForm(Visit):
    """A form posted on a site's page: about which site, and what it is done with."""

    kit: _Kit
    site_id: int

    def own_placement(self, placement_id: int) -> PlacementRow:
        """The placement, once the site is the user's to see."""
        own_site(self.session, self.user, self.site_id)
        return self.placement(placement_id)

    def placement(self, placement_id: int) -> PlacementRow:
        return current_placement(self.session, placement_id, self.site_id)

    def act(self, action: Callable[[], tuple[str, dict[str, object]]]) -> Response:
        """Run the form's action (what it did, for the note), then back to the site; a refusal
        is shown on the site's page."""
        try:
            what, fields = action()
        except FanjingError as problem:
            self.session.rollback()
            return _site_page(
                self.request,
                self.session,
                self.kit,
                self.user,
                self.site_id,
                status_code=422,
                errors=problem.problems(),
            )
        done(self.request, what, **fields)
        return RedirectResponse(f"/sites/{self.site_id}", status_code=303)


async def _site_form(site_id: RowId, posted: Posted, kit: Kit) -> _SiteForm:
    return _SiteForm(posted.request, posted.session, posted.user, kit, site_id)


StaffForm = Annotated[_SiteForm, for_roles(_site_form, Role.CDC, Role.SITE_MANAGER)]
CdcForm = Annotated[_SiteForm, for_roles(_site_form, Role.CDC)]


@router.post("/sites/{site_id}/placements/{placement_id}/checks", response_class=HTMLResponse)
def check(
    placement_id: RowId,
    form: StaffForm,
    slot: Annotated[str, Form(max_length=10)] = "",
    temperature: Annotated[str, Form(max_length=10)] = "",
    symptoms: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    def action() -> tuple[str, dict[str, object]]:
        record_site_check(
            session=form.session,
            placement=form.own_placement(placement_id),
            day=form.kit.clock.today(),
            slot=slot,
            temperature=temperature,
            symptoms=[s for s in symptoms.replace("，", ",").split(",") if s.strip()],
            **stamp(form.user, form.kit.clock),
        )
        return "checked", {}

    return form.act(action)


@router.post("/sites/{site_id}/placements/{placement_id}/tests", response_class=HTMLResponse)
def test_result(
    placement_id: RowId,
    form: StaffForm,
    day: Annotated[str, Form(max_length=10)] = "",
    result: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def action() -> tuple[str, dict[str, object]]:
        record_site_test(
            session=form.session,
            cipher=form.kit.cipher,
            placement=form.own_placement(placement_id),
            test=NucleicAcidResult(day_of(day, "day") if day else form.kit.clock.today(), result),
            **stamp(form.user, form.kit.clock),
        )
        return ("positive" if result == "positive" else "tested"), {}

    return form.act(action)


@router.post("/sites/{site_id}/placements/{placement_id}/checkout", response_class=HTMLResponse)
def checkout(placement_id: RowId, form: StaffForm) -> Response:
    def action() -> tuple[str, dict[str, object]]:
        check_out(
            session=form.session,
            placement=form.own_placement(placement_id),
            departure=Departure(
                disinfection=form.kit.disinfection, **stamp(form.user, form.kit.clock)
            ),
        )
        return "checked_out", {}

    return form.act(action)


@router.post("/sites/{site_id}/placements/{placement_id}/release", response_class=HTMLResponse)
def release(
    placement_id: RowId,
    form: CdcForm,
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    def action() -> tuple[str, dict[str, object]]:
        release_early(
            session=form.session,
            placement=form.placement(placement_id),
            reason=reason,
            departure=Departure(
                disinfection=form.kit.disinfection, **stamp(form.user, form.kit.clock)
            ),
        )
        return "released", {}

    return form.act(action)


@router.post("/sites/{site_id}/placements/{placement_id}/transfer", response_class=HTMLResponse)
def move(
    placement_id: RowId,
    form: CdcForm,
    room_id: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    def action() -> tuple[str, dict[str, object]]:
        if not room_id.isdigit():
            raise FanjingError(Code.MISSING_FIELD, "请选择转入的房间")
        placement = transfer(
            session=form.session,
            placement=form.placement(placement_id),
            room_id=int(room_id),
            reason=reason,
            departure=Departure(
                disinfection=form.kit.disinfection, **stamp(form.user, form.kit.clock)
            ),
        )
        return "moved", {"room": placement.room_id}

    return form.act(action)


@router.post("/sites/{site_id}/rooms/{room_id}/household", response_class=HTMLResponse)
def household(
    room_id: RowId,
    form: CdcForm,
    capacity: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    def action() -> tuple[str, dict[str, object]]:
        room_in_scope(form.session, room_id, form.site_id)
        if not capacity.isdigit():
            raise FanjingError(Code.BAD_VALUE, "家庭房容量应为数字")
        mark_household_room(
            session=form.session,
            room_id=room_id,
            capacity=int(capacity),
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
        return "household", {"capacity": capacity}

    return form.act(action)
