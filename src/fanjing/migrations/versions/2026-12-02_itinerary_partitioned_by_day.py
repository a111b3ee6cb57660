"""The itinerary partitioned by day on PostgreSQL: a day older than the card's 14 days goes
with one DROP TABLE of its partition, not a DELETE over millions of rows. SQLite keeps the
plain table (it has no partitions; its databases are small).

Existing visits move into one partition per day they have; further partitions are made by
``fanjing.itinerary.partition_store`` (ahead by the daily job, and for the days a feed brings).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 16:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace_table(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace_table(partitioned=False)


def _replace_table(*, partitioned: bool) -> None:
    """The table anew, partitioned by day or plain as 0004 made it, with the rows of the old."""
    _set_aside()
    # partitioned, in byte order ("C"): hex hashes and city names need no language's rules,
    # and the keys of tens of millions of rows compare several times faster without them
    collate = ' COLLATE "C"' if partitioned else ""
    op.execute(
        f"CREATE TABLE itinerary_visit (phone_hash varchar(64){collate} NOT NULL, "
        f"visit_date date NOT NULL, city varchar(100){collate} NOT NULL, "
        "CONSTRAINT pk_itinerary_visit PRIMARY KEY (phone_hash, visit_date, city))"
        + (" PARTITION BY RANGE (visit_date)" if partitioned else "")
    )
    op.execute("CREATE INDEX ix_itinerary_visit_city_date ON itinerary_visit (city, visit_date)")
    if (
        partitioned
    ):  # a partition per day the old table has (named as fanjing.itinerary.partition_store does)
        op.execute(
            """DO $$ DECLARE day date; BEGIN
            FOR day IN SELECT DISTINCT visit_date FROM itinerary_visit_old LOOP
              EXECUTE format('CREATE TABLE %I PARTITION OF itinerary_visit FOR VALUES FROM (%L) TO (%L)',
                             'itinerary_visit_' || to_char(day, 'YYYYMMDD'), day, day + 1);
            END LOOP; END $$"""
        )
    op.execute(
        "INSERT INTO itinerary_visit SELECT phone_hash, visit_date, city FROM itinerary_visit_old"
    )
    op.execute("DROP TABLE itinerary_visit_old")  # with its partitions, if it had any


def _set_aside() -> None:
    """Rename the table and free its constraint's and index's names for the new one."""
    op.execute("ALTER TABLE itinerary_visit RENAME TO itinerary_visit_old")
    op.execute(
        "ALTER TABLE itinerary_visit_old RENAME CONSTRAINT pk_itinerary_visit TO pk_itinerary_visit_old"
    )
    op.execute(
        "ALTER INDEX ix_itinerary_visit_city_date RENAME TO ix_itinerary_visit_old_city_date"
    )
