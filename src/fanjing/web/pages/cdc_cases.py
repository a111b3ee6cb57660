"""CDC's case pages: any community's cases (masked), a measure extended or shortened, a case
lifted, and the red marks of confirmed cases and close contacts — what the API already
offers CDC, as pages. Each action takes a reason and is audited by its service."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import day_of
from fanjing.common.identity import DocumentKind, mask_document, mask_name, read_document
from fanjing.community.core import KIND_ZH
from fanjing.community.measures import adjust_measure, lift_contact
from fanjing.community.reading import case_read, community_cases, measure_days
from fanjing.community.service import case_in_community
from fanjing.community.store import CaseMeasureRow, open_cases_by_community
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.status import RED_KINDS, lift_red, mark_red
from fanjing.healthkit.store import open_red_marks_with_accounts
from fanjing.users.store import UserRow
from fanjing.web.deps import DbSession, RowId
from fanjing.web.pages.cdc import CdcForm, CdcKit, Kit, Viewer, WriterForm, take_flash
from fanjing.web.pages.session import render

router = APIRouter(include_in_schema=False)

ADJUSTED = "已调整：{kind} 至 {day}"
ADJUSTED_OPEN = "已调整：{kind} 另行通知"
CASE_LIFTED = "已解除个案 {id}"
MARKED = "已赋红码：{kind}"
MARK_LIFTED = "已解除红码标记 {id}"
DOCUMENT_ZH = {kind.value: kind.label_zh for kind in DocumentKind}
# texts the templates show through _() that come from here (the catalogue test reads them)
TEXTS = (
    ADJUSTED,
    ADJUSTED_OPEN,
    CASE_LIFTED,
    MARKED,
    MARK_LIFTED,
    *RED_KINDS.values(),
    *DOCUMENT_ZH.values(),
)


# ---------------------------------------------------------------- cases


@router.get("/cdc/cases", response_class=HTMLResponse)
def cases(
    request: Request,
    session: DbSession,
    user: Viewer,
    kit: Kit,
    community: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    communities = open_cases_by_community(session)
    chosen = community or (communities[0][0] if communities else "")
    rows = (
        community_cases(session, kit.cipher, community=chosen, status="open", reveal=False)
        if chosen
        else []
    )
    return render(
        request,
        "cdc_cases.html",
        user=user,
        communities=communities,
        chosen=chosen,
        cases=rows,
        flash=take_flash(request),
    )


def _case_page(
    request: Request,
    session: Session,
    kit: CdcKit,
    user: UserRow,
    case_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    case = case_in_community(session, case_id, None)
    read = case_read(session, case, kit.cipher, False)
    today = kit.clock.today()
    read["measures"] = [measure_days(measure, today) for measure in read["measures"]]
    return render(
        request,
        "cdc_case.html",
        user=user,
        status_code=status_code,
        case=read,
        kind_zh=KIND_ZH,
        flash=take_flash(request),
        **context,
    )


@router.get("/cdc/cases/{case_id}", response_class=HTMLResponse)
def case(
    case_id: RowId, request: Request, session: DbSession, user: Viewer, kit: Kit
) -> HTMLResponse:
    return _case_page(request, session, kit, user, case_id)


def _case_refused(form: CdcForm, case_id: int, failed: str, problem: FanjingError) -> HTMLResponse:
    """A form on the case's page refused: nothing of it kept, the page again with its errors
    by the form that ``failed``."""
    form.session.rollback()
    return _case_page(
        form.request,
        form.session,
        form.kit,
        form.user,
        case_id,
        status_code=422,
        failed=failed,
        errors=problem.problems(),
    )


@router.post("/cdc/cases/{case_id}/measures/{measure_id}/adjust", response_class=HTMLResponse)
def adjust(
    case_id: RowId,
    measure_id: RowId,
    form: WriterForm,
    last_day: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """A measure's new last day (empty: until further notice), with the reason."""
    row = form.session.get(CaseMeasureRow, measure_id)
    if row is None or row.case_id != case_id:
        raise FanjingError(Code.NOT_FOUND, f"个案 {case_id} 没有编号为 {measure_id} 的措施")
    try:
        last = day_of(last_day, "last_day") if last_day.strip() else None
        adjust_measure(
            session=form.session,
            measure_id=measure_id,
            end=last + timedelta(days=1) if last else None,  # the service's end is exclusive
            reason=reason,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        return _case_refused(form, case_id, f"adjust-{measure_id}", problem)
    kind = KIND_ZH.get(row.kind, row.kind)
    if last:
        form.flash_next(ADJUSTED, kind=kind, day=last.isoformat())
    else:
        form.flash_next(ADJUSTED_OPEN, kind=kind)
    return RedirectResponse(f"/cdc/cases/{case_id}", status_code=303)


@router.post("/cdc/cases/{case_id}/lift", response_class=HTMLResponse)
def lift(
    case_id: RowId,
    form: WriterForm,
    day: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """The case's measures end on ``day`` and it closes (its group's closed loop with it)."""
    try:
        lift_contact(
            session=form.session,
            case=case_in_community(form.session, case_id, None),
            day=day_of(day, "day") if day.strip() else form.kit.clock.today(),
            reason=reason,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        if problem.code == "not_found":
            raise
        return _case_refused(form, case_id, "lift", problem)
    form.flash_next(CASE_LIFTED, id=str(case_id))
    return RedirectResponse(f"/cdc/cases/{case_id}", status_code=303)


# ---------------------------------------------------------------- red marks


def _marks(session: Session, cipher: Any) -> list[dict[str, Any]]:
    """Open red marks, newest first, with whose account (masked: CDC needs no more here)."""
    return [
        {
            "id": mark.id,
            "person": mask_name(cipher.decrypt(account.name_encrypted)),
            "document": mask_document(cipher.decrypt(account.document_encrypted)),
            "kind": mark.kind,
            "reason": mark.reason,
            "marked_on": mark.marked_on,
            "marked_by": mark.marked_by,
        }
        for mark, account in open_red_marks_with_accounts(session)
    ]


def _marks_page(
    request: Request,
    session: Session,
    kit: CdcKit,
    user: UserRow,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("form", {"document_kind": "resident_id", "kind": "close_contact"})
    return render(
        request,
        "cdc_red_marks.html",
        user=user,
        status_code=status_code,
        marks=_marks(session, kit.cipher),
        red_kinds=RED_KINDS,
        document_kinds=DOCUMENT_ZH,
        flash=take_flash(request),
        **context,
    )


def _marks_refused(form: CdcForm, problem: FanjingError, /, **context: Any) -> HTMLResponse:
    """A form on the red marks' page refused: nothing of it kept, the page again with its
    errors."""
    form.session.rollback()
    return _marks_page(
        form.request,
        form.session,
        form.kit,
        form.user,
        status_code=422,
        errors=problem.problems(),
        **context,
    )


@router.get("/cdc/red-marks", response_class=HTMLResponse)
def red_marks(request: Request, session: DbSession, user: Viewer, kit: Kit) -> HTMLResponse:
    return _marks_page(request, session, kit, user)


@router.post("/cdc/red-marks", response_class=HTMLResponse)
def mark(
    form: WriterForm,
    document_kind: Annotated[str, Form(max_length=20)] = "resident_id",
    document_number: Annotated[str, Form(max_length=30)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    today = form.kit.clock.today()
    try:
        document = read_document(
            document_kind, document_number, today=today, field="document_number"
        )
        mark_red(
            session=form.session,
            cipher=form.kit.cipher,
            document=document,
            kind=kind,
            reason=reason,
            actor=form.user.name,
            today=today,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        # the number typed is not shown back: the form asks for it again
        typed = {"document_kind": document_kind, "kind": kind, "reason": reason}
        return _marks_refused(form, problem, form=typed)
    form.flash_next(MARKED, kind=RED_KINDS[kind])
    return RedirectResponse("/cdc/red-marks", status_code=303)


@router.post("/cdc/red-marks/{mark_id}/lift", response_class=HTMLResponse)
def lift_mark(
    mark_id: RowId,
    form: WriterForm,
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        lift_red(
            session=form.session,
            mark_id=mark_id,
            reason=reason,
            actor=form.user.name,
            today=form.kit.clock.today(),
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        if problem.code == "not_found":
            raise
        return _marks_refused(form, problem, failed=mark_id)
    form.flash_next(MARK_LIFTED, id=str(mark_id))
    return RedirectResponse("/cdc/red-marks", status_code=303)
