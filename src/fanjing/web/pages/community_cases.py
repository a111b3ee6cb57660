"""A community worker's cases as pages: the list, one case with its measures, checks and tests,
recording a day's health check or a test result, and ending a measure with its reason."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanjing.community.core import check_is_abnormal
from fanjing.community.follow_up import NucleicAcidResult, record_check, record_test
from fanjing.community.measures import end_measure
from fanjing.community.reading import case_read, case_summary, community_cases, measure_days
from fanjing.community.service import case_in_community
from fanjing.community.store import ArrivalReportRow, CaseRow
from fanjing.errors import FanjingError
from fanjing.web.deps import RowId
from fanjing.web.pages.community import (
    DONE_ZH,
    LINK_ZH,
    RESULT_ZH,
    CommunityPage,
    Done,
    WorkerForm,
    WorkerPage,
    status_of_error,
)
from fanjing.web.pages.session import render, stamp

router = APIRouter(prefix="/community", include_in_schema=False)


@router.get("/cases", response_class=HTMLResponse)
def cases(
    page: WorkerPage, status: Annotated[Literal["open", "closed"], Query()] = "open"
) -> HTMLResponse:
    rows = community_cases(
        page.session, page.kit.cipher, community=page.community, status=status, reveal=True
    )
    return render(
        page.request,
        "community_cases.html",
        user=page.user,
        cases=rows,
        status=status,
        link_zh=LINK_ZH,
    )


def _case_page(
    page: CommunityPage, case: CaseRow, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    session, kit = page.session, page.kit
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
        page.request,
        "community_case.html",
        user=page.user,
        status_code=status_code,
        case=read,
        contact=contact,
        result_zh=RESULT_ZH,
        link_zh=LINK_ZH,
        done_zh=DONE_ZH,
        **context,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case(case_id: RowId, page: WorkerPage, done: Done) -> HTMLResponse:
    return _case_page(page, _case_of(page, case_id), done=done)


def _case_of(page: CommunityPage, case_id: int) -> CaseRow:
    """The case, if it is followed in the worker's community."""
    return case_in_community(page.session, case_id, page.community)


def _after(case_id: int, done: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/community/cases/{case_id}?done={done}#{anchor}", status_code=303)


def _form_failed(
    form: CommunityPage, case: CaseRow, failed: str, error: FanjingError
) -> HTMLResponse:
    """The case again, the failed form's problem shown beside it (and nothing kept)."""
    form.session.rollback()
    return _case_page(
        form, case, status_code=status_of_error(error), failed=failed, errors=error.problems()
    )


@router.post("/cases/{case_id}/checks", response_class=HTMLResponse, response_model=None)
def add_check(
    case_id: RowId,
    form: WorkerForm,
    day: Annotated[date, Form()],
    temperature: Annotated[str, Form(max_length=5)] = "",
    symptoms: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    found = _case_of(form, case_id)
    try:
        row = record_check(
            session=form.session,
            case=found,
            day=day,
            temperature=temperature.strip(),
            symptoms=_symptoms(symptoms),
            **stamp(form.user, form.kit.clock),
        )
    except FanjingError as error:
        return _form_failed(form, found, "check", error)
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
    form: WorkerForm,
    day: Annotated[date, Form()],
    result: Annotated[str, Form(max_length=10)] = "pending",
) -> Response:
    found = _case_of(form, case_id)
    try:
        record_test(
            session=form.session,
            case=found,
            test=NucleicAcidResult(day, result),
            **stamp(form.user, form.kit.clock),
        )
    except FanjingError as error:
        return _form_failed(form, found, "test", error)
    return _after(case_id, "test", "tests")


@router.post(
    "/cases/{case_id}/measures/{measure_id}/end", response_class=HTMLResponse, response_model=None
)
def end(
    case_id: RowId,
    measure_id: RowId,
    form: WorkerForm,
    day: Annotated[date, Form()],
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    found = _case_of(form, case_id)
    try:
        end_measure(
            session=form.session,
            case=found,
            measure_id=measure_id,
            day=day,
            reason=reason,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as error:
        return _form_failed(form, found, f"end-{measure_id}", error)
    return _after(case_id, "ended", "measures")
