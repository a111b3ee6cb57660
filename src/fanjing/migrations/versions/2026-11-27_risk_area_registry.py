"""The risk-area registry: designations with their history, and import reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 03:07:57.738732
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "designation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("area_text", sa.String(length=500), nullable=False),
        sa.Column("area_name", sa.String(length=500), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("county", sa.String(length=100), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("village", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "level IN ('high', 'medium', 'cases')", name=op.f("ck_designation_level")
        ),
        sa.CheckConstraint(
            "origin IN ('national_list', 'csv', 'manual')", name=op.f("ck_designation_origin")
        ),
        sa.CheckConstraint(
            "to_date IS NULL OR to_date >= from_date", name=op.f("ck_designation_dates_in_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_designation")),
    )
    with op.batch_alter_table("designation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_designation_area_name"), ["area_name"], unique=False)
        batch_op.create_index("ix_designation_open", ["origin", "to_date"], unique=False)

    op.create_table(
        "registry_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("list_date", sa.Date(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_import")),
    )


def downgrade() -> None:
    op.drop_table("registry_import")
    with op.batch_alter_table("designation", schema=None) as batch_op:
        batch_op.drop_index("ix_designation_open")
        batch_op.drop_index(batch_op.f("ix_designation_area_name"))

    op.drop_table("designation")
