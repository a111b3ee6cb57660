"""Checkpoints over HTTP: checkpoint staff record what they did (results queued offline come
in batches, each kept once) and check a commuter's 14-day test; citizens register as commuters."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from fanjing.audit.service import citizen_actor
from fanjing.checkpoints.core import Outcome, ScanResult, temperature, temperature_normal
from fanjing.checkpoints.schemas import (
    CheckpointRead,
    CommuterCheckBody,
    CommuterCheckRead,
    CommuterRead,
    CommuterRegister,
    ResultRead,
    ResultsBody,
)
from fanjing.checkpoints.service import (
    check_commuter,
    checkpoint_of,
    commuter_by_document,
    recent_results,
    record_results,
    register_commuter,
)
from fanjing.checkpoints.store import CheckpointResultRow, commuter_with_account
from fanjing.common.identity import read_document
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.service import own_account
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.policy.service import Checker
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import CheckerDep, CipherDep, ClockDep, DbSession, GazetteerDep, require

router = APIRouter(tags=["检查站"])
Staff = Annotated[UserRow, Depends(require(Role.CHECKPOINT))]
Citizen = Annotated[UserRow, Depends(require(Role.CITIZEN))]


def result_read(row: CheckpointResultRow, new: bool = False) -> ResultRead:
    return ResultRead(
        id=row.id,
        client_id=row.client_id,
        outcome=row.outcome,
        colour=row.colour,
        popup=row.popup,
        masked_name=row.masked_name,
        temperature=float(row.temperature),
        commuter_id=row.commuter_id,
        checked_at=row.checked_at,
        recorded_at=row.recorded_at,
        new=new,
    )


@router.get("/api/v1/checkpoints/mine", response_model=CheckpointRead, summary="本人所在检查站")
def own_checkpoint(session: DbSession, user: Staff) -> CheckpointRead:
    row = checkpoint_of(session, user)
    return CheckpointRead(id=row.id, name=row.name, district=row.district)


def record_posted(
    session: Session, user: UserRow, body: ResultsBody, clock: Clock
) -> list[tuple[CheckpointResultRow, bool]]:
    """Record a batch of results at the user's checkpoint (the API's and the page's)."""
    checkpoint = checkpoint_of(session, user)
    scans = [
        ScanResult(
            client_id=item.client_id,
            outcome=Outcome(item.outcome),
            colour=item.colour,
            popup=item.popup,
            masked_name=item.masked_name,
            pass_expires_at=item.pass_expires_at,
            temperature=temperature(
                Decimal(str(item.temperature)), field=f"results[{i}].temperature"
            ),
            checked_at=item.checked_at,
            commuter_id=item.commuter_id,
            test_proof_on=item.test_proof_on,
        )
        for i, item in enumerate(body.results)
    ]
    return record_results(
        session=session,
        checkpoint=checkpoint,
        scans=scans,
        actor=user.name,
        now=clock.now(),
        today=clock.today(),
    )


def commuter_checked(
    session: Session,
    user: UserRow,
    body: CommuterCheckBody,
    cipher: FieldCipher,
    checker: Checker,
    clock: Clock,
) -> dict[str, Any]:
    """A commuter's 14-day test at the user's checkpoint (the API's and the page's)."""
    checkpoint_of(session, user)
    today = clock.today()
    document = read_document(body.document_kind, body.number, today=today)
    commuter = commuter_by_document(session, cipher, document)
    if body.proof_on is not None and body.proof_on > today:
        raise FanjingError(Code.BAD_VALUE, "核酸证明的采样日晚于今天", Where(field="proof_on"))
    found = check_commuter(
        session=session,
        commuter=commuter,
        checker=checker,
        today=today,
        temperature_normal=temperature_normal(temperature(Decimal(str(body.temperature)))),
        health_code=body.health_code,
        proof_on=body.proof_on,
    )
    return {**asdict(found), "reasons": list(found.reasons)}


@router.post(
    "/api/v1/checkpoints/results",
    response_model=list[ResultRead],
    summary="登记核验结果（离线排队的结果可成批补传，重复的只记一次）",
)
def post_results(
    session: DbSession, user: Staff, body: ResultsBody, clock: ClockDep
) -> list[ResultRead]:
    return [result_read(row, new) for row, new in record_posted(session, user, body, clock)]


@router.get(
    "/api/v1/checkpoints/results", response_model=list[ResultRead], summary="本站最近的核验结果"
)
def get_results(session: DbSession, user: Staff) -> list[ResultRead]:
    return [result_read(row) for row in recent_results(session, checkpoint_of(session, user))]


@router.post(
    "/api/v1/checkpoints/commuter-check",
    response_model=CommuterCheckRead,
    summary="查验通勤人员：最近一次核酸阴性是否在14天内（政策包 entry.commuter_test）",
)
def commuter_check(
    session: DbSession,
    user: Staff,
    body: CommuterCheckBody,
    cipher: CipherDep,
    checker: CheckerDep,
    clock: ClockDep,
) -> dict[str, Any]:
    return commuter_checked(session, user, body, cipher, checker, clock)


@router.post(
    "/api/v1/checkpoints/commuters",
    response_model=CommuterRead,
    summary="登记为环京通勤人员（本人）",
)
def register(
    session: DbSession,
    user: Citizen,
    body: CommuterRegister,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> CommuterRead:
    account = own_account(session, user.id)
    row = register_commuter(
        session=session,
        account=account,
        employer=body.employer,
        home=body.home,
        parse_place=gazetteer.parse,
        actor=citizen_actor(user.id),
        now=clock.now(),
    )
    return CommuterRead(id=row.id, employer=row.employer, home=row.home)


@router.get(
    "/api/v1/checkpoints/commuters/me", response_model=CommuterRead, summary="本人的通勤登记"
)
def own_registration(session: DbSession, user: Citizen) -> CommuterRead:
    row = commuter_with_account(session, own_account(session, user.id).id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, "尚未登记为环京通勤人员")
    return CommuterRead(id=row.id, employer=row.employer, home=row.home)
