"""A citizen's login name is their real name: it is stored encrypted (with a keyed hash), and
everywhere a user is named (the users' table, the audit log, arrival reports) the citizen is a
masked label; existing rows are migrated. The tests read the raw tables."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from fanjing.audit.store import AuditEntryRow
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import downgrade, session_scope, upgrade
from fanjing.users.service import add_user
from tests.api_helpers import COMMUNITY, bearer

NAME = "王小明"
ID = "11010519491231002X"


def everything_stored(engine: Engine) -> str:
    """Every value of every table, as text (and the SQLite file's bytes)."""
    with engine.connect() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
                if engine.dialect.name == "sqlite"
                else text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        ]
        stored = " ".join(
            str(value)
            for table in tables
            for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            for value in row
        )
    if engine.dialect.name == "sqlite":
        with open(engine.url.database, "rb") as database_file:
            stored += database_file.read().decode("utf-8", errors="replace")
    return stored


def names_in(stored: str) -> bool:
    """Whether the name is there, as text or as escaped in JSON (``\\u738b…``)."""
    return NAME in stored or json.dumps(NAME)[1:-1] in stored


def test_a_citizen_s_name_is_nowhere_in_clear(client, engine):
    cipher = client.app.state.cipher
    with session_scope(engine) as session:
        user, token = add_user(
            session=session,
            cipher=cipher,
            name=NAME,
            role="citizen",
            community=None,
            parse_place=client.app.state.gazetteer.parse,
            actor="admin",
            now=datetime.now(UTC),
        )
        label, encrypted = user.name, user.name_encrypted
    assert label == f"王**#{user.id}" and cipher.decrypt(encrypted) == NAME
    account = {"name": NAME, "document_number": ID, "community": COMMUNITY}
    assert (
        client.post("/api/v1/healthkit/account", json=account, headers=bearer(token)).status_code
        == 201
    )
    situation = {
        "as_of": "2021-08-07",
        "arrival": "2021-08-07",
        "stays": [
            {"place": "河南省郑州市二七区京广路街道", "from": "2021-07-28", "to": "2021-08-01"}
        ],
    }
    report = client.post(
        "/api/v1/community/reports",
        json={"community": COMMUNITY, "situation": situation},
        headers=bearer(token),
    )
    assert report.status_code == 201, report.text
    assert client.get("/api/v1/me", headers=bearer(token)).json()["name"] == label
    with engine.connect() as connection:
        assert connection.execute(text("SELECT reported_by FROM arrival_report")).scalar() == label
    with session_scope(engine) as session:
        added = session.scalars(select(AuditEntryRow).where(AuditEntryRow.action == "user.add"))
        assert [entry.after["name"] for entry in added] == [label]
    assert not names_in(everything_stored(engine))


KEYS = {
    "FANJING_DATA_KEYS": Fernet.generate_key().decode(),
    "FANJING_LOOKUP_KEY": base64.urlsafe_b64encode(b"l" * 32).decode(),
}


def test_existing_names_are_encrypted_and_relabelled_by_the_migration(engine, monkeypatch):
    downgrade(engine, "0012")
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with engine.begin() as connection:
        for user_id, name, role in ((1, NAME, "citizen"), (2, "王医生", "cdc")):
            connection.execute(
                text(
                    "INSERT INTO app_user (id, name, role, token_hash, created_at, created_by)"
                    " VALUES (:id, :name, :role, :hash, :at, 'cli')"
                ),
                {"id": user_id, "name": name, "role": role, "hash": f"{user_id:064d}", "at": now},
            )
            connection.execute(
                text(
                    "INSERT INTO audit_entry (at, actor, action, entity, entity_id, after)"
                    " VALUES (:at, 'cli', 'user.add', 'user', :id, :after)"
                ),
                {"at": now, "id": str(user_id), "after": f'{{"name": "{name}", "role": "{role}"}}'},
            )
        connection.execute(
            text(
                "INSERT INTO audit_entry (at, actor, action, entity, entity_id)"
                " VALUES (:at, :actor, 'report.add', 'arrival_report', '1')"
            ),
            {"at": now, "actor": NAME},
        )
        connection.execute(
            text(
                "INSERT INTO arrival_report (reported_at, reported_by, source, community, street,"
                " district, name_encrypted, document_kind, document_encrypted, document_hash,"
                " arrival_date, situation, decision, pack_id, pack_version) VALUES (:at, :by,"
                " 'self', 'c', 's', 'd', 'x', 'resident_id', 'x', 'h', '2021-08-07', '{}', '{}',"
                " 'beijing-2021-08', '1')"
            ),
            {"at": now, "by": NAME},
        )
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    upgrade(engine)
    assert not names_in(everything_stored(engine))
    cipher = FieldCipher([KEYS["FANJING_DATA_KEYS"].encode()], b"l" * 32)
    with engine.connect() as connection:
        users = connection.execute(
            text("SELECT name, name_encrypted, token_expires_at FROM app_user ORDER BY id")
        ).all()
        assert [u.name for u in users] == ["王**#1", "王医生"]
        assert [cipher.decrypt(u.name_encrypted) for u in users] == [NAME, "王医生"]
        assert all(u.token_expires_at is not None for u in users)
        assert connection.execute(text("SELECT reported_by FROM arrival_report")).scalar() == (
            "王**#1"
        )
        actors = connection.execute(text("SELECT actor FROM audit_entry ORDER BY id")).scalars()
        assert list(actors) == ["cli", "cli", "王**#1"]
    with pytest.raises(DBAPIError), engine.begin() as connection:  # append-only again
        connection.execute(text("UPDATE audit_entry SET actor = 'x'"))
