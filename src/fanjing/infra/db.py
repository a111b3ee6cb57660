"""The database: engine, naming convention, sessions and migrations.

SQLite (a file under var/) is the embedded default; PostgreSQL is production.
Schemas are only ever created by the Alembic migrations shipped in
``fanjing/migrations`` (never ``create_all``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, Dialect, Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back as an aware UTC datetime on every database.

    SQLite keeps no time zone: without this, moments written aware come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give its time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would pick psycopg2, not installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_db_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite, the file kept private and foreign keys enforced."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _private_sqlite_file(Path(parsed.database))
    engine = create_engine(url, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def awaited_read_engine(engine: Engine, **options: Any) -> AsyncEngine | None:
    """An asynchronous AUTOCOMMIT engine on ``engine``'s PostgreSQL database (psycopg's own
    asyncio driver), for reads made on the event loop; None for SQLite, whose reads stay
    in the thread pool."""
    if engine.dialect.name != "postgresql":
        return None
    return create_async_engine(engine.url, isolation_level="AUTOCOMMIT", **options)


def _private_sqlite_file(path: Path) -> None:
    """The database holds personal data (encrypted, but with names of who did what): its
    folder is created 0700, the file created 0600 before SQLite opens it (SQLite gives its
    -wal, -shm and -journal files the database file's mode), and a file or companion left
    readable by an older version is made 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):  # another process may create it first
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for file in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            found = file.stat()
            if found.st_mode & 0o077 and found.st_uid == os.getuid():
                file.chmod(0o600)


def sqlite_file_missing(url: str) -> bool:
    """True for an SQLite URL whose file does not exist yet (connecting would create it)."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(parsed.database).exists()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # several processes may share the file
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed when the block ends, rolled back if it raises."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def serialise(session: Session, name: str) -> None:
    """Make the rest of the caller's transaction run alone among transactions that serialise
    on ``name``, so that what it reads is not changed by another until it commits.

    PostgreSQL: a transaction-level advisory lock, keyed by a stable hash of ``name``.
    SQLite has one writer at a time: the transaction takes the write lock now (``BEGIN
    IMMEDIATE``; other writers wait for ``busy_timeout``), so its reads already see
    every committed write — otherwise two imports both read "not yet designated" and
    both insert.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
        )
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_database(url: str) -> Engine:
    """An engine on a database migrated to the newest schema (created if need be)."""
    engine = create_db_engine(url)
    upgrade(engine)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "fanjing:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


@cache
def newest_revisions() -> frozenset[str]:
    """The heads of the migrations shipped in the package (fixed for a process)."""
    config = Config()
    config.set_main_option("script_location", "fanjing:migrations")
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database exists and is migrated to the newest revision."""
    if not inspect(engine).has_table("alembic_version"):
        return False
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    return set(current) == set(heads)
