"""Per request: the clock's fixed day (if the settings fix one); an id (``X-Request-ID`` if it is a sensible one, else a new one) in the
response and in every log line; the request counted and timed by route template; an error
no handler took logged with the id and answered 500 problem+json."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanjing.infra.logs import begin_request
from fanjing.infra.metrics import REQUEST_SECONDS, REQUESTS
from fanjing.web import errors

log = logging.getLogger("fanjing.web")
HEADER = b"x-request-id"
# a proxy's or a client's id is echoed into logs and headers: short, and no spaces, quotes
# or control characters that could forge a log line or a header
_ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def accepted_request_id(given: bytes | None) -> str:
    """``given`` if it is 8–64 of ``A-Z a-z 0-9 . _ : -``, else a new random id."""
    if given is not None and _ACCEPTED_ID.fullmatch(given):
        return given.decode("ascii")
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/v1/risk-areas/{designation_id}/lift``), never
    the raw path (ids would make a label per row); ``unmatched`` when no route matched."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(dict(scope["headers"]).get(HEADER))
        begin_request(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], route_template(scope))
            if not response_started:
                answer = errors.problem(
                    500, "internal_error", "内部错误", "服务器内部错误，已记录。"
                )
                await answer(scope, receive, send_with_id)
        finally:
            route = route_template(scope)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(time.perf_counter() - started)
