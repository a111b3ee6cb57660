"""Risk-area endpoints: CDC staff list, import, designate and lift; a community worker sees
the designations touching their own community."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fanjing.audit.cache import RevisionCache
from fanjing.common.days import day_of
from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.clock import Clock
from fanjing.infra.metrics import RISK_IMPORTS
from fanjing.places import imports, lookup, service, store
from fanjing.places.followers import DesignationFollowers, publish
from fanjing.places.registry import Registry
from fanjing.places.schemas import (
    DesignationCreate,
    DesignationRead,
    ImportBody,
    ImportReportRead,
    LiftBody,
)
from fanjing.users.core import Role
from fanjing.web.deps import (
    Caller,
    ClockDep,
    DbSession,
    FollowersDep,
    GazetteerDep,
    RegistryCacheDep,
    RowId,
    require,
)

router = APIRouter(prefix="/api/v1", tags=["风险地区"])
CdcStaff = Annotated[Caller, Depends(require(Role.CDC))]
CdcOrCommunity = Annotated[Caller, Depends(require(Role.CDC, Role.COMMUNITY_WORKER))]


@dataclass(frozen=True)
class Publisher:
    """What a change of designations is made with and made public with: the clock, this
    process's registry cache and the designations' followers (the health kit's pop-ups)."""

    clock: Clock
    registry: RevisionCache[Registry]
    followers: DesignationFollowers

    def publish(self, session: Session, opened: tuple[int, ...] = ()) -> None:
        publish(
            session=session,
            followers=self.followers,
            opened_ids=opened,
            today=self.clock.today(),
            now=self.clock.now(),
            registry=self.registry,
        )


async def _publisher(
    clock: ClockDep, registry: RegistryCacheDep, followers: FollowersDep
) -> Publisher:
    return Publisher(clock, registry, followers)


PublisherDep = Annotated[Publisher, Depends(_publisher)]


@router.get("/risk-areas", response_model=list[DesignationRead], summary="某一天生效的风险地区")
def list_risk_areas(
    session: DbSession, _user: CdcStaff, as_of: Annotated[str, Query(description="YYYY-MM-DD")]
) -> list[dict[str, Any]]:
    return [row.snapshot() for row in store.designations_in_force(session, day_of(as_of, "as_of"))]


@router.post("/risk-areas", response_model=DesignationRead, status_code=201, summary="指定风险地区")
def designate(
    body: DesignationCreate,
    session: DbSession,
    user: CdcStaff,
    gazetteer: GazetteerDep,
    publisher: PublisherDep,
) -> dict[str, Any]:
    row = service.designate(
        session=session,
        level=body.level,
        area=body.area,
        start=day_of(body.from_, "from"),
        end=day_of(body.to, "to") if body.to else None,
        parse_place=gazetteer.parse,
        actor=user.name,
        now=publisher.clock.now(),
    )
    publisher.publish(session, (row.id,))
    return row.snapshot()


@router.post(
    "/risk-areas/{designation_id}/lift", response_model=DesignationRead, summary="解除风险地区"
)
def lift(
    designation_id: RowId,
    body: LiftBody,
    session: DbSession,
    user: CdcStaff,
    publisher: PublisherDep,
) -> dict[str, Any]:
    row = service.lift(
        session=session,
        designation_id=designation_id,
        last_day=day_of(body.to, "to"),
        actor=user.name,
        now=publisher.clock.now(),
        followers=publisher.followers,
    )
    publisher.publish(session)
    return row.snapshot()


@router.post(
    "/risk-areas/import", response_model=ImportReportRead, summary="导入一天的全国名单或 CSV"
)
def import_risk_areas(
    body: ImportBody,
    session: DbSession,
    user: CdcStaff,
    gazetteer: GazetteerDep,
    publisher: PublisherDep,
) -> dict[str, Any]:
    try:
        report = imports.import_risk_file(
            session=session,
            text=body.text,
            file=body.file,
            parse_place=gazetteer.parse,
            actor=user.name,
            now=publisher.clock.now(),
            list_date=day_of(body.date, "date") if body.date else None,
            confirm_lifts=body.confirm_lifts,
            followers=publisher.followers,
        )
    except FanjingError:
        RISK_IMPORTS.labels("refused").inc()
        raise
    RISK_IMPORTS.labels("lifts_held" if report.lifts_held else "imported").inc()
    publisher.publish(session, report.opened_ids)
    return report.as_json()


@router.post(
    "/risk-areas/imports/{import_id}/confirm-lifts",
    response_model=ImportReportRead,
    summary="核对名单后，确认解除一次导入暂缓解除的地区",
)
def confirm_lifts(
    import_id: RowId,
    session: DbSession,
    user: CdcStaff,
    publisher: PublisherDep,
) -> dict[str, Any]:
    report = imports.confirm_held_lifts(
        session=session,
        import_id=import_id,
        actor=user.name,
        now=publisher.clock.now(),
        followers=publisher.followers,
    )
    publisher.publish(session)
    return report.as_json()


@router.get(
    "/communities/risk-areas",
    response_model=list[DesignationRead],
    summary="与某社区有关的风险地区（社区工作者只能看本社区）",
)
def community_risk_areas(
    session: DbSession,
    user: CdcOrCommunity,
    gazetteer: GazetteerDep,
    as_of: Annotated[str, Query(description="YYYY-MM-DD")],
    community: Annotated[
        str | None, Query(max_length=200, description="社区；社区工作者默认本社区")
    ] = None,
) -> list[dict[str, Any]]:
    parse = gazetteer.parse
    wanted = community or user.community
    if wanted is None:
        raise FanjingError(Code.MISSING_FIELD, "请给出 community", Where(field="community"))
    try:
        place = parse(wanted)
    except FanjingError as problem:
        raise FanjingError(problem.code, problem.message, Where(field="community")) from None
    if user.role == Role.COMMUNITY_WORKER and place.name != user.community:
        raise FanjingError(Code.FORBIDDEN, f"社区工作者只能查看本社区（{user.community}）")
    return [
        row.snapshot()
        for row in lookup.designations_touching(session, place, day_of(as_of, "as_of"))
    ]
