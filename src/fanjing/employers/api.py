"""Employers over HTTP: CDC and administrators register organisations and their users; a
citizen links their health-kit account with the employer's code; an employer user sees its
own staff (measures, return days; JSON or Excel) and the arrival reports they made."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from fanjing.community.core import KIND_ZH
from fanjing.employers.core import StaffMeasure, StaffStatus
from fanjing.employers.export import XLSX, staff_xlsx
from fanjing.employers.schemas import (
    EmployerCreate,
    EmployerRead,
    EmployerUserCreate,
    EmployerUserRead,
    InboxRead,
    LinkBody,
    LinkRead,
    StaffPage,
)
from fanjing.employers.service import (
    add_employer_user,
    employer_of,
    link_employer,
    register_employer,
    unlink_employer,
)
from fanjing.employers.staff import inbox, staff_statuses
from fanjing.employers.store import EmployerRow, all_employers, current_employment
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.service import own_account
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import CipherDep, ClockDep, DbSession, GazetteerDep, RowId, require

router = APIRouter(tags=["单位"])
Managers = Annotated[UserRow, Depends(require(Role.CDC, Role.ADMIN))]
Employer = Annotated[UserRow, Depends(require(Role.EMPLOYER))]
Citizen = Annotated[UserRow, Depends(require(Role.CITIZEN))]


@router.post("/api/v1/employers", response_model=EmployerRead, status_code=201, summary="登记单位")
def create_employer(
    body: EmployerCreate,
    session: DbSession,
    user: Managers,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> EmployerRow:
    return register_employer(
        session=session,
        name=body.name,
        credit_code=body.credit_code,
        district=body.district,
        parse_place=gazetteer.parse,
        actor=user.name,
        now=clock.now(),
    )


@router.get("/api/v1/employers", response_model=list[EmployerRead], summary="已登记的单位")
def list_employers(session: DbSession, user: Managers) -> list[EmployerRow]:
    return all_employers(session)


@router.post(
    "/api/v1/employers/{employer_id}/users",
    response_model=EmployerUserRead,
    status_code=201,
    summary="添加单位用户（令牌只显示这一次）",
)
def create_employer_user(
    employer_id: RowId,
    body: EmployerUserCreate,
    session: DbSession,
    user: Managers,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    employer = session.get(EmployerRow, employer_id)
    if employer is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {employer_id} 的单位", Where(field="id"))
    added, token = add_employer_user(
        session=session,
        cipher=cipher,
        employer=employer,
        name=body.name,
        parse_place=gazetteer.parse,
        actor=user.name,
        now=clock.now(),
        expires_in_days=body.expires_in_days,
    )
    return {
        "name": added.name,
        "employer_id": employer.id,
        "token": token,
        "token_expires_at": added.token_expires_at,
    }


@router.get("/api/v1/employers/me", response_model=EmployerRead, summary="本单位（单位用户）")
def own_employer(session: DbSession, user: Employer) -> EmployerRow:
    return employer_of(session, user)


@router.get(
    "/api/v1/employers/staff",
    response_model=StaffPage,
    summary="本单位员工：观察或监测措施及其结束日、可返岗日期（JSON，或 format=xlsx 导出）",
    responses={200: {"content": {XLSX: {}}}},
)
def staff(
    session: DbSession,
    user: Employer,
    cipher: CipherDep,
    clock: ClockDep,
    day: Annotated[date | None, Query(description="默认今天（北京时间）")] = None,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Any:
    employer = employer_of(session, user)
    chosen = day or clock.today()
    statuses = staff_statuses(session, cipher, employer_id=employer.id, day=chosen)
    if format == "xlsx":
        return Response(
            staff_xlsx(statuses, employer.name, chosen.isoformat()),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="staff-{chosen}.xlsx"'},
        )
    return {"employer": employer.name, "day": chosen, "staff": [staff_read(s) for s in statuses]}


def measure_read(measure: StaffMeasure) -> dict[str, Any]:
    return {
        "kind": measure.kind,
        "kind_zh": KIND_ZH.get(measure.kind, measure.kind),
        "last_day": measure.last_day,
    }


def staff_read(status: StaffStatus) -> dict[str, Any]:
    return {
        "link_id": status.link_id,
        "person": status.person,
        "measures": [measure_read(m) for m in status.measures],
        "return_day": status.return_day,
        "at_work": status.at_work,
    }


@router.get(
    "/api/v1/employers/inbox",
    response_model=list[InboxRead],
    summary="员工的到京报告（关联单位期间所报，新的在前）",
)
def reports(session: DbSession, user: Employer, cipher: CipherDep) -> list[dict[str, Any]]:
    employer = employer_of(session, user)
    return [
        {
            "report_id": item.report_id,
            "person": item.person,
            "arrival_date": item.arrival_date,
            "reported_on": item.reported_on,
            "measures": [measure_read(m) for m in item.measures],
        }
        for item in inbox(session, cipher, employer_id=employer.id)
    ]


@router.get("/api/v1/healthkit/employer", response_model=LinkRead, summary="我关联的单位")
def my_employer(session: DbSession, user: Citizen) -> dict[str, Any]:
    current = current_employment(session, own_account(session, user.id).id)
    if current is None:
        return {"employer": None}
    link, employer = current
    return {"employer": employer.name, "district": employer.district, "linked_at": link.linked_at}


@router.post(
    "/api/v1/healthkit/employer",
    response_model=LinkRead,
    status_code=201,
    summary="用单位代码关联单位：此后的到京报告同时报给单位",
)
def link(body: LinkBody, session: DbSession, user: Citizen, clock: ClockDep) -> dict[str, Any]:
    now = clock.now()
    employer = link_employer(session=session, user=user, code=body.code, now=now)
    return {"employer": employer.name, "district": employer.district, "linked_at": now}


@router.post(
    "/api/v1/healthkit/employer/unlink", response_model=LinkRead, summary="解除与单位的关联"
)
def unlink(session: DbSession, user: Citizen, clock: ClockDep) -> dict[str, Any]:
    unlink_employer(session=session, user=user, now=clock.now())
    return {"employer": None}
