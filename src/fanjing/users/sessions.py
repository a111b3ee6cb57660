"""The pages' sessions, kept on the server: the signed cookie carries a random key, the
``web_session`` row whether it still lets its user in.

A row per session rather than a generation number per user: logging out on one device ends
that session only, and each session's own login time gives the absolute lifetime.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.users.core import session_alive, token_hash, token_refusal
from fanjing.users.store import (
    UserRow,
    WebSessionRow,
    end_session_with_key,
    open_session_with_key,
)

SEEN_EVERY = timedelta(minutes=1)  # the last request's time is written at most once a minute


def start_session(session: Session, user_id: int, now: datetime) -> str:
    """A new session for the user; its key (for the cookie; only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    session.add(
        WebSessionRow(key_hash=token_hash(key), user_id=user_id, created_at=now, last_seen_at=now)
    )
    return key


def user_of_session(session: Session, key: str, now: datetime) -> UserRow | None:
    """The session's user while it lives (not ended, used within 12 hours, younger than 24,
    the user's token neither expired nor revoked); None otherwise. Notes the request's time."""
    found = open_session_with_key(session, token_hash(key))
    if found is None:
        return None
    row, user = found
    if not session_alive(row.created_at, row.last_seen_at, now) or token_refusal(
        user.token_expires_at, user.revoked_at, now
    ):
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return user


def end_session(session: Session, key: str, now: datetime) -> None:
    """Logging out: the session lets no one in again, whatever cookie is kept."""
    end_session_with_key(session, token_hash(key), now)
