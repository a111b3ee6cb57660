"""Health-kit accounts and phone bindings (personal data encrypted, keyed hashes for lookups).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:08:12.028194
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "healthkit_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name_encrypted", sa.String(length=500), nullable=False),
        sa.Column("document_kind", sa.String(length=20), nullable=False),
        sa.Column("document_encrypted", sa.String(length=500), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("community", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_healthkit_account_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_healthkit_account")),
        sa.UniqueConstraint("document_hash", name=op.f("uq_healthkit_account_document_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_healthkit_account_user_id")),
    )
    with op.batch_alter_table("healthkit_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_healthkit_account_community"), ["community"], unique=False
        )

    op.create_table(
        "one_time_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_one_time_code_account_id_healthkit_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_code")),
    )
    with op.batch_alter_table("one_time_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_one_time_code_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "phone_binding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("phone_encrypted", sa.String(length=500), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unbound_on", sa.Date(), nullable=True),
        sa.Column("delete_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "platform IN ('wechat', 'alipay')", name=op.f("ck_phone_binding_platform")
        ),
        sa.CheckConstraint("state IN ('active', 'grey')", name=op.f("ck_phone_binding_state")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_phone_binding_account_id_healthkit_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_binding")),
    )
    with op.batch_alter_table("phone_binding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phone_binding_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_phone_binding_delete_on"), ["delete_on"], unique=False)
        batch_op.create_index("uq_phone_binding_number", ["phone_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("phone_binding", schema=None) as batch_op:
        batch_op.drop_index("uq_phone_binding_number")
        batch_op.drop_index(batch_op.f("ix_phone_binding_delete_on"))
        batch_op.drop_index(batch_op.f("ix_phone_binding_account_id"))

    op.drop_table("phone_binding")
    with op.batch_alter_table("one_time_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_time_code_account_id"))

    op.drop_table("one_time_code")
    with op.batch_alter_table("healthkit_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_healthkit_account_community"))

    op.drop_table("healthkit_account")
