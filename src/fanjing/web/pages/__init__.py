"""The pages: server-rendered, mobile first, Chinese first, for each audience."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from fanjing.web.pages import (
    cdc,
    cdc_cases,
    citizen,
    citizen_vaccination,
    clinic,
    community,
    hotline,
    public,
    sites,
    sites_work,
)
from fanjing.web.pages.session import COOKIE_SECONDS, SESSION_COOKIE, LoginRequired

STATIC = Path(__file__).resolve().parent.parent / "static"
ROUTERS = (
    public.router,
    citizen.router,
    citizen_vaccination.router,
    hotline.router,
    community.router,
    cdc.router,
    cdc_cases.router,
    clinic.router,
    sites.router,
    sites_work.router,
)


def install_pages(app: FastAPI, secret: str, *, secure_cookies: bool) -> None:
    """Sessions (a signed cookie, lax, HTTP-only, Secure when served over https), the static
    files, and every page."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=COOKIE_SECONDS,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _error: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
