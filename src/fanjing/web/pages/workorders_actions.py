"""What a unit does with a 12345 work order as pages: respond, resolve, and the actions the order
asks for through the existing services (clear pop-ups, correct a dose's identity, lift a red
mark); each back to the order's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fanjing.common.identity import read_document
from fanjing.vaccination.service import Identity
from fanjing.web.deps import DbSession, RowId
from fanjing.web.pages.session import Csrf
from fanjing.web.pages.workorders import (
    CdcUser,
    ClinicUser,
    Kit,
    Short,
    Text,
    UnitUser,
    Worker,
    handled,
)
from fanjing.workorders import actions, service

router = APIRouter(include_in_schema=False)


@router.post("/workorders/{order_id}/respond")
def unit_respond(
    request: Request,
    session: DbSession,
    user: UnitUser,
    kit: Kit,
    _csrf: Csrf,
    order_id: RowId,
    text: Text,
) -> Response:
    return handled(
        request,
        session,
        kit,
        user,
        order_id,
        lambda: service.respond(
            session=session, order_id=order_id, user=user, text=text, now=kit.clock.now()
        ),
    )


@router.post("/workorders/{order_id}/resolve")
def unit_resolve(
    request: Request,
    session: DbSession,
    user: UnitUser,
    kit: Kit,
    _csrf: Csrf,
    order_id: RowId,
    text: Text,
) -> Response:
    return handled(
        request,
        session,
        kit,
        user,
        order_id,
        lambda: service.resolve(
            session=session, order_id=order_id, user=user, text=text, now=kit.clock.now()
        ),
    )


@router.post("/workorders/{order_id}/popups/clear")
def unit_clear_popups(
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    _csrf: Csrf,
    order_id: RowId,
    reason: Short,
) -> Response:
    return handled(
        request,
        session,
        kit,
        user,
        order_id,
        lambda: actions.clear_order_popups(
            session=session,
            order_id=order_id,
            user=user,
            city=None,
            reason=reason,
            today=kit.clock.today(),
            now=kit.clock.now(),
        ),
    )


@router.post("/workorders/{order_id}/dose-identity")
def unit_correct_dose(
    request: Request,
    session: DbSession,
    user: ClinicUser,
    kit: Kit,
    _csrf: Csrf,
    order_id: RowId,
    dose_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    name: Annotated[str, Form(max_length=50)],
    document_number: Annotated[str, Form(max_length=30)],
    reason: Short,
    document_kind: Annotated[str, Form(max_length=20)] = "resident_id",
) -> Response:
    def correct() -> None:
        document = read_document(
            document_kind, document_number.strip(), today=kit.clock.today(), field="document_number"
        )
        actions.correct_order_dose(
            session=session,
            cipher=kit.cipher,
            order_id=order_id,
            user=user,
            dose_id=dose_id,
            identity=Identity(name.strip(), document),
            reason=reason,
            now=kit.clock.now(),
        )

    return handled(request, session, kit, user, order_id, correct)


@router.post("/workorders/{order_id}/red-marks/lift")
def unit_lift_red(
    request: Request,
    session: DbSession,
    user: CdcUser,
    kit: Kit,
    _csrf: Csrf,
    order_id: RowId,
    mark_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    reason: Short,
) -> Response:
    return handled(
        request,
        session,
        kit,
        user,
        order_id,
        lambda: actions.lift_order_red_mark(
            session=session,
            order_id=order_id,
            user=user,
            mark_id=mark_id,
            reason=reason,
            today=kit.clock.today(),
            now=kit.clock.now(),
        ),
    )
