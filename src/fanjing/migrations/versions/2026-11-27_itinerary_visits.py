"""The carriers' itinerary feed: visits by number (keyed hash only), city and day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:17:57.459087
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "itinerary_visit",
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint(
            "phone_hash", "visit_date", "city", name=op.f("pk_itinerary_visit")
        ),
    )
    with op.batch_alter_table("itinerary_visit", schema=None) as batch_op:
        batch_op.create_index("ix_itinerary_visit_city_date", ["city", "visit_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("itinerary_visit", schema=None) as batch_op:
        batch_op.drop_index("ix_itinerary_visit_city_date")

    op.drop_table("itinerary_visit")
