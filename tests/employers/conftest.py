"""The employer API tests' client: the app on the test database, its day fixed, a medium-risk
area designated (河南省郑州市二七区京广路街道 from 2021-07-31)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fanjing.infra.clock import Clock
from fanjing.settings import Settings
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.community.helpers import AREA

# the app's day, fixed for the run: one crossing midnight in Beijing keeps its day
TODAY = Clock().today()


@pytest.fixture
def client(engine, tmp_path, tokens):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url), today=TODAY)
    app = create_app(settings, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        area = {"level": "medium", "area": AREA, "from": "2021-07-31"}
        made = test_client.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
        assert made.status_code == 201, made.text
        yield test_client
