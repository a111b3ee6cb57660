from __future__ import annotations

import contextlib
import os
import shutil
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
from fanjing.itinerary.shards import attach_shards, shard_engines
from fanjing.places.gazetteer import Gazetteer
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.vaccination.service import add_clinic
from tests.api_helpers import CLINIC, CLINIC_STREET, COMMUNITY, ROLES


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """One gazetteer for the whole run: loading jionlp's division data takes a second."""
    return Gazetteer()


LAYOUTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
SHARDED = pytest.param("shards", marks=pytest.mark.shards)
_SHARDS = pytest.StashKey[tuple[Engine, ...]]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test of a database runs on SQLite and PostgreSQL; those marked ``on_shards`` on
    the sharded itinerary too, those marked ``shards`` on it alone."""
    if "engine" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker
        layouts = (
            [SHARDED]
            if marked("shards")
            else [*LAYOUTS, SHARDED]
            if marked("on_shards")
            else LAYOUTS
        )
        metafunc.parametrize("engine", layouts, indirect=True)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once per run (per xdist worker): each test gets a copy,
    which is much faster than running the migrations again."""
    path = tmp_path_factory.mktemp("template") / "fanjing.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """The name of a database on the test cluster migrated once per run (per xdist worker):
    each test's database is created from it with ``CREATE DATABASE … TEMPLATE``."""
    with fresh_postgres_database() as url:
        engine = create_db_engine(url)
        upgrade(engine)
        engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
        yield make_url(url).database or ""


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: an SQLite file, a fresh database on the test cluster, or
    (``shards``) a fresh coordinator database whose itinerary is on a fresh database of each
    shard cluster of scripts/with-postgres-shards (its shards: the ``shards`` fixture)."""
    if request.param == "sqlite":
        path = tmp_path / "fanjing.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        engine = create_db_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    with contextlib.ExitStack() as stack:
        template = request.getfixturevalue("migrated_postgres_template")
        engine = create_db_engine(stack.enter_context(fresh_postgres_database(template=template)))
        stack.callback(engine.dispose)
        if request.param == "shards":
            shards = shard_engines(
                [stack.enter_context(fresh_postgres_database(url)) for url in _shard_servers()]
            )
            for shard in shards:
                stack.callback(shard.dispose)
            attach_shards(engine, shards)
            request.node.stash[_SHARDS] = shards
        yield engine


@pytest.fixture
def shards(engine: Engine, request: pytest.FixtureRequest) -> tuple[Engine, ...]:
    """The shards of ``engine``'s itinerary; none unless the layout is ``shards``."""
    return request.node.stash.get(_SHARDS, ())


def _shard_servers() -> list[str]:
    urls = os.environ.get("FANJING_TEST_SHARD_URLS", "")
    if not urls:
        pytest.fail(
            "sharded tests need FANJING_TEST_SHARD_URLS: run them with "
            "`scripts/with-postgres-shards .venv/bin/pytest -m shards` (make test does)"
        )
    return urls.split(",")


@contextmanager
def fresh_postgres_database(
    admin_url: str | None = None, template: str | None = None
) -> Iterator[str]:
    """A new database on the server of ``admin_url`` (the test cluster by default), empty or
    a copy of the database ``template``."""
    admin_url = admin_url or os.environ.get("FANJING_TEST_PG_URL")
    if not admin_url:
        pytest.fail(
            "PostgreSQL tests need FANJING_TEST_PG_URL: run them with `make test` (scripts/with-postgres)"
        )
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_db_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
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
