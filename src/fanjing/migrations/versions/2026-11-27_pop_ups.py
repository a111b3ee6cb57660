"""Pop-ups raised by designations, cleared by community workers with a reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 04:24:55.052569
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "popup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("designation_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("last_visit", sa.Date(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(length=100), nullable=True),
        sa.Column("clear_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_popup_account_id_healthkit_account"),
        ),
        sa.ForeignKeyConstraint(
            ["designation_id"],
            ["designation.id"],
            name=op.f("fk_popup_designation_id_designation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_popup")),
    )
    with op.batch_alter_table("popup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_popup_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "uq_popup_account_designation", ["account_id", "designation_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("popup", schema=None) as batch_op:
        batch_op.drop_index("uq_popup_account_designation")
        batch_op.drop_index(batch_op.f("ix_popup_account_id"))

    op.drop_table("popup")
