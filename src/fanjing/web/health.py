"""``GET /healthz``: the process answers (and nothing else: it is the benchmark's baseline)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


@router.get("/healthz", tags=["运维"], summary="存活检查")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
