"""CDC's risk-area pages: the areas in force on a day and the changes between days, importing a
day's list and reading its report (confirming lifts held back), designating, lifting (with an
undo) and reopening."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import day_of
from fanjing.errors import Code, FanjingError
from fanjing.infra.metrics import RISK_IMPORTS
from fanjing.places import imports, lookup, service, store
from fanjing.places.followers import publish
from fanjing.places.store import DesignationRow, RegistryImportRow
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    DbSession,
    RowId,
)
from fanjing.web.pages.cdc import (
    DESIGNATED,
    LEVEL_OF_AREA_ZH,
    LIFTED,
    LIFTS_CONFIRMED,
    MAX_UPLOAD_BYTES,
    ORIGIN_ZH,
    REOPENED,
    CdcKit,
    DayText,
    Kit,
    Viewer,
    Writer,
    day_or,
    flash_next,
    take_flash,
    text_of,
)
from fanjing.web.pages.session import Csrf, render

router = APIRouter(include_in_schema=False)
UNDO = "cdc_undo"  # the designation just lifted, which the next page offers to reopen


def _publish(session: Session, kit: CdcKit, opened: tuple[int, ...] = ()) -> None:
    publish(
        session=session,
        followers=kit.followers,
        opened_ids=opened,
        today=kit.clock.today(),
        now=kit.clock.now(),
        registry=kit.registry,
    )


def _areas_refused(
    request: Request, session: Session, kit: CdcKit, user: UserRow, **context: Any
) -> HTMLResponse:
    """The areas page as of today again, with a form's errors (422)."""
    today = kit.clock.today()
    return _areas_page(
        request,
        session,
        user,
        wanted=store.AreaFilter(day=today),
        first=today - timedelta(days=7),
        second=today,
        status_code=422,
        **context,
    )


def _areas_page(
    request: Request,
    session: Session,
    user: UserRow,
    *,
    wanted: store.AreaFilter,
    first: date,
    second: date,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    imports = store.recent_imports(session)
    day = wanted.day
    context.setdefault("form", {"level": "medium", "area": "", "from": day.isoformat(), "to": ""})
    listed = store.designations_matching(session, wanted)
    return render(
        request,
        "cdc_areas.html",
        user=user,
        status_code=status_code,
        day=day,
        first=first,
        second=second,
        wanted=wanted,
        listed=listed,
        page_links=_page_links(wanted, listed, first, second),
        provinces=store.provinces_designated(session),
        diff=lookup.diff(session, first, second),
        imports=imports,
        level_zh=LEVEL_OF_AREA_ZH,
        origin_zh=ORIGIN_ZH,
        flash=take_flash(request),
        undo=request.session.pop(UNDO, None),
        **context,
    )


def _page_links(
    wanted: store.AreaFilter, listed: store.AreaPage, first: date, second: date
) -> list[tuple[int, str]]:
    """Each page of the list as (number, link), keeping the filter and the compared days."""
    query = {
        "day": wanted.day.isoformat(),
        "state": "in_force" if wanted.in_force else "all",
        "level": wanted.level or "",
        "province": wanted.province or "",
        "q": wanted.text,
        "first": first.isoformat(),
        "second": second.isoformat(),
    }
    return [
        (number, "/cdc/areas?" + urlencode({**query, "page": number}))
        for number in range(1, listed.pages + 1)
    ]


@router.get("/cdc/areas", response_class=HTMLResponse)
def areas(
    request: Request,
    session: DbSession,
    user: Viewer,
    kit: Kit,
    day: DayText = "",
    first: DayText = "",
    second: DayText = "",
    q: Annotated[str, Query(max_length=100)] = "",
    level: Annotated[str, Query(max_length=10)] = "",
    province: Annotated[str, Query(max_length=50)] = "",
    state: Annotated[str, Query(max_length=10)] = "in_force",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The areas in force on ``day`` (every designation with ``state=all``), filtered by
    level, province and a text in the name, 50 a page; an unknown filter value is ignored."""
    on = day_or(day, kit.clock.today(), "day")
    later = day_or(second, on, "second")
    earlier = day_or(first, later - timedelta(days=7), "first")
    wanted = store.AreaFilter(
        day=on,
        in_force=state != "all",
        level=level if level in LEVEL_OF_AREA_ZH else None,
        province=province or None,
        text=q,
        page=page,
    )
    return _areas_page(request, session, user, wanted=wanted, first=earlier, second=later)


@router.post("/cdc/areas/import", response_class=HTMLResponse)
async def import_list(
    request: Request,
    session: DbSession,
    user: Writer,
    _csrf: Csrf,
    kit: Kit,
    text: Annotated[str, Form(max_length=MAX_UPLOAD_BYTES)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
    list_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        content, file_name = await text_of(text, upload)
        if not content.strip():
            raise FanjingError(Code.EMPTY_FILE, "请粘贴名单或选择文件")
        report = imports.import_risk_file(
            session=session,
            text=content,
            file=file_name or "网页粘贴",
            parse_place=kit.gazetteer.parse,
            actor=user.name,
            now=kit.clock.now(),
            list_date=day_of(list_date, "date") if list_date.strip() else None,
            followers=kit.followers,
        )
    except FanjingError as problem:
        session.rollback()
        RISK_IMPORTS.labels("refused").inc()
        return _areas_refused(
            request,
            session,
            kit,
            user,
            import_errors=problem.problems(),
            import_text=text,
        )
    RISK_IMPORTS.labels("lifts_held" if report.lifts_held else "imported").inc()
    _publish(session, kit, report.opened_ids)
    return RedirectResponse(f"/cdc/areas/imports/{report.import_id}", status_code=303)


@router.get("/cdc/areas/imports/{import_id}", response_class=HTMLResponse)
def import_report(import_id: RowId, request: Request, session: DbSession, user: Viewer) -> Response:
    return _import_page(request, session, user, import_id)


def _import_page(
    request: Request,
    session: DbSession,
    user: UserRow,
    import_id: int,
    confirm_errors: list[FanjingError] | None = None,
) -> Response:
    row = session.get(RegistryImportRow, import_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {import_id} 的导入记录")
    return render(
        request,
        "cdc_import.html",
        status_code=409 if confirm_errors else 200,
        user=user,
        row=row,
        report=row.report,
        level_zh=LEVEL_OF_AREA_ZH,
        can_confirm=user.role == Role.CDC,
        confirm_errors=confirm_errors or [],
        flash=take_flash(request),
    )


@router.post("/cdc/areas/imports/{import_id}/confirm-lifts", response_class=HTMLResponse)
def confirm_lifts(
    import_id: RowId, request: Request, session: DbSession, user: Writer, _csrf: Csrf, kit: Kit
) -> Response:
    try:
        report = imports.confirm_held_lifts(
            session=session,
            import_id=import_id,
            actor=user.name,
            now=kit.clock.now(),
            followers=kit.followers,
        )
    except FanjingError as problem:
        session.rollback()
        return _import_page(request, session, user, import_id, confirm_errors=problem.problems())
    _publish(session, kit)
    flash_next(request, LIFTS_CONFIRMED, n=str(len(report.held)))
    return RedirectResponse(f"/cdc/areas/imports/{import_id}", status_code=303)


@router.post("/cdc/areas/designate", response_class=HTMLResponse)
def designate(
    request: Request,
    session: DbSession,
    user: Writer,
    _csrf: Csrf,
    kit: Kit,
    level: Annotated[str, Form(max_length=10)] = "",
    area: Annotated[str, Form(max_length=200)] = "",
    from_: Annotated[str, Form(alias="from", max_length=10)] = "",
    to: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        if not area.strip():
            raise FanjingError(Code.MISSING_FIELD, "请填写地区")
        row = service.designate(
            session=session,
            level=level,
            area=area.strip(),
            start=day_of(from_, "from"),
            end=day_of(to, "to") if to.strip() else None,
            parse_place=kit.gazetteer.parse,
            actor=user.name,
            now=kit.clock.now(),
        )
    except FanjingError as problem:
        session.rollback()
        return _areas_refused(
            request,
            session,
            kit,
            user,
            designate_errors=problem.problems(),
            form={"level": level, "area": area, "from": from_, "to": to},
        )
    _publish(session, kit, (row.id,))
    flash_next(
        request,
        DESIGNATED,
        level=LEVEL_OF_AREA_ZH[row.level],
        area=row.area_name,
        day=row.from_date.isoformat(),
    )
    return RedirectResponse(f"/cdc/areas?day={row.from_date.isoformat()}", status_code=303)


@router.post("/cdc/areas/{designation_id}/lift", response_class=HTMLResponse)
def lift(
    designation_id: RowId,
    request: Request,
    session: DbSession,
    user: Writer,
    _csrf: Csrf,
    kit: Kit,
    to: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    row = session.get(DesignationRow, designation_id)
    name = row.area_name if row else str(designation_id)
    try:
        lifted = service.lift(
            session=session,
            designation_id=designation_id,
            last_day=day_of(to, "to"),
            actor=user.name,
            now=kit.clock.now(),
            followers=kit.followers,
        )
    except FanjingError as problem:
        session.rollback()
        return _areas_refused(
            request,
            session,
            kit,
            user,
            lift_errors=problem.problems(),
        )
    last = lifted.to_date.isoformat() if lifted.to_date else to
    _publish(session, kit)
    flash_next(request, LIFTED, area=name, day=last)
    if lifted.to_date:  # a withdrawal (lifted before it began) deletes the row: no undo
        request.session[UNDO] = designation_id
    return RedirectResponse("/cdc/areas", status_code=303)


@router.get("/cdc/areas/{designation_id}/lift", response_class=HTMLResponse)
def confirm_lift(
    designation_id: RowId,
    request: Request,
    session: DbSession,
    user: Writer,
    kit: Kit,
    to: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Lifting changes who may enter: the page says what it does and asks once more."""
    row = session.get(DesignationRow, designation_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {designation_id} 的风险地区")
    try:
        last = day_of(to, "to")
    except FanjingError as problem:
        return _areas_refused(request, session, kit, user, lift_errors=problem.problems())
    return render(
        request,
        "cdc_lift.html",
        user=user,
        row=row,
        last=last,
        next_day=last + timedelta(days=1),
        level_zh=LEVEL_OF_AREA_ZH,
    )


@router.post("/cdc/areas/{designation_id}/reopen", response_class=HTMLResponse)
def reopen(
    designation_id: RowId,
    request: Request,
    session: DbSession,
    user: Writer,
    _csrf: Csrf,
    kit: Kit,
) -> Response:
    try:
        row = service.reopen(
            session=session, designation_id=designation_id, actor=user.name, now=kit.clock.now()
        )
    except FanjingError as problem:
        session.rollback()
        return _areas_refused(request, session, kit, user, lift_errors=problem.problems())
    _publish(session, kit)
    flash_next(request, REOPENED, area=row.area_name)
    return RedirectResponse("/cdc/areas", status_code=303)
