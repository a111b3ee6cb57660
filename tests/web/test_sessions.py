"""The pages' sessions: kept on the server, ended at logout (the old cookie no longer works),
after 12 hours unused and 24 hours after login, when the token is revoked; Secure over https;
and at most 10 wrong tokens a minute from one address, on the pages as on the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from fanjing.healthkit.sender import LogSender
from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user, revoke_user
from fanjing.users.store import WebSessionRow
from fanjing.web.app import create_app
from fanjing.web.pages.session import SESSION_COOKIE
from tests.api_helpers import COMMUNITY, bearer


def make_client(engine, tmp_path, public_url: str = "") -> TestClient:
    settings = Settings(
        var_dir=tmp_path / "var", database_url=str(engine.url), public_url=public_url
    )
    return TestClient(create_app(settings, engine=engine), raise_server_exceptions=False)


@pytest.fixture
def client(engine, tmp_path) -> Iterator[TestClient]:
    with make_client(engine, tmp_path) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: TestClient, token: str):
    form = client.get("/login")
    return client.post(
        "/login",
        data={"token": token, "csrf": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )


def shows_the_healthkit(client: TestClient) -> bool:
    answer = client.get("/healthkit", follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


def moved_back(engine, **moments: timedelta) -> None:
    """Every session's moments moved into the past by the given amounts."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(update(WebSessionRow).values({k: now - v for k, v in moments.items()}))


def test_logging_out_ends_the_session_for_the_old_cookie_too(client, tokens):
    assert log_in(client, tokens["citizen"]).status_code == 303
    assert shows_the_healthkit(client)
    kept = client.cookies[SESSION_COOKIE]
    page = client.get("/healthkit")
    assert client.post("/logout", data={"csrf": csrf_of(page.text)}).status_code in (200, 303)
    client.cookies.set(SESSION_COOKIE, kept)  # the cookie as it was before logging out
    assert not shows_the_healthkit(client)


def test_a_session_ends_after_12_hours_unused(client, tokens, engine):
    log_in(client, tokens["citizen"])
    moved_back(engine, created_at=timedelta(hours=11), last_seen_at=timedelta(hours=11))
    assert shows_the_healthkit(client)  # used within 12 hours: alive, and used again now
    moved_back(engine, last_seen_at=timedelta(hours=12, minutes=1))
    assert not shows_the_healthkit(client)


def test_a_busy_session_ends_24_hours_after_login(client, tokens, engine):
    log_in(client, tokens["citizen"])
    moved_back(engine, created_at=timedelta(hours=23, minutes=58), last_seen_at=timedelta(0))
    assert shows_the_healthkit(client)
    moved_back(engine, created_at=timedelta(hours=24, minutes=1), last_seen_at=timedelta(0))
    assert not shows_the_healthkit(client)


def test_revoking_a_token_ends_its_sessions(client, tokens, engine):
    log_in(client, tokens["cdc"])
    assert client.get("/cdc", follow_redirects=False).status_code == 200
    with session_scope(engine) as session:
        revoke_user(
            session=session,
            cipher=client.app.state.cipher,
            name="cdc-user",
            actor="admin",
            now=datetime.now(UTC),
        )
    assert client.get("/cdc", follow_redirects=False).status_code == 303
    refused = log_in(client, tokens["cdc"])
    assert refused.status_code == 401 and "令牌已被吊销" in refused.text
    assert client.get("/api/v1/me", headers=bearer(tokens["cdc"])).status_code == 401


def test_an_expired_token_cannot_log_in(client, engine):
    with session_scope(engine) as session:
        _, token = add_user(
            session=session,
            cipher=client.app.state.cipher,
            name="old-cdc",
            role="cdc",
            community=None,
            parse_place=client.app.state.gazetteer.parse,
            actor="test",
            now=datetime.now(UTC) - timedelta(days=2),
            expires_in_days=1,
        )
    refused = log_in(client, token)
    assert refused.status_code == 401 and "令牌已过期" in refused.text


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [("https://fanjing.example.cn", True), ("http://127.0.0.1:8000", False), ("", False)],
    ids=["https", "http", "unset"],
)
def test_the_session_cookie_is_secure_over_https(engine, tmp_path, tokens, public_url, secure):
    with make_client(engine, tmp_path, public_url) as client:
        answer = log_in(client, tokens["citizen"])
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE) and "httponly" in cookie
    assert ("; secure" in cookie) is secure


def test_ten_wrong_tokens_a_minute_on_the_login_page(client, tokens):
    for _ in range(10):
        assert log_in(client, "fj_wrong").status_code == 401
    blocked = log_in(client, tokens["citizen"])
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) <= 60
    assert "令牌错误次数过多" in blocked.text


def test_ten_wrong_tokens_a_minute_on_the_api(client, tokens):
    for _ in range(10):
        assert client.get("/api/v1/me", headers=bearer("fj_wrong")).status_code == 401
    blocked = client.get("/api/v1/me", headers=bearer("fj_wrong"))
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert blocked.json()["type"] == "urn:fanjing:problem:too_many_requests"
    # the address is held back a minute, whatever token it brings
    assert client.get("/api/v1/me", headers=bearer(tokens["cdc"])).status_code == 429
    status = client.get("/api/v1/healthkit/status", headers=bearer("fj_wrong"))
    assert status.status_code == 429


def test_a_code_confirmed_on_the_pages_a_while_after_the_last_request(client, tokens, engine):
    """The session's last request is written on this request, and the code's try in a
    transaction of its own: neither waits for the other."""
    client.app.state.sender = sender = LogSender()
    account = {"name": "张三", "document_number": "11010519491231002X", "community": COMMUNITY}
    client.post("/api/v1/healthkit/account", json=account, headers=bearer(tokens["citizen"]))
    log_in(client, tokens["citizen"])
    page = client.get("/healthkit")
    form = {"phone": "13912345678", "platform": "wechat", "csrf": csrf_of(page.text)}
    asked = client.post("/healthkit/phones", data=form)
    assert asked.status_code == 200, asked.text
    moved_back(engine, last_seen_at=timedelta(minutes=5))
    confirmed = client.post(
        "/healthkit/phones/confirm",
        data={"code": sender.sent[-1][1], "csrf": csrf_of(asked.text)},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    assert "139****5678" in client.get("/healthkit").text


def test_a_second_code_within_a_minute_is_refused_on_the_pages_too(client, tokens):
    client.app.state.sender = sender = LogSender()
    account = {"name": "张三", "document_number": "11010519491231002X", "community": COMMUNITY}
    client.post("/api/v1/healthkit/account", json=account, headers=bearer(tokens["citizen"]))
    log_in(client, tokens["citizen"])
    form = {"phone": "13912345678", "platform": "wechat"}
    first = client.post(
        "/healthkit/phones", data={**form, "csrf": csrf_of(client.get("/healthkit").text)}
    )
    assert first.status_code == 200
    again = client.post("/healthkit/phones", data={**form, "csrf": csrf_of(first.text)})
    assert again.status_code == 429 and 1 <= int(again.headers["Retry-After"]) <= 60
    assert "每 60 秒只能获取一次验证码" in again.text and len(sender.sent) == 1
