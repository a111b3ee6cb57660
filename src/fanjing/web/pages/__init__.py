"""The pages: server-rendered, mobile first, Chinese first, for each audience."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from fanjing.web.pages import (
    cdc,
    cdc_areas,
    cdc_cases,
    cdc_packs,
    checkpoint,
    citizen,
    citizen_declaration,
    citizen_employer,
    citizen_phones,
    citizen_vaccination,
    clinic,
    community,
    community_cases,
    employer,
    hotline,
    public,
    sites,
    sites_work,
    workorders,
    workorders_actions,
    workorders_reports,
)
from fanjing.web.pages.session import COOKIE_SECONDS, SESSION_COOKIE, LoginRequired

STATIC = Path(__file__).resolve().parent.parent / "static"
# the checkpoint page's scripts (and the QR decoder they use) are the checkpoints package's own
CHECKPOINT_STATIC = Path(__file__).resolve().parents[2] / "checkpoints" / "static"
ROUTERS = (
    public.router,
    citizen.router,
    citizen_phones.router,
    citizen_declaration.router,
    citizen_vaccination.router,
    hotline.router,
    community.router,
    community_cases.router,
    cdc.router,
    cdc_areas.router,
    cdc_cases.router,
    cdc_packs.router,
    clinic.router,
    checkpoint.router,
    workorders_reports.router,  # first: /workorders/reports before /workorders/{order_id}
    workorders.router,
    workorders_actions.router,
    employer.router,
    citizen_employer.router,
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
    app.mount(
        "/static/checkpoints", StaticFiles(directory=CHECKPOINT_STATIC), name="checkpoint_static"
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _error: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
