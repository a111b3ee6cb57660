"""Vaccination: clinics, the doses they record with a change sequence, the health kit's copy
and the held queue, the sync's watermark and lease, appointments with a daily capacity per
street; users bound to a clinic; accounts' name hashes (for matching doses to accounts).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 05:30:09.970255
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vaccination_change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination_change_counter")),
    )
    op.create_table(
        "vaccination_clinic",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=50), nullable=False),
        sa.Column("street", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_vaccination_clinic")),
    )
    op.create_table(
        "vaccination_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=300), nullable=False),
        sa.Column("slot_date", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity", name=op.f("ck_vaccination_slot_within_capacity")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination_slot")),
    )
    with op.batch_alter_table("vaccination_slot", schema=None) as batch_op:
        batch_op.create_index(
            "uq_vaccination_slot_street_day", ["street", "slot_date"], unique=True
        )

    op.create_table(
        "vaccination_sync_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("watermark", sa.BigInteger(), nullable=False),
        sa.Column("lease_holder", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_vaccination_sync_state")),
    )
    op.create_table(
        "vaccination_dose",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("clinic_code", sa.String(length=40), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("dose_number", sa.Integer(), nullable=False),
        sa.Column("dose_date", sa.Date(), nullable=False),
        sa.Column("given_in_beijing", sa.Boolean(), nullable=False),
        sa.Column("given_in", sa.String(length=100), nullable=True),
        sa.Column("certificate_number", sa.String(length=60), nullable=True),
        sa.Column("name_encrypted", sa.String(length=500), nullable=False),
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("document_kind", sa.String(length=20), nullable=False),
        sa.Column("document_encrypted", sa.String(length=500), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "dose_number BETWEEN 1 AND 5", name=op.f("ck_vaccination_dose_dose_number")
        ),
        sa.CheckConstraint(
            "given_in_beijing OR certificate_number IS NOT NULL",
            name=op.f("ck_vaccination_dose_certificate_for_elsewhere"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_code"],
            ["vaccination_clinic.code"],
            name=op.f("fk_vaccination_dose_clinic_code_vaccination_clinic"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination_dose")),
        sa.UniqueConstraint("change_seq", name=op.f("uq_vaccination_dose_change_seq")),
    )
    with op.batch_alter_table("vaccination_dose", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vaccination_dose_clinic_code"), ["clinic_code"], unique=False
        )
        batch_op.create_index(
            "uq_vaccination_dose_person_dose", ["document_hash", "dose_number"], unique=True
        )

    op.create_table(
        "vaccination_appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("dose_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('booked', 'cancelled')", name=op.f("ck_vaccination_appointment_state")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["vaccination_slot.id"],
            name=op.f("fk_vaccination_appointment_slot_id_vaccination_slot"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_vaccination_appointment_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination_appointment")),
    )
    with op.batch_alter_table("vaccination_appointment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vaccination_appointment_slot_id"), ["slot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_vaccination_appointment_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_vaccination_appointment_booked",
            ["user_id"],
            unique=True,
            postgresql_where=sa.text("state = 'booked'"),
            sqlite_where=sa.text("state = 'booked'"),
        )

    op.create_table(
        "vaccination_held",
        sa.Column("dose_id", sa.Integer(), nullable=False),
        sa.Column("clinic_code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reason IN ('no_account', 'name_mismatch')", name=op.f("ck_vaccination_held_reason")
        ),
        sa.ForeignKeyConstraint(
            ["dose_id"],
            ["vaccination_dose.id"],
            name=op.f("fk_vaccination_held_dose_id_vaccination_dose"),
        ),
        sa.PrimaryKeyConstraint("dose_id", name=op.f("pk_vaccination_held")),
    )
    with op.batch_alter_table("vaccination_held", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vaccination_held_clinic_code"), ["clinic_code"], unique=False
        )

    op.create_table(
        "healthkit_vaccination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dose_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("dose_number", sa.Integer(), nullable=False),
        sa.Column("dose_date", sa.Date(), nullable=False),
        sa.Column("clinic_code", sa.String(length=40), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["healthkit_account.id"],
            name=op.f("fk_healthkit_vaccination_account_id_healthkit_account"),
        ),
        sa.ForeignKeyConstraint(
            ["dose_id"],
            ["vaccination_dose.id"],
            name=op.f("fk_healthkit_vaccination_dose_id_vaccination_dose"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_healthkit_vaccination")),
        sa.UniqueConstraint("dose_id", name=op.f("uq_healthkit_vaccination_dose_id")),
    )
    with op.batch_alter_table("healthkit_vaccination", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_healthkit_vaccination_account_id"), ["account_id"], unique=False
        )

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clinic", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_app_user_clinic_vaccination_clinic"),
            "vaccination_clinic",
            ["clinic"],
            ["code"],
        )

    with op.batch_alter_table("healthkit_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_hash", sa.String(length=64), nullable=True))

    # the counter and the sync's state are one row each, there from the start
    counter = sa.table("vaccination_change_counter", sa.column("id"), sa.column("value"))
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    state = sa.table("vaccination_sync_state", sa.column("name"), sa.column("watermark"))
    op.bulk_insert(state, [{"name": "healthkit", "watermark": 0}])


def downgrade() -> None:
    with op.batch_alter_table("healthkit_account", schema=None) as batch_op:
        batch_op.drop_column("name_hash")

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_app_user_clinic_vaccination_clinic"), type_="foreignkey"
        )
        batch_op.drop_column("clinic")

    with op.batch_alter_table("healthkit_vaccination", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_healthkit_vaccination_account_id"))

    op.drop_table("healthkit_vaccination")
    with op.batch_alter_table("vaccination_held", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vaccination_held_clinic_code"))

    op.drop_table("vaccination_held")
    with op.batch_alter_table("vaccination_appointment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_vaccination_appointment_booked",
            postgresql_where=sa.text("state = 'booked'"),
            sqlite_where=sa.text("state = 'booked'"),
        )
        batch_op.drop_index(batch_op.f("ix_vaccination_appointment_user_id"))
        batch_op.drop_index(batch_op.f("ix_vaccination_appointment_slot_id"))

    op.drop_table("vaccination_appointment")
    with op.batch_alter_table("vaccination_dose", schema=None) as batch_op:
        batch_op.drop_index("uq_vaccination_dose_person_dose")
        batch_op.drop_index(batch_op.f("ix_vaccination_dose_clinic_code"))

    op.drop_table("vaccination_dose")
    op.drop_table("vaccination_sync_state")
    with op.batch_alter_table("vaccination_slot", schema=None) as batch_op:
        batch_op.drop_index("uq_vaccination_slot_street_day")

    op.drop_table("vaccination_slot")
    op.drop_table("vaccination_clinic")
    op.drop_table("vaccination_change_counter")
