"""12345 work orders (接诉即办): the orders, with the caller encrypted beside keyed hashes,
and the actions units took for them through the existing services.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("caller_name_encrypted", sa.Text(), nullable=False),
        sa.Column("caller_name_hash", sa.String(length=64), nullable=False),
        sa.Column("caller_phone_encrypted", sa.Text(), nullable=False),
        sa.Column("caller_phone_hash", sa.String(length=64), nullable=False),
        sa.Column("caller_address_encrypted", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("concerns_phone_encrypted", sa.Text(), nullable=True),
        sa.Column("concerns_phone_hash", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("faq_entry_id", sa.Integer(), nullable=True),
        sa.Column("unit_kind", sa.String(length=20), nullable=False),
        sa.Column("unit_key", sa.String(length=300), nullable=False),
        sa.Column("district", sa.String(length=50), nullable=True),
        sa.Column("respond_hours", sa.Integer(), nullable=False),
        sa.Column("resolve_hours", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=100), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_stage", sa.String(length=20), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("satisfaction", sa.String(length=30), nullable=True),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(state = 'closed') = (satisfaction IS NOT NULL)",
            name=op.f("ck_work_order_closed_rated"),
        ),
        sa.CheckConstraint(
            "category IN ('popup_appeal', 'colour_appeal', 'vaccination_missing', 'itinerary_star', 'policy_question', 'complaint')",
            name=op.f("ck_work_order_category"),
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')",
            name=op.f("ck_work_order_satisfaction"),
        ),
        sa.CheckConstraint(
            "state IN ('opened', 'dispatched', 'responded', 'resolved', 'closed', 'escalated')",
            name=op.f("ck_work_order_state"),
        ),
        sa.CheckConstraint(
            "unit_kind IN ('community', 'clinic', 'cdc')", name=op.f("ck_work_order_unit_kind")
        ),
        sa.CheckConstraint(
            "resolve_hours >= respond_hours AND respond_hours > 0", name=op.f("ck_work_order_hours")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_work_order_account_id_healthkit_account"),
        ),
        sa.ForeignKeyConstraint(
            ["faq_entry_id"], ["faq_entry.id"], name=op.f("fk_work_order_faq_entry_id_faq_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_work_order_caller_phone_hash"), ["caller_phone_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_work_order_concerns_phone_hash"), ["concerns_phone_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_work_order_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_state"), ["state"], unique=False)
        batch_op.create_index(
            "ix_work_order_unit", ["unit_kind", "unit_key", "state"], unique=False
        )

    op.create_table(
        "work_order_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acted_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "kind IN ('popup_clear', 'dose_identity', 'red_mark_lift')",
            name=op.f("ck_work_order_action_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["work_order.id"], name=op.f("fk_work_order_action_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_action")),
    )
    with op.batch_alter_table("work_order_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_action_order_id"), ["order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("work_order_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_action_order_id"))

    op.drop_table("work_order_action")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_unit")
        batch_op.drop_index(batch_op.f("ix_work_order_state"))
        batch_op.drop_index(batch_op.f("ix_work_order_opened_at"))
        batch_op.drop_index(batch_op.f("ix_work_order_district"))
        batch_op.drop_index(batch_op.f("ix_work_order_concerns_phone_hash"))
        batch_op.drop_index(batch_op.f("ix_work_order_caller_phone_hash"))
        batch_op.drop_index(batch_op.f("ix_work_order_account_id"))

    op.drop_table("work_order")
