"""Declared stays by city (so designations find declarations) and CDC's red marks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 04:51:34.849737
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "red_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("marked_on", sa.Date(), nullable=False),
        sa.Column("marked_by", sa.String(length=100), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lift_reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "kind IN ('confirmed_case', 'close_contact')", name=op.f("ck_red_mark_kind")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_red_mark_account_id_healthkit_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_mark")),
    )
    with op.batch_alter_table("red_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_red_mark_account_id"), ["account_id"], unique=False)

    op.create_table(
        "declared_stay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_declared_stay_account_id_healthkit_account"),
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["travel_declaration.id"],
            name=op.f("fk_declared_stay_declaration_id_travel_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declared_stay")),
    )
    with op.batch_alter_table("declared_stay", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declared_stay_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_declared_stay_city_days", ["city", "last_day", "first_day"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declared_stay_declaration_id"), ["declaration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("declared_stay", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declared_stay_declaration_id"))
        batch_op.drop_index("ix_declared_stay_city_days")
        batch_op.drop_index(batch_op.f("ix_declared_stay_account_id"))

    op.drop_table("declared_stay")
    with op.batch_alter_table("red_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_red_mark_account_id"))

    op.drop_table("red_mark")
