"""The community API tests' client: the app on the test database with a medium-risk area
designated (河南省郑州市二七区京广路街道 from 2021-07-31)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fanjing.healthkit.sender import LogSender
from fanjing.settings import Settings
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.community.helpers import AREA


@pytest.fixture
def sender() -> LogSender:
    return LogSender()


@pytest.fixture
def client(engine, sender, tmp_path, tokens):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url))
    app = create_app(settings, engine=engine, sender=sender)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        area = {"level": "medium", "area": AREA, "from": "2021-07-31"}
        made = test_client.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
        assert made.status_code == 201, made.text
        yield test_client
