"""The citizen's phone numbers as pages: binding one on its platform (a one-time code, then the
form asking for it) and unbinding it there (another platform is refused, naming the right one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanjing.common.identity import mask_phone
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.sender import CodeSender, LogSender
from fanjing.healthkit.service import (
    CODE_VALIDITY,
    MAX_ATTEMPTS,
    confirm_binding,
    start_binding,
    unbind,
)
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CipherDep,
    ClockDep,
    DbSession,
    EngineDep,
    RateLimitsDep,
    SenderDep,
)
from fanjing.web.errors import retry_after, status_for
from fanjing.web.pages.citizen import (
    PLATFORM_ZH,
    Citizen,
    HealthkitForm,
    healthkit_page,
    own_account_of,
)
from fanjing.web.pages.session import Csrf, render

router = APIRouter(include_in_schema=False)
BINDING = "binding"  # the session key of a binding waiting for its code


@router.post("/healthkit/phones", response_class=HTMLResponse)
def send_code(
    form: HealthkitForm,
    phone: Annotated[str, Form(max_length=30)] = "",
    platform: Annotated[str, Form(max_length=10)] = "",
    *,
    sender: SenderDep,
    limits: RateLimitsDep,
) -> HTMLResponse:
    """Step one of binding: a one-time code to the number; then the form asking for it."""
    account = own_account_of(form.session, form.user)
    try:
        start_binding(
            session=form.session,
            cipher=form.kit.cipher,
            sender=sender,
            limits=limits,
            account=account,
            phone=phone,
            platform=platform,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        form.session.rollback()  # no code is kept that was not sent
        page = healthkit_page(
            form, account, errors=problem.problems(), status_code=status_for(problem)
        )
        page.headers.update(retry_after(problem))
        return page
    # the number waits in the (signed) session, not in the page: pages show it masked
    form.request.session[BINDING] = {"phone": phone.strip(), "platform": platform}
    return _code_form(form.request, form.user, phone.strip(), platform, code_in_log=_logged(sender))


def _logged(sender: CodeSender) -> bool:
    """The development sender sends nothing: the page says where the code is (the demo's log)."""
    return isinstance(sender, LogSender)


def _code_form(
    request: Request,
    user: UserRow,
    phone: str,
    platform: str,
    *,
    code_in_log: bool,
    errors: list[FanjingError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "citizen_code.html",
        user=user,
        status_code=status_code,
        masked=mask_phone(phone),
        platform_zh=PLATFORM_ZH.get(platform, platform),
        minutes=int(CODE_VALIDITY.total_seconds() // 60),
        tries=MAX_ATTEMPTS,
        code_in_log=code_in_log,
        errors=errors,
    )


@router.post("/healthkit/phones/confirm", response_model=None)
def confirm(
    request: Request,
    session: DbSession,
    user: Citizen,
    _csrf: Csrf,
    code: Annotated[str, Form(max_length=10)] = "",
    *,
    engine: EngineDep,
    cipher: CipherDep,
    sender: SenderDep,
    clock: ClockDep,
) -> Response:
    """Step two: the code confirms the binding."""
    account = own_account_of(session, user)
    waiting = request.session.get(BINDING)
    if not isinstance(waiting, dict):
        raise FanjingError(Code.CODE_EXPIRED, "验证码已失效，请重新获取")
    # the page's own writes (the session's last request) are committed and the connection
    # given back first: the code's try takes one of its own (on SQLite it would otherwise
    # wait for this transaction's write lock)
    session.commit()
    try:
        confirm_binding(
            session=session,
            engine=engine,
            cipher=cipher,
            account=account,
            phone=waiting["phone"],
            platform=waiting["platform"],
            code=code,
            now=clock.now(),
        )
    except FanjingError as problem:
        # the try is already counted in its own transaction; nothing else of it is kept
        session.rollback()
        return _code_form(
            request,
            user,
            waiting["phone"],
            waiting["platform"],
            code_in_log=_logged(sender),
            errors=problem.problems(),
            status_code=422,
        )
    request.session.pop(BINDING, None)
    session.commit()
    return RedirectResponse("/healthkit?done=bound#phones", status_code=303)


@router.post("/healthkit/phones/unbind", response_model=None)
def unbind_phone(
    form: HealthkitForm,
    phone: Annotated[str, Form(max_length=30)] = "",
    platform: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Unbinding on the authorising platform; another platform is refused, naming the right one."""
    account = own_account_of(form.session, form.user)
    try:
        unbind(
            session=form.session,
            cipher=form.kit.cipher,
            account=account,
            phone=phone,
            platform=platform,
            today=form.kit.clock.today(),
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        return healthkit_page(form, account, errors=problem.problems(), status_code=422)
    form.session.commit()
    return RedirectResponse("/healthkit?done=unbound#phones", status_code=303)
