"""Centralized observation sites (集中观察点): sites, rooms carrying their occupants' cohort
(a CHECK keeps occupancy within capacity, more than one place only in a household room, and
the cohort set exactly while someone is in), site managers' sites, placements (one current
per case: a partial unique index), the twice-daily checks and positive results' escalations.
A new role, ``site_manager``, joins app_user's role CHECK.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 16:40:00.000000
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ROLES_BEFORE = (
    "citizen",
    "community_worker",
    "cdc",
    "clinic",
    "hotline",
    "admin",
    "checkpoint",  # 0015
    "employer",  # 0018
)
ROLE_CHECK = "ck_app_user_role"


def _allow_roles(roles: tuple[str, ...]) -> None:
    """app_user's role CHECK allowing ``roles``. PostgreSQL changes it in place. SQLite cannot
    alter a CHECK, and copying app_user (batch mode) would drop a table every session, dose
    and audit row references while foreign keys are enforced; so the CHECK's text is edited
    in the schema, SQLite's documented way for a change no stored row can break (the list
    only grows on upgrade; downgrade first makes sure no row holds the role it removes)."""
    listed = ", ".join(f"'{role}'" for role in roles)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f(ROLE_CHECK), "app_user", type_="check")
        op.create_check_constraint(op.f(ROLE_CHECK), "app_user", f"role IN ({listed})")
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'app_user'"
    ).scalar_one()
    changed, count = re.subn(r"role IN \([^)]*\)", f"role IN ({listed})", sql, count=1)
    if count != 1:
        raise RuntimeError("app_user's role CHECK was not found")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'app_user'", (changed,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _allow_roles((*ROLES_BEFORE, "site_manager"))
    op.create_table(
        "observation_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=50), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'full', 'closed')", name=op.f("ck_observation_site_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_site")),
        sa.UniqueConstraint("name", name=op.f("uq_observation_site_name")),
    )
    with op.batch_alter_table("observation_site", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observation_site_district"), ["district"], unique=False
        )

    op.create_table(
        "site_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("household", sa.Boolean(), nullable=False),
        sa.Column("occupancy", sa.Integer(), nullable=False),
        sa.Column("cohort_start_date", sa.Date(), nullable=True),
        sa.Column("cohort_origin", sa.String(length=300), nullable=True),
        sa.Column("cohort_household", sa.String(length=100), nullable=True),
        sa.Column("disinfected_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(occupancy = 0 AND cohort_start_date IS NULL AND cohort_origin IS NULL AND cohort_household IS NULL) OR (occupancy > 0 AND cohort_start_date IS NOT NULL AND cohort_origin IS NOT NULL AND (household = (cohort_household IS NOT NULL)))",
            name=op.f("ck_site_room_cohort"),
        ),
        sa.CheckConstraint(
            "capacity >= 1 AND (household OR capacity = 1)",
            name=op.f("ck_site_room_single_or_household"),
        ),
        sa.CheckConstraint(
            "occupancy >= 0 AND occupancy <= capacity", name=op.f("ck_site_room_occupancy")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["observation_site.id"], name=op.f("fk_site_room_site_id_observation_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_room")),
    )
    with op.batch_alter_table("site_room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_room_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "uq_site_room_site_floor_number", ["site_id", "floor", "number"], unique=True
        )

    op.create_table(
        "site_manager",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["observation_site.id"],
            name=op.f("fk_site_manager_site_id_observation_site"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_site_manager_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_site_manager")),
    )
    with op.batch_alter_table("site_manager", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_manager_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_placement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("household", sa.String(length=100), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_kind", sa.String(length=20), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "end_kind IN ('checkout', 'early_release', 'transfer')",
            name=op.f("ck_site_placement_end_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["community_case.id"],
            name=op.f("fk_site_placement_case_id_community_case"),
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["site_room.id"], name=op.f("fk_site_placement_room_id_site_room")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_placement")),
    )
    with op.batch_alter_table("site_placement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_placement_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_site_placement_room_current", ["room_id", "ended_at"], unique=False
        )
        batch_op.create_index(
            "uq_site_placement_current_case",
            ["case_id"],
            unique=True,
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "site_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=10), nullable=False),
        sa.Column("temperature", sa.Numeric(precision=3, scale=1), nullable=False),
        sa.Column("symptoms", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("slot IN ('morning', 'afternoon')", name=op.f("ck_site_check_slot")),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["site_placement.id"],
            name=op.f("fk_site_check_placement_id_site_placement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_check")),
    )
    with op.batch_alter_table("site_check", schema=None) as batch_op:
        batch_op.create_index(
            "uq_site_check_placement_day_slot", ["placement_id", "check_date", "slot"], unique=True
        )

    op.create_table(
        "site_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_placement_id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("red_mark_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "kind IN ('positive', 'neighbour')", name=op.f("ck_site_escalation_kind")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["site_placement.id"],
            name=op.f("fk_site_escalation_placement_id_site_placement"),
        ),
        sa.ForeignKeyConstraint(
            ["red_mark_id"], ["red_mark.id"], name=op.f("fk_site_escalation_red_mark_id_red_mark")
        ),
        sa.ForeignKeyConstraint(
            ["source_placement_id"],
            ["site_placement.id"],
            name=op.f("fk_site_escalation_source_placement_id_site_placement"),
        ),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["nucleic_acid_test.id"],
            name=op.f("fk_site_escalation_test_id_nucleic_acid_test"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_escalation")),
    )
    with op.batch_alter_table("site_escalation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_site_escalation_placement_id"), ["placement_id"], unique=False
        )


def downgrade() -> None:
    if (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM app_user WHERE role = 'site_manager'"))
        .scalar_one()
    ):
        raise RuntimeError("site managers exist: revoke and remove them before downgrading")
    _allow_roles(ROLES_BEFORE)
    with op.batch_alter_table("site_escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_escalation_placement_id"))

    op.drop_table("site_escalation")
    with op.batch_alter_table("site_check", schema=None) as batch_op:
        batch_op.drop_index("uq_site_check_placement_day_slot")

    op.drop_table("site_check")
    with op.batch_alter_table("site_placement", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_site_placement_current_case",
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_site_placement_room_current")
        batch_op.drop_index(batch_op.f("ix_site_placement_case_id"))

    op.drop_table("site_placement")
    with op.batch_alter_table("site_manager", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_manager_site_id"))

    op.drop_table("site_manager")
    with op.batch_alter_table("site_room", schema=None) as batch_op:
        batch_op.drop_index("uq_site_room_site_floor_number")
        batch_op.drop_index(batch_op.f("ix_site_room_site_id"))

    op.drop_table("site_room")
    with op.batch_alter_table("observation_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_site_district"))

    op.drop_table("observation_site")
