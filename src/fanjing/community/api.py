"""Community health management over HTTP: arrival reports, worklists (JSON, Excel, CSV),
cases and their follow-up; CDC adjusts measures and lifts cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.community.arrival_list import MAX_ROWS
from fanjing.community.core import WHAT_ZH
from fanjing.community.excel import sheet_rows
from fanjing.community.follow_up import NucleicAcidResult, record_check, record_test
from fanjing.community.measures import adjust_measure, end_measure, lift_contact
from fanjing.community.reading import case_read, community_cases, measure_read
from fanjing.community.schemas import (
    AdjustBody,
    CaseRead,
    CaseSummary,
    CheckBody,
    EndBody,
    ImportRead,
    LiftBody,
    MeasureRead,
    ReportCreate,
    ReportRead,
    TestBody,
    WorklistRead,
)
from fanjing.community.service import (
    Person,
    case_in_community,
    import_arrival_list,
    report_arrival,
)
from fanjing.community.store import CaseRow, active_phone_of, measures_of
from fanjing.community.worklist import community_worklist, worklist_csv, worklist_xlsx
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.service import own_account
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.policy.service import Checker
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CheckerDep,
    CipherDep,
    ClockDep,
    DbSession,
    EngineDep,
    GazetteerDep,
    RowId,
    require,
)

router = APIRouter(prefix="/api/v1/community", tags=["社区健康管理"])
Worker = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER))]
Cdc = Annotated[UserRow, Depends(require(Role.CDC))]
WorkerOrCdc = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER, Role.CDC))]
Reporter = Annotated[UserRow, Depends(require(Role.CITIZEN, Role.COMMUNITY_WORKER))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/reports", response_model=ReportRead, status_code=201, summary="到京报告（M1）")
def report(
    body: ReportCreate,
    session: DbSession,
    user: Reporter,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    checker: CheckerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    """A citizen reports for themself (identity from their health-kit account); a community
    worker reports someone arriving in their community."""
    if user.role == Role.COMMUNITY_WORKER:
        if body.person is None:
            raise FanjingError(Code.MISSING_FIELD, "代报须填写被报告人", Where(field="person"))
        if body.community and gazetteer.parse(body.community).name != user.community:
            raise FanjingError(Code.FORBIDDEN, "只能报告本社区的到京人员")
        community = user.community or ""
        document = read_document(
            body.person.document_kind,
            body.person.document_number,
            today=clock.today(),
            field="person.document_number",
        )
        person = Person(body.person.name, document, body.person.phone)
        source = "worker"
    else:
        if not body.community:
            raise FanjingError(Code.MISSING_FIELD, "须写明所在社区（村）", Where(field="community"))
        community = body.community
        person = _own_person(session, user, cipher, clock.today())
        source = "self"
    reported = report_arrival(
        session=session,
        cipher=cipher,
        checker=checker,
        community=community,
        person=person,
        employer=body.employer,
        situation=body.situation.model_dump(by_alias=True, exclude_unset=True),
        contact_case_id=body.contact_case_id,
        actor=user.name,
        source=source,
        now=clock.now(),
    )
    rows = measures_of(session, reported.case.id) if reported.case else []
    return {
        "id": reported.report.id,
        "community": reported.report.community,
        "case_id": reported.case.id if reported.case else None,
        "pack": f"{reported.report.pack_id} {reported.report.pack_version}",
        "measures": [measure_read(row) for row in rows],
        "decision": reported.report.decision,
    }


def _own_person(session: Session, user: UserRow, cipher: Any, today: date) -> Person:
    account = own_account(session, user.id)
    phone = active_phone_of(session, account.id)
    number = cipher.decrypt(account.document_encrypted)
    return Person(
        cipher.decrypt(account.name_encrypted),
        read_document(account.document_kind, number, today=today),
        cipher.decrypt(phone) if phone else None,
    )


@router.post(
    "/arrivals/import",
    response_model=ImportRead,
    status_code=201,
    summary="从 Excel 导入到京人员名单（逐行报错，全部无误才导入）",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_arrivals(
    request: Request,
    user: Worker,
    engine: EngineDep,
    cipher: CipherDep,
    checker: CheckerDep,
    clock: ClockDep,
) -> dict[str, int]:
    data = await request.body()
    return await run_in_threadpool(_import_rows, engine, cipher, checker, clock, user, data)


def _import_rows(
    engine: Engine, cipher: FieldCipher, checker: Checker, clock: Clock, user: UserRow, data: bytes
) -> dict[str, int]:
    # parsing is work: off the event loop
    rows = sheet_rows(data, file="upload.xlsx", max_rows=MAX_ROWS)
    with session_scope(engine) as session:
        reported = import_arrival_list(
            session=session,
            cipher=cipher,
            checker=checker,
            community=user.community or "",
            rows=rows,
            file="upload.xlsx",
            actor=user.name,
            now=clock.now(),
        )
        return {"reports": len(reported), "cases": sum(1 for r in reported if r.case)}


def _community_of(user: UserRow, community: str | None, gazetteer: Gazetteer) -> str:
    """A worker's own community; CDC names one."""
    if user.role == Role.COMMUNITY_WORKER:
        return user.community or ""
    if not community:
        raise FanjingError(Code.MISSING_FIELD, "疾控人员须指定社区", Where(field="community"))
    return gazetteer.parse(community).name


@router.get(
    "/worklist",
    response_model=WorklistRead,
    summary="社区某日工作清单（JSON，或 format=xlsx / csv 导出）",
    responses={200: {"content": {XLSX: {}, "text/csv": {}}}},
)
def worklist(
    session: DbSession,
    user: WorkerOrCdc,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    clock: ClockDep,
    day: Annotated[date | None, Query(description="默认今天（北京时间）")] = None,
    community: Annotated[str | None, Query(max_length=200, description="疾控人员指定")] = None,
    format: Annotated[Literal["json", "xlsx", "csv"], Query()] = "json",
) -> Any:
    place = _community_of(user, community, gazetteer)
    chosen = day or clock.today()
    # a community's own workers must call people: names and numbers in full; CDC sees them masked
    reveal = user.role == Role.COMMUNITY_WORKER
    work = community_worklist(session, cipher, community=place, day=chosen, reveal=reveal)
    name = f"worklist-{chosen.isoformat()}"
    if format == "xlsx":
        return Response(
            worklist_xlsx(work, place),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    if format == "csv":
        return Response(
            worklist_csv(work),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return {
        "community": place,
        "day": chosen,
        "items": [
            {
                "what": item.what,
                "what_zh": WHAT_ZH[item.what],
                "case_id": item.case_id or None,
                "person": item.person,
                "phone": item.phone,
                "kind": item.kind,
                "detail": item.detail,
            }
            for item in work.items
        ],
    }


@router.get("/cases", response_model=list[CaseSummary], summary="社区的个案")
def cases(
    session: DbSession,
    user: WorkerOrCdc,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    community: Annotated[str | None, Query(max_length=200, description="疾控人员指定")] = None,
    status: Annotated[Literal["open", "closed"], Query()] = "open",
) -> list[dict[str, Any]]:
    place = _community_of(user, community, gazetteer)
    return community_cases(
        session,
        cipher,
        community=place,
        status=status,
        reveal=user.role == Role.COMMUNITY_WORKER,
    )


@dataclass(frozen=True)
class CaseKit:
    """What a route on one case (the one in its path) finds it, changes it and reads it back
    with."""

    case_id: int
    session: Session
    cipher: FieldCipher
    clock: Clock

    def case_for(self, user: UserRow) -> CaseRow:
        """The case as ``user`` may see it: a worker only one of their own community."""
        community = user.community if user.role == Role.COMMUNITY_WORKER else None
        return case_in_community(self.session, self.case_id, community)

    def read(self, case: CaseRow, *, reveal: bool) -> dict[str, Any]:
        return case_read(self.session, case, self.cipher, reveal)


async def _case_kit(
    case_id: RowId, session: DbSession, cipher: CipherDep, clock: ClockDep
) -> CaseKit:
    return CaseKit(case_id, session, cipher, clock)


Kit = Annotated[CaseKit, Depends(_case_kit)]


@router.get(
    "/cases/{case_id}",
    response_model=CaseRead,
    summary="个案：措施时间线、健康监测、核酸检测、闭环管理",
)
def case_detail(kit: Kit, user: WorkerOrCdc) -> dict[str, Any]:
    return kit.read(kit.case_for(user), reveal=user.role == Role.COMMUNITY_WORKER)


@router.post(
    "/cases/{case_id}/checks", response_model=CaseRead, status_code=201, summary="登记每日健康监测"
)
def add_check(kit: Kit, body: CheckBody, user: Worker) -> dict[str, Any]:
    case = kit.case_for(user)
    record_check(
        session=kit.session,
        case=case,
        day=body.day,
        temperature=body.temperature,
        symptoms=body.symptoms,
        actor=user.name,
        today=kit.clock.today(),
        now=kit.clock.now(),
    )
    return kit.read(case, reveal=True)


@router.post(
    "/cases/{case_id}/tests", response_model=CaseRead, status_code=201, summary="登记核酸检测"
)
def add_test(kit: Kit, body: TestBody, user: Worker) -> dict[str, Any]:
    case = kit.case_for(user)
    record_test(
        session=kit.session,
        case=case,
        test=NucleicAcidResult(body.day, body.result),
        actor=user.name,
        today=kit.clock.today(),
        now=kit.clock.now(),
    )
    return kit.read(case, reveal=True)


@router.post(
    "/cases/{case_id}/measures/{measure_id}/end",
    response_model=MeasureRead,
    summary="提前结束一项措施（写明理由）",
)
def end(kit: Kit, measure_id: RowId, body: EndBody, user: Worker) -> dict[str, Any]:
    case = kit.case_for(user)
    row = end_measure(
        session=kit.session,
        case=case,
        measure_id=measure_id,
        day=body.day,
        reason=body.reason,
        actor=user.name,
        now=kit.clock.now(),
    )
    return measure_read(row)


@router.post(
    "/measures/{measure_id}/adjust",
    response_model=MeasureRead,
    summary="调整措施期限（疾控，写明理由，留痕）",
)
def adjust(
    measure_id: RowId, body: AdjustBody, session: DbSession, user: Cdc, clock: ClockDep
) -> dict[str, Any]:
    row = adjust_measure(
        session=session,
        measure_id=measure_id,
        end=body.end,
        reason=body.reason,
        actor=user.name,
        now=clock.now(),
    )
    return measure_read(row)


@router.post(
    "/cases/{case_id}/lift",
    response_model=CaseRead,
    summary="解除个案（疾控）：措施当日结束，闭环管理的同住同事随之结束",
)
def lift(kit: Kit, body: LiftBody, user: Cdc) -> dict[str, Any]:
    case = kit.case_for(user)
    lift_contact(
        session=kit.session,
        case=case,
        day=body.day or kit.clock.today(),
        reason=body.reason,
        actor=user.name,
        now=kit.clock.now(),
    )
    return kit.read(case, reveal=False)
