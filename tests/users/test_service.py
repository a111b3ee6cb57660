from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from fanjing.audit.store import AuditEntryRow
from fanjing.errors import FanjingError
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.users.core import token_hash
from fanjing.users.service import add_user, user_with_token
from fanjing.users.store import UserRow

NOW = datetime(2021, 8, 7, 1, 0, tzinfo=UTC)
CIPHER = FieldCipher([Fernet.generate_key()], b"k" * 32)


def add(engine, gazetteer, name, role, community=None):
    with session_scope(engine) as session:
        user, token = add_user(
            session=session,
            cipher=CIPHER,
            name=name,
            role=role,
            community=community,
            parse_place=gazetteer.parse,
            actor="admin",
            now=NOW,
        )
        return user, token


def test_a_token_is_given_once_and_only_its_hash_is_stored(engine, gazetteer):
    _, token = add(engine, gazetteer, "王医生", "cdc")
    with session_scope(engine) as session:
        stored = session.scalars(select(UserRow)).one()
        assert stored.token_hash == token_hash(token) and token not in stored.token_hash
        assert user_with_token(session, token, now=NOW).name == "王医生"
        with pytest.raises(FanjingError) as raised:
            user_with_token(session, token + "x", now=NOW)
        assert raised.value.code == "unauthenticated"
        raw = session.execute(text("SELECT * FROM app_user")).all()
        assert not any(token in str(value) for row in raw for value in row)


def test_a_community_worker_is_bound_to_a_beijing_community(engine, gazetteer):
    user, _ = add(
        engine, gazetteer, "李社工", "community_worker", "北京市朝阳区潘家园街道松榆里社区"
    )
    assert user.community == "北京市朝阳区潘家园街道松榆里社区"
    for community, code in [
        (None, "missing_field"),
        ("河南省郑州市二七区", "bad_community"),
        ("北京市朝阳区", "bad_community"),
    ]:
        with pytest.raises(FanjingError) as raised:
            add(engine, gazetteer, f"社工{code}{community}", "community_worker", community)
        assert raised.value.code == code
    with pytest.raises(FanjingError) as raised:
        add(engine, gazetteer, "赵话务", "hotline", "北京市朝阳区潘家园街道松榆里社区")
    assert raised.value.code == "bad_value"


def test_names_are_unique_and_roles_known(engine, gazetteer):
    add(engine, gazetteer, "张三", "citizen")
    with pytest.raises(FanjingError) as raised:
        add(engine, gazetteer, "张三", "citizen")
    assert raised.value.code == "user_exists"
    with pytest.raises(FanjingError) as raised:
        add(engine, gazetteer, "李四", "mayor")
    assert raised.value.code == "unknown_role"


def test_adding_a_user_is_audited(engine, gazetteer):
    add(engine, gazetteer, "王医生", "cdc")
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntryRow)).one()
        assert (entry.actor, entry.action, entry.after["role"]) == ("admin", "user.add", "cdc")
