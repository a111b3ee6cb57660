"""The work orders' reports (the hotline and administrators: the days chosen, and their Excel)
and the citizen's own orders in the health kit."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import ClockDep, DbSession
from fanjing.web.pages.session import render, require_page
from fanjing.web.pages.workorders import when
from fanjing.workorders import views
from fanjing.workorders.api import report_download
from fanjing.workorders.core import CATEGORY_ZH
from fanjing.workorders.reports import Report, report, report_days

router = APIRouter(include_in_schema=False)
Reporter = Annotated[UserRow, Depends(require_page(Role.HOTLINE, Role.ADMIN))]
Citizen = Annotated[UserRow, Depends(require_page(Role.CITIZEN))]


def chosen_report(
    session: DbSession,
    user: Reporter,
    clock: ClockDep,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> Report:
    """The report of the days asked for (the last 7 by default), for the hotline and admins."""
    now = clock.now()
    return report(session, **report_days(first, last, now=now), now=now)


ChosenReport = Annotated[Report, Depends(chosen_report)]


@router.get("/workorders/reports", response_class=HTMLResponse)
def reports(request: Request, user: Reporter, found: ChosenReport) -> HTMLResponse:
    return render(
        request,
        "workorders_reports.html",
        user=user,
        report=found,
        categories=CATEGORY_ZH,
        when=when,
    )


@router.get("/workorders/reports.xlsx")
def reports_xlsx(found: ChosenReport) -> Response:
    return report_download(found)


@router.get("/healthkit/workorders", response_class=HTMLResponse)
def citizen_orders(request: Request, session: DbSession, user: Citizen) -> HTMLResponse:
    rows = views.orders_of_citizen(session, user.id)
    return render(
        request,
        "workorders_citizen.html",
        user=user,
        orders=[views.citizen_order(session, r) for r in rows],
        when=when,
    )
