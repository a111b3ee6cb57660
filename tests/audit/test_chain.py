"""The audit log's hash chain: intact, it verifies; an entry edited, deleted or inserted by
someone with database access (the append-only triggers dropped first) is found, with the
first broken link named; concurrent writers never fork it; the migration chains the
entries written before it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from fanjing.audit.core import GENESIS, entry_hash
from fanjing.audit.service import record, verify_chain
from fanjing.audit.store import AuditEntryRow
from fanjing.infra.db import downgrade, session_scope, upgrade

NOW = datetime(2021, 8, 7, 1, 0, 0, 123456, tzinfo=UTC)


def _write(engine: Engine, count: int, actor: str = "cdc") -> None:
    with session_scope(engine) as session:
        for number in range(count):
            record(
                session,
                actor=actor,
                at=NOW + timedelta(minutes=number),
                action="designation.open",
                entity="designation",
                entity_id=number,
                before={"level": None, "元": [1, 2.5]},
                after={"level": "high", "area": "河南省郑州市二七区京广路街道"},
            )


def _verify(engine: Engine):
    with session_scope(engine) as session:
        return verify_chain(session)


def _drop_triggers(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
        else:
            connection.execute(text("DROP TRIGGER audit_entry_no_update"))
            connection.execute(text("DROP TRIGGER audit_entry_no_delete"))


def _tamper(engine: Engine, statement: str) -> None:
    _drop_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text(statement))


def fanjing_audit_verify(engine: Engine, tmp_path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FANJING_VAR_DIR": str(tmp_path / "var"),
        "FANJING_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    return subprocess.run(
        [sys.executable, "-m", "fanjing", "audit", "verify"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def test_an_intact_chain_verifies_with_its_count(engine, tmp_path):
    _write(engine, 5)
    count, broken, last_hash = _verify(engine)
    assert (count, broken) == (5, None)
    with engine.connect() as connection:
        first = connection.execute(
            text("SELECT previous_hash, hash FROM audit_entry ORDER BY id LIMIT 1")
        ).one()
        stored_last = connection.scalar(text("SELECT hash FROM audit_entry ORDER BY id DESC"))
    assert first.previous_hash == GENESIS and last_hash == stored_last
    verified = fanjing_audit_verify(engine, tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("审计日志完好：5 条") and last_hash in verified.stdout


def test_the_hash_is_sha256_of_the_canonical_fields():
    fields = {
        "id": 1,
        "at": NOW,
        "actor": "cdc",
        "action": "user.add",
        "entity": "user",
        "entity_id": "1",
        "before": None,
        "after": {"b": 1, "a": "张"},
        "previous_hash": GENESIS,
    }
    canonical = (
        '{"action":"user.add","actor":"cdc","after":{"a":"张","b":1},"at":'
        '"2021-08-07T01:00:00.123456+00:00","before":null,"entity":"user","entity_id":"1",'
        f'"id":1,"previous_hash":"{GENESIS}"}}'
    )
    assert entry_hash(**fields) == hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.parametrize(
    "statement, broken_at, says",
    [
        ("UPDATE audit_entry SET actor = 'someone else' WHERE id = 3", 3, "条目被修改"),
        ("UPDATE audit_entry SET at = '2021-08-01 00:00:00' WHERE id = 2", 2, "条目被修改"),
        ("DELETE FROM audit_entry WHERE id = 3", 4, "编号不连续"),
        ("DELETE FROM audit_entry WHERE id = 1", 2, "不是链首的哈希"),
        (
            "INSERT INTO audit_entry (id, at, actor, action, entity, entity_id, previous_hash, hash)"
            " SELECT 6, at, 'intruder', 'user.add', 'user', '9', hash, hash FROM audit_entry"
            " WHERE id = 5",
            6,
            "条目被修改",
        ),
    ],
    ids=["edited-actor", "back-dated", "deleted", "deleted-first", "inserted"],
)
def test_a_tampered_log_reports_its_first_broken_link(engine, tmp_path, statement, broken_at, says):
    _write(engine, 5)
    _tamper(engine, statement)
    _, broken, _ = _verify(engine)
    assert broken is not None and broken.id == broken_at and says in broken.what
    verified = fanjing_audit_verify(engine, tmp_path)
    assert verified.returncode == 2
    assert verified.stderr.startswith(f"错误：审计日志的哈希链在条目 {broken_at} 处断开")


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(engine):
    _write(engine, 4)
    with session_scope(engine) as session:
        row = session.get(AuditEntryRow, 2)
        fields = {
            key: getattr(row, key)
            for key in ("id", "at", "action", "entity", "entity_id", "before", "after")
        }
        forged = entry_hash(**fields, actor="someone else", previous_hash=row.previous_hash)
    _tamper(
        engine,
        f"UPDATE audit_entry SET actor = 'someone else', hash = '{forged}' WHERE id = 2",
    )
    _, broken, _ = _verify(engine)
    assert broken is not None and broken.id == 3 and "条目 2 的哈希" in broken.what


def test_concurrent_writers_never_fork_the_chain(engine):
    writers, each = 4, 10
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        start.wait()
        try:
            for _ in range(each):
                _write(engine, 1, actor=f"writer-{number}")
        except BaseException as problem:  # reported below, not lost in the thread
            failures.append(problem)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert _verify(engine)[:2] == (writers * each, None)


def test_the_migration_chains_the_entries_already_there(engine):
    downgrade(engine, "0012")
    with engine.begin() as connection:
        for number in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_entry (at, actor, action, entity, entity_id, after)"
                    " VALUES (:at, 'cdc', 'user.add', 'user', :id, :after)"
                ),
                {"at": NOW + timedelta(seconds=number), "id": str(number), "after": '{"n": 1}'},
            )
    upgrade(engine)
    assert _verify(engine)[:2] == (3, None)
    _write(engine, 2)
    assert _verify(engine)[:2] == (5, None)
