"""The health kit over HTTP: accounts and phone bindings, declarations, colour and pop-ups, CDC's
red marks, the signed pass with its QR code, and the public keys (JWKS)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.core import COLOUR_ZH
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.keys import current_keys, jwks
from fanjing.healthkit.pass_token import verify_pass
from fanjing.healthkit.passes import pass_for_token
from fanjing.healthkit.popups import clear_popup, clear_popups, postpone_until
from fanjing.healthkit.schemas import AccountCreate, AccountRead, ConfirmBody, PhoneBody
from fanjing.healthkit.service import (
    NO_ACCOUNT,
    AccountView,
    account_view,
    confirm_binding,
    create_account,
    own_account,
    start_binding,
    unbind,
)
from fanjing.healthkit.status import RED_KINDS, caller_status, lift_red, mark_red
from fanjing.healthkit.status_row import OpenPopup, Status
from fanjing.healthkit.store import AccountRow, PhoneBindingRow, PopupRow, RedMarkRow
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.policy.schemas import SituationBody
from fanjing.users.core import Role, token_hash
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    INVALID_TOKEN,
    CheckerDep,
    CipherDep,
    ClockDep,
    Credentials,
    DbSession,
    EngineDep,
    GazetteerDep,
    RateLimitsDep,
    ReadEngineDep,
    RowId,
    SenderDep,
    SettingsDep,
    bearer_token,
    current_user,
    refuse_unless,
    require,
)
from fanjing.web.openapi import problem_response

router = APIRouter(tags=["健康宝"])
Citizen = Annotated[UserRow, Depends(require(Role.CITIZEN))]
CommunityWorker = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER))]
Cdc = Annotated[UserRow, Depends(require(Role.CDC))]


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=2000)


class VerifyResult(BaseModel):
    valid: bool
    code: str | None = (
        None  # why not: pass_tampered, pass_expired, pass_unknown_key, pass_malformed…
    )
    reason: str | None = None
    masked_name: str | None = None
    colour: str | None = None
    popup: bool | None = None
    version: int | None = None
    expires_at: datetime | None = None


@router.get("/.well-known/jwks.json", summary="通行码签名公钥（JWKS）")
def public_keys(settings: SettingsDep, clock: ClockDep) -> dict[str, Any]:
    now = clock.now()
    return jwks(current_keys(settings, now=now), now=now)


@router.post(
    "/api/v1/pass/verify", response_model=VerifyResult, summary="核验通行码（离线可做同样的核验）"
)
def verify(body: VerifyBody, settings: SettingsDep, clock: ClockDep) -> VerifyResult:
    now = clock.now()
    keys = jwks(current_keys(settings, now=now), now=now)
    try:
        claims = verify_pass(body.token, jwks=keys, now=now)
    except FanjingError as refusal:
        return VerifyResult(valid=False, code=refusal.code, reason=refusal.message)
    return VerifyResult(
        valid=True,
        masked_name=claims.masked_name,
        colour=claims.colour.value,
        popup=claims.popup,
        version=claims.version,
        expires_at=claims.expires_at,
    )


def _view(session: Session, account: AccountRow, cipher: FieldCipher) -> AccountView:
    bindings = list(
        session.scalars(select(PhoneBindingRow).where(PhoneBindingRow.account_id == account.id))
    )
    return account_view(account, bindings, cipher, reveal=False)


def _own_account(session: Session, user: UserRow) -> AccountRow:
    return own_account(session, user.id)


@router.post(
    "/api/v1/healthkit/account",
    response_model=AccountRead,
    status_code=201,
    summary="建立本人的健康宝账户",
)
def create(
    body: AccountCreate,
    session: DbSession,
    user: Citizen,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> AccountView:
    document = read_document(
        body.document_kind, body.document_number, today=clock.today(), field="document_number"
    )
    community = gazetteer.parse(body.community).name if body.community else None
    account = create_account(
        session=session,
        cipher=cipher,
        user_id=user.id,
        name=body.name,
        document=document,
        community=community,
        now=clock.now(),
    )
    return _view(session, account, cipher)


@router.get(
    "/api/v1/healthkit/account", response_model=AccountRead, summary="本人的健康宝账户（遮蔽显示）"
)
def own(session: DbSession, user: Citizen, cipher: CipherDep) -> AccountView:
    return _view(session, _own_account(session, user), cipher)


@router.post(
    "/api/v1/healthkit/phones",
    status_code=202,
    summary="绑定手机号：发送验证码",
    responses={
        502: problem_response("短信网关未能发送（sms_failed）"),
        503: problem_response("短信网关无法连接（sms_unavailable）"),
    },
)
def send_code(
    body: PhoneBody,
    session: DbSession,
    user: Citizen,
    cipher: CipherDep,
    sender: SenderDep,
    limits: RateLimitsDep,
    clock: ClockDep,
) -> dict[str, str]:
    start_binding(
        session=session,
        cipher=cipher,
        sender=sender,
        limits=limits,
        account=_own_account(session, user),
        phone=body.phone,
        platform=body.platform,
        now=clock.now(),
    )
    return {"status": "code_sent"}


@router.post(
    "/api/v1/healthkit/phones/confirm", response_model=AccountRead, summary="绑定手机号：确认验证码"
)
def confirm(
    body: ConfirmBody,
    session: DbSession,
    user: Citizen,
    engine: EngineDep,
    cipher: CipherDep,
    clock: ClockDep,
) -> AccountView:
    account = _own_account(session, user)
    session.commit()  # the connection goes back: the code's try takes one of its own
    confirm_binding(
        session=session,
        engine=engine,
        cipher=cipher,
        account=account,
        phone=body.phone,
        platform=body.platform,
        code=body.code,
        now=clock.now(),
    )
    return _view(session, account, cipher)


@router.post(
    "/api/v1/healthkit/phones/unbind",
    response_model=AccountRead,
    summary="解绑手机号（在原授权平台）",
)
def unbind_phone(
    body: PhoneBody, session: DbSession, user: Citizen, cipher: CipherDep, clock: ClockDep
) -> AccountView:
    account = _own_account(session, user)
    unbind(
        session=session,
        cipher=cipher,
        account=account,
        phone=body.phone,
        platform=body.platform,
        today=clock.today(),
        now=clock.now(),
    )
    return _view(session, account, cipher)


@router.get(
    "/api/v1/healthkit/community/accounts",
    response_model=list[AccountRead],
    summary="本社区居民的健康宝账户（社区工作者）",
)
def community_accounts(
    session: DbSession, user: CommunityWorker, cipher: CipherDep
) -> list[AccountView]:
    accounts = session.scalars(
        select(AccountRow).where(AccountRow.community == user.community).order_by(AccountRow.id)
    )
    return [_view(session, account, cipher) for account in accounts]


class CardCityRead(BaseModel):
    city: str
    last_day: date
    starred: bool
    because: list[str]


class DeclarationRead(BaseModel):
    id: int
    allowed: bool = Field(description="可以进京：决定允许，且行程卡上带星的城市都已申报")
    undeclared_cities: list[str] = Field(
        description="行程卡带星、未申报的城市：须说明是否到过其中的中高风险地区"
    )
    card: list[CardCityRead]
    decision: dict[str, Any]


@router.post(
    "/api/v1/healthkit/declarations",
    response_model=DeclarationRead,
    status_code=201,
    summary="进（返）京行程申报与核验",
)
def declare_travel(
    body: SituationBody, session: DbSession, user: Citizen, checker: CheckerDep, clock: ClockDep
) -> dict[str, Any]:
    checked = declare(
        session=session,
        checker=checker,
        account=_own_account(session, user),
        situation=body.model_dump(by_alias=True, exclude_unset=True),
        now=clock.now(),
    )
    return {
        "id": checked.row.id,
        "allowed": checked.row.allowed,
        "undeclared_cities": checked.row.undeclared_cities,
        "card": [
            {
                "city": c.city,
                "last_day": c.last_day,
                "starred": c.starred,
                "because": list(c.because),
            }
            for c in checked.card.cities
        ],
        "decision": checked.row.decision,
    }


class PopupRead(BaseModel):
    id: int
    city: str
    last_visit: date
    postpone_until: date = Field(description="暂缓进返京至此日（离开该市满14天）")
    what_to_do: str


class ColourChange(BaseModel):
    day: date = Field(description="自这一天起（北京时间）")
    colour: Literal["green", "yellow", "red"]
    colour_zh: str


class StatusRead(BaseModel):
    colour: Literal["green", "yellow", "red"]
    colour_zh: str
    popup: bool = Field(description="有未处理的弹窗")
    popups: list[PopupRead]
    history: list[ColourChange] = Field(description="颜色变化，最早的在前（此前为绿码）")


def _popup_read(popup: PopupRow | OpenPopup) -> dict[str, Any]:
    until = postpone_until(popup.last_visit)
    return {
        "id": popup.id,
        "city": popup.city,
        "last_visit": popup.last_visit,
        "postpone_until": until,
        "what_to_do": f"近期可能到访或途经{popup.city}的疫情风险地区：请及时主动与所在社区（村）或单位联系，"
        f"配合落实排查、核酸检测、健康监测等防控措施；未进京的请暂缓进返京，{until} 起方可进京。",
    }


@router.get(
    "/api/v1/healthkit/status",
    response_model=StatusRead,
    summary="本人的健康宝状态：颜色、弹窗与颜色变化",
)
async def status(
    credentials: Credentials, request: Request, read_engine: ReadEngineDep, clock: ClockDep
) -> Response:
    # the health kit's most frequent request: who asks, their account and its status come
    # in one query, on one trip through the thread pool (not one per dependency)
    token = bearer_token(credentials)
    role, state = await run_in_threadpool(_caller_status, read_engine, token_hash(token), clock)
    if role is None:  # the token's own error (unknown, expired, revoked), counted as a failure
        await run_in_threadpool(current_user, request, credentials)
        raise INVALID_TOKEN
    refuse_unless(role, (Role.CITIZEN,))
    if state is None:
        raise FanjingError(Code.NOT_FOUND, NO_ACCOUNT)
    answer = {
        "colour": state.colour.value,
        "colour_zh": COLOUR_ZH[state.colour],
        "popup": bool(state.popups),
        "popups": [_popup_read(p) for p in state.popups],
        "history": [
            {"day": day, "colour": colour.value, "colour_zh": COLOUR_ZH[colour]}
            for day, colour in state.history
        ],
    }  # shaped as StatusRead (a test holds it to the document); encoded without re-validating
    return Response(orjson.dumps(answer), media_type="application/json")


def _caller_status(engine: Engine, token: str, clock: Clock) -> tuple[str | None, Status | None]:
    with engine.connect() as connection:
        return caller_status(connection, token, clock.today(), clock.now())


class PassRead(BaseModel):
    token: str = Field(description="签名通行码（EdDSA，5分钟有效）")
    expires_at: datetime
    colour: Literal["green", "yellow", "red"]
    popup: bool
    version: int = Field(description="状态版本：每次颜色或弹窗变化加一，通行码中也有")
    qr_svg: str = Field(description="通行码二维码（SVG data URI）")


@router.get(
    "/api/v1/healthkit/pass",
    response_model=PassRead,
    summary="本人的通行码与二维码（5分钟有效，过期重取）",
)
async def own_pass(
    credentials: Credentials,
    request: Request,
    read_engine: ReadEngineDep,
    settings: SettingsDep,
    cipher: CipherDep,
    clock: ClockDep,
) -> Response:
    # as the status: who asks, their status row and name in one query, one thread-pool trip
    token = bearer_token(credentials)
    role, issued = await run_in_threadpool(
        pass_for_token, read_engine, settings, cipher, clock, token_hash(token)
    )
    if role is None:
        await run_in_threadpool(current_user, request, credentials)
        raise INVALID_TOKEN
    refuse_unless(role, (Role.CITIZEN,))
    if issued is None:
        raise FanjingError(Code.NOT_FOUND, NO_ACCOUNT)
    # shaped as PassRead (a test holds it to the document); encoded without re-validating
    return Response(orjson.dumps(issued, option=orjson.OPT_UTC_Z), media_type="application/json")


class RedMarkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_kind: Literal["resident_id", "passport", "hk_macau_permit", "taiwan_permit"] = (
        "resident_id"
    )
    document_number: str = Field(min_length=1, max_length=30)
    kind: Literal["confirmed_case", "close_contact"]
    reason: str = Field(min_length=1, max_length=300)


class RedMarkRead(BaseModel):
    id: int
    account_id: int
    kind: Literal["confirmed_case", "close_contact"]
    kind_zh: str
    reason: str
    marked_on: date
    marked_by: str
    lifted_on: date | None
    lift_reason: str | None


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
    rows = session.scalars(
        select(RedMarkRow).where(RedMarkRow.lifted_on.is_(None)).order_by(RedMarkRow.id)
    )
    return [_red_mark_read(row) for row in rows]


class LiftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


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


class ClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


@router.get(
    "/api/v1/healthkit/community/popups",
    response_model=list[PopupRead],
    summary="本社区居民的弹窗（社区工作者）",
)
def community_popups(session: DbSession, user: CommunityWorker) -> list[dict[str, Any]]:
    popups = session.scalars(
        select(PopupRow)
        .join(AccountRow, AccountRow.id == PopupRow.account_id)
        .where(AccountRow.community == user.community, PopupRow.cleared_at.is_(None))
        .order_by(PopupRow.id)
    )
    return [_popup_read(p) for p in popups]


class ClearManyBody(ClearBody):
    city: str | None = Field(
        None, max_length=100, description="只处理该城市的弹窗；不填则处理此人的全部弹窗"
    )


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
    return [_popup_read(popup) for popup in cleared]


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
    return _popup_read(popup)
