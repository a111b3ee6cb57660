"""The HTTP SMS sender against a small gateway on 127.0.0.1: what it posts, and a gateway that
fails or cannot be reached giving a clear 502/503, never a traceback, never the code in a log."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanjing.errors import FanjingError
from fanjing.healthkit.sender import HttpSmsSender, LogSender, sender_from_settings
from fanjing.healthkit.store import OneTimeCodeRow
from fanjing.settings import Settings
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.healthkit.test_api import PHONE, register

KEY = "gateway-key-123"
TEMPLATE = "SMS_FANJING_BIND"


@dataclass
class Gateway:
    """What the gateway received, and the status it answers with."""

    url: str
    status: int = 200
    received: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    answers = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answers.received.append(
                {
                    "path": self.path,
                    "authorization": self.headers["Authorization"],
                    "content_type": self.headers["Content-Type"],
                    "body": json.loads(body),
                }
            )
            self.send_response(answers.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    answers.url = f"http://127.0.0.1:{server.server_port}/sms/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield answers
    server.shutdown()
    server.server_close()


def http_settings(tmp_path, engine, url: str) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=str(engine.url),
        sms_sender="http",
        sms_url=url,
        sms_key=KEY,
        sms_template=TEMPLATE,
    )


@pytest.fixture
def client_for(engine, tmp_path):
    clients = []

    def make(url: str) -> TestClient:
        app = create_app(http_settings(tmp_path, engine, url), engine=engine)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client.__enter__())
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def send(client, token):
    return client.post(
        "/api/v1/healthkit/phones",
        json={"phone": PHONE, "platform": "wechat"},
        headers=bearer(token),
    )


def test_the_gateway_gets_the_number_the_template_and_the_code(gateway, client_for, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(gateway.url)
    assert isinstance(client.app.state.sender, HttpSmsSender)
    register(client, tokens["citizen"])
    assert send(client, tokens["citizen"]).status_code == 202
    [request] = gateway.received
    assert request["path"] == "/sms/send" and request["authorization"] == f"Bearer {KEY}"
    assert request["content_type"] == "application/json"
    body = request["body"]
    assert body["phone"] == PHONE and body["template"] == TEMPLATE
    code = body["params"]["code"]
    assert len(code) == 6 and code.isdigit()
    assert code not in caplog.text and PHONE not in caplog.text
    bound = client.post(
        "/api/v1/healthkit/phones/confirm",
        json={"phone": PHONE, "platform": "wechat", "code": code},
        headers=bearer(tokens["citizen"]),
    )
    assert bound.status_code == 200 and bound.json()["phones"][0]["number"] == "139****5678"


def test_a_gateway_error_is_a_502_and_no_code_is_kept(gateway, client_for, tokens, engine, caplog):
    caplog.set_level(logging.DEBUG)
    gateway.status = 500
    client = client_for(gateway.url)
    register(client, tokens["citizen"])
    failed = send(client, tokens["citizen"])
    assert failed.status_code == 502, failed.text
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["type"] == "urn:fanjing:problem:sms_failed"
    assert "Traceback" not in failed.text and "Traceback" not in caplog.text
    code = gateway.received[0]["body"]["params"]["code"]  # type: ignore[index]
    assert code not in caplog.text and code not in failed.text and PHONE not in caplog.text
    with engine.connect() as connection:
        assert connection.execute(select(OneTimeCodeRow.id)).all() == []


def test_an_unreachable_gateway_is_a_503(client_for, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}/sms/send")
    register(client, tokens["citizen"])
    failed = send(client, tokens["citizen"])
    assert failed.status_code == 503, failed.text
    assert failed.json()["type"] == "urn:fanjing:problem:sms_unavailable"
    assert "Traceback" not in caplog.text and PHONE not in caplog.text


def test_the_sender_is_chosen_by_the_settings(tmp_path):
    assert isinstance(sender_from_settings(Settings(tmp_path, "sqlite://")), LogSender)
    with pytest.raises(FanjingError) as unknown:
        sender_from_settings(Settings(tmp_path, "sqlite://", sms_sender="pigeon"))
    assert unknown.value.code == "bad_setting" and "pigeon" in unknown.value.message
    with pytest.raises(FanjingError) as unset:
        sender_from_settings(Settings(tmp_path, "sqlite://", sms_sender="http"))
    assert "FANJING_SMS_URL" in unset.value.message and "FANJING_SMS_KEY" in unset.value.message
    environment = {
        "FANJING_SMS_SENDER": "http",
        "FANJING_SMS_URL": "http://127.0.0.1:9/sms",
        "FANJING_SMS_KEY": KEY,
        "FANJING_SMS_TEMPLATE": TEMPLATE,
    }
    chosen = sender_from_settings(Settings.from_environment(environment))
    assert isinstance(chosen, HttpSmsSender) and chosen.url == "http://127.0.0.1:9/sms"


def test_the_server_will_not_start_with_a_wrong_sms_setting(tmp_path):
    env = {**os.environ, "FANJING_VAR_DIR": str(tmp_path / "var"), "FANJING_SMS_SENDER": "http"}
    env.pop("FANJING_DATABASE_URL", None)
    started = subprocess.run(
        [sys.executable, "-m", "fanjing", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert started.returncode == 2 and started.stderr.startswith("错误：短信网关未配置")
    assert "Traceback" not in started.stderr
