"""Employers (单位): organisations with their unified social credit code and the code
employees link with, the users of the ``employer`` role bound to one, and employees' links
from their health-kit accounts. The users' role check admits ``employer``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 16:40:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ROLE = "employer"
# the users' role check as SQLite keeps it in the table's SQL
_SQLITE_ROLE_CHECK = re.compile(r"CONSTRAINT ck_app_user_role CHECK \(role IN \([^)]*\)\)")


def _roles_admitted(connection: sa.Connection) -> list[str]:
    """The roles the check admits now, read from the database: other migrations add theirs,
    so this one adds or removes only its own."""
    if connection.dialect.name == "sqlite":
        table_sql = connection.scalar(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'")
        )
        found = _SQLITE_ROLE_CHECK.search(table_sql or "")
        if found is None:
            raise RuntimeError("app_user has no role check to change")
        clause = found.group(0)
    else:
        clause = connection.scalar(
            sa.text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :name"),
            {"name": "ck_app_user_role"},
        )
    return re.findall(r"'([a-z_]+)'", clause.split("CHECK", 1)[1])


def _admit_roles(roles: list[str]) -> None:
    connection = op.get_bind()
    check = f"role IN ({', '.join(repr(role) for role in roles)})"
    if connection.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_app_user_role"), "app_user", type_="check")
        op.create_check_constraint(op.f("ck_app_user_role"), "app_user", check)
        return
    # SQLite changes a CHECK only by rebuilding the table, which the rows referring to app_user
    # (sessions, accounts) forbid with foreign keys on (and they cannot be turned off inside
    # the migrations' transaction). Admitting one more value, or one fewer once no row has it,
    # changes nothing stored: SQLite's documented way for that is to edit the table's SQL
    # (https://www.sqlite.org/lang_altertable.html#otheralter)
    table_sql = connection.scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'")
    )
    changed = _SQLITE_ROLE_CHECK.sub(f"CONSTRAINT ck_app_user_role CHECK ({check})", table_sql)
    version = connection.scalar(sa.text("PRAGMA schema_version"))
    connection.execute(sa.text("PRAGMA writable_schema = ON"))
    connection.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'app_user'"),
        {"sql": changed},
    )
    connection.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    connection.execute(sa.text("PRAGMA writable_schema = OFF"))
    if connection.scalar(sa.text("PRAGMA quick_check")) != "ok":
        raise RuntimeError("app_user's role check could not be changed")


def upgrade() -> None:
    op.create_table(
        "employer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer")),
        sa.UniqueConstraint("code", name=op.f("uq_employer_code")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_employer_credit_code")),
    )
    op.create_table(
        "employer_staff",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employer_staff_employer_id_employer")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_employer_staff_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_employer_staff")),
    )
    op.create_index(
        op.f("ix_employer_staff_employer_id"), "employer_staff", ["employer_id"], unique=False
    )
    op.create_table(
        "employment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_employment_account_id_healthkit_account"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employment_employer_id_employer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment")),
    )
    op.create_index(op.f("ix_employment_employer_id"), "employment", ["employer_id"], unique=False)
    op.create_index(
        "uq_employment_current",
        "employment",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text("unlinked_at IS NULL"),
        postgresql_where=sa.text("unlinked_at IS NULL"),
    )
    roles = _roles_admitted(op.get_bind())
    if _ROLE not in roles:
        _admit_roles([*roles, _ROLE])


def downgrade() -> None:
    # the old role check admits no employer users: they go, with their sessions
    op.execute(
        "DELETE FROM web_session WHERE user_id IN (SELECT id FROM app_user WHERE role = 'employer')"
    )
    op.drop_index("uq_employment_current", table_name="employment")
    op.drop_index(op.f("ix_employment_employer_id"), table_name="employment")
    op.drop_table("employment")
    op.drop_index(op.f("ix_employer_staff_employer_id"), table_name="employer_staff")
    op.drop_table("employer_staff")
    op.drop_table("employer")
    op.execute("DELETE FROM app_user WHERE role = 'employer'")
    _admit_roles([role for role in _roles_admitted(op.get_bind()) if role != _ROLE])
