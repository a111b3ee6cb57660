"""Tokens expire (90 days, or as set per user), can be revoked (audited) and listed with masked
names: from the command line as operators run it, and a 401 on the API once no longer valid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanjing.audit.store import AuditEntryRow
from fanjing.common.days import day_in_china
from fanjing.errors import FanjingError
from fanjing.infra.db import create_db_engine, session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user, revoke_user
from fanjing.users.store import UserRow
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.cli_helpers import run_fanjing


def test_users_are_added_with_an_expiry_listed_masked_and_revoked(tmp_path):
    added = run_fanjing(
        tmp_path, "users", "add", "王医生", "--role", "cdc", "--expires-in-days", "7"
    )
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    in_a_week = day_in_china(datetime.now(UTC) + timedelta(days=7))
    assert f"令牌 {in_a_week} 到期" in added.stdout
    citizen = run_fanjing(tmp_path, "users", "add", "张三丰", "--role", "citizen")
    assert citizen.returncode == 0, citizen.stderr
    assert "张**#2" in citizen.stdout and "张三丰" not in citizen.stdout
    listed = run_fanjing(tmp_path, "users", "list")
    assert listed.returncode == 0, listed.stderr
    assert "王**  疾控人员" in listed.stdout and "张**  市民" in listed.stdout
    assert "王医生" not in listed.stdout and "张三丰" not in listed.stdout
    in_90_days = day_in_china(datetime.now(UTC) + timedelta(days=90))
    assert f"{in_a_week} 到期  有效" in listed.stdout and f"{in_90_days} 到期" in listed.stdout

    revoked = run_fanjing(tmp_path, "users", "revoke", "王医生")
    assert revoked.returncode == 0, revoked.stderr
    assert "令牌已吊销" in run_fanjing(tmp_path, "users", "list").stdout
    again = run_fanjing(tmp_path, "users", "revoke", "王医生")
    assert (
        again.returncode == 2
        and again.stderr.startswith("错误：")
        and "Traceback" not in again.stderr
    )
    unknown = run_fanjing(tmp_path, "users", "revoke", "李四")
    assert unknown.returncode == 2 and "没有用户" in unknown.stderr
    bad = run_fanjing(tmp_path, "users", "add", "赵医生", "--role", "cdc", "--expires-in-days", "0")
    assert bad.returncode == 2 and "expires_in_days" in bad.stderr

    url = f"sqlite:///{tmp_path / 'var' / 'fanjing.db'}"
    engine = create_db_engine(url)
    settings = Settings(var_dir=tmp_path / "var", database_url=url)
    with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as client:
        refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401 and refused.json()["type"].endswith(":token_revoked")
    with session_scope(engine) as session:
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "user.revoke")
        ).one()
        assert entry.actor == "cli" and entry.after["revoked_at"] is not None
    engine.dispose()


def test_an_expired_token_is_refused_on_the_api(client, engine):
    with session_scope(engine) as session:
        _, token = add_user(
            session=session,
            cipher=client.app.state.cipher,
            name="old-citizen",
            role="citizen",
            community=None,
            parse_place=client.app.state.gazetteer.parse,
            actor="test",
            now=datetime.now(UTC) - timedelta(days=31),
            expires_in_days=30,
        )
    for path in ("/api/v1/me", "/api/v1/healthkit/status", "/api/v1/healthkit/account"):
        refused = client.get(path, headers=bearer(token))
        assert refused.status_code == 401, (path, refused.text)
        assert refused.json()["type"] == "urn:fanjing:problem:token_expired"
        assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_on_the_api(client, tokens, engine):
    assert client.get("/api/v1/me", headers=bearer(tokens["hotline"])).status_code == 200
    with session_scope(engine) as session:
        revoke_user(
            session=session,
            cipher=client.app.state.cipher,
            name="hotline-user",
            actor="admin",
            now=datetime.now(UTC),
        )
    refused = client.get("/api/v1/me", headers=bearer(tokens["hotline"]))
    assert refused.status_code == 401 and refused.json()["type"].endswith(":token_revoked")


def test_a_token_lives_90_days_unless_set(engine, gazetteer):
    from cryptography.fernet import Fernet

    from fanjing.infra.crypto import FieldCipher

    cipher = FieldCipher([Fernet.generate_key()], b"k" * 32)
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        for name, days in (("甲医生", None), ("乙医生", 365)):
            add_user(
                session=session,
                cipher=cipher,
                name=name,
                role="cdc",
                community=None,
                parse_place=gazetteer.parse,
                actor="admin",
                now=now,
                **({} if days is None else {"expires_in_days": days}),
            )
        with pytest.raises(FanjingError) as raised:
            add_user(
                session=session,
                cipher=cipher,
                name="丙医生",
                role="cdc",
                community=None,
                parse_place=gazetteer.parse,
                actor="admin",
                now=now,
                expires_in_days=3651,
            )
        assert raised.value.where.field == "expires_in_days"
        expiries = [day_in_china(u.token_expires_at) for u in session.scalars(select(UserRow))]
    assert expiries == [date(2027, 3, 2), date(2027, 12, 2)]
