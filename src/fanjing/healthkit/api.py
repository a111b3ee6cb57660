"""The pass's public keys (JWKS) and its verification over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from fanjing.errors import FanjingError
from fanjing.healthkit.keys import jwks, stored_keys
from fanjing.healthkit.pass_token import verify_pass

router = APIRouter(tags=["健康宝"])


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=2000)


class VerifyResult(BaseModel):
    valid: bool
    code: str | None = (
        None  # why not: pass_tampered, pass_expired, pass_unknown_key, pass_malformed…
    )
    reason: str | None = None
    masked_name: str | None = None
    colour: str | None = None
    popup: bool | None = None
    expires_at: datetime | None = None


@router.get("/.well-known/jwks.json", summary="通行码签名公钥（JWKS）")
def public_keys(request: Request) -> dict[str, Any]:
    now = datetime.now(UTC)
    return jwks(stored_keys(request.app.state.settings, now=now), now=now)


@router.post(
    "/api/v1/pass/verify", response_model=VerifyResult, summary="核验通行码（离线可做同样的核验）"
)
def verify(body: VerifyBody, request: Request) -> VerifyResult:
    now = datetime.now(UTC)
    keys = jwks(stored_keys(request.app.state.settings, now=now), now=now)
    try:
        claims = verify_pass(body.token, jwks=keys, now=now)
    except FanjingError as refusal:
        return VerifyResult(valid=False, code=refusal.code, reason=refusal.message)
    return VerifyResult(
        valid=True,
        masked_name=claims.masked_name,
        colour=claims.colour.value,
        popup=claims.popup,
        expires_at=claims.expires_at,
    )
