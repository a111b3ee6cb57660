"""The OpenAPI document says what errors really look like: problem+json (RFC 9457), not
FastAPI's default validation error body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                    "line": {
                        "type": "integer",
                        "description": "上传文件中的行号（如 Excel 名单的第几行）",
                    },
                },
            },
        },
    },
}
_ERRORS = {
    "401": "未登录或令牌无效",
    "403": "角色无权访问",
    "404": "不存在",
    "409": "与现有数据冲突",
    "413": "请求过大",
    "422": "输入有误（errors 列出每个字段）",
    "429": "令牌错误或发送验证码过于频繁（Retry-After 秒后再试）",
}


def problem_response(description: str) -> dict[str, Any]:
    """A problem+json response for an operation's own ``responses`` (beyond the common ones)."""
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` list problem+json bodies for every error an operation can give."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            for operations in schema["paths"].values():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    for status, description in _ERRORS.items():
                        responses[status] = problem_response(description)
            components = schema.get("components", {}).get("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
