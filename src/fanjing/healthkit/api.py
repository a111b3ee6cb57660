"""The pass's public keys (JWKS) and its verification over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.errors import FanjingError
from fanjing.healthkit.core import COLOUR_ZH, colour_from_decision
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.keys import jwks, stored_keys
from fanjing.healthkit.pass_token import verify_pass
from fanjing.healthkit.popups import clear_popup, open_popups, postpone_until
from fanjing.healthkit.schemas import AccountCreate, AccountRead, ConfirmBody, PhoneBody
from fanjing.healthkit.service import (
    AccountView,
    account_view,
    confirm_binding,
    create_account,
    start_binding,
    unbind,
)
from fanjing.healthkit.store import AccountRow, DeclarationRow, PhoneBindingRow, PopupRow
from fanjing.infra.clock import today_in_china
from fanjing.policy.schemas import SituationBody
from fanjing.policy.service import Checker
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import DbSession, require

router = APIRouter(tags=["健康宝"])
Citizen = Annotated[UserRow, Depends(require(Role.CITIZEN))]
CommunityWorker = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER))]


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
    expires_at: datetime | None = None


@router.get("/.well-known/jwks.json", summary="通行码签名公钥（JWKS）")
def public_keys(request: Request) -> dict[str, Any]:
    now = datetime.now(UTC)
    return jwks(stored_keys(request.app.state.settings, now=now), now=now)


@router.post(
    "/api/v1/pass/verify", response_model=VerifyResult, summary="核验通行码（离线可做同样的核验）"
)
def verify(body: VerifyBody, request: Request) -> VerifyResult:
    now = datetime.now(UTC)
    keys = jwks(stored_keys(request.app.state.settings, now=now), now=now)
    try:
        claims = verify_pass(body.token, jwks=keys, now=now)
    except FanjingError as refusal:
        return VerifyResult(valid=False, code=refusal.code, reason=refusal.message)
    return VerifyResult(
        valid=True,
        masked_name=claims.masked_name,
        colour=claims.colour.value,
        popup=claims.popup,
        expires_at=claims.expires_at,
    )


def _view(session: Session, account: AccountRow, request: Request) -> AccountView:
    bindings = list(
        session.scalars(select(PhoneBindingRow).where(PhoneBindingRow.account_id == account.id))
    )
    return account_view(account, bindings, request.app.state.cipher, reveal=False)


def _own_account(session: Session, user: UserRow) -> AccountRow:
    account = session.scalar(select(AccountRow).where(AccountRow.user_id == user.id))
    if account is None:
        raise FanjingError(
            "not_found", "还没有健康宝账户：请先建立（POST /api/v1/healthkit/account）"
        )
    return account


@router.post(
    "/api/v1/healthkit/account",
    response_model=AccountRead,
    status_code=201,
    summary="建立本人的健康宝账户",
)
def create(body: AccountCreate, session: DbSession, user: Citizen, request: Request) -> AccountView:
    state = request.app.state
    document = read_document(
        body.document_kind, body.document_number, today=today_in_china(), field="document_number"
    )
    community = None
    if body.community:
        place = state.gazetteer.parse(body.community)
        community = place.name
    account = create_account(
        session=session,
        cipher=state.cipher,
        user_id=user.id,
        name=body.name,
        document=document,
        community=community,
        now=datetime.now(UTC),
    )
    return _view(session, account, request)


@router.get(
    "/api/v1/healthkit/account", response_model=AccountRead, summary="本人的健康宝账户（遮蔽显示）"
)
def own(session: DbSession, user: Citizen, request: Request) -> AccountView:
    return _view(session, _own_account(session, user), request)


@router.post("/api/v1/healthkit/phones", status_code=202, summary="绑定手机号：发送验证码")
def send_code(
    body: PhoneBody, session: DbSession, user: Citizen, request: Request
) -> dict[str, str]:
    state = request.app.state
    start_binding(
        session=session,
        cipher=state.cipher,
        sender=state.sender,
        account=_own_account(session, user),
        phone=body.phone,
        platform=body.platform,
        now=datetime.now(UTC),
    )
    return {"status": "code_sent"}


@router.post(
    "/api/v1/healthkit/phones/confirm", response_model=AccountRead, summary="绑定手机号：确认验证码"
)
def confirm(body: ConfirmBody, session: DbSession, user: Citizen, request: Request) -> AccountView:
    account = _own_account(session, user)
    confirm_binding(
        session=session,
        cipher=request.app.state.cipher,
        account=account,
        phone=body.phone,
        platform=body.platform,
        code=body.code,
        now=datetime.now(UTC),
    )
    return _view(session, account, request)


@router.post(
    "/api/v1/healthkit/phones/unbind",
    response_model=AccountRead,
    summary="解绑手机号（在原授权平台）",
)
def unbind_phone(
    body: PhoneBody, session: DbSession, user: Citizen, request: Request
) -> AccountView:
    account = _own_account(session, user)
    unbind(
        session=session,
        cipher=request.app.state.cipher,
        account=account,
        phone=body.phone,
        platform=body.platform,
        today=today_in_china(),
    )
    return _view(session, account, request)


@router.get(
    "/api/v1/healthkit/community/accounts",
    response_model=list[AccountRead],
    summary="本社区居民的健康宝账户（社区工作者）",
)
def community_accounts(
    session: DbSession, user: CommunityWorker, request: Request
) -> list[AccountView]:
    accounts = session.scalars(
        select(AccountRow).where(AccountRow.community == user.community).order_by(AccountRow.id)
    )
    return [_view(session, account, request) for account in accounts]


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
    body: SituationBody, session: DbSession, user: Citizen, request: Request
) -> dict[str, Any]:
    state = request.app.state
    checker = Checker(state.packs, state.registry.get(), state.gazetteer.parse, today_in_china())
    checked = declare(
        session=session,
        checker=checker,
        account=_own_account(session, user),
        situation=body.model_dump(by_alias=True, exclude_unset=True),
        now=datetime.now(UTC),
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


class StatusRead(BaseModel):
    colour: Literal["green", "yellow", "red"]
    colour_zh: str
    popups: list[PopupRead]


def _popup_read(popup: PopupRow) -> dict[str, Any]:
    until = postpone_until(popup)
    return {
        "id": popup.id,
        "city": popup.city,
        "last_visit": popup.last_visit,
        "postpone_until": until,
        "what_to_do": f"近期可能到访或途经{popup.city}的疫情风险地区：请及时主动与所在社区（村）或单位联系，"
        f"配合落实排查、核酸检测、健康监测等防控措施；未进京的请暂缓进返京，{until} 起方可进京。",
    }


@router.get(
    "/api/v1/healthkit/status", response_model=StatusRead, summary="本人的健康宝状态：颜色与弹窗"
)
def status(session: DbSession, user: Citizen) -> dict[str, Any]:
    account = _own_account(session, user)
    latest = session.scalar(
        select(DeclarationRow)
        .where(DeclarationRow.account_id == account.id)
        .order_by(DeclarationRow.id.desc())
    )
    colour = colour_from_decision(latest.decision if latest else None, today_in_china())
    return {
        "colour": colour.value,
        "colour_zh": COLOUR_ZH[colour],
        "popups": [_popup_read(p) for p in open_popups(session, account.id)],
    }


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


@router.post(
    "/api/v1/healthkit/popups/{popup_id}/clear",
    response_model=PopupRead,
    summary="处理弹窗（社区工作者，须写明理由）",
)
def clear(
    popup_id: int, body: ClearBody, session: DbSession, user: CommunityWorker
) -> dict[str, Any]:
    popup = clear_popup(
        session=session,
        popup_id=popup_id,
        community=user.community or "",
        actor=user.name,
        reason=body.reason,
        now=datetime.now(UTC),
    )
    return _popup_read(popup)
