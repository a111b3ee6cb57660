"""The health kit's signed pass: a compact EdDSA token (JWS) behind the QR code.

The token holds the masked name, the colour, whether a pop-up stands, the version of
the status it was read from (``healthkit_status.version``: a reader holding two passes
of one person knows which is newer), when it was issued, and expires 5 minutes later. Anyone with the public keys (JWKS) can
check it offline. Time is passed in; nothing here reads the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from fanjing.errors import Code, FanjingError
from fanjing.healthkit.core import Colour

VALIDITY = timedelta(minutes=5)
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


@dataclass(frozen=True)
class PassClaims:
    masked_name: str
    colour: Colour
    popup: bool
    version: int | None  # None: a pass signed before passes carried it
    issued_at: datetime
    expires_at: datetime
    kid: str


def issue_pass(
    *,
    key: SigningKey,
    masked_name: str,
    colour: Colour,
    popup: bool,
    version: int,
    now: datetime,
) -> str:
    """A token valid from ``now`` for 5 minutes. The name must already be masked."""
    issued = int(now.timestamp())
    claims = {
        "n": masked_name,
        "c": colour.value,
        "p": popup,
        "v": version,
        "iat": issued,
        "exp": issued + int(VALIDITY.total_seconds()),
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


def verify_pass(token: str, *, jwks: dict[str, Any], now: datetime) -> PassClaims:
    """Check a token against the published keys; refuse it with the reason.

    Codes: ``pass_malformed``, ``pass_unknown_key``, ``pass_tampered``,
    ``pass_expired``, ``pass_not_yet_valid``.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise FanjingError(Code.PASS_MALFORMED, "不是健康宝通行码") from None
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM:
        raise FanjingError(Code.PASS_MALFORMED, "通行码的签名算法不对")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if key is None:
        raise FanjingError(
            Code.PASS_UNKNOWN_KEY,
            f"不认识的签名密钥（kid {kid}）：通行码不是本系统签发，或密钥已停用",
        )
    try:
        claims = jwt.decode(
            token,
            jwt.PyJWK(key).key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise FanjingError(Code.PASS_TAMPERED, "签名不符：通行码被改动过") from None
    except jwt.PyJWTError as problem:
        raise FanjingError(Code.PASS_MALFORMED, f"通行码无效：{problem}") from None
    issued = datetime.fromtimestamp(claims["iat"], UTC)
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if now >= expires:
        raise FanjingError(Code.PASS_EXPIRED, f"通行码已过期（{expires.isoformat()} 失效）")
    if now < issued - timedelta(seconds=30):  # a little clock skew between phone and reader
        raise FanjingError(Code.PASS_NOT_YET_VALID, "通行码的签发时间晚于现在")
    try:
        colour = Colour(claims["c"])
    except (KeyError, ValueError):
        raise FanjingError(Code.PASS_MALFORMED, "通行码缺少颜色") from None
    version = claims.get("v")
    return PassClaims(
        str(claims.get("n", "")),
        colour,
        bool(claims.get("p")),
        version if isinstance(version, int) else None,
        issued,
        expires,
        str(kid),
    )
