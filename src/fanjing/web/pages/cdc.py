"""CDC's pages: the dashboard (charts drawn server-side), the risk areas (in force on a day,
changes between days, importing a day's list and reading its report, designating and
lifting) and the policy packs (upload as a draft, preview what changes, approve). CDC staff
write; administrators may look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.audit.cache import RevisionCache
from fanjing.common.days import day_of
from fanjing.common.identity import mask_name
from fanjing.community.core import KIND_ZH
from fanjing.community.dashboard import (
    LEVEL_ZH,
    LEVELS,
    arrivals_by_level,
    followed_by_community,
)
from fanjing.community.reevaluate import Preview, approve_and_publish, preview_pack
from fanjing.community.store import ArrivalReportRow, CaseRow
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.popups import publish_designations
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.metrics import RISK_IMPORTS
from fanjing.places import lookup, service
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.places.store import DesignationRow, RegistryImportRow
from fanjing.policy.packstore import load_pack_in_time, store_pack
from fanjing.policy.store import PolicyPackRow
from fanjing.settings import Settings
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CheckerDep,
    CipherDep,
    ClockDep,
    DbSession,
    GazetteerDep,
    PacksCacheDep,
    RegistryCacheDep,
    RowId,
    SettingsDep,
)
from fanjing.web.pages.charts import grouped_bars, stacked_columns
from fanjing.web.pages.session import Csrf, render, require_page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[UserRow, Depends(require_page(Role.CDC, Role.ADMIN))]
Writer = Annotated[UserRow, Depends(require_page(Role.CDC))]  # writes are CDC's, as in the API
DayText = Annotated[str, Query(max_length=10)]

LEVEL_OF_AREA_ZH = {"high": "高风险", "medium": "中风险", "cases": "有病例"}
ORIGIN_ZH = {"national_list": "全国名单", "csv": "CSV", "manual": "疾控指定"}
FOLLOWED_ZH = {"observation": "集中或居家观察", "monitoring": "健康监测"}
WHAT_ZH = {"added": "新增", "removed": "取消", "changed": "改变"}
STATUS_ZH = {"draft": "草稿（待批准）", "approved": "已批准", "withdrawn": "已撤回"}
DASHBOARD_DAYS = 14
MAX_UPLOAD_BYTES = 512 * 1024
FLASH = "cdc_flash"
DESIGNATED = "已指定：{level} {area}（{day} 起）"
LIFTED = "已解除：{area}（最后一天 {day}）"
UPLOADED = "已存为草稿：{pack} {version}，请预览后批准"
LIFTS_CONFIRMED = "已确认解除暂缓的 {n} 个地区"
REOPENED = "已撤销解除：{area} 重新生效"
UNDO = "cdc_undo"  # the designation just lifted, which the next page offers to reopen
# texts the templates show through _() that come from here (the catalogue test reads them)
TEXTS = (
    DESIGNATED,
    LIFTED,
    UPLOADED,
    LIFTS_CONFIRMED,
    REOPENED,
    *LEVEL_OF_AREA_ZH.values(),
    *ORIGIN_ZH.values(),
    *FOLLOWED_ZH.values(),
    *WHAT_ZH.values(),
    *STATUS_ZH.values(),
    *LEVEL_ZH.values(),
    *KIND_ZH.values(),
)


def _day(text: str, default: date, field: str) -> date:
    return day_of(text, field) if text.strip() else default


def flash_next(request: Request, text: str, **fields: str) -> None:
    """A message for the next page: its Chinese text (translated there) and its fields."""
    request.session[FLASH] = {"text": text, "fields": fields}


def take_flash(request: Request) -> dict[str, Any] | None:
    message = request.session.pop(FLASH, None)
    return message if isinstance(message, dict) else None


@dataclass(frozen=True)
class _Kit:
    """What CDC's pages are drawn and changed with."""

    settings: Settings
    cipher: FieldCipher
    gazetteer: Gazetteer
    registry: RevisionCache[Registry]
    clock: Clock


def _kit(
    settings: SettingsDep,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    registry: RegistryCacheDep,
    clock: ClockDep,
) -> _Kit:
    return _Kit(settings, cipher, gazetteer, registry, clock)


Kit = Annotated[_Kit, Depends(_kit)]


def _publish(session: Session, kit: _Kit, opened: tuple[int, ...] = ()) -> None:
    publish_designations(
        session=session,
        designation_ids=opened,
        today=kit.clock.today(),
        now=kit.clock.now(),
        registry=kit.registry,
    )


async def _text_of(text: str, upload: UploadFile | None) -> tuple[str, str | None]:
    """The form's text, or the uploaded file's (UTF-8, a BOM allowed) when one was chosen."""
    if upload is not None and upload.filename:
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise FanjingError(Code.PAYLOAD_TOO_LARGE, "文件不能超过 512 KB")
        try:
            return content.decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError:
            raise FanjingError(Code.BAD_ENCODING, "文件应为 UTF-8 编码的文本") from None
    return text, None


# ---------------------------------------------------------------- dashboard


@router.get("/cdc", response_class=HTMLResponse)
def dashboard(
    request: Request, session: DbSession, user: Viewer, kit: Kit, day: DayText = ""
) -> Response:
    on = _day(day, kit.clock.today(), "day")
    first = on - timedelta(days=DASHBOARD_DAYS - 1)
    arrivals = arrivals_by_level(session, first, on)
    followed = followed_by_community(session, on)
    arrivals_chart = stacked_columns(
        [(d.day.isoformat(), d.day.strftime("%m-%d"), d.counts) for d in arrivals], LEVELS
    )
    followed_chart = grouped_bars(
        [
            (c.community, {"observation": c.observation, "monitoring": c.monitoring})
            for c in followed
        ],
        tuple(FOLLOWED_ZH),
    )
    return render(
        request,
        "cdc_dashboard.html",
        user=user,
        day=on,
        first=first,
        arrivals=arrivals,
        arrivals_chart=arrivals_chart,
        followed=followed,
        followed_chart=followed_chart,
        levels=LEVELS,
        level_zh=LEVEL_ZH,
        followed_zh=FOLLOWED_ZH,
        total_arrivals=sum(d.total for d in arrivals),
    )


# ---------------------------------------------------------------- risk areas


def _areas_refused(
    request: Request, session: Session, kit: _Kit, user: UserRow, **context: Any
) -> HTMLResponse:
    """The areas page as of today again, with a form's errors (422)."""
    today = kit.clock.today()
    return _areas_page(
        request,
        session,
        user,
        wanted=lookup.AreaFilter(day=today),
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
    wanted: lookup.AreaFilter,
    first: date,
    second: date,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    imports = session.scalars(
        select(RegistryImportRow).order_by(RegistryImportRow.id.desc()).limit(10)
    ).all()
    day = wanted.day
    context.setdefault("form", {"level": "medium", "area": "", "from": day.isoformat(), "to": ""})
    listed = lookup.designations_matching(session, wanted)
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
        provinces=lookup.provinces_designated(session),
        diff=lookup.diff(session, first, second),
        imports=imports,
        level_zh=LEVEL_OF_AREA_ZH,
        origin_zh=ORIGIN_ZH,
        flash=take_flash(request),
        undo=request.session.pop(UNDO, None),
        **context,
    )


def _page_links(
    wanted: lookup.AreaFilter, listed: lookup.AreaPage, first: date, second: date
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
    on = _day(day, kit.clock.today(), "day")
    later = _day(second, on, "second")
    earlier = _day(first, later - timedelta(days=7), "first")
    wanted = lookup.AreaFilter(
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
        content, file_name = await _text_of(text, upload)
        if not content.strip():
            raise FanjingError(Code.EMPTY_FILE, "请粘贴名单或选择文件")
        report = service.import_risk_file(
            session=session,
            text=content,
            file=file_name or "网页粘贴",
            parse_place=kit.gazetteer.parse,
            actor=user.name,
            now=kit.clock.now(),
            list_date=day_of(list_date, "date") if list_date.strip() else None,
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
        report = service.confirm_held_lifts(
            session=session, import_id=import_id, actor=user.name, now=kit.clock.now()
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


# ---------------------------------------------------------------- policy packs


def _packs_page(
    request: Request, session: Session, user: UserRow, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    packs = session.scalars(select(PolicyPackRow).order_by(PolicyPackRow.id.desc())).all()
    return render(
        request,
        "cdc_packs.html",
        user=user,
        status_code=status_code,
        packs=packs,
        status_zh=STATUS_ZH,
        flash=take_flash(request),
        **context,
    )


@router.get("/cdc/packs", response_class=HTMLResponse)
def packs(request: Request, session: DbSession, user: Viewer) -> Response:
    return _packs_page(request, session, user)


@router.post("/cdc/packs", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: DbSession,
    user: Writer,
    _csrf: Csrf,
    kit: Kit,
    text: Annotated[str, Form(max_length=MAX_UPLOAD_BYTES)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        content, file_name = await _text_of(text, upload)
        if not content.strip():
            raise FanjingError(Code.EMPTY_FILE, "请粘贴政策包或选择文件")
        file = file_name or "网页粘贴.yaml"
        pack = await load_pack_in_time(content, file=file)
        row = await run_in_threadpool(
            store_pack,
            session=session,
            pack=pack,
            text=content,
            file=file,
            actor=user.name,
            now=kit.clock.now(),
        )
    except FanjingError as problem:
        session.rollback()
        return _packs_page(
            request, session, user, status_code=422, errors=problem.problems(), text=text
        )
    session.commit()
    flash_next(request, UPLOADED, pack=row.pack_id, version=row.version)
    return RedirectResponse(f"/cdc/packs/{row.id}", status_code=303)


def _changes(session: Session, preview: Preview) -> list[dict[str, Any]]:
    """Each changed case with who it is (community, masked name) and its measures' changes."""
    ids = [change.case_id for change in preview.changes]
    who = {
        case_id: (community, name)
        for case_id, community, name in session.execute(
            select(CaseRow.id, CaseRow.community, ArrivalReportRow.name_encrypted)
            .join(ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id)
            .where(CaseRow.id.in_(ids))
        )
    }
    return [
        {
            "case_id": change.case_id,
            "community": who.get(change.case_id, ("", ""))[0],
            "name": who.get(change.case_id, ("", ""))[1],
            "changes": change.changes,
        }
        for change in preview.changes
    ]


@router.get("/cdc/packs/{pack_row_id}", response_class=HTMLResponse)
def pack(
    pack_row_id: RowId,
    request: Request,
    session: DbSession,
    user: Viewer,
    kit: Kit,
    checker: CheckerDep,
) -> Response:
    row = session.get(PolicyPackRow, pack_row_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {pack_row_id} 的政策包")
    preview = (
        preview_pack(
            session=session,
            checker=checker,
            row_id=row.id,
            dask_scheduler=kit.settings.dask_scheduler,
        )
        if row.status == "draft"
        else None
    )
    return _pack_page(request, session, kit, user, row, preview)


def _pack_page(
    request: Request,
    session: Session,
    kit: _Kit,
    user: UserRow,
    row: PolicyPackRow,
    preview: Preview | None,
    *,
    approved: bool = False,
    approve_errors: list[FanjingError] | None = None,
) -> HTMLResponse:
    cipher = kit.cipher
    changes = _changes(session, preview) if preview else []
    for change in changes:
        change["name"] = mask_name(cipher.decrypt(change["name"])) if change["name"] else ""
    return render(
        request,
        "cdc_pack.html",
        user=user,
        row=row,
        preview=preview,
        changes=changes,
        approved=approved,
        approve_errors=approve_errors or [],
        kind_zh=KIND_ZH,
        what_zh=WHAT_ZH,
        status_zh=STATUS_ZH,
        flash=take_flash(request),
    )


@router.post("/cdc/packs/{pack_row_id}/approve", response_class=HTMLResponse)
def approve(
    pack_row_id: RowId,
    request: Request,
    session: DbSession,
    user: Writer,
    _csrf: Csrf,
    kit: Kit,
    confirm: Annotated[str, Form(max_length=3)] = "",
    *,
    checker: CheckerDep,
    pack_cache: PacksCacheDep,
) -> Response:
    """Approving changes every open case and who may enter: with the box ticked, by another
    CDC member than the uploader (four eyes, refused in ``approve_pack``)."""
    try:
        if confirm != "yes":
            raise FanjingError(Code.NOT_CONFIRMED, "请先勾选“我已看过预览，确认批准”")
        applied = approve_and_publish(
            session=session,
            checker=checker,
            row_id=pack_row_id,
            actor=user.name,
            now=kit.clock.now(),
            packs=pack_cache,
            dask_scheduler=kit.settings.dask_scheduler,
        )
    except FanjingError as problem:
        if problem.code == "not_found":
            raise
        session.rollback()
        row = session.get_one(PolicyPackRow, pack_row_id)
        preview = (
            preview_pack(
                session=session,
                checker=checker,
                row_id=row.id,
                dask_scheduler=kit.settings.dask_scheduler,
            )
            if row.status == "draft"
            else None
        )
        page = _pack_page(
            request, session, kit, user, row, preview, approve_errors=problem.problems()
        )
        page.status_code = {"same_approver": 403, "not_confirmed": 422}.get(problem.code, 409)
        return page
    return _pack_page(request, session, kit, user, applied.pack, applied, approved=True)
