"""The 12345 hotline knowledge base: entries (every version kept) and the revision counter
that tells search indexes they are stale.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 04:56:00.175545
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("published_date", sa.Date(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entry")),
    )
    with op.batch_alter_table("faq_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_entry_current"), ["current"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_entry_key"), ["key"], unique=False)

    op.create_table(
        "faq_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_revision")),
    )
    revision_table = sa.table(
        "faq_revision", sa.column("id", sa.Integer), sa.column("revision", sa.Integer)
    )
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table("faq_revision")
    with op.batch_alter_table("faq_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_entry_key"))
        batch_op.drop_index(batch_op.f("ix_faq_entry_current"))

    op.drop_table("faq_entry")
