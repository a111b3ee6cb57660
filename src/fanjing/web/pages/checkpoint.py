"""The checkpoint page (检查站): scan and verify a pass offline, take the temperature, check a
commuter's 14-day test, and record the result (queued in the browser while offline); and the
citizen's commuter registration (环京通勤登记)."""

from __future__ import annotations

import hmac
import json
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from fanjing.audit.service import citizen_actor
from fanjing.checkpoints.api import commuter_checked, record_posted, result_read
from fanjing.checkpoints.core import (
    FEVER_FROM,
    Outcome,
)
from fanjing.checkpoints.schemas import CommuterCheckBody, ResultsBody
from fanjing.checkpoints.service import (
    OUTCOMES_ZH,
    checkpoint_of,
    recent_results,
    register_commuter,
)
from fanjing.checkpoints.store import commuter_with_account
from fanjing.common.days import CHINA_STANDARD_TIME
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.keys import jwks, stored_keys
from fanjing.healthkit.store import account_of
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CheckerDep,
    CipherDep,
    ClockDep,
    DbSession,
    GazetteerDep,
    SettingsDep,
)
from fanjing.web.pages.i18n import translator
from fanjing.web.pages.session import Csrf, language, render, require_page

router = APIRouter(include_in_schema=False)
Body = TypeVar("Body", bound=BaseModel)
StaffUser = Annotated[UserRow, Depends(require_page(Role.CHECKPOINT))]
CitizenUser = Annotated[UserRow, Depends(require_page(Role.CITIZEN))]

# what the page's script shows, by key (translated here: the script has no catalogue)
SCRIPT_TEXTS = {
    "malformed": "不是健康宝通行码",
    "unknown_key": "不认识的签名密钥：不是本系统签发，或密钥已停用",
    "tampered": "签名不符：通行码被改动过",
    "expired": "通行码已过期，请对方刷新",
    "not_yet_valid": "通行码的签发时间晚于现在",
    "refused": "未通过核验：",
    "verified": "签名有效（离线核验）",
    "colour_green": "绿码",
    "colour_yellow": "黄码",
    "colour_red": "红码",
    "popup_yes": "有弹窗",
    "popup_no": "无弹窗",
    "no_camera": "无法打开摄像头：可粘贴通行码文本",
    "camera_on": "摄像头已开启，请对准二维码",
    "sent": "已上传",
    "send_refused": "上传被拒绝：",
    "offline_queued": "离线：结果已暂存，联网后自动上传",
    "commuter_offline": "离线时无法查询通勤登记",
    "commuter_ok": "通勤人员：14天内核酸阴性，可通行",
    "commuter_refused": "通勤人员不能通行：",
    "commuter_tested_but": "14天内核酸阴性，但不能通行：",
    "last_test": "最近一次核酸阴性：",
    "none": "无记录",
}
COLOUR_ZH = {"green": "绿码", "yellow": "黄码", "red": "红码"}
TEXTS = (*SCRIPT_TEXTS.values(), *OUTCOMES_ZH.values(), *COLOUR_ZH.values())
REGISTERED = "已登记为环京通勤人员"


def _check_csrf_header(request: Request) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token", "")
    if not expected or not hmac.compare_digest(str(expected), given):
        raise FanjingError(Code.CSRF_FAILED, "表单已过期或来源不明，请刷新页面后重试")


@router.get("/checkpoint", response_class=HTMLResponse)
def checkpoint_page(
    request: Request, session: DbSession, user: StaffUser, settings: SettingsDep, clock: ClockDep
) -> HTMLResponse:
    checkpoint = checkpoint_of(session, user)
    now = clock.now()
    keys = jwks(stored_keys(settings, now=now), now=now)
    translate = translator(language(request))
    return render(
        request,
        "checkpoint.html",
        user=user,
        checkpoint=checkpoint,
        jwks_json=json.dumps(keys),
        texts_json=json.dumps(
            {k: translate(v) for k, v in SCRIPT_TEXTS.items()}, ensure_ascii=False
        ),
        results=recent_results(session, checkpoint, limit=20),
        outcomes_zh=OUTCOMES_ZH,
        outcomes=[o.value for o in Outcome],
        fever_from=FEVER_FROM,
        colour_zh=COLOUR_ZH,
        cst=CHINA_STANDARD_TIME,
    )


async def _body(request: Request, model: type[Body]) -> Body:
    """The page script's JSON, checked as the API checks it."""
    _check_csrf_header(request)
    try:
        return model.model_validate(await request.json())
    except ValueError as problem:  # not JSON, or not of the model's shape
        where = problem.errors()[0]["loc"] if isinstance(problem, ValidationError) else ""
        raise FanjingError(Code.BAD_VALUE, f"请求格式不对：{where}") from None


@router.post("/checkpoint/results")
async def post_results(
    request: Request, session: DbSession, user: StaffUser, clock: ClockDep
) -> Response:
    body = await _body(request, ResultsBody)
    kept = await run_in_threadpool(record_posted, session, user, body, clock)
    return JSONResponse([result_read(row, new).model_dump(mode="json") for row, new in kept])


@router.post("/checkpoint/commuter-check")
async def commuter_check(
    request: Request,
    session: DbSession,
    user: StaffUser,
    cipher: CipherDep,
    checker: CheckerDep,
    clock: ClockDep,
) -> Response:
    body = await _body(request, CommuterCheckBody)
    found = await run_in_threadpool(commuter_checked, session, user, body, cipher, checker, clock)
    return JSONResponse(jsonable_encoder(found))


@router.get("/healthkit/commuter", response_class=HTMLResponse)
def commuter_page(request: Request, session: DbSession, user: CitizenUser) -> HTMLResponse:
    account = account_of(session, user.id)
    commuter = commuter_with_account(session, account.id) if account else None
    form = {"employer": commuter.employer, "home": commuter.home} if commuter else {}
    return render(
        request,
        "citizen_commuter.html",
        user=user,
        account=account,
        commuter=commuter,
        form=form,
        errors=[],
        flash=request.session.pop("commuter_flash", None),
    )


@router.post("/healthkit/commuter", response_class=HTMLResponse)
def register_page(
    request: Request,
    session: DbSession,
    user: CitizenUser,
    gazetteer: GazetteerDep,
    clock: ClockDep,
    _csrf: Csrf,
    employer: Annotated[str, Form()] = "",
    home: Annotated[str, Form()] = "",
) -> Response:
    account = account_of(session, user.id)
    if account is None:
        return RedirectResponse("/healthkit", status_code=303)
    try:
        register_commuter(
            session=session,
            account=account,
            employer=employer,
            home=home,
            parse_place=gazetteer.parse,
            actor=citizen_actor(user.id),
            now=clock.now(),
        )
    except FanjingError as problem:
        session.rollback()
        return render(
            request,
            "citizen_commuter.html",
            user=user,
            account=account,
            commuter=commuter_with_account(session, account.id),
            form={"employer": employer, "home": home},
            errors=problem.problems(),
            flash=None,
            status_code=422,
        )
    request.session["commuter_flash"] = REGISTERED
    return RedirectResponse("/healthkit/commuter", status_code=303)
