"""The audit log becomes a hash chain: every entry carries its predecessor's hash and its own
(SHA-256, see fanjing.audit.core); the entries already there are chained in id order.
``previous_hash`` is unique, so the chain cannot fork. A nucleic acid result recorded again
for the same case and day supersedes the one standing, which keeps a link to it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:40:00.000000
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from fanjing.audit.core import GENESIS, entry_hash

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# the append-only triggers of 0001: SQLite's are dropped (a batch alteration copies the
# table without them) and made again; PostgreSQL's is disabled meanwhile
_SQLITE_TRIGGERS = {
    verb: f"""CREATE TRIGGER audit_entry_no_{verb} BEFORE {verb.upper()} ON audit_entry
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
    for verb in ("update", "delete")
}
_ENTRIES = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("previous_hash", sa.String),
    sa.column("hash", sa.String),
)


def _allow_changes(allowed: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        verb = "DISABLE" if allowed else "ENABLE"
        op.execute(f"ALTER TABLE audit_entry {verb} TRIGGER audit_entry_append_only")
        return
    for verb, trigger in _SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER audit_entry_no_{verb}" if allowed else trigger)


def upgrade() -> None:
    _allow_changes(True)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_entries()
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("uq_audit_entry_previous_hash", ["previous_hash"], unique=True)
    _allow_changes(False)
    with op.batch_alter_table("nucleic_acid_test", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_nucleic_acid_test_superseded_by_id_nucleic_acid_test"),
            "nucleic_acid_test",
            ["superseded_by_id"],
            ["id"],
        )
    _supersede_earlier_results_of_a_day()


def _supersede_earlier_results_of_a_day() -> None:
    """Results recorded before this revision: of several for one case and day, the last
    recorded stands, as from now on."""
    tests = sa.table(
        "nucleic_acid_test",
        sa.column("id", sa.Integer),
        sa.column("case_id", sa.Integer),
        sa.column("test_date", sa.Date),
        sa.column("superseded_by_id", sa.Integer),
    )
    connection = op.get_bind()
    last_of_day: dict[tuple[int, object], int] = {}
    rows = connection.execute(
        sa.select(tests.c.id, tests.c.case_id, tests.c.test_date).order_by(tests.c.id.desc())
    )
    for test_id, case_id, day in rows.all():
        later = last_of_day.get((case_id, day))
        if later is None:
            last_of_day[(case_id, day)] = test_id
            continue
        connection.execute(
            tests.update().where(tests.c.id == test_id).values(superseded_by_id=later)
        )
        last_of_day[(case_id, day)] = test_id  # each result points at the next one


def _chain_existing_entries() -> None:
    connection = op.get_bind()
    previous = GENESIS
    rows = connection.execute(
        sa.select(*[c for c in _ENTRIES.c if c.name not in ("previous_hash", "hash")]).order_by(
            _ENTRIES.c.id
        )
    ).all()
    for row in rows:  # the log of a running system is small next to what a migration copies
        at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
        fields = {**row._asdict(), "at": at, "previous_hash": previous}
        previous = entry_hash(**fields)
        connection.execute(
            _ENTRIES.update()
            .where(_ENTRIES.c.id == row.id)
            .values(previous_hash=fields["previous_hash"], hash=previous)
        )


def downgrade() -> None:
    with op.batch_alter_table("nucleic_acid_test", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_nucleic_acid_test_superseded_by_id_nucleic_acid_test"),
            type_="foreignkey",
        )
        batch_op.drop_column("superseded_by_id")
    _allow_changes(True)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("uq_audit_entry_previous_hash")
        batch_op.drop_column("hash")
        batch_op.drop_column("previous_hash")
    _allow_changes(False)
