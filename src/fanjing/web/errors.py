"""Every error as problem+json (RFC 9457): a type, a title, the status, a clear detail, and
``errors`` naming each field (``stays[0].place``). Never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from fanjing.errors import Code, FanjingError, InputErrors, TooManyRequests

PROBLEM = "application/problem+json"
log = logging.getLogger("fanjing.web")

# the code an HTTP exception of the framework's own (an unknown route, a wrong method, …) is
# answered with; other statuses are ``http_<status>``
_CODE_BY_STATUS = {
    401: Code.UNAUTHENTICATED,
    403: Code.FORBIDDEN,
    404: Code.NOT_FOUND,
    413: Code.PAYLOAD_TOO_LARGE,
    429: Code.TOO_MANY_REQUESTS,
}


def status_for(error: FanjingError) -> int:
    """The HTTP status of a refusal: by its code, 422 for bad content."""
    return error.code.status


def retry_after(error: FanjingError) -> dict[str, str]:
    """The ``Retry-After`` header of a rate limit's refusal (none for other errors)."""
    return {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else {}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:fanjing:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_path(location: tuple[Any, ...]) -> str:
    parts = [p for p in location if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _item(error: FanjingError) -> dict[str, Any]:
    """One problem: its code, message and field, and its line in an uploaded file if any."""
    item: dict[str, Any] = {
        "code": error.code,
        "message": error.message,
        "field": error.where.field,
    }
    if error.where.line is not None:
        item["line"] = error.where.line
    return item


_MACHINE_PATHS = ("/api/", "/.well-known/", "/healthz", "/openapi.json", "/docs", "/static/")


def for_a_page(request: Request) -> bool:
    """Pages answer errors with a page; the API and files with problem+json."""
    return not request.url.path.startswith(_MACHINE_PATHS)


def install(app: FastAPI) -> None:
    @app.exception_handler(InputErrors)
    async def _input_errors(request: Request, error: InputErrors) -> Response:
        errors = [_item(e) for e in error.errors]
        detail = "；".join(str(e) for e in error.errors)
        if for_a_page(request):
            return _page(request, 422, "输入有误", detail)
        return problem(422, error.code, "输入有误", detail, errors)

    @app.exception_handler(FanjingError)
    async def _fanjing_error(request: Request, error: FanjingError) -> Response:
        status = status_for(error)
        headers = retry_after(error)
        if for_a_page(request):
            answer = _page(request, status, "请求无法完成", str(error))
            answer.headers.update(headers)
            return answer
        return problem(
            status, error.code, "请求无法完成", str(error), [_item(error)], headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {"code": item["type"], "message": item["msg"], "field": _field_path(tuple(item["loc"]))}
            for item in error.errors()
        ]
        detail = "；".join(f"{e['field'] or '请求'}：{e['message']}" for e in errors)
        if for_a_page(request):
            return _page(request, 422, "请求格式有误", detail)
        return problem(422, "invalid_request", "请求格式有误", detail, errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        code = _CODE_BY_STATUS.get(error.status_code, f"http_{error.status_code}")
        if for_a_page(request):
            return _page(request, error.status_code, "请求无法完成", str(error.detail))
        return problem(error.status_code, code, str(error.detail), str(error.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "内部错误", "服务器内部错误，已记录。")


def _page(request: Request, status: int, title: str, message: str) -> Response:
    from fanjing.web.pages.session import render  # pages know the app; errors load first

    return render(request, "error.html", status_code=status, title=title, message=message)
