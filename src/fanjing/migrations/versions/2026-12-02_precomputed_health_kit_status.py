"""The health-kit status as a precomputed row per account (colour, pop-ups, history,
the days it holds for, a version).

Existing accounts get a row that holds for no day (``valid_until`` long past): a status
asked meanwhile is computed from the sources, and the daily job (or ``fanjing healthkit
refresh-status``) fills the rows in.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "healthkit_status",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("colour", sa.String(length=10), nullable=False),
        sa.Column("popup", sa.Boolean(), nullable=False),
        sa.Column("popups", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "colour IN ('green', 'yellow', 'red')", name=op.f("ck_healthkit_status_colour")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_healthkit_status_account_id_healthkit_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_healthkit_status_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_healthkit_status")),
        sa.UniqueConstraint("user_id", name=op.f("uq_healthkit_status_user_id")),
    )
    with op.batch_alter_table("healthkit_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_healthkit_status_valid_until"), ["valid_until"], unique=False
        )
    op.execute(
        "INSERT INTO healthkit_status (account_id, user_id, colour, popup, popups, history, "
        "valid_from, valid_until, version) "
        "SELECT id, user_id, 'green', false, '[]', '[]', NULL, '1900-01-01', 0 "
        "FROM healthkit_account"
    )


def downgrade() -> None:
    with op.batch_alter_table("healthkit_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_healthkit_status_valid_until"))
    op.drop_table("healthkit_status")
