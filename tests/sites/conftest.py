"""The sites' API tests: the app with a high-risk area designated (郑州 二七区京广路街道 from
2021-07-31), the day fixed at 2021-08-05, and the site manager bound to the site made here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanjing.healthkit.sender import LogSender
from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.sites.service import bind_manager, site_by_id
from fanjing.users.store import UserRow
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.community.helpers import AREA

TODAY = date(2021, 8, 5)


@pytest.fixture
def client(engine, tmp_path, tokens):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url), today=TODAY)
    app = create_app(settings, engine=engine, sender=LogSender())
    with TestClient(app, raise_server_exceptions=False) as test_client:
        area = {"level": "high", "area": AREA, "from": "2021-07-31"}
        made = test_client.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
        assert made.status_code == 201, made.text
        yield test_client


def rooms(floors: int, per_floor: int, **more) -> list[dict]:
    return [
        {"floor": f, "number": n, **more}
        for f in range(1, floors + 1)
        for n in range(1, per_floor + 1)
    ]


@pytest.fixture
def site(client, tokens, engine) -> dict:
    """A site in 朝阳区 with 2 floors of 3 single rooms, its manager bound to it."""
    body = {
        "name": "朝阳一号观察点",
        "district": "朝阳区",
        "address": "朝阳区某路1号",
        "rooms": rooms(2, 3),
    }
    made = client.post("/api/v1/sites", json=body, headers=bearer(tokens["cdc"]))
    assert made.status_code == 201, made.text
    with session_scope(engine) as session:
        manager = session.scalar(select(UserRow).where(UserRow.role == "site_manager"))
        bind_manager(
            session=session,
            user=manager,
            site=site_by_id(session, made.json()["id"]),
            actor="test",
            now=datetime.now(UTC),
        )
    return client.get(f"/api/v1/sites/{made.json()['id']}", headers=bearer(tokens["cdc"])).json()
