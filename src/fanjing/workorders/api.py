"""Work orders over HTTP: the hotline opens and closes them; the unit an order is dispatched
to (a community's workers, a clinic, CDC) reads, handles and resolves its own; the district's
supervision (administrators) sees what is escalated; the hotline and administrators read the
reports; a citizen sees their own orders in the health kit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.vaccination.service import Identity
from fanjing.web.deps import CipherDep, ClockDep, DbSession, GazetteerDep, RowId, require
from fanjing.workorders import actions, service, views
from fanjing.workorders.deadlines import builtin_deadlines
from fanjing.workorders.reports import Report, report, report_days, report_xlsx
from fanjing.workorders.schemas import (
    CloseBody,
    DoseIdentityBody,
    OrderCreate,
    PopupsClearBody,
    RedMarkLiftBody,
    ReportFormat,
    TextBody,
)
from fanjing.workorders.views import CitizenOrder, OrderView

router = APIRouter(tags=["12345 工单"])
UNITS = (Role.COMMUNITY_WORKER, Role.CLINIC, Role.CDC)
Hotline = Annotated[UserRow, Depends(require(Role.HOTLINE))]
Unit = Annotated[UserRow, Depends(require(*UNITS))]
Reader = Annotated[UserRow, Depends(require(Role.HOTLINE, Role.ADMIN, *UNITS))]
District = Annotated[UserRow, Depends(require(Role.ADMIN))]
Reporter = Annotated[UserRow, Depends(require(Role.HOTLINE, Role.ADMIN))]
Citizen = Annotated[UserRow, Depends(require(Role.CITIZEN))]
CommunityWorker = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER))]
Clinic = Annotated[UserRow, Depends(require(Role.CLINIC))]
Cdc = Annotated[UserRow, Depends(require(Role.CDC))]
States = Annotated[list[str] | None, Query(max_length=6, description="状态，可多个")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read(
    session: DbSession, cipher: FieldCipher, clock: Clock, order_id: int, user: UserRow
) -> OrderView:
    """The order as ``user`` may see it: a unit only its own; the hotline with the number."""
    order = service.order_for(session, order_id, user)
    return views.order_view(
        session,
        cipher,
        order,
        now=clock.now(),
        role=user.role,
    )


@dataclass(frozen=True)
class OrderKit:
    """What a route on one order (the one in its path) acts on it and reads it back with."""

    order_id: int
    session: Session
    cipher: FieldCipher
    clock: Clock

    def read(self, user: UserRow) -> OrderView:
        return read(self.session, self.cipher, self.clock, self.order_id, user)


async def _order_kit(
    order_id: RowId, session: DbSession, cipher: CipherDep, clock: ClockDep
) -> OrderKit:
    return OrderKit(order_id, session, cipher, clock)


Kit = Annotated[OrderKit, Depends(_order_kit)]


@router.post(
    "/api/v1/workorders",
    response_model=OrderView,
    status_code=201,
    summary="受理来电，开工单并派单",
)
def open_order(
    body: OrderCreate,
    session: DbSession,
    user: Hotline,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> OrderView:
    order = service.open_order(
        session=session,
        cipher=cipher,
        call=service.Call(**body.model_dump()),
        deadlines=builtin_deadlines(),
        parse_place=gazetteer.parse,
        actor=user.name,
        now=clock.now(),
    )
    return read(session, cipher, clock, order.id, user)


@router.get(
    "/api/v1/workorders", response_model=list[OrderView], summary="工单（承办单位：本单位的）"
)
def list_orders(
    session: DbSession,
    user: Reader,
    cipher: CipherDep,
    clock: ClockDep,
    state: States = None,
    caller_phone: Annotated[
        str | None, Query(max_length=20, description="来电号码（热线：同一来电人的工单）")
    ] = None,
) -> list[OrderView]:
    now = clock.now()
    rows = views.orders(
        session,
        unit=service.unit_of(user),
        states=state or (),
        caller_phone_hash=service.caller_hash(cipher, caller_phone) if caller_phone else None,
    )
    return [views.order_view(session, cipher, r, now=now, role=user.role) for r in rows]


@router.get(
    "/api/v1/workorders/escalated",
    response_model=list[OrderView],
    summary="超时督办的工单（区级督办：管理员）",
)
def escalated(
    session: DbSession,
    user: District,
    cipher: CipherDep,
    clock: ClockDep,
    district: Annotated[str | None, Query(max_length=50)] = None,
) -> list[OrderView]:
    now = clock.now()
    return [
        views.order_view(session, cipher, r, now=now, role=user.role)
        for r in views.escalated_orders(session, district)
    ]


@router.get(
    "/api/v1/workorders/report",
    response_model=Report,
    summary="统计：每日各类工单、响应与办结时长（中位数、P90）、超时清单；format=xlsx 导出 Excel",
)
def order_report(
    session: DbSession,
    user: Reporter,
    clock: ClockDep,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    format: ReportFormat = "json",
) -> Any:
    now = clock.now()
    found = report(session, **report_days(first, last, now=now), now=now)
    return report_download(found) if format == "xlsx" else found


def report_download(found: Report) -> Response:
    """The report as an Excel file to save (API and page)."""
    name = f"workorders-{found.first_day.isoformat()}-{found.last_day.isoformat()}.xlsx"
    return Response(
        report_xlsx(found),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/v1/workorders/{order_id}", response_model=OrderView, summary="一张工单")
def one(kit: Kit, user: Reader) -> OrderView:
    return kit.read(user)


@router.post(
    "/api/v1/workorders/{order_id}/respond",
    response_model=OrderView,
    summary="承办单位响应（已核实）",
)
def respond(kit: Kit, body: TextBody, user: Unit) -> OrderView:
    service.respond(
        session=kit.session, order_id=kit.order_id, user=user, text=body.text, now=kit.clock.now()
    )
    return kit.read(user)


@router.post(
    "/api/v1/workorders/{order_id}/resolve", response_model=OrderView, summary="承办单位办结答复"
)
def resolve(kit: Kit, body: TextBody, user: Unit) -> OrderView:
    service.resolve(
        session=kit.session, order_id=kit.order_id, user=user, text=body.text, now=kit.clock.now()
    )
    return kit.read(user)


@router.post(
    "/api/v1/workorders/{order_id}/close",
    response_model=OrderView,
    summary="热线回访结单（满意度）",
)
def close(kit: Kit, body: CloseBody, user: Hotline) -> OrderView:
    service.close(
        session=kit.session,
        order_id=kit.order_id,
        satisfaction=body.satisfaction,
        note=body.note,
        actor=user.name,
        now=kit.clock.now(),
    )
    return kit.read(user)


@router.post(
    "/api/v1/workorders/{order_id}/popups/clear",
    response_model=OrderView,
    summary="社区：清除工单所涉账户的弹窗（写明理由）",
)
def clear_popups(kit: Kit, body: PopupsClearBody, user: CommunityWorker) -> OrderView:
    actions.clear_order_popups(
        session=kit.session,
        order_id=kit.order_id,
        user=user,
        city=body.city,
        reason=body.reason,
        today=kit.clock.today(),
        now=kit.clock.now(),
    )
    return kit.read(user)


@router.post(
    "/api/v1/workorders/{order_id}/dose-identity",
    response_model=OrderView,
    summary="接种门诊：更正本门诊接种记录的身份信息",
)
def correct_dose(kit: Kit, body: DoseIdentityBody, user: Clinic) -> OrderView:
    document = read_document(
        body.document_kind, body.document_number, today=kit.clock.today(), field="document_number"
    )
    actions.correct_order_dose(
        session=kit.session,
        cipher=kit.cipher,
        order_id=kit.order_id,
        user=user,
        dose_id=body.dose_id,
        identity=Identity(body.name, document),
        reason=body.reason,
        now=kit.clock.now(),
    )
    return kit.read(user)


@router.post(
    "/api/v1/workorders/{order_id}/red-marks/lift",
    response_model=OrderView,
    summary="疾控：解除工单所涉账户的红码标记",
)
def lift_red_mark(kit: Kit, body: RedMarkLiftBody, user: Cdc) -> OrderView:
    actions.lift_order_red_mark(
        session=kit.session,
        order_id=kit.order_id,
        user=user,
        mark_id=body.mark_id,
        reason=body.reason,
        today=kit.clock.today(),
        now=kit.clock.now(),
    )
    return kit.read(user)


@router.get(
    "/api/v1/healthkit/workorders",
    response_model=list[CitizenOrder],
    summary="本人的 12345 工单及其办理状态",
)
def my_orders(session: DbSession, user: Citizen) -> list[CitizenOrder]:
    return [views.citizen_order(session, row) for row in views.orders_of_citizen(session, user.id)]
