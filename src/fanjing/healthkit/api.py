"""The health kit over HTTP, as its holder uses it: the account and its phone bindings, the
travel declaration, colour and pop-ups, the signed pass (its QR code when asked), and the public keys
(JWKS) anyone verifies a pass with. What staff do to health kits: ``staff_api``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.core import COLOUR_ZH
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.keys import current_keys, jwks
from fanjing.healthkit.pass_token import verify_pass
from fanjing.healthkit.passes import pass_for_token, pass_for_token_awaited
from fanjing.healthkit.popups import postpone_until
from fanjing.healthkit.schemas import (
    AccountCreate,
    AccountRead,
    ConfirmBody,
    DeclarationRead,
    PassRead,
    PhoneBody,
    StatusRead,
    VerifyBody,
    VerifyResult,
)
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
from fanjing.healthkit.status import caller_status, caller_status_awaited
from fanjing.healthkit.status_row import OpenPopup, Status
from fanjing.healthkit.store import AccountRow, PopupRow, bindings_of
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.policy.schemas import SituationBody
from fanjing.users.core import Role, token_hash
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    INVALID_TOKEN,
    AwaitedReadEngineDep,
    CheckerDep,
    CipherDep,
    ClockDep,
    Credentials,
    DbSession,
    EngineDep,
    GazetteerDep,
    RateLimitsDep,
    ReadEngineDep,
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


def view_of(session: Session, account: AccountRow, cipher: FieldCipher) -> AccountView:
    return account_view(account, bindings_of(session, account.id), cipher, reveal=False)


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
    return view_of(session, account, cipher)


@router.get(
    "/api/v1/healthkit/account", response_model=AccountRead, summary="本人的健康宝账户（遮蔽显示）"
)
def own(session: DbSession, user: Citizen, cipher: CipherDep) -> AccountView:
    return view_of(session, _own_account(session, user), cipher)


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
    return view_of(session, account, cipher)


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
    return view_of(session, account, cipher)


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


def popup_read(popup: PopupRow | OpenPopup) -> dict[str, Any]:
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
    credentials: Credentials,
    request: Request,
    read_engine: ReadEngineDep,
    awaited_engine: AwaitedReadEngineDep,
    clock: ClockDep,
) -> Response:
    # the health kit's most frequent request: who asks, their account and its status come
    # in one query, on the event loop (PostgreSQL), else on one trip through the thread pool
    hashed = token_hash(bearer_token(credentials))
    answer = None
    if awaited_engine is not None:
        answer = await caller_status_awaited(awaited_engine, hashed, clock.today(), clock.now())
    if answer is None:
        answer = await run_in_threadpool(_caller_status, read_engine, hashed, clock)
    role, state = answer
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
        "popups": [popup_read(p) for p in state.popups],
        "history": [
            {"day": day, "colour": colour.value, "colour_zh": COLOUR_ZH[colour]}
            for day, colour in state.history
        ],
    }  # shaped as StatusRead (a test holds it to the document); encoded without re-validating
    return Response(orjson.dumps(answer), media_type="application/json")


def _caller_status(engine: Engine, token: str, clock: Clock) -> tuple[str | None, Status | None]:
    with engine.connect() as connection:
        return caller_status(connection, token, clock.today(), clock.now())


@router.get(
    "/api/v1/healthkit/pass",
    response_model=PassRead,
    summary="本人的通行码（5分钟有效，过期重取）；?qr=svg 时附二维码",
)
async def own_pass(
    credentials: Credentials,
    request: Request,
    read_engine: ReadEngineDep,
    awaited_engine: AwaitedReadEngineDep,
    settings: SettingsDep,
    cipher: CipherDep,
    clock: ClockDep,
    qr: Annotated[
        Literal["svg"] | None,
        Query(description="svg：服务器绘制二维码；不填：应用由 token 自行绘制"),
    ] = None,
) -> Response:
    # as the status: who asks, their status row and name in one query; a QR code, drawn for
    # milliseconds, is drawn in the thread pool rather than on the event loop
    hashed = token_hash(bearer_token(credentials))
    answer = None
    if awaited_engine is not None and qr is None:
        answer = await pass_for_token_awaited(awaited_engine, settings, cipher, clock, hashed)
    if answer is None:
        answer = await run_in_threadpool(
            pass_for_token, read_engine, settings, cipher, clock, hashed, with_qr=qr == "svg"
        )
    role, issued = answer
    if role is None:
        await run_in_threadpool(current_user, request, credentials)
        raise INVALID_TOKEN
    refuse_unless(role, (Role.CITIZEN,))
    if issued is None:
        raise FanjingError(Code.NOT_FOUND, NO_ACCOUNT)
    # shaped as PassRead (a test holds it to the document); encoded without re-validating
    return Response(orjson.dumps(issued, option=orjson.OPT_UTC_Z), media_type="application/json")
