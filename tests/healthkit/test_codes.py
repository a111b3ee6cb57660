"""One-time codes over HTTP: at most 5 tries (the wrong ones stay counted though the request
fails), single use, 5 minutes, one send per number per 60 s and 10 a day; and the loser of two
simultaneous binds of one number gets a 409."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import limits.storage.memory
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text, update

from fanjing.healthkit.sender import LogSender
from fanjing.healthkit.service import confirm_binding
from fanjing.healthkit.store import AccountRow, OneTimeCodeRow, PhoneBindingRow
from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.healthkit.test_api import PHONE, register

OTHER_ID = "110101199003071233"


@pytest.fixture
def sender() -> LogSender:
    return LogSender()


@pytest.fixture
def client(engine, sender, tmp_path):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url))
    app = create_app(settings, engine=engine, sender=sender)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class FakeClock:
    """The ``time`` module as the limits library's memory storage sees it."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """The rate limits' clock, moved by the test."""
    fake = FakeClock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return fake


def send(client, token, phone=PHONE):
    return client.post(
        "/api/v1/healthkit/phones",
        json={"phone": phone, "platform": "wechat"},
        headers=bearer(token),
    )


def confirm(client, token, code, phone=PHONE):
    return client.post(
        "/api/v1/healthkit/phones/confirm",
        json={"phone": phone, "platform": "wechat", "code": code},
        headers=bearer(token),
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_five_wrong_tries_end_the_code_though_each_request_failed(client, tokens, sender):
    token = tokens["citizen"]
    register(client, token)
    assert send(client, token).status_code == 202
    code = sender.sent[-1][1]
    for left in (4, 3, 2, 1, 0):
        refused = confirm(client, token, wrong(code))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["code"] == "wrong_code"
        assert f"还可再试 {left} 次" in refused.json()["detail"]
    too_late = confirm(client, token, code)
    assert too_late.status_code == 422 and too_late.json()["errors"][0]["code"] == "code_expired"
    assert "错误次数过多" in too_late.json()["detail"]
    assert client.get("/api/v1/healthkit/account", headers=bearer(token)).json()["phones"] == []


def test_four_wrong_tries_leave_the_code_usable_once(client, tokens, sender):
    token = tokens["citizen"]
    register(client, token)
    send(client, token)
    code = sender.sent[-1][1]
    for _ in range(4):
        assert confirm(client, token, wrong(code)).status_code == 422
    bound = confirm(client, token, code)
    assert bound.status_code == 200 and bound.json()["phones"][0]["state"] == "active"
    again = confirm(client, token, code)
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "code_expired"


def test_a_code_lasts_five_minutes(client, tokens, sender, engine):
    token = tokens["citizen"]
    register(client, token)
    sent_at = datetime.now(UTC)
    send(client, token)
    with engine.begin() as connection:
        expires_at = connection.scalar(select(OneTimeCodeRow.expires_at))
        assert timedelta(minutes=4) < expires_at - sent_at <= timedelta(minutes=5, seconds=5)
        # five minutes later
        connection.execute(update(OneTimeCodeRow).values(expires_at=datetime.now(UTC)))
    late = confirm(client, token, sender.sent[-1][1])
    assert late.status_code == 422 and late.json()["errors"][0]["code"] == "code_expired"


def test_one_send_per_number_per_minute(client, tokens, sender):
    token = tokens["citizen"]
    register(client, token)
    assert send(client, token).status_code == 202
    again = send(client, token)
    assert again.status_code == 429 and again.headers["content-type"] == "application/problem+json"
    assert 1 <= int(again.headers["Retry-After"]) <= 60
    assert again.json()["type"] == "urn:fanjing:problem:too_many_requests"
    assert "60 秒" in again.json()["detail"] and len(sender.sent) == 1
    assert send(client, token, phone="13800138000").status_code == 202  # another number


def test_ten_sends_per_number_a_day(client, tokens, sender, clock):
    token = tokens["citizen"]
    register(client, token)
    for _ in range(10):
        assert send(client, token).status_code == 202
        clock.now += 61
    eleventh = send(client, token)
    assert eleventh.status_code == 429 and "每天最多获取 10 次" in eleventh.json()["detail"]
    assert "Retry-After" in eleventh.headers
    clock.now += 24 * 3600
    assert send(client, token).status_code == 202


def test_the_loser_of_two_simultaneous_binds_gets_a_409(client, tokens, sender, engine, clock):
    """Two accounts confirm codes for one number at once: the other account's binding is
    committed right after this request looked for one and before it inserts its own."""
    first, second = tokens["citizen"], other_citizen(client)
    register(client, first)
    register(client, second, number=OTHER_ID, name="李四")
    send(client, first)
    first_code = sender.sent[-1][1]
    clock.now += 61  # the number's next send
    send(client, second)
    second_code = sender.sent[-1][1]
    first_account = client.get("/api/v1/healthkit/account", headers=bearer(first)).json()["id"]
    raced: list[bool] = []

    def bind_first_meanwhile(_connection, _cursor, statement, *_args) -> None:
        if raced or "FROM phone_binding" not in statement:
            return
        raced.append(True)
        with session_scope(engine) as session:
            confirm_binding(
                session=session,
                engine=engine,
                cipher=client.app.state.cipher,
                account=session.get(AccountRow, first_account),
                phone=PHONE,
                platform="wechat",
                code=first_code,
                now=datetime.now(UTC),
            )

    event.listen(engine, "after_cursor_execute", bind_first_meanwhile)
    try:
        lost = confirm(client, second, second_code)
    finally:
        event.remove(engine, "after_cursor_execute", bind_first_meanwhile)
    assert raced, "the race was not staged"
    assert lost.status_code == 409, lost.text
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["errors"][0]["code"] == "phone_bound_elsewhere"
    with engine.connect() as connection:
        assert len(connection.execute(select(PhoneBindingRow.id)).all()) == 1


def other_citizen(client) -> str:
    """A second citizen's token (the fixture has one of each role)."""
    app = client.app
    with session_scope(app.state.engine) as session:
        _, token = add_user(
            session=session,
            cipher=app.state.cipher,
            name="second-citizen",
            role="citizen",
            community=None,
            parse_place=app.state.gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),
        )
    return token


def test_simultaneous_guesses_share_the_five_tries(client, tokens, sender, engine):
    """Guesses sent at once each take a try of their own: at most 5 are compared."""
    tries = 12
    token = tokens["citizen"]
    register(client, token)
    send(client, token)
    code = sender.sent[-1][1]
    barrier = threading.Barrier(tries)
    answers: list[str] = []

    def guess() -> None:
        barrier.wait()
        answers.append(confirm(client, token, wrong(code)).json()["errors"][0]["code"])

    threads = [threading.Thread(target=guess) for _ in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count("wrong_code") == 5 and answers.count("code_expired") == tries - 5
    with engine.connect() as connection:
        assert connection.execute(text("SELECT attempts FROM one_time_code")).scalar_one() == 5
