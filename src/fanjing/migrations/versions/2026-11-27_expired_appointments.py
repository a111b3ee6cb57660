"""Appointments whose day has passed can be marked ``expired`` (a third state): they stop
holding the citizen's one booking, and a new one can be made without cancelling them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATE = "ck_vaccination_appointment_state"


def upgrade() -> None:
    # SQLite changes a CHECK by copying the table (batch mode), PostgreSQL in place
    with op.batch_alter_table("vaccination_appointment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(STATE), type_="check")
        batch_op.create_check_constraint(op.f(STATE), "state IN ('booked', 'cancelled', 'expired')")


def downgrade() -> None:
    # the old schema has no third state: an expired appointment reads as cancelled there (it
    # holds no booking either way; its cancelled_at stays empty). Back to booked would break
    # the one-booking index for a citizen who has booked again since.
    op.execute("UPDATE vaccination_appointment SET state = 'cancelled' WHERE state = 'expired'")
    with op.batch_alter_table("vaccination_appointment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(STATE), type_="check")
        batch_op.create_check_constraint(op.f(STATE), "state IN ('booked', 'cancelled')")
