"""CDC's policy-pack pages: upload a pack as a draft, preview what it would change in the open
cases, approve it (another CDC member than the uploader). Administrators may look."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.identity import mask_name
from fanjing.community.core import KIND_ZH
from fanjing.community.reevaluate import Preview, approve_and_publish, preview_pack
from fanjing.community.store import community_and_name_of_cases
from fanjing.errors import Code, FanjingError
from fanjing.policy.packstore import load_pack_in_time, store_pack
from fanjing.policy.service import Checker
from fanjing.policy.store import PolicyPackRow, packs_newest_first
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CheckerDep,
    DbSession,
    PacksCacheDep,
    RowId,
)
from fanjing.web.pages.cdc import (
    MAX_UPLOAD_BYTES,
    STATUS_ZH,
    UPLOADED,
    WHAT_ZH,
    CdcKit,
    Kit,
    Viewer,
    WriterForm,
    take_flash,
    text_of,
)
from fanjing.web.pages.session import render

router = APIRouter(include_in_schema=False)


def _packs_page(
    request: Request, session: Session, user: UserRow, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    packs = packs_newest_first(session)
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
    form: WriterForm,
    text: Annotated[str, Form(max_length=MAX_UPLOAD_BYTES)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        content, file_name = await text_of(text, upload)
        if not content.strip():
            raise FanjingError(Code.EMPTY_FILE, "请粘贴政策包或选择文件")
        file = file_name or "网页粘贴.yaml"
        pack = await load_pack_in_time(content, file=file)
        row = await run_in_threadpool(
            store_pack,
            session=form.session,
            pack=pack,
            text=content,
            file=file,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        form.session.rollback()
        return _packs_page(
            form.request,
            form.session,
            form.user,
            status_code=422,
            errors=problem.problems(),
            text=text,
        )
    form.session.commit()
    form.flash_next(UPLOADED, pack=row.pack_id, version=row.version)
    return RedirectResponse(f"/cdc/packs/{row.id}", status_code=303)


def _changes(session: Session, preview: Preview) -> list[dict[str, Any]]:
    """Each changed case with who it is (community, masked name) and its measures' changes."""
    ids = [change.case_id for change in preview.changes]
    who = community_and_name_of_cases(session, ids)
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
    return _pack_page(request, session, kit, user, row, _preview(session, kit, checker, row))


def _preview(session: Session, kit: CdcKit, checker: Checker, row: PolicyPackRow) -> Preview | None:
    """What approving the pack would change, while it is a draft."""
    if row.status != "draft":
        return None
    return preview_pack(
        session=session, checker=checker, row_id=row.id, dask_scheduler=kit.settings.dask_scheduler
    )


def _pack_page(
    request: Request,
    session: Session,
    kit: CdcKit,
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
    form: WriterForm,
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
            session=form.session,
            checker=checker,
            row_id=pack_row_id,
            actor=form.user.name,
            now=form.kit.clock.now(),
            packs=pack_cache,
            dask_scheduler=form.kit.settings.dask_scheduler,
        )
    except FanjingError as problem:
        if problem.code == "not_found":
            raise
        form.session.rollback()
        row = form.session.get_one(PolicyPackRow, pack_row_id)
        page = _pack_page(
            form.request,
            form.session,
            form.kit,
            form.user,
            row,
            _preview(form.session, form.kit, checker, row),
            approve_errors=problem.problems(),
        )
        page.status_code = {"same_approver": 403, "not_confirmed": 422}.get(problem.code, 409)
        return page
    return _pack_page(
        form.request, form.session, form.kit, form.user, applied.pack, applied, approved=True
    )
