"""``fanjing serve`` as a real process: its stdout carries JSON log lines with a sync run's
report and an unhandled error (with the request's id), and no name, ID number or phone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import text

from fanjing.healthkit.service import create_account
from fanjing.infra.db import open_database, session_scope
from fanjing.users.service import add_user
from tests.vaccination.helpers import (
    NOW,
    add_test_clinic,
    cipher,
    id_number,
    identity,
    key_environment,
    record,
)

NAME = "欧阳明月"
PHONE = "13912345678"
FIELDS = {"time", "level", "logger", "message", "request_id", "role"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(url: str, gazetteer) -> str:
    """A citizen (name, ID) with a clinic dose waiting for the sync; the citizen's token."""
    engine = open_database(url)
    add_test_clinic(engine, gazetteer)
    with session_scope(engine) as session:
        user, token = add_user(
            session=session,
            cipher=cipher(),
            name="citizen-7",
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),  # tokens expire by the real clock
        )
        create_account(
            session=session,
            cipher=cipher(),
            user_id=user.id,
            name=NAME,
            document=identity(7).document,
            community=None,
            now=NOW,
        )
    record(engine, 7, name=NAME)
    engine.dispose()
    return token


@pytest.fixture
def server(tmp_path, gazetteer) -> Iterator[tuple[str, str, subprocess.Popen[str], str]]:
    url = f"sqlite:///{tmp_path / 'fanjing.db'}"
    token = _seed(url, gazetteer)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANJING_")}
    env.update(
        key_environment(),
        FANJING_VAR_DIR=str(tmp_path / "var"),
        FANJING_DATABASE_URL=url,
        FANJING_SYNC_EVERY_SECONDS="1",
        FANJING_LOG_LEVEL="INFO",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "fanjing", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"the server did not start: {process.communicate()[0]}")
    try:
        yield base, token, process, url
    finally:
        process.terminate()
        process.wait(20)


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_the_server_logs_the_sync_and_an_unhandled_error_without_personal_data(server):
    base, token, process, url = server
    citizen = {"Authorization": f"Bearer {token}"}
    # a one-time code: the development sender logs it (the number masked)
    sent = httpx.post(
        f"{base}/api/v1/healthkit/phones",
        json={"phone": PHONE, "platform": "wechat"},
        headers={**citizen, "X-Request-ID": "req-code-0001"},
        timeout=10,
    )
    assert sent.status_code == 202, sent.text
    # the dose reaches the health kit at the sync's next run (every second here)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        doses = httpx.get(f"{base}/api/v1/healthkit/vaccinations", headers=citizen, timeout=10)
        if doses.status_code == 200 and doses.json():
            break
        time.sleep(0.3)
    # an error no handler expects: a table gone under the running server
    engine = open_database(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE faq_revision"))
    engine.dispose()
    broken = httpx.get(
        f"{base}/api/v1/faq/search",
        params={"q": "返京"},
        headers={"X-Request-ID": "req-broken-0001"},
        timeout=10,
    )
    assert broken.status_code == 500
    assert broken.headers["x-request-id"] == "req-broken-0001"
    process.terminate()
    output = process.communicate(timeout=20)[0]

    lines = _lines(output)
    assert lines and all(set(line) == FIELDS for line in lines), output
    assert any(
        str(line["message"]).startswith("vaccination sync: ") and "1 synced" in str(line["message"])
        for line in lines
    ), output
    [error] = [line for line in lines if str(line["message"]).startswith("unhandled error")]
    assert error["level"] == "ERROR" and error["request_id"] == "req-broken-0001"
    assert "GET /api/v1/faq/search" in str(error["message"])
    assert "Traceback" in str(error["message"]) and "faq_revision" in str(error["message"])
    [code] = [line for line in lines if str(line["message"]).startswith("one-time code")]
    assert code["request_id"] == "req-code-0001" and code["role"] == "citizen"
    assert "139****5678" in str(code["message"])
    for personal in (NAME, id_number(7), PHONE, "明月"):
        assert personal not in output
    assert Path(url.removeprefix("sqlite:///")).exists()
