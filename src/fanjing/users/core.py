"""Users, their roles, and bearer tokens (only a token's hash is ever stored)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from fanjing.errors import Code


class Role(StrEnum):
    CITIZEN = "citizen"
    COMMUNITY_WORKER = "community_worker"
    CDC = "cdc"
    CLINIC = "clinic"
    HOTLINE = "hotline"
    EMPLOYER = "employer"
    ADMIN = "admin"
    CHECKPOINT = "checkpoint"
    SITE_MANAGER = "site_manager"

    @property
    def label_zh(self) -> str:
        return {
            "citizen": "市民",
            "community_worker": "社区工作者",
            "cdc": "疾控人员",
            "clinic": "接种门诊",
            "hotline": "12345 热线话务员",
            "employer": "单位",
            "admin": "管理员",
            "checkpoint": "检查站工作人员",
            "site_manager": "集中观察点管理员",
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


TOKEN_DAYS = 90  # a token's default lifetime, settable per user
SESSION_IDLE = timedelta(hours=12)  # a page session ends after this long without a request
SESSION_LIFETIME = timedelta(hours=24)  # and this long after logging in, however busy


def token_refusal(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> Code | None:
    """Why a known token no longer lets its user in (``token_revoked``, ``token_expired``),
    or None while it does."""
    if revoked_at is not None:
        return Code.TOKEN_REVOKED
    if expires_at <= now:
        return Code.TOKEN_EXPIRED
    return None


def session_alive(created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
    """A page session lives while it was used within ``SESSION_IDLE`` and is younger than
    ``SESSION_LIFETIME`` (logging out or revoking the token ends it before)."""
    return now - last_seen_at < SESSION_IDLE and now - created_at < SESSION_LIFETIME


def citizen_label(masked_name: str, user_id: int) -> str:
    """What stands for a citizen wherever a user is named (audit log, reports, pages): the
    masked name and the user's number, never the name itself."""
    return f"{masked_name}#{user_id}"
