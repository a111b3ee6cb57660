"""Writing many rows in the caller's transaction as sets, not row by row: on PostgreSQL by
COPY (updates: COPY into a staging table, then one ``UPDATE … FROM``), elsewhere (SQLite, in
process) by one executemany statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Table, bindparam, insert, text, update
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every row the same keys) into ``table``."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    _copy(session, table, table.name, columns, rows)


def update_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows by primary key ``id``: each dict gives ``id`` and the new values (every
    dict the same keys)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        by_id = update(table).where(table.c.id == bindparam("row_id"))
        values: dict[str, Any] = {c: bindparam(c) for c in rows[0] if c != "id"}
        session.execute(by_id.values(values), [{**r, "row_id": r["id"]} for r in rows])
        return
    columns = list(rows[0])
    staging = f"{table.name}_staging"
    names = ", ".join(columns)
    # a staging table of the same column types, without the table's constraints
    session.execute(text(f"DROP TABLE IF EXISTS {staging}"))
    session.execute(
        text(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table.name} WITH NO DATA"
        )
    )
    _copy(session, table, staging, columns, rows)
    assignments = ", ".join(f"{c} = s.{c}" for c in columns if c != "id")
    session.execute(
        text(f"UPDATE {table.name} AS t SET {assignments} FROM {staging} AS s WHERE t.id = s.id")
    )


def _copy(
    session: Session, table: Table, into: str, columns: list[str], rows: Sequence[dict[str, Any]]
) -> None:
    """COPY ``rows`` into ``into`` (``table`` or its staging table): JSON columns as their
    text, the rest (dates, moments, text, numbers) as psycopg writes them."""
    session.flush()  # what the session still holds goes first, in order
    json_columns = [c for c in columns if isinstance(table.c[c].type, JSON)]
    # psycopg's own connection, in the session's transaction (COPY is not in the DB-API)
    raw: Any = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor:
        statement = f"COPY {into} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in rows:
                if json_columns:
                    row = {**row, **{c: _json_text(row[c]) for c in json_columns}}
                copy.write_row([row[c] for c in columns])


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()
