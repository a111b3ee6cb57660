"""Tokens expire and can be revoked; page sessions are kept on the server; users' names are
encrypted, and a citizen is named everywhere by a masked label.

Existing tokens expire 90 days after this migration. Existing names are encrypted with the
keys the servers use (``FANJING_DATA_KEYS`` / ``FANJING_LOOKUP_KEY`` or ``var/keys/``); a
citizen's name is replaced by their label (``张*#7``) in the users' table and wherever it was
recorded as who did something: the audit log (its append-only trigger is lifted for this one
change), arrival reports and every other ``*_by`` column.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    f"audit_entry_no_{verb}": f"""CREATE TRIGGER audit_entry_no_{verb} BEFORE {verb.upper()}
        ON audit_entry BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
    for verb in ("update", "delete")
}
_USERS = sa.table(
    "app_user",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("role", sa.String),
    sa.column("name_encrypted", sa.Text),
    sa.column("name_hash", sa.String),
    sa.column("token_expires_at", sa.DateTime(timezone=True)),
)
_AUDIT = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("after", sa.JSON),
)


def upgrade() -> None:
    # NOT NULL columns added to filled tables need a default; it is dropped where the
    # database allows (PostgreSQL), and never used: every row is filled below
    with op.batch_alter_table("app_user", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("name_encrypted", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("name_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "token_expires_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default="1970-01-01 00:00:00+00:00",
            )
        )
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    _encrypt_names()
    if op.get_bind().dialect.name == "postgresql":
        for column in ("name_encrypted", "name_hash", "token_expires_at"):
            op.alter_column("app_user", column, server_default=None)
    op.create_index(op.f("ix_app_user_name_hash"), "app_user", ["name_hash"], unique=True)
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_web_session_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_web_session_key_hash")),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"], unique=False)


def _encrypt_names() -> None:
    connection = op.get_bind()
    users = connection.execute(sa.select(_USERS.c.id, _USERS.c.name, _USERS.c.role)).all()
    if not users:
        return  # a new database: no keys are needed (nor created)
    from fanjing.common.identity import mask_name
    from fanjing.infra.crypto import load_field_cipher
    from fanjing.settings import Settings
    from fanjing.users.core import TOKEN_DAYS, citizen_label
    from fanjing.users.service import user_name_hash

    cipher = load_field_cipher(Settings.from_environment())
    expires = datetime.now(UTC) + timedelta(days=TOKEN_DAYS)
    renamed = {}
    for user in users:
        label = citizen_label(mask_name(user.name), user.id) if user.role == "citizen" else None
        connection.execute(
            sa.update(_USERS)
            .where(_USERS.c.id == user.id)
            .values(
                name=label or user.name,
                name_encrypted=cipher.encrypt(user.name),
                name_hash=user_name_hash(cipher, user.name),
                token_expires_at=expires,
            )
        )
        if label:
            renamed[user.id] = (user.name, label)
    if renamed:
        with _audit_log_opened(connection):
            _relabel(connection, renamed)


def _relabel(connection: sa.Connection, renamed: dict[int, tuple[str, str]]) -> None:
    """Wherever a citizen's name was recorded as who did something, their label instead."""
    inspector = sa.inspect(connection)
    columns = [("audit_entry", "actor")] + [
        (table, column["name"])
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if column["name"].endswith("_by")
    ]
    for name, label in renamed.values():
        for table, column in columns:
            target = sa.table(table, sa.column(column, sa.String))
            connection.execute(
                sa.update(target).where(target.c[column] == name).values({column: label})
            )
    for user_id, (_name, label) in renamed.items():
        added = connection.execute(
            sa.select(_AUDIT.c.id, _AUDIT.c.after).where(
                _AUDIT.c.entity == "user",
                _AUDIT.c.entity_id == str(user_id),
                _AUDIT.c.action == "user.add",
            )
        ).all()
        for entry in added:
            after: dict[str, Any] = dict(entry.after or {})
            after["name"] = label
            connection.execute(sa.update(_AUDIT).where(_AUDIT.c.id == entry.id).values(after=after))


@contextmanager
def _audit_log_opened(connection: sa.Connection) -> Iterator[None]:
    """The append-only trigger lifted for the block, then put back (in the same transaction)."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    yield
    if postgres:
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
    else:
        for create in _SQLITE_TRIGGERS.values():
            op.execute(create)


def downgrade() -> None:
    # the labels stay where they replaced names (the audit log is not rewritten twice)
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_index(op.f("ix_app_user_name_hash"), table_name="app_user")
    with op.batch_alter_table("app_user", recreate="never") as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("token_expires_at")
        batch_op.drop_column("name_hash")
        batch_op.drop_column("name_encrypted")
