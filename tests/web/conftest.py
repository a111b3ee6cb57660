from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.web.app import create_app

COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
ROLES = ("citizen", "community_worker", "cdc", "clinic", "hotline", "admin")


@pytest.fixture
def client(engine) -> Iterator[TestClient]:
    app = create_app(
        Settings.from_environment({"FANJING_DATABASE_URL": str(engine.url)}), engine=engine
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tokens(engine, gazetteer) -> dict[str, str]:
    """A user of every role (the community worker in 松榆里社区), by role: their bearer tokens."""
    found = {}
    with session_scope(engine) as session:
        for role in ROLES:
            community = COMMUNITY if role == "community_worker" else None
            _, token = add_user(
                session=session,
                name=f"{role}-user",
                role=role,
                community=community,
                parse_place=gazetteer.parse,
                actor="test",
                now=datetime(2021, 8, 1, tzinfo=UTC),
            )
            found[role] = token
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
