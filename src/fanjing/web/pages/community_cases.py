"""A community worker's cases as pages: the list, one case with its measures, checks and tests,
recording a day's health check or a test result, and ending a measure with its reason."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.community.core import check_is_abnormal
from fanjing.community.follow_up import record_check, record_test
from fanjing.community.measures import end_measure
from fanjing.community.reading import case_read, case_summary, community_cases, measure_days
from fanjing.community.service import case_in_community
from fanjing.community.store import ArrivalReportRow, CaseRow
from fanjing.errors import FanjingError
from fanjing.users.store import UserRow
from fanjing.web.deps import DbSession, RowId
from fanjing.web.pages.community import (
    DONE_ZH,
    LINK_ZH,
    RESULT_ZH,
    CommunityKit,
    Kit,
    Worker,
    community_of,
    status_of_error,
)
from fanjing.web.pages.session import Csrf, render

router = APIRouter(prefix="/community", include_in_schema=False)


@router.get("/cases", response_class=HTMLResponse)
def cases(
    request: Request,
    session: DbSession,
    user: Worker,
    kit: Kit,
    status: Annotated[Literal["open", "closed"], Query()] = "open",
) -> HTMLResponse:
    rows = community_cases(
        session, kit.cipher, community=community_of(user), status=status, reveal=True
    )
    return render(
        request, "community_cases.html", user=user, cases=rows, status=status, link_zh=LINK_ZH
    )


def _case_page(
    request: Request,
    session: Session,
    kit: CommunityKit,
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
    found = case_in_community(session, case_id, community_of(user))
    return _case_page(request, session, kit, user, found, done=done if done in DONE_ZH else None)


def _after(case_id: int, done: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/community/cases/{case_id}?done={done}#{anchor}", status_code=303)


def _form_failed(
    request: Request,
    session: Session,
    kit: CommunityKit,
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
        status_code=status_of_error(error),
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
    found = case_in_community(session, case_id, community_of(user))
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
    found = case_in_community(session, case_id, community_of(user))
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
    found = case_in_community(session, case_id, community_of(user))
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
