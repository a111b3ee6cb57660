"""Checkpoints (检查站), their staff, registered commuters (环京通勤) and every person checked;
the role ``checkpoint`` joins the users' role check.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_OLD_ROLES = "('citizen', 'community_worker', 'cdc', 'clinic', 'hotline', 'admin')"
_NEW_ROLES = "('citizen', 'community_worker', 'cdc', 'clinic', 'hotline', 'admin', 'checkpoint')"


def _role_check(roles: str, replaced: str) -> None:
    """Widen (or narrow back) app_user's role check. PostgreSQL: drop and add. SQLite cannot
    alter a check, and rebuilding app_user inside the migration's transaction would break the
    foreign keys pointing at it; a check that only admits more leaves every row valid, so the
    table's definition is rewritten in place — the procedure SQLite documents for changing
    constraints that do not touch the stored rows (ALTER TABLE, "making other kinds of changes")."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_app_user_role"), "app_user", type_="check")
        op.create_check_constraint(op.f("ck_app_user_role"), "app_user", f"role IN {roles}")
        return
    connection = op.get_bind()
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'"
    ).scalar_one()
    if f"role IN {replaced}" not in definition:
        raise RuntimeError("app_user's role check is not the one this migration expects")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'app_user'",
        (definition.replace(f"role IN {replaced}", f"role IN {roles}"),),
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _role_check(_NEW_ROLES, _OLD_ROLES)
    op.create_table(
        "checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoint")),
        sa.UniqueConstraint("name", name=op.f("uq_checkpoint_name")),
    )
    op.create_table(
        "checkpoint_staff",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoint.id"],
            name=op.f("fk_checkpoint_staff_checkpoint_id_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_checkpoint_staff_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_checkpoint_staff")),
    )
    with op.batch_alter_table("checkpoint_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkpoint_staff_checkpoint_id"), ["checkpoint_id"], unique=False
        )
    op.create_table(
        "commuter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("employer", sa.String(length=100), nullable=False),
        sa.Column("home", sa.String(length=300), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_commuter_account_id_healthkit_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commuter")),
        sa.UniqueConstraint("account_id", name=op.f("uq_commuter_account_id")),
    )
    op.create_table(
        "checkpoint_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("colour", sa.String(length=10), nullable=False),
        sa.Column("popup", sa.Boolean(), nullable=False),
        sa.Column("masked_name", sa.String(length=50), nullable=False),
        sa.Column("pass_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("temperature", sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column("commuter_id", sa.Integer(), nullable=True),
        sa.Column("test_proof_on", sa.Date(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('pass', 'turn_back', 'observation')",
            name=op.f("ck_checkpoint_result_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoint.id"],
            name=op.f("fk_checkpoint_result_checkpoint_id_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["commuter_id"], ["commuter.id"], name=op.f("fk_checkpoint_result_commuter_id_commuter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoint_result")),
        sa.UniqueConstraint("client_id", name=op.f("uq_checkpoint_result_client_id")),
    )
    with op.batch_alter_table("checkpoint_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkpoint_result_checkpoint_id"), ["checkpoint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_checkpoint_result_commuter_id"), ["commuter_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("checkpoint_result")
    op.drop_table("commuter")
    op.drop_table("checkpoint_staff")
    op.drop_table("checkpoint")
    # narrowing the check back is only right once no user has the role
    if (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM app_user WHERE role = 'checkpoint'"))
        .scalar_one()
    ):
        raise RuntimeError("users of role checkpoint remain: revoke and remove them first")
    _role_check(_OLD_ROLES, _NEW_ROLES)
