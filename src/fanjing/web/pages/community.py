"""The community worker's pages: the day's worklist (with its Excel and CSV exports and the
import of an arrival list), the community's cases (measures, daily checks, nucleic acid
tests, ending a measure early, the closed-loop group) and its residents' pop-ups. Every
change goes through the same services as the API; names and phones are shown in full
(the worker must call people), document numbers never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.community.arrival_list import MAX_ROWS
from fanjing.community.core import KIND_ZH, WHAT_ZH, check_is_abnormal
from fanjing.community.excel import MAX_WORKBOOK_BYTES, sheet_rows
from fanjing.community.follow_up import record_check, record_test
from fanjing.community.measures import end_measure
from fanjing.community.reading import case_read, case_summary, community_cases, measure_days
from fanjing.community.service import case_in_community, import_arrival_list
from fanjing.community.store import ArrivalReportRow, CaseRow
from fanjing.community.worklist import community_worklist, worklist_csv, worklist_xlsx
from fanjing.errors import FanjingError
from fanjing.healthkit.community_popups import open_popups_by_person
from fanjing.healthkit.popups import clear_popups
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import CheckerDep, CipherDep, ClockDep, DbSession, RowId
from fanjing.web.pages.session import Csrf, render, require_page

router = APIRouter(prefix="/community", include_in_schema=False)
Worker = Annotated[UserRow, Depends(require_page(Role.COMMUNITY_WORKER))]
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


def _community(user: UserRow) -> str:
    return user.community or ""


@dataclass(frozen=True)
class _Kit:
    """What the community worker's pages are drawn with."""

    cipher: FieldCipher
    clock: Clock


def _kit(cipher: CipherDep, clock: ClockDep) -> _Kit:
    return _Kit(cipher, clock)


Kit = Annotated[_Kit, Depends(_kit)]


def _status(error: FanjingError) -> int:
    """409 for something already done (a duplicate), 422 for what the form must correct."""
    return 409 if error.code.startswith("already_") else 422


# the worklist ------------------------------------------------------------------------------


def _worklist_page(
    request: Request,
    session: Session,
    kit: _Kit,
    user: UserRow,
    day: date,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    work = community_worklist(session, kit.cipher, community=_community(user), day=day, reveal=True)
    groups = [(what, zh, work.of(what)) for what, zh in WHAT_ZH.items()]
    context.setdefault("imported", None)  # a refused import shows no success banner
    context.setdefault("import_errors", [])
    return render(
        request,
        "community_worklist.html",
        user=user,
        status_code=status_code,
        day=day,
        groups=groups,
        total=len(work.items),
        kind_zh=KIND_ZH,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def worklist(
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    day: DayQuery = None,
    imported: Annotated[int | None, Query(ge=0)] = None,
    cases: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    return _worklist_page(
        request,
        session,
        kit,
        user,
        day or kit.clock.today(),
        imported=imported,
        imported_cases=cases,
    )


@router.get("/worklist.{format}")
def export(
    format: Literal["xlsx", "csv"],
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    day: DayQuery = None,
) -> Response:
    """The day's worklist as a download, as the API exports it (names and phones in full)."""
    chosen = day or kit.clock.today()
    work = community_worklist(
        session, kit.cipher, community=_community(user), day=chosen, reveal=True
    )
    name = f"worklist-{chosen.isoformat()}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "xlsx":
        return Response(worklist_xlsx(work, _community(user)), media_type=XLSX, headers=disposition)
    return Response(worklist_csv(work), media_type="text/csv; charset=utf-8", headers=disposition)


@router.post("/import", response_class=HTMLResponse, response_model=None)
def import_arrivals(
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    _csrf: Csrf,
    file: Annotated[UploadFile, File()],
    checker: CheckerDep,
) -> Response:
    """An arrival list (.xlsx): everyone reported, or nobody and every bad cell named."""
    data = file.file.read(MAX_WORKBOOK_BYTES + 1)
    name = "upload.xlsx"  # not the uploader's file name: the report names row and column
    try:
        reported = import_arrival_list(
            session=session,
            cipher=kit.cipher,
            checker=checker,
            community=_community(user),
            rows=sheet_rows(data, file=name, max_rows=MAX_ROWS),
            file=name,
            actor=user.name,
            now=kit.clock.now(),
        )
    except FanjingError as error:
        session.rollback()  # nothing of a list with errors is kept
        return _worklist_page(
            request,
            session,
            kit,
            user,
            kit.clock.today(),
            status_code=422,
            import_errors=error.problems(),
        )
    cases = sum(1 for r in reported if r.case)
    return RedirectResponse(f"/community?imported={len(reported)}&cases={cases}", status_code=303)


# cases -------------------------------------------------------------------------------------


@router.get("/cases", response_class=HTMLResponse)
def cases(
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    status: Annotated[Literal["open", "closed"], Query()] = "open",
) -> HTMLResponse:
    rows = community_cases(
        session, kit.cipher, community=_community(user), status=status, reveal=True
    )
    return render(
        request, "community_cases.html", user=user, cases=rows, status=status, link_zh=LINK_ZH
    )


def _case_page(
    request: Request,
    session: Session,
    kit: _Kit,
    user: UserRow,
    case: CaseRow,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    read = case_read(session, case, kit.cipher, True)
    today = kit.clock.today()
    read["measures"] = [measure_days(measure, today) for measure in read["measures"]]
    contact = None  # a member's secondary close contact, when followed in this community
    if case.contact_case_id:
        row = session.get(CaseRow, case.contact_case_id)
        if row is not None and row.community == case.community:
            report = session.get_one(ArrivalReportRow, row.report_id)
            contact = case_summary(row, report, kit.cipher, True)
    return render(
        request,
        "community_case.html",
        user=user,
        status_code=status_code,
        case=read,
        contact=contact,
        result_zh=RESULT_ZH,
        link_zh=LINK_ZH,
        done_zh=DONE_ZH,
        **context,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case(
    case_id: RowId,
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    found = case_in_community(session, case_id, _community(user))
    return _case_page(request, session, kit, user, found, done=done if done in DONE_ZH else None)


def _after(case_id: int, done: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/community/cases/{case_id}?done={done}#{anchor}", status_code=303)


def _form_failed(
    request: Request,
    session: Session,
    kit: _Kit,
    user: UserRow,
    case: CaseRow,
    form: str,
    error: FanjingError,
) -> HTMLResponse:
    """The case again, the failed form's problem shown beside it (and nothing kept)."""
    session.rollback()
    return _case_page(
        request,
        session,
        kit,
        user,
        case,
        status_code=_status(error),
        failed=form,
        errors=error.problems(),
    )


@router.post("/cases/{case_id}/checks", response_class=HTMLResponse, response_model=None)
def add_check(
    case_id: RowId,
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    _csrf: Csrf,
    day: Annotated[date, Form()],
    temperature: Annotated[str, Form(max_length=5)] = "",
    symptoms: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    found = case_in_community(session, case_id, _community(user))
    try:
        row = record_check(
            session=session,
            case=found,
            day=day,
            temperature=temperature.strip(),
            symptoms=_symptoms(symptoms),
            actor=user.name,
            today=kit.clock.today(),
            now=kit.clock.now(),
        )
    except FanjingError as error:
        return _form_failed(request, session, kit, user, found, "check", error)
    abnormal = check_is_abnormal(float(row.temperature), row.symptoms)
    return _after(case_id, "check_abnormal" if abnormal else "check", "checks")


def _symptoms(text: str) -> list[str]:
    """Symptoms as typed: separated by commas (either width), 、 or new lines."""
    for mark in ("，", "、", "\n", ";", "；"):
        text = text.replace(mark, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


@router.post("/cases/{case_id}/tests", response_class=HTMLResponse, response_model=None)
def add_test(
    case_id: RowId,
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    _csrf: Csrf,
    day: Annotated[date, Form()],
    result: Annotated[str, Form(max_length=10)] = "pending",
) -> Response:
    found = case_in_community(session, case_id, _community(user))
    try:
        record_test(
            session=session,
            case=found,
            day=day,
            result=result,
            actor=user.name,
            today=kit.clock.today(),
            now=kit.clock.now(),
        )
    except FanjingError as error:
        return _form_failed(request, session, kit, user, found, "test", error)
    return _after(case_id, "test", "tests")


@router.post(
    "/cases/{case_id}/measures/{measure_id}/end", response_class=HTMLResponse, response_model=None
)
def end(
    case_id: RowId,
    measure_id: RowId,
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    _csrf: Csrf,
    day: Annotated[date, Form()],
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    found = case_in_community(session, case_id, _community(user))
    try:
        end_measure(
            session=session,
            case=found,
            measure_id=measure_id,
            day=day,
            reason=reason,
            actor=user.name,
            now=kit.clock.now(),
        )
    except FanjingError as error:
        return _form_failed(request, session, kit, user, found, f"end-{measure_id}", error)
    return _after(case_id, "ended", "measures")


# pop-ups -----------------------------------------------------------------------------------


def _popups_page(
    request: Request,
    session: Session,
    kit: _Kit,
    user: UserRow,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    popups = open_popups_by_person(session, kit.cipher, _community(user))
    return render(
        request,
        "community_popups.html",
        user=user,
        status_code=status_code,
        popups=popups,
        done_zh=DONE_ZH,
        **context,
    )


@router.get("/popups", response_class=HTMLResponse)
def popups(
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _popups_page(request, session, kit, user, done=done if done in DONE_ZH else None)


@router.post("/popups/people/{account_id}/clear", response_class=HTMLResponse, response_model=None)
def clear(
    account_id: RowId,
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    _csrf: Csrf,
    reason: Annotated[str, Form(max_length=300)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """A person's open pop-ups for one city (``city``), or all of them (``city`` empty)."""
    try:
        clear_popups(
            session=session,
            account_id=account_id,
            city=city or None,
            community=_community(user),
            actor=user.name,
            reason=reason,
            today=kit.clock.today(),
            now=kit.clock.now(),
        )
    except FanjingError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        session.rollback()
        return _popups_page(
            request,
            session,
            kit,
            user,
            status_code=_status(error),
            failed=account_id,
            errors=error.problems(),
        )
    return RedirectResponse("/community/popups?done=cleared", status_code=303)
