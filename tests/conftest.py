from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import create_db_engine, normalize_url, session_scope, upgrade
from fanjing.places.gazetteer import Gazetteer
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.vaccination.service import add_clinic
from tests.api_helpers import CLINIC, CLINIC_STREET, COMMUNITY, ROLES


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """One gazetteer for the whole run: loading jionlp's division data takes a second."""
    return Gazetteer()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: an SQLite file, or a fresh database on the test cluster."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'fanjing.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as url:
        engine = create_db_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    admin_url = os.environ.get("FANJING_TEST_PG_URL")
    if not admin_url:
        pytest.fail(
            "PostgreSQL tests need FANJING_TEST_PG_URL: run them with `make test` (scripts/with-postgres)"
        )
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_db_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalize_url(admin_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def tokens(engine, gazetteer, tmp_path) -> dict[str, str]:
    """A user of every role (the community worker in 松榆里社区, the clinic user at the clinic
    ``CLINIC`` of the same street), by role: their bearer tokens."""
    found = {}
    # the keys the tests' app finds under var/ (tests/web/conftest.py)
    cipher = load_field_cipher(Settings(var_dir=tmp_path / "var", database_url=""))
    with session_scope(engine) as session:
        add_clinic(
            session=session,
            code=CLINIC,
            name="潘家园接种门诊",
            street=CLINIC_STREET,
            parse_place=gazetteer.parse,
            actor="test",
            now=datetime(2021, 8, 1, tzinfo=UTC),
        )
        for role in ROLES:
            community = COMMUNITY if role == "community_worker" else None
            _, token = add_user(
                session=session,
                cipher=cipher,
                name=f"{role}-user",
                role=role,
                community=community,
                clinic=CLINIC if role == "clinic" else None,
                parse_place=gazetteer.parse,
                actor="test",
                now=datetime.now(UTC),  # tokens expire by the real clock
            )
            found[role] = token
        _, found["cdc2"] = add_user(  # a second CDC member: packs take four eyes
            session=session,
            cipher=cipher,
            name="cdc-user-2",
            role="cdc",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),
        )
    return found
