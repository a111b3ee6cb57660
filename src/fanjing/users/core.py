"""Users, their roles, and bearer tokens (only a token's hash is ever stored)."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    COMMUNITY_WORKER = "community_worker"
    CDC = "cdc"
    CLINIC = "clinic"
    HOTLINE = "hotline"
    ADMIN = "admin"

    @property
    def label_zh(self) -> str:
        return {
            "citizen": "市民",
            "community_worker": "社区工作者",
            "cdc": "疾控人员",
            "clinic": "接种门诊",
            "hotline": "12345 热线话务员",
            "admin": "管理员",
        }[self.value]


TOKEN_PREFIX = "fj_"


def new_token(random_bytes: bytes) -> str:
    """A bearer token from ``random_bytes`` (the caller draws them: this module has no I/O)."""
    return TOKEN_PREFIX + random_bytes.hex()


def draw_token() -> str:
    """A new token with 256 bits from the operating system's random source."""
    return new_token(secrets.token_bytes(32))


def token_hash(token: str) -> str:
    """What is stored of a token. Tokens carry 256 random bits, so a plain SHA-256 suffices
    (a slow password hash would only slow every request)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
