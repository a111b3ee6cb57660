"""Throwaway databases for the benchmarks, and importing a risk list into one, timed."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.situations import ParsePlace
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.infra.db import normalize_url, session_scope
from fanjing.places.import_report import ImportReport
from fanjing.places.imports import import_risk_file

PG_HINT = (
    "needs a PostgreSQL server: run it as `scripts/with-postgres .venv/bin/python -m bench {command}` "
    "(which sets FANJING_TEST_PG_URL), or give --database-url "
    "postgresql+psycopg://USER@HOST:PORT/postgres (a database is created on that server and "
    "dropped at the end)"
)


@contextmanager
def postgres_database(server_url: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on the server of ``server_url``; dropped on exit."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(
        normalize_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(normalize_url(server_url)).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:  # FORCE: ends sessions still connected
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def sqlite_database(prefix: str) -> Iterator[str]:
    """The URL of an SQLite file in a temporary folder, removed on exit."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
        yield f"sqlite:///{folder}/fanjing.db"


def timed_import(engine: Engine, path: Path, parse: ParsePlace) -> tuple[ImportReport, float]:
    """``import_risk_file`` of ``path`` in one transaction, as ``fanjing risk import`` does;
    seconds from the session's start to its commit (the file is read before)."""
    content = path.read_text(encoding="utf-8")
    start = perf_counter()
    with session_scope(engine) as session:
        report = import_risk_file(
            session=session,
            text=content,
            file=path.name,
            parse_place=parse,
            actor="bench",
            now=datetime.now(UTC),
            followers=POPUP_FOLLOWERS,
        )
    return report, perf_counter() - start


def describe(report: ImportReport) -> str:
    parsed = ", ".join(f"{level} {count}" for level, count in report.parsed.items())
    return (
        f"parsed {parsed}; opened {len(report.opened)}, closed {len(report.closed)}, "
        f"withdrawn {len(report.withdrawn)}, unchanged {report.unchanged}, "
        f"unplaced {len(report.unplaced)}"
    )
