from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from fanjing.audit.service import record
from fanjing.audit.store import newest_entries
from fanjing.infra.db import session_scope

NOW = datetime(2021, 8, 7, 1, 0, tzinfo=UTC)


def test_entries_are_read_newest_first(engine):
    with session_scope(engine) as session:
        for number in range(3):
            record(
                session,
                actor="cdc",
                at=NOW,
                action="designation.open",
                entity="designation",
                entity_id=number,
            )
    with session_scope(engine) as session:
        assert [e.entity_id for e in newest_entries(session)] == ["2", "1", "0"]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry"]
)
def test_the_database_refuses_to_change_the_audit_log(engine, statement):
    with session_scope(engine) as session:
        record(session, actor="cdc", at=NOW, action="user.add", entity="user", entity_id=1)
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with session_scope(engine) as session:
        assert [e.actor for e in newest_entries(session)] == ["cdc"]
