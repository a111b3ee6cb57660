"""Who is looking at a page: a signed session cookie, set by logging in with a user's token
(the users and roles of the API), whose key names a session kept on the server
(``fanjing.users.sessions``), and a CSRF token for every form that changes something."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request, Security
from fastapi.responses import HTMLResponse
from fastapi.security import SecurityScopes
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from fanjing.errors import Code, FanjingError
from fanjing.infra.clock import Clock
from fanjing.infra.logs import note_role
from fanjing.users.core import SESSION_LIFETIME, Role
from fanjing.users.sessions import end_session, start_session, user_of_session
from fanjing.users.store import UserRow
from fanjing.web.deps import DbSession, app_clock
from fanjing.web.pages.i18n import COOKIE, DEFAULT, LANGUAGES, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
SESSION_COOKIE = "fanjing_session"
# the browser may keep the cookie as long as a session can live; the server decides sooner
COOKIE_SECONDS = int(SESSION_LIFETIME.total_seconds())
SESSION_KEY = "session"


class LoginRequired(Exception):
    """A page for logged-in users was asked for without a session: go to the login page."""


def language(request: Request) -> str:
    chosen = request.cookies.get(COOKIE, DEFAULT)
    return chosen if chosen in LANGUAGES else DEFAULT


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use); every form posts it back."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """A dependency of every page POST: the form's token must be this session's."""
    expected = request.session.get("csrf")
    if not expected or not hmac.compare_digest(str(expected), csrf):
        raise FanjingError(Code.CSRF_FAILED, "表单已过期或来源不明，请刷新页面后重试")


Csrf = Annotated[None, Depends(check_csrf)]


def session_user(request: Request, session: Session) -> UserRow | None:
    """The page's user while their server-side session lives; an ended one is forgotten."""
    key = request.session.get(SESSION_KEY)
    if not isinstance(key, str):
        return None
    user = user_of_session(session, key, app_clock(request).now())
    if user is None:
        request.session.clear()
    else:
        note_role(user.role)
    return user


def log_in(request: Request, session: Session, user: UserRow) -> None:
    """A new session on login: nothing carried over from before. Committed here, before the
    answer, as the request's own transaction also is (``DbSession``): the browser follows the
    redirect at once."""
    request.session.clear()
    request.session[SESSION_KEY] = start_session(session, user.id, app_clock(request).now())
    session.commit()


def log_out(request: Request, session: Session) -> None:
    """The session ended on the server (committed before the answer, as at login)."""
    key = request.session.get(SESSION_KEY)
    if isinstance(key, str):
        end_session(session, key, app_clock(request).now())
        session.commit()
    request.session.clear()


def _page_user(request: Request, session: Session, roles: tuple[Role, ...]) -> UserRow:
    """The page's user, if of ``roles`` (any role for none): the login page for no session,
    403 otherwise."""
    user = session_user(request, session)
    if user is None:
        raise LoginRequired()
    if roles and user.role not in {r.value for r in roles}:
        names = "、".join(r.label_zh for r in roles)
        raise FanjingError(Code.FORBIDDEN, f"只有{names}可以访问此页")
    return user


def require_page(*roles: Role) -> Callable[..., UserRow]:
    """A dependency for a page of ``roles``."""

    def check(request: Request, session: DbSession) -> UserRow:
        return _page_user(request, session, roles)

    return check


def _user_of_scopes(scopes: SecurityScopes, request: Request, session: DbSession) -> UserRow:
    """The page's user, if of the roles named as the scopes of what depends on it: one form's
    dependency serves routes of different roles, each naming its own (``for_roles``)."""
    if not scopes.scopes:  # used but not through for_roles, it would let any role in
        raise TypeError("a page form's dependency is given through for_roles(dependency, *roles)")
    return _page_user(request, session, tuple(Role(scope) for scope in scopes.scopes))


def for_roles(dependency: Callable[..., Any], *roles: Role) -> Any:
    """``dependency`` (one built on ``Visited`` or ``Posted``) for a route of ``roles``."""
    return Security(dependency, scopes=[role.value for role in roles])


@dataclass(frozen=True)
class Visit:
    """Who asks for a page or posts its form, with the request and the database session it is
    drawn or handled in: what a page module's page and form classes are built on."""

    request: Request
    session: Session
    user: UserRow


async def _visit(
    request: Request,
    session: DbSession,
    user: Annotated[UserRow, Security(_user_of_scopes)],
) -> Visit:
    return Visit(request, session, user)


Visited = Annotated[Visit, Depends(_visit)]


async def _posted(visit: Visited, _csrf: Csrf) -> Visit:
    return visit


Posted = Annotated[Visit, Depends(_posted)]  # a form's visit: its CSRF token checked


def stamp(user: UserRow, clock: Clock) -> dict[str, Any]:
    """Who acts, and the day and moment they do, as the services take them."""
    return {"actor": user.name, "today": clock.today(), "now": clock.now()}


def render(
    request: Request,
    template: str,
    *,
    user: UserRow | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page: the template with the translator, the user, the CSRF token and the day."""
    lang = language(request)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "_": translator(lang),
            "lang": lang,
            "languages": LANGUAGES,
            "user": user,
            "role_zh": Role(user.role).label_zh if user else None,
            "csrf": csrf_token(request),
            "today": app_clock(request).today(),
            "fixed_day": app_clock(request).fixed_day,
            **context,
        },
        status_code=status_code,
    )
