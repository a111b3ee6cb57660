"""What a unit does with a 12345 work order as pages: respond, resolve, and the actions the order
asks for through the existing services (clear pop-ups, correct a dose's identity, lift a red
mark); each back to the order's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from fanjing.common.identity import read_document
from fanjing.vaccination.service import Identity
from fanjing.web.pages.workorders import (
    CdcForm,
    ClinicForm,
    Short,
    Text,
    UnitForm,
    WorkerForm,
)
from fanjing.workorders import actions, service

router = APIRouter(include_in_schema=False)


@router.post("/workorders/{order_id}/respond")
def unit_respond(form: UnitForm, text: Text) -> Response:
    return form.handled(
        lambda: service.respond(
            session=form.session,
            order_id=form.order_id,
            user=form.user,
            text=text,
            now=form.kit.clock.now(),
        )
    )


@router.post("/workorders/{order_id}/resolve")
def unit_resolve(form: UnitForm, text: Text) -> Response:
    return form.handled(
        lambda: service.resolve(
            session=form.session,
            order_id=form.order_id,
            user=form.user,
            text=text,
            now=form.kit.clock.now(),
        )
    )


@router.post("/workorders/{order_id}/popups/clear")
def unit_clear_popups(form: WorkerForm, reason: Short) -> Response:
    return form.handled(
        lambda: actions.clear_order_popups(
            session=form.session,
            order_id=form.order_id,
            user=form.user,
            city=None,
            reason=reason,
            today=form.kit.clock.today(),
            now=form.kit.clock.now(),
        )
    )


@router.post("/workorders/{order_id}/dose-identity")
def unit_correct_dose(
    form: ClinicForm,
    dose_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    name: Annotated[str, Form(max_length=50)],
    document_number: Annotated[str, Form(max_length=30)],
    reason: Short,
    document_kind: Annotated[str, Form(max_length=20)] = "resident_id",
) -> Response:
    def correct() -> None:
        document = read_document(
            document_kind,
            document_number.strip(),
            today=form.kit.clock.today(),
            field="document_number",
        )
        actions.correct_order_dose(
            session=form.session,
            cipher=form.kit.cipher,
            order_id=form.order_id,
            user=form.user,
            dose_id=dose_id,
            identity=Identity(name.strip(), document),
            reason=reason,
            now=form.kit.clock.now(),
        )

    return form.handled(correct)


@router.post("/workorders/{order_id}/red-marks/lift")
def unit_lift_red(
    form: CdcForm,
    mark_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    reason: Short,
) -> Response:
    return form.handled(
        lambda: actions.lift_order_red_mark(
            session=form.session,
            order_id=form.order_id,
            user=form.user,
            mark_id=mark_id,
            reason=reason,
            today=form.kit.clock.today(),
            now=form.kit.clock.now(),
        )
    )
