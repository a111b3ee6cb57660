"""Community health management: arrival reports, cases and their measures, daily health
checks, nucleic acid tests; and the policy packs CDC uploads (M10).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 05:30:43.929130
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arrival_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("community", sa.String(length=300), nullable=False),
        sa.Column("street", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("employer", sa.String(length=200), nullable=True),
        sa.Column("name_encrypted", sa.String(length=500), nullable=False),
        sa.Column("document_kind", sa.String(length=20), nullable=False),
        sa.Column("document_encrypted", sa.String(length=500), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_encrypted", sa.String(length=500), nullable=True),
        sa.Column("arrival_date", sa.Date(), nullable=False),
        sa.Column("situation", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("pack_id", sa.String(length=100), nullable=False),
        sa.Column("pack_version", sa.String(length=50), nullable=False),
        sa.CheckConstraint(
            "source IN ('self', 'worker', 'excel')", name=op.f("ck_arrival_report_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrival_report")),
    )
    with op.batch_alter_table("arrival_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_arrival_report_community"), ["community"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_arrival_report_document_hash"), ["document_hash"], unique=False
        )

    op.create_table(
        "policy_pack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("in_force_from", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'withdrawn')", name=op.f("ck_policy_pack_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_pack")),
    )
    with op.batch_alter_table("policy_pack", schema=None) as batch_op:
        batch_op.create_index("uq_policy_pack_version", ["pack_id", "version"], unique=True)

    op.create_table(
        "community_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("community", sa.String(length=300), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=300), nullable=True),
        sa.Column("contact_case_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "link IN ('cohabitant', 'coworker')", name=op.f("ck_community_case_link")
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_community_case_status")),
        sa.ForeignKeyConstraint(
            ["contact_case_id"],
            ["community_case.id"],
            name=op.f("fk_community_case_contact_case_id_community_case"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["arrival_report.id"],
            name=op.f("fk_community_case_report_id_arrival_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_case")),
    )
    with op.batch_alter_table("community_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_case_contact_case_id"), ["contact_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_community_case_document_hash"), ["document_hash"], unique=False
        )
        batch_op.create_index("ix_community_case_open", ["community", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_community_case_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "case_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("clause", sa.String(length=1000), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["community_case.id"], name=op.f("fk_case_measure_case_id_community_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_measure")),
    )
    with op.batch_alter_table("case_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_measure_case_id"), ["case_id"], unique=False)

    op.create_table(
        "health_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("temperature", sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column("symptoms", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["community_case.id"], name=op.f("fk_health_check_case_id_community_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_check")),
    )
    with op.batch_alter_table("health_check", schema=None) as batch_op:
        batch_op.create_index("uq_health_check_case_day", ["case_id", "check_date"], unique=True)

    op.create_table(
        "nucleic_acid_test",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("test_date", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "result IN ('pending', 'negative', 'positive')",
            name=op.f("ck_nucleic_acid_test_result"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["community_case.id"],
            name=op.f("fk_nucleic_acid_test_case_id_community_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nucleic_acid_test")),
    )
    with op.batch_alter_table("nucleic_acid_test", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nucleic_acid_test_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nucleic_acid_test", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nucleic_acid_test_case_id"))

    op.drop_table("nucleic_acid_test")
    with op.batch_alter_table("health_check", schema=None) as batch_op:
        batch_op.drop_index("uq_health_check_case_day")

    op.drop_table("health_check")
    with op.batch_alter_table("case_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_measure_case_id"))

    op.drop_table("case_measure")
    with op.batch_alter_table("community_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_case_report_id"))
        batch_op.drop_index("ix_community_case_open")
        batch_op.drop_index(batch_op.f("ix_community_case_document_hash"))
        batch_op.drop_index(batch_op.f("ix_community_case_contact_case_id"))

    op.drop_table("community_case")
    with op.batch_alter_table("policy_pack", schema=None) as batch_op:
        batch_op.drop_index("uq_policy_pack_version")

    op.drop_table("policy_pack")
    with op.batch_alter_table("arrival_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrival_report_document_hash"))
        batch_op.drop_index(batch_op.f("ix_arrival_report_community"))

    op.drop_table("arrival_report")
