from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fanjing.settings import Settings
from fanjing.web.app import create_app


@pytest.fixture
def client(engine, tmp_path) -> Iterator[TestClient]:
    app = create_app(
        Settings(var_dir=tmp_path / "var", database_url=str(engine.url)), engine=engine
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
