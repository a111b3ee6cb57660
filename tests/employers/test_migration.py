"""Migration 0017 on a database with users and page sessions: the role check then admits
``employer`` (and still nothing unknown); going back removes the employer users and the role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from fanjing.infra.db import downgrade, upgrade

USER = (
    "INSERT INTO app_user (id, name, name_encrypted, name_hash, role, token_hash, "
    "token_expires_at, created_at, created_by) VALUES (:id, :name, 'x', :name, :role, :name, "
    "'2030-01-01 00:00:00+00:00', '2021-08-01 00:00:00+00:00', 'test')"
)
SESSION = (
    "INSERT INTO web_session (key_hash, user_id, created_at, last_seen_at) "
    "VALUES (:key, :user, '2021-08-01 00:00:00+00:00', '2021-08-01 00:00:00+00:00')"
)


def _add(engine, user_id: int, role: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(USER), {"id": user_id, "name": f"u{user_id}", "role": role})
        connection.execute(text(SESSION), {"key": f"k{user_id}", "user": user_id})


def test_the_role_check_admits_employers_on_a_database_in_use(engine):
    downgrade(engine, "0014")
    _add(engine, 1, "cdc")
    with pytest.raises(IntegrityError):
        _add(engine, 2, "employer")  # not before
    upgrade(engine)
    _add(engine, 2, "employer")
    with pytest.raises(IntegrityError):
        _add(engine, 3, "nobody")
    downgrade(engine, "0014")
    with engine.connect() as connection:
        roles = connection.execute(text("SELECT role FROM app_user ORDER BY id")).scalars().all()
        sessions = connection.scalar(select(func.count()).select_from(text("web_session")))
    assert roles == ["cdc"] and sessions == 1
    with pytest.raises(IntegrityError):
        _add(engine, 4, "employer")
    upgrade(engine)
