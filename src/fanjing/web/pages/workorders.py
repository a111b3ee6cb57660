"""The 12345 work orders' pages: the hotline opens an order from a call and closes it after
the call-back; the unit it went to (community, clinic, CDC) verifies, acts through the
existing services, responds and resolves; the district's supervision (administrators) sees
what is escalated. The reports and the citizen's page: ``workorders_reports``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import CHINA_STANDARD_TIME
from fanjing.errors import FanjingError
from fanjing.healthkit.popup_store import open_popups_on
from fanjing.healthkit.store import red_marks_in_force_on
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.places.gazetteer import Gazetteer
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.views import dose_views
from fanjing.web.deps import CipherDep, ClockDep, DbSession, GazetteerDep, RowId
from fanjing.web.errors import status_for
from fanjing.web.pages.session import Csrf, Posted, Visit, for_roles, render, require_page
from fanjing.workorders import service, views
from fanjing.workorders.core import CATEGORY_ZH, SATISFACTION_ZH, STATE_ZH, STEP_ZH
from fanjing.workorders.deadlines import builtin_deadlines

router = APIRouter(include_in_schema=False)
UNITS = (Role.COMMUNITY_WORKER, Role.CLINIC, Role.CDC)
Operator = Annotated[UserRow, Depends(require_page(Role.HOTLINE))]
UnitUser = Annotated[UserRow, Depends(require_page(*UNITS))]
Viewer = Annotated[UserRow, Depends(require_page(*UNITS, Role.ADMIN))]
District = Annotated[UserRow, Depends(require_page(Role.ADMIN))]
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=200)]
# texts the templates show through _() that come from here (the catalogue test reads them)
TEXTS = (
    *CATEGORY_ZH.values(),
    *STATE_ZH.values(),
    *STEP_ZH.values(),
    *SATISFACTION_ZH.values(),
    *views.ACTION_ZH.values(),
    *views.UNIT_ZH.values(),
)


@dataclass(frozen=True)
class WorkordersKit:
    """What the work orders' pages work with."""

    cipher: FieldCipher
    gazetteer: Gazetteer
    clock: Clock


async def _kit(cipher: CipherDep, gazetteer: GazetteerDep, clock: ClockDep) -> WorkordersKit:
    return WorkordersKit(cipher, gazetteer, clock)


Kit = Annotated[WorkordersKit, Depends(_kit)]


def when(moment: datetime | None) -> str:
    """A moment as people in Beijing read it."""
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M") if moment else ""


def orders_list(
    request: Request,
    session: Session,
    kit: WorkordersKit,
    user: UserRow,
    rows: list[Any],
    *,
    here: str,
    **more: Any,
) -> HTMLResponse:
    cipher, now = kit.cipher, kit.clock.now()
    list_role = None if user.role == Role.HOTLINE else user.role
    return render(
        request,
        "workorders_list.html",
        user=user,
        here=here,
        # lists mask every number: the hotline sees one in full on the order it calls back
        orders=[views.order_view(session, cipher, r, now=now, role=list_role) for r in rows],
        categories=CATEGORY_ZH,
        when=when,
        **more,
    )


@router.get("/hotline/workorders", response_class=HTMLResponse)
def hotline_orders(
    request: Request,
    session: DbSession,
    user: Operator,
    kit: Kit,
    caller_phone: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Every order, or a caller's (who calls again) by their number."""
    found = service.caller_hash(kit.cipher, caller_phone) if caller_phone else None
    rows = views.orders(session, caller_phone_hash=found)
    return orders_list(request, session, kit, user, rows, here="hotline", caller_phone=caller_phone)


@router.post("/hotline/workorders")
def hotline_open(
    request: Request,
    session: DbSession,
    user: Operator,
    kit: Kit,
    _csrf: Csrf,
    caller_name: Annotated[str, Form(max_length=50)],
    caller_phone: Annotated[str, Form(max_length=20)],
    category: Annotated[str, Form(max_length=30)],
    description: Text,
    address: Short = "",
    concerns_phone: Annotated[str, Form(max_length=20)] = "",
    faq_entry_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    clinic: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    call = service.Call(
        caller_name,
        caller_phone,
        category,
        description,
        address or None,
        concerns_phone or None,
        faq_entry_id,
        clinic or None,
    )
    try:
        order = service.open_order(
            session=session,
            cipher=kit.cipher,
            call=call,
            deadlines=builtin_deadlines(),
            parse_place=kit.gazetteer.parse,
            actor=user.name,
            now=kit.clock.now(),
        )
    except FanjingError as problem:
        session.rollback()  # the call as typed stays in the form, next to what to correct
        return orders_list(
            request,
            session,
            kit,
            user,
            views.orders(session),
            here="hotline",
            errs=problem.problems(),
            form=asdict(call),
            status_code=status_for(problem),
        )
    return RedirectResponse(f"/hotline/workorders/{order.id}", status_code=303)


def order_page(
    request: Request,
    session: Session,
    kit: WorkordersKit,
    user: UserRow,
    order_id: int,
    **more: Any,
) -> HTMLResponse:
    order = service.order_for(session, order_id, user)
    view = views.order_view(
        session,
        kit.cipher,
        order,
        now=kit.clock.now(),
        role=user.role,
    )
    return render(
        request,
        "workorders_order.html",
        user=user,
        order=view,
        satisfactions=SATISFACTION_ZH,
        when=when,
        **to_act_on(session, kit, user, view),
        **more,
    )


def to_act_on(
    session: Session, kit: WorkordersKit, user: UserRow, view: views.OrderView
) -> dict[str, Any]:
    """What the unit can act on for this order: the account's open pop-ups (community), the
    clinic's held records (clinic), the account's red marks in force (CDC)."""
    if user.role == Role.COMMUNITY_WORKER and view.account_id:
        return {"popups": open_popups_on(session, view.account_id)}
    if user.role == Role.CLINIC:
        held = dose_views(
            session,
            kit.cipher,
            builtin_products(),
            clinic_code=user.clinic,
            held_only=True,
            limit=50,
        )
        return {"held": held}
    if user.role == Role.CDC and view.account_id:
        return {"marks": red_marks_in_force_on(session, view.account_id)}
    return {}


@dataclass(frozen=True)
class OrderForm(Visit):
    """A form posted on a work order's page: about which order, and what it is done with."""

    kit: WorkordersKit
    order_id: int

    def handled(self, act: Callable[[], object]) -> Response:
        """Do ``act``, then back to the order; refused, the order again with the errors above
        its forms (nothing of the refused step kept)."""
        try:
            act()
        except FanjingError as problem:
            self.session.rollback()
            return order_page(
                self.request,
                self.session,
                self.kit,
                self.user,
                self.order_id,
                errs=problem.problems(),
                status_code=status_for(problem),
            )
        base = "/hotline/workorders" if self.user.role == Role.HOTLINE else "/workorders"
        return RedirectResponse(f"{base}/{self.order_id}", status_code=303)


async def _order_form(posted: Posted, kit: Kit, order_id: RowId) -> OrderForm:
    return OrderForm(posted.request, posted.session, posted.user, kit, order_id)


OperatorForm = Annotated[OrderForm, for_roles(_order_form, Role.HOTLINE)]
UnitForm = Annotated[OrderForm, for_roles(_order_form, *UNITS)]
WorkerForm = Annotated[OrderForm, for_roles(_order_form, Role.COMMUNITY_WORKER)]
ClinicForm = Annotated[OrderForm, for_roles(_order_form, Role.CLINIC)]
CdcForm = Annotated[OrderForm, for_roles(_order_form, Role.CDC)]


@router.get("/hotline/workorders/{order_id}", response_class=HTMLResponse)
def hotline_order(
    request: Request, session: DbSession, user: Operator, kit: Kit, order_id: RowId
) -> HTMLResponse:
    return order_page(request, session, kit, user, order_id)


@router.post("/hotline/workorders/{order_id}/close")
def hotline_close(
    form: OperatorForm,
    satisfaction: Annotated[str, Form(max_length=30)],
    note: Text = "",
) -> Response:
    return form.handled(
        lambda: service.close(
            session=form.session,
            order_id=form.order_id,
            satisfaction=satisfaction,
            note=note,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    )


@router.get("/workorders", response_class=HTMLResponse)
def unit_orders(request: Request, session: DbSession, user: UnitUser, kit: Kit) -> HTMLResponse:
    rows = views.orders(session, unit=service.unit_of(user))
    return orders_list(request, session, kit, user, rows, here="unit")


@router.get("/workorders/district", response_class=HTMLResponse)
def district_orders(
    request: Request,
    session: DbSession,
    user: District,
    kit: Kit,
    district: Annotated[str, Query(max_length=50)] = "",
) -> HTMLResponse:
    rows = views.escalated_orders(session, district or None)
    return orders_list(request, session, kit, user, rows, here="district", district=district)


@router.get("/workorders/{order_id}", response_class=HTMLResponse)
def unit_order(
    request: Request, session: DbSession, user: Viewer, kit: Kit, order_id: RowId
) -> HTMLResponse:
    return order_page(request, session, kit, user, order_id)
