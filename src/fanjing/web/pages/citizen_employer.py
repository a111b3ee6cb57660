"""The citizen's employer page: link one's health-kit account to one's employer with the
code the employer gives (from then on one's arrival reports reach it too, and it sees one's
measures and return day, nothing else of one's health), or end the link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import day_in_china
from fanjing.employers.service import link_employer, unlink_employer
from fanjing.employers.store import current_employment
from fanjing.errors import FanjingError
from fanjing.healthkit.store import account_of
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import ClockDep, DbSession
from fanjing.web.pages.session import Csrf, render, require_page

router = APIRouter(include_in_schema=False)
Citizen = Annotated[UserRow, Depends(require_page(Role.CITIZEN))]
DONE_ZH = {"linked": "已关联单位：此后的到京报告会同时报给单位", "unlinked": "已解除与单位的关联"}


def _page(
    request: Request,
    session: Session,
    user: UserRow,
    *,
    errors: list[FanjingError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    account = account_of(session, user.id)
    current = current_employment(session, account.id) if account else None
    done = request.query_params.get("done", "")
    return render(
        request,
        "citizen_employer.html",
        user=user,
        status_code=status_code,
        has_account=account is not None,
        employer=current[1] if current else None,
        linked_on=day_in_china(current[0].linked_at) if current else None,
        done=DONE_ZH.get(done),
        errors=errors,
    )


@router.get("/healthkit/employer", response_class=HTMLResponse)
def employer_page(request: Request, session: DbSession, user: Citizen) -> HTMLResponse:
    return _page(request, session, user)


@router.post("/healthkit/employer", response_model=None)
def link(
    request: Request,
    session: DbSession,
    user: Citizen,
    _csrf: Csrf,
    code: Annotated[str, Form(max_length=20)] = "",
    *,
    clock: ClockDep,
) -> Response:
    try:
        link_employer(session=session, user=user, code=code, now=clock.now())
    except FanjingError as problem:
        session.rollback()
        return _page(request, session, user, errors=problem.problems(), status_code=422)
    session.commit()
    return RedirectResponse("/healthkit/employer?done=linked", status_code=303)


@router.post("/healthkit/employer/unlink", response_model=None)
def unlink(
    request: Request, session: DbSession, user: Citizen, _csrf: Csrf, clock: ClockDep
) -> Response:
    try:
        unlink_employer(session=session, user=user, now=clock.now())
    except FanjingError as problem:
        session.rollback()
        return _page(request, session, user, errors=problem.problems(), status_code=422)
    session.commit()
    return RedirectResponse("/healthkit/employer?done=unlinked", status_code=303)
