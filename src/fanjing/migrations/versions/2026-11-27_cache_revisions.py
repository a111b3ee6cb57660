"""Revision counters of cached data (the registry, the policy packs), raised with each change.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 05:58:29.333008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_revision",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_revision")),
    )
    counters = sa.table("cache_revision", sa.column("name", sa.String), sa.column("value"))
    op.bulk_insert(counters, [{"name": "registry", "value": 0}, {"name": "packs", "value": 0}])


def downgrade() -> None:
    op.drop_table("cache_revision")
