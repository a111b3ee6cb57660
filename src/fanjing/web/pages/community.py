"""The community worker's pages: the day's worklist (with its Excel and CSV exports and the
import of an arrival list), the community's cases (measures, daily checks, nucleic acid
tests, ending a measure early, the closed-loop group) and its residents' pop-ups. Every
change goes through the same services as the API; names and phones are shown in full
(the worker must call people), document numbers never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanjing.community.arrival_list import MAX_ROWS
from fanjing.community.core import KIND_ZH, WHAT_ZH
from fanjing.community.excel import MAX_WORKBOOK_BYTES, sheet_rows
from fanjing.community.service import import_arrival_list
from fanjing.community.worklist import community_worklist, worklist_csv, worklist_xlsx
from fanjing.errors import FanjingError
from fanjing.healthkit.community_popups import open_popups_by_person
from fanjing.healthkit.popups import clear_popups
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import CheckerDep, CipherDep, ClockDep, RowId
from fanjing.web.pages.session import Posted, Visit, Visited, for_roles, render

router = APIRouter(prefix="/community", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DayQuery = Annotated[date | None, Query()]
RESULT_ZH = {"pending": "待出结果", "negative": "阴性", "positive": "阳性"}
LINK_ZH = {"cohabitant": "共同居住人员", "coworker": "共同工作人员"}
# what a form did, shown after the redirect (a fixed text per key: nothing personal in the URL)
DONE_ZH = {
    "check": "已登记健康监测",
    "check_abnormal": "已登记健康监测：体温≥37.3℃或有症状，请安排就医和核酸检测",
    "test": "已登记核酸检测",
    "ended": "已提前结束该措施",
    "cleared": "已处理弹窗",
}


def community_of(user: UserRow) -> str:
    return user.community or ""


@dataclass(frozen=True)
class CommunityKit:
    """What the community worker's pages are drawn with."""

    cipher: FieldCipher
    clock: Clock


async def _kit(cipher: CipherDep, clock: ClockDep) -> CommunityKit:
    return CommunityKit(cipher, clock)


Kit = Annotated[CommunityKit, Depends(_kit)]


@dataclass(frozen=True)
class CommunityPage(Visit):
    """A community worker's page asked for, or a form on it posted, with what it is drawn
    with."""

    kit: CommunityKit

    @property
    def community(self) -> str:
        return community_of(self.user)


async def _community_page(visit: Visited, kit: Kit) -> CommunityPage:
    return CommunityPage(visit.request, visit.session, visit.user, kit)


async def _community_form(posted: Posted, kit: Kit) -> CommunityPage:
    return CommunityPage(posted.request, posted.session, posted.user, kit)


WorkerPage = Annotated[CommunityPage, for_roles(_community_page, Role.COMMUNITY_WORKER)]
WorkerForm = Annotated[CommunityPage, for_roles(_community_form, Role.COMMUNITY_WORKER)]


async def _done(done: Annotated[str | None, Query(max_length=20)] = None) -> str | None:
    """What the form before the redirect did, if it is one the pages tell."""
    return done if done in DONE_ZH else None


Done = Annotated[str | None, Depends(_done)]


def status_of_error(error: FanjingError) -> int:
    """409 for something already done (a duplicate), 422 for what the form must correct."""
    return 409 if error.code.startswith("already_") else 422


# the worklist ------------------------------------------------------------------------------


def _worklist_page(
    page: CommunityPage, day: date, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    work = community_worklist(
        page.session, page.kit.cipher, community=page.community, day=day, reveal=True
    )
    groups = [(what, zh, work.of(what)) for what, zh in WHAT_ZH.items()]
    context.setdefault("imported", None)  # a refused import shows no success banner
    context.setdefault("import_errors", [])
    return render(
        page.request,
        "community_worklist.html",
        user=page.user,
        status_code=status_code,
        day=day,
        groups=groups,
        total=len(work.items),
        kind_zh=KIND_ZH,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def worklist(
    page: WorkerPage,
    day: DayQuery = None,
    imported: Annotated[int | None, Query(ge=0)] = None,
    cases: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    return _worklist_page(
        page, day or page.kit.clock.today(), imported=imported, imported_cases=cases
    )


@router.get("/worklist.{format}")
def export(format: Literal["xlsx", "csv"], page: WorkerPage, day: DayQuery = None) -> Response:
    """The day's worklist as a download, as the API exports it (names and phones in full)."""
    chosen = day or page.kit.clock.today()
    work = community_worklist(
        page.session, page.kit.cipher, community=page.community, day=chosen, reveal=True
    )
    name = f"worklist-{chosen.isoformat()}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "xlsx":
        return Response(worklist_xlsx(work, page.community), media_type=XLSX, headers=disposition)
    return Response(worklist_csv(work), media_type="text/csv; charset=utf-8", headers=disposition)


@router.post("/import", response_class=HTMLResponse, response_model=None)
def import_arrivals(
    form: WorkerForm,
    file: Annotated[UploadFile, File()],
    checker: CheckerDep,
) -> Response:
    """An arrival list (.xlsx): everyone reported, or nobody and every bad cell named."""
    data = file.file.read(MAX_WORKBOOK_BYTES + 1)
    name = "upload.xlsx"  # not the uploader's file name: the report names row and column
    try:
        reported = import_arrival_list(
            session=form.session,
            cipher=form.kit.cipher,
            checker=checker,
            community=form.community,
            rows=sheet_rows(data, file=name, max_rows=MAX_ROWS),
            file=name,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as error:
        form.session.rollback()  # nothing of a list with errors is kept
        return _worklist_page(
            form, form.kit.clock.today(), status_code=422, import_errors=error.problems()
        )
    cases = sum(1 for r in reported if r.case)
    return RedirectResponse(f"/community?imported={len(reported)}&cases={cases}", status_code=303)


# cases -------------------------------------------------------------------------------------


# pop-ups -----------------------------------------------------------------------------------


def _popups_page(page: CommunityPage, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    popups = open_popups_by_person(page.session, page.kit.cipher, page.community)
    return render(
        page.request,
        "community_popups.html",
        user=page.user,
        status_code=status_code,
        popups=popups,
        done_zh=DONE_ZH,
        **context,
    )


@router.get("/popups", response_class=HTMLResponse)
def popups(page: WorkerPage, done: Done) -> HTMLResponse:
    return _popups_page(page, done=done)


@router.post("/popups/people/{account_id}/clear", response_class=HTMLResponse, response_model=None)
def clear(
    account_id: RowId,
    form: WorkerForm,
    reason: Annotated[str, Form(max_length=300)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """A person's open pop-ups for one city (``city``), or all of them (``city`` empty)."""
    try:
        clear_popups(
            session=form.session,
            account_id=account_id,
            city=city or None,
            community=form.community,
            actor=form.user.name,
            reason=reason,
            today=form.kit.clock.today(),
            now=form.kit.clock.now(),
        )
    except FanjingError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        form.session.rollback()
        return _popups_page(
            form, status_code=status_of_error(error), failed=account_id, errors=error.problems()
        )
    return RedirectResponse("/community/popups?done=cleared", status_code=303)
