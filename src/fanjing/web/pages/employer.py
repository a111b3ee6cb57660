"""The employer's pages: its staff on a day (the measure each is under and its last day, the
day each may return to the workplace; masked names; Excel export) and the arrival reports its
employees made while linked. An employer user sees its own organisation's staff only."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from fanjing.community.core import KIND_ZH
from fanjing.employers.core import StaffStatus
from fanjing.employers.export import XLSX, staff_xlsx
from fanjing.employers.service import employer_of
from fanjing.employers.staff import inbox, staff_statuses
from fanjing.employers.store import EmployerRow
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import CipherDep, ClockDep, DbSession
from fanjing.web.pages.session import render, require_page

router = APIRouter(include_in_schema=False)
EmployerUser = Annotated[UserRow, Depends(require_page(Role.EMPLOYER))]


def _staff(
    session: Session, cipher: FieldCipher, user: UserRow, day: date
) -> tuple[EmployerRow, list[StaffStatus]]:
    employer = employer_of(session, user)
    return employer, staff_statuses(session, cipher, employer_id=employer.id, day=day)


@router.get("/employer", response_class=HTMLResponse)
def staff_page(
    request: Request,
    session: DbSession,
    user: EmployerUser,
    cipher: CipherDep,
    clock: ClockDep,
    day: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    chosen = day or clock.today()
    employer, statuses = _staff(session, cipher, user, chosen)
    return render(
        request,
        "employer_staff.html",
        user=user,
        employer=employer,
        day=chosen,
        away=[s for s in statuses if not s.at_work],
        at_work=[s for s in statuses if s.at_work],
        kind_zh=KIND_ZH,
    )


@router.get("/employer/staff.xlsx")
def staff_export(
    session: DbSession,
    user: EmployerUser,
    cipher: CipherDep,
    clock: ClockDep,
    day: Annotated[date | None, Query()] = None,
) -> Response:
    chosen = day or clock.today()
    employer, statuses = _staff(session, cipher, user, chosen)
    return Response(
        staff_xlsx(statuses, employer.name, chosen.isoformat()),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="staff-{chosen}.xlsx"'},
    )


@router.get("/employer/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, session: DbSession, user: EmployerUser, cipher: CipherDep
) -> HTMLResponse:
    employer = employer_of(session, user)
    return render(
        request,
        "employer_reports.html",
        user=user,
        employer=employer,
        reports=inbox(session, cipher, employer_id=employer.id),
        kind_zh=KIND_ZH,
    )
