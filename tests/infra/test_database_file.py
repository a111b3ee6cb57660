"""The SQLite database holds personal data: its folder and files are the owner's alone."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from fanjing.infra.db import create_db_engine, upgrade


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_is_private_even_under_a_permissive_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        var = tmp_path / "var"
        engine = create_db_engine(f"sqlite:///{var / 'fanjing.db'}")
        upgrade(engine)
        with engine.begin() as connection:  # WAL mode leaves -wal and -shm beside the file
            connection.execute(text("PRAGMA journal_mode=WAL"))
            connection.execute(text("SELECT count(*) FROM audit_entry"))
            companions = sorted(p.name for p in var.iterdir())
            modes = {name: _mode(var / name) for name in companions}
        engine.dispose()
    finally:
        os.umask(previous)
    assert _mode(var) == 0o700
    assert {"fanjing.db", "fanjing.db-wal", "fanjing.db-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}


def test_a_database_left_readable_is_made_private(tmp_path):
    database = tmp_path / "old.db"
    create_db_engine(f"sqlite:///{database}").dispose()
    for path in (database, tmp_path / "old.db-wal"):
        path.touch()
        path.chmod(0o644)
    create_db_engine(f"sqlite:///{database}").dispose()
    assert _mode(database) == _mode(tmp_path / "old.db-wal") == 0o600
