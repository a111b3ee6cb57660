"""The vaccination sync's SQL: a batch's set-wise writes (doses matched to accounts by document
and name hash, the rest held with their reason), the watermark, the accounts' name hashes, and
the one-run-at-a-time lock (PostgreSQL's advisory lock, SQLite's lease on the state row)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, TextClause, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fanjing.healthkit.store import AccountRow
from fanjing.infra.db import UtcDateTime
from fanjing.vaccination.store import DoseRow, HeldDoseRow, SyncStateRow

STATE = "healthkit"

_MATCHED = (
    "EXISTS (SELECT 1 FROM healthkit_account a "
    "WHERE a.document_hash = d.document_hash AND a.name_hash = d.name_hash)"
)
_RANGE = "d.change_seq > :low AND d.change_seq <= :high"
_HELD = "d.id IN (SELECT dose_id FROM vaccination_held)"


def _statements(scope: str) -> dict[str, str]:
    """The four writes of a batch over the doses in ``scope`` (an SQL condition on ``d``)."""
    return {
        "synced": (
            "INSERT INTO healthkit_vaccination "
            "(dose_id, account_id, product_code, dose_number, dose_date, clinic_code, synced_at) "
            "SELECT d.id, a.id, d.product_code, d.dose_number, d.dose_date, d.clinic_code, :now "
            "FROM vaccination_dose d JOIN healthkit_account a "
            "ON a.document_hash = d.document_hash AND a.name_hash = d.name_hash "
            f"WHERE {scope} "
            "ON CONFLICT (dose_id) DO UPDATE SET account_id = excluded.account_id, "
            "product_code = excluded.product_code, dose_number = excluded.dose_number, "
            "dose_date = excluded.dose_date, clinic_code = excluded.clinic_code, "
            "synced_at = excluded.synced_at"
        ),
        # a correction can take a dose off the account it was on (only corrected doses can)
        "withdrawn": (
            "DELETE FROM healthkit_vaccination WHERE dose_id IN (SELECT d.id FROM "
            f"vaccination_dose d WHERE {scope} AND d.corrected_at IS NOT NULL AND NOT {_MATCHED})"
        ),
        # after the two writes above, the scope's doses in the health kit are exactly the
        # matched ones: the queue is settled against the health kit's dose index instead of
        # matching every dose against every account again (three hash joins over the accounts
        # per batch took the 1M benchmark from 28 s to 51 s)
        "released": (
            "DELETE FROM vaccination_held WHERE dose_id IN (SELECT d.id FROM vaccination_dose d "
            f"WHERE {scope}) AND EXISTS (SELECT 1 FROM healthkit_vaccination v "
            "WHERE v.dose_id = vaccination_held.dose_id)"
        ),
        "held": (
            "INSERT INTO vaccination_held (dose_id, clinic_code, reason, held_at) "
            "SELECT d.id, d.clinic_code, CASE WHEN EXISTS (SELECT 1 FROM healthkit_account b "
            "WHERE b.document_hash = d.document_hash) THEN 'name_mismatch' ELSE 'no_account' END, "
            f":now FROM vaccination_dose d WHERE {scope} AND NOT EXISTS (SELECT 1 FROM "
            "healthkit_vaccination v WHERE v.dose_id = d.id) "
            "ON CONFLICT (dose_id) DO UPDATE SET reason = excluded.reason, "
            "clinic_code = excluded.clinic_code"
        ),
    }


def _compiled(scope: str) -> dict[str, TextClause]:
    """The statements as text clauses; ``:now`` bound as a UTC moment on every database."""
    return {
        name: text(sql).bindparams(bindparam("now", type_=UtcDateTime()))
        if ":now" in sql
        else text(sql)
        for name, sql in _statements(scope).items()
    }


_BATCH = _compiled(_RANGE)
_RETRY = _compiled(_HELD)


def apply_batch(connection: Connection, low: int, high: int, now: datetime) -> dict[str, int]:
    """The batch's writes over the change numbers after ``low`` up to ``high``; rows each."""
    return _apply(connection, _BATCH, {"low": low, "high": high, "now": now})


def retry_held(connection: Connection, now: datetime) -> dict[str, int]:
    """The batch's writes over the held doses; rows each."""
    return _apply(connection, _RETRY, {"now": now})


def _apply(
    connection: Connection, statements: dict[str, TextClause], values: dict[str, object]
) -> dict[str, int]:
    # order matters: doses go to accounts first, then stale rows and queue entries are settled
    counts = {}
    for name in ("synced", "withdrawn", "released", "held"):
        statement = statements[name]
        wanted = {k: v for k, v in values.items() if k in statement.compile().params}
        counts[name] = connection.execute(statement, wanted).rowcount
    return counts


def watermark(connection: Connection, name: str = STATE) -> int:
    """Where the run named ``name`` got to (the sync: a change number; a daily job: the day's
    ordinal); 0 before its first run."""
    value = connection.scalar(select(SyncStateRow.watermark).where(SyncStateRow.name == name))
    return int(value or 0)


def changes_after(connection: Connection, low: int) -> int:
    return int(
        connection.scalar(select(func.count()).select_from(DoseRow).where(DoseRow.change_seq > low))
        or 0
    )


def next_batch(connection: Connection, low: int, batch: int) -> tuple[int | None, int]:
    """The highest of the next ``batch`` change numbers after ``low`` (None: there are none),
    and how many there are."""
    numbers = (
        select(DoseRow.change_seq)
        .where(DoseRow.change_seq > low)
        .order_by(DoseRow.change_seq)
        .limit(batch)
        .subquery()
    )
    high = connection.scalar(select(func.max(numbers.c.change_seq)))
    count = connection.scalar(select(func.count()).select_from(numbers))
    return (None if high is None else int(high)), int(count or 0)


def advance_watermark(connection: Connection, high: int, now: datetime, name: str = STATE) -> None:
    connection.execute(
        update(SyncStateRow)
        .where(SyncStateRow.name == name)
        .values(watermark=high, last_run_at=now)
    )


def ensure_state_row(connection: Connection, name: str) -> None:
    """The state row of the run named ``name`` (its lease and watermark), made on its first run."""
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(SyncStateRow).values(name=name, watermark=0).on_conflict_do_nothing())


def newest_change(connection: Connection) -> int:
    return int(connection.scalar(select(func.max(DoseRow.change_seq))) or 0)


def held_doses(connection: Connection) -> dict[str, int]:
    """Doses waiting in the held queue, by reason."""
    rows = connection.execute(
        select(HeldDoseRow.reason, func.count()).group_by(HeldDoseRow.reason)
    ).all()
    return {str(reason): int(count) for reason, count in rows}


def accounts_without_name_hash(
    connection: Connection, after: int, batch: int
) -> Sequence[Row[int, str]]:
    """The next ``batch`` accounts after id ``after`` with no name hash: id, encrypted name."""
    return connection.execute(
        select(AccountRow.id, AccountRow.name_encrypted)
        .where(AccountRow.name_hash.is_(None), AccountRow.id > after)
        .order_by(AccountRow.id)
        .limit(batch)
    ).all()


def set_name_hash(connection: Connection, account_id: int, name_hash: str) -> None:
    connection.execute(
        update(AccountRow).where(AccountRow.id == account_id).values(name_hash=name_hash)
    )


def try_advisory_lock(connection: Connection, key: int) -> bool:
    return bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))


def advisory_unlock(connection: Connection, key: int) -> None:
    connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def take_lease(
    connection: Connection, name: str, holder: str, now: datetime, until: datetime
) -> bool:
    """Whether the lease on the state row ``name`` is now the holder's: it was free, lapsed
    before ``now``, or already theirs."""
    return (
        connection.execute(
            update(SyncStateRow)
            .where(
                SyncStateRow.name == name,
                (SyncStateRow.lease_until.is_(None))
                | (SyncStateRow.lease_until < now)
                | (SyncStateRow.lease_holder == holder),
            )
            .values(lease_holder=holder, lease_until=until)
        ).rowcount
        == 1
    )


def release_lease(connection: Connection, name: str, holder: str) -> None:
    connection.execute(
        update(SyncStateRow)
        .where(SyncStateRow.name == name, SyncStateRow.lease_holder == holder)
        .values(lease_holder=None, lease_until=None)
    )


def renew_lease(connection: Connection, holder: str, until: datetime) -> bool:
    """Whether the sync's lease was still the holder's, now extended to ``until``."""
    renewed = connection.execute(
        update(SyncStateRow)
        .where(SyncStateRow.name == STATE, SyncStateRow.lease_holder == holder)
        .values(lease_until=until)
    ).rowcount
    return bool(renewed == 1)
