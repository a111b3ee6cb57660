"""Pages anyone may open: home, logging in and out, the language switch, the entry check as a
form (with place suggestions as one types), and the hotline's answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from fanjing.errors import FanjingError, TooManyRequests
from fanjing.policy.core.explain import (
    Said,
    month_day_zh,
    reasons_for_citizens,
    source_label,
    verdict,
)
from fanjing.policy.core.model import MeasureKind
from fanjing.users.core import Role
from fanjing.web.deps import CheckerDep, DbSession, FaqSearcherDep, GazetteerDep, user_by_token
from fanjing.web.errors import retry_after
from fanjing.web.pages.i18n import COOKIE, LANGUAGES, translator
from fanjing.web.pages.session import Csrf, language, log_in, log_out, render, session_user
from fanjing.web.pages.situation_form import (
    empty_form,
    field_label,
    missing_answers,
    situation_from_form,
)

router = APIRouter(include_in_schema=False)

HOME_OF_ROLE = {
    Role.CITIZEN.value: "/healthkit",
    Role.COMMUNITY_WORKER.value: "/community",
    Role.CDC.value: "/cdc",
    Role.CLINIC.value: "/clinic",
    Role.HOTLINE.value: "/hotline",
    Role.EMPLOYER.value: "/employer",
    Role.ADMIN.value: "/cdc",
    Role.CHECKPOINT.value: "/checkpoint",
    Role.SITE_MANAGER.value: "/sites",
}

LOGIN_TOO_OFTEN = "令牌错误次数过多，请一分钟后再试"
LOGIN_REFUSED = {
    "unauthenticated": "令牌无效，请核对后重试",
    "token_expired": "令牌已过期，请向管理员重新申请",
    "token_revoked": "令牌已被吊销，请向管理员重新申请",
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession) -> HTMLResponse:
    user = session_user(request, session)
    return render(
        request, "home.html", user=user, home_of_role=HOME_OF_ROLE[user.role] if user else None
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, session: DbSession, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", user=session_user(request, session), next=_local(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: DbSession,
    _csrf: Csrf,
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    try:
        user = user_by_token(request, session, token.strip())
    except TooManyRequests as refusal:
        page = render(
            request, "login.html", status_code=429, next=_local(next), error=LOGIN_TOO_OFTEN
        )
        page.headers.update(retry_after(refusal))
        return page
    except FanjingError as refusal:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_local(next),
            error=LOGIN_REFUSED.get(refusal.code, LOGIN_REFUSED["unauthenticated"]),
        )
    log_in(request, session, user)
    target = _local(next)
    return RedirectResponse(target if target != "/" else HOME_OF_ROLE[user.role], status_code=303)


@router.post("/logout")
def logout(request: Request, session: DbSession, _csrf: Csrf) -> RedirectResponse:
    log_out(request, session)
    return RedirectResponse("/", status_code=303)


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> RedirectResponse:
    answer = RedirectResponse(_local(next), status_code=303)
    if code in LANGUAGES:
        answer.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="lax")
    return answer


def _local(target: str) -> str:
    """Only paths on this site: never redirect elsewhere after login."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/places/suggest")
def suggest(gazetteer: GazetteerDep, q: Annotated[str, Query(max_length=50)] = "") -> JSONResponse:
    return JSONResponse(gazetteer.suggest(q, limit=10))


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request, session: DbSession) -> HTMLResponse:
    return render(
        request,
        "check.html",
        user=session_user(request, session),
        form=empty_form(),
    )


@router.post("/check", response_class=HTMLResponse)
async def check(request: Request, session: DbSession, checker: CheckerDep) -> HTMLResponse:
    form = await request.form()
    values = {key: str(value) for key, value in form.multi_items()}
    situation, shown = situation_from_form(values)
    user = session_user(request, session)
    errors = missing_answers(values)
    if not errors:
        try:
            decision = checker.check(situation)
        except FanjingError as problem:
            errors = problem.problems()
    if errors:
        shown_errors = [_shown_error(error) for error in errors]
        return render(
            request, "check.html", user=user, form=shown, errors=shown_errors, status_code=422
        )
    pack, _in_force = checker.pack_for(decision.as_of)
    return render(
        request,
        "check.html",
        user=user,
        form=shown,
        decision=decision,
        verdict=verdict(decision),
        say=_sayer(language(request)),
        reasons=reasons_for_citizens(decision, pack),
        sources={m.rule: source_label(pack, m.rule) for m in decision.measures},
        kind_zh={kind.value: kind.label_zh for kind in MeasureKind},
    )


def _shown_error(error: FanjingError) -> dict[str, Any]:
    """An input problem as the form shows it: the field's label, not its JSON path."""
    label, number = field_label(error.where.field if error.where else None)
    return {"label": label, "n": number, "message": error.message}


def _sayer(lang: str) -> Any:
    """``say(said)`` for a template: the sentence translated, its days as 8月15日 in Chinese
    and as ISO dates otherwise, its measure kinds translated."""
    translate = translator(lang)

    def show(value: date | MeasureKind) -> str:
        if isinstance(value, MeasureKind):
            return translate(value.label_zh)
        return month_day_zh(value) if lang == "zh" else value.isoformat()

    def say(said: Said) -> str:
        return translate(said.text, **{k: show(v) for k, v in said.fields.items()})

    return say


@router.get("/ask", response_class=HTMLResponse)
def ask(
    request: Request,
    session: DbSession,
    searcher: FaqSearcherDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The hotline's authoritative answers, searched as the caller puts it."""
    answered = None
    if q.strip():
        answered = searcher.ask(session, q.strip(), top=5)
    return render(request, "ask.html", user=session_user(request, session), q=q, answered=answered)
