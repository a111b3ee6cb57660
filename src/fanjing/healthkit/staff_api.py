"""What staff do to health kits over HTTP: a community worker's view of their community's
accounts and pop-ups (clearing them, with a reason), and CDC's red marks (set and lifted)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from fanjing.common.identity import read_document
from fanjing.healthkit.api import popup_read, view_of
from fanjing.healthkit.popup_store import open_popups_in
from fanjing.healthkit.popups import clear_popup, clear_popups
from fanjing.healthkit.schemas import (
    AccountRead,
    ClearBody,
    ClearManyBody,
    LiftBody,
    PopupRead,
    RedMarkBody,
    RedMarkRead,
)
from fanjing.healthkit.service import (
    AccountView,
)
from fanjing.healthkit.status import RED_KINDS, lift_red, mark_red
from fanjing.healthkit.store import RedMarkRow, accounts_in, open_red_marks
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CipherDep,
    ClockDep,
    DbSession,
    RowId,
    require,
)

router = APIRouter(tags=["健康宝"])
CommunityWorker = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER))]
Cdc = Annotated[UserRow, Depends(require(Role.CDC))]


@router.get(
    "/api/v1/healthkit/community/accounts",
    response_model=list[AccountRead],
    summary="本社区居民的健康宝账户（社区工作者）",
)
def community_accounts(
    session: DbSession, user: CommunityWorker, cipher: CipherDep
) -> list[AccountView]:
    return [view_of(session, account, cipher) for account in accounts_in(session, user.community)]


def _red_mark_read(mark: RedMarkRow) -> dict[str, Any]:
    return {
        "id": mark.id,
        "account_id": mark.account_id,
        "kind": mark.kind,
        "kind_zh": RED_KINDS[mark.kind],
        "reason": mark.reason,
        "marked_on": mark.marked_on,
        "marked_by": mark.marked_by,
        "lifted_on": mark.lifted_on,
        "lift_reason": mark.lift_reason,
    }


@router.post(
    "/api/v1/healthkit/red-marks",
    response_model=RedMarkRead,
    status_code=201,
    summary="赋红码：确诊病例或密切接触者（疾控）",
)
def mark(
    body: RedMarkBody, session: DbSession, user: Cdc, cipher: CipherDep, clock: ClockDep
) -> dict[str, Any]:
    today = clock.today()
    document = read_document(
        body.document_kind, body.document_number, today=today, field="document_number"
    )
    row = mark_red(
        session=session,
        cipher=cipher,
        document=document,
        kind=body.kind,
        reason=body.reason,
        actor=user.name,
        today=today,
        now=clock.now(),
    )
    return _red_mark_read(row)


@router.get(
    "/api/v1/healthkit/red-marks",
    response_model=list[RedMarkRead],
    summary="未解除的红码标记（疾控）",
)
def red_marks(session: DbSession, user: Cdc) -> list[dict[str, Any]]:
    return [_red_mark_read(row) for row in open_red_marks(session)]


@router.post(
    "/api/v1/healthkit/red-marks/{mark_id}/lift",
    response_model=RedMarkRead,
    summary="解除红码（疾控，须写明理由）",
)
def lift(
    mark_id: RowId, body: LiftBody, session: DbSession, user: Cdc, clock: ClockDep
) -> dict[str, Any]:
    row = lift_red(
        session=session,
        mark_id=mark_id,
        reason=body.reason,
        actor=user.name,
        today=clock.today(),
        now=clock.now(),
    )
    return _red_mark_read(row)


@router.get(
    "/api/v1/healthkit/community/popups",
    response_model=list[PopupRead],
    summary="本社区居民的弹窗（社区工作者）",
)
def community_popups(session: DbSession, user: CommunityWorker) -> list[dict[str, Any]]:
    return [popup_read(p) for p in open_popups_in(session, user.community)]


@router.post(
    "/api/v1/healthkit/community/accounts/{account_id}/popups/clear",
    response_model=list[PopupRead],
    summary="一并处理本社区某人（某城市）的全部弹窗（社区工作者，一个理由，逐个记录）",
)
def clear_many(
    account_id: RowId,
    body: ClearManyBody,
    session: DbSession,
    user: CommunityWorker,
    clock: ClockDep,
) -> list[dict[str, Any]]:
    cleared = clear_popups(
        session=session,
        account_id=account_id,
        city=body.city,
        community=user.community or "",
        actor=user.name,
        reason=body.reason,
        today=clock.today(),
        now=clock.now(),
    )
    return [popup_read(popup) for popup in cleared]


@router.post(
    "/api/v1/healthkit/popups/{popup_id}/clear",
    response_model=PopupRead,
    summary="处理弹窗（社区工作者，须写明理由）",
)
def clear(
    popup_id: RowId, body: ClearBody, session: DbSession, user: CommunityWorker, clock: ClockDep
) -> dict[str, Any]:
    popup = clear_popup(
        session=session,
        popup_id=popup_id,
        community=user.community or "",
        actor=user.name,
        reason=body.reason,
        today=clock.today(),
        now=clock.now(),
    )
    return popup_read(popup)
