"""Operating the server: /readyz, /metrics (and who may read it), request ids, 500s."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient

from fanjing.infra.db import create_db_engine, downgrade, upgrade
from fanjing.settings import Settings
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.vaccination.helpers import record

EXAMPLE = {
    "as_of": "2021-08-07",
    "arrival": "2021-08-07",
    "stays": [{"place": "河南省郑州市二七区京广路街道", "from": "2021-07-28", "to": "2021-08-01"}],
}


def _client(settings: Settings, engine, address: str = "127.0.0.1") -> TestClient:
    return TestClient(
        create_app(settings, engine=engine), raise_server_exceptions=False, client=(address, 5000)
    )


def test_readyz_is_ready_on_a_migrated_database(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "ready"


def test_readyz_names_missing_migrations(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    upgrade(engine)
    downgrade(engine, "-1")
    with _client(Settings(var_dir=tmp_path), engine) as client:
        answer = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive all the same
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:fanjing:problem:migrations_behind"
    assert "fanjing db upgrade" in answer.json()["detail"]


def test_readyz_says_the_database_does_not_answer(tmp_path):
    engine = create_db_engine("postgresql://nobody:secret@127.0.0.1:9/none")
    with _client(Settings(var_dir=tmp_path), engine) as client:
        answer = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
        metrics = client.get("/metrics")
    assert answer.status_code == 503
    assert answer.json()["type"] == "urn:fanjing:problem:database_unavailable"
    assert metrics.status_code == 200 and "fanjing_database_up 0.0" in metrics.text
    assert "secret" not in answer.text


def test_a_good_request_id_is_kept_and_a_bad_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-1234.abcd"})
    assert kept.headers["x-request-id"] == "proxy-1234.abcd"
    for bad in ("short", "x" * 65, "has space-in-it", 'quote"-injected', "line\tbreak-x"):
        replaced = client.get("/healthz", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"]), bad
    made = client.get("/healthz").headers["x-request-id"]
    assert (
        re.fullmatch(r"[0-9a-f]{32}", made)
        and made != client.get("/healthz").headers["x-request-id"]
    )


def test_an_unhandled_error_is_logged_with_the_request_id_and_answered_500(
    engine, tmp_path, caplog
):
    app = create_app(Settings(var_dir=tmp_path), engine=engine)

    def broken() -> None:
        raise RuntimeError("the disk is on fire")

    app.add_api_route("/api/v1/broken/{number}", broken)
    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        answer = client.get("/api/v1/broken/7", headers={"X-Request-ID": "req-broken-1"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-request-id"] == "req-broken-1"
    assert "the disk is on fire" not in answer.text
    [record] = [r for r in caplog.records if r.name == "fanjing.web"]
    assert record.getMessage() == "unhandled error on GET /api/v1/broken/{number}"
    assert record.exc_info is not None


def test_metrics_are_refused_to_other_addresses(engine, tmp_path):
    with _client(Settings(var_dir=tmp_path), engine, address="203.0.113.9") as client:
        answer = client.get("/metrics")
    assert answer.status_code == 403
    assert answer.json()["type"] == "urn:fanjing:problem:forbidden"


def test_metrics_open_to_the_allow_list_or_the_token(engine, tmp_path):
    settings = Settings(var_dir=tmp_path, metrics_allow=("10.0.0.0/8",), metrics_token="tok-123")
    with _client(settings, engine, address="10.2.3.4") as client:
        assert client.get("/metrics").status_code == 200
    with _client(settings, engine, address="127.0.0.1") as client:
        assert client.get("/metrics").status_code == 403  # not in this list
        assert client.get("/metrics", headers=bearer("tok-123")).status_code == 200
        assert client.get("/metrics", headers=bearer("tok-124")).status_code == 403


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', metric))
        if metric.split("{")[0] == name and found == labels:
            return float(value)
    return 0.0


def test_metrics_count_requests_by_route_template_decisions_and_database_facts(
    engine, tmp_path, tokens
):
    settings = Settings(var_dir=tmp_path)
    with _client(settings, engine) as client:
        before = client.get("/metrics").text
        assert client.post("/api/v1/check", json=EXAMPLE).status_code == 200
        client.post(
            "/api/v1/risk-areas/999/lift", json={"to": "2021-08-09"}, headers=bearer(tokens["cdc"])
        )
        record(engine, 1)
        record(engine, 2)
        after = client.get("/metrics").text
    route = "/api/v1/risk-areas/{designation_id}/lift"
    assert _sample(
        after, "fanjing_http_requests_total", method="POST", route=route, status="404"
    ) == (
        _sample(before, "fanjing_http_requests_total", method="POST", route=route, status="404") + 1
    )
    assert "/api/v1/risk-areas/999/lift" not in after  # never the raw path
    assert _sample(after, "fanjing_decisions_total", outcome="allowed") == (
        _sample(before, "fanjing_decisions_total", outcome="allowed") + 1
    )
    assert _sample(after, "fanjing_vaccination_sync_lag") == 2
    assert _sample(after, "fanjing_database_up") == 1
    assert "fanjing_http_request_duration_seconds_bucket" in after
    assert "fanjing_vaccination_held_doses" in after
