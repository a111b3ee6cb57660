"""Travel declarations with the cards' undeclared cities and the decision (pack and version).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 04:22:05.561575
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "travel_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("arrival", sa.Date(), nullable=True),
        sa.Column("situation", sa.JSON(), nullable=False),
        sa.Column("undeclared_cities", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("pack_id", sa.String(length=100), nullable=False),
        sa.Column("pack_version", sa.String(length=50), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_travel_declaration_account_id_healthkit_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_declaration")),
    )
    with op.batch_alter_table("travel_declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_travel_declaration_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("travel_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_travel_declaration_account_id"))

    op.drop_table("travel_declaration")
