"""Clinic records to the health kit (V2: 相关数据同步至健康宝后…数据约每半小时同步一次).

Resumable with a watermark: each dose insert or identity correction takes the next change
sequence number; a run reads the changes after the watermark in batches of N numbers, and a
batch's writes and the watermark's advance commit together. A run killed in the middle has
committed whole batches only: the next run starts after the last of them, and since every write
is keyed by the dose (one health-kit row per dose, one queue row per held dose), doing a batch
twice changes nothing.

Matching is set-wise in SQL: a dose goes to the account with the same document hash and the
same name hash (names normalised, ``normalized_name``); otherwise it is held with its reason
(``no_account`` or ``name_mismatch``). Held doses are tried again at the end of every run, so a
dose whose person opens an account later goes through by itself; a corrected dose has a new
change number, so the next run takes it with the changes.

One run at a time: PostgreSQL's session advisory lock (released by the server if the process
dies); on SQLite, a lease on the sync's state row, renewed with every batch (a killed run's
lease lapses after ``lease``).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, Engine, TextClause, bindparam, func, select, text, update

from fanjing.common.identity import normalized_name
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import UtcDateTime
from fanjing.vaccination.store import DoseRow, HeldDoseRow, SyncStateRow

log = logging.getLogger(__name__)

STATE = "healthkit"
ADVISORY_KEY = 0x66616E6A696E6701  # "fanjing" + 1: the vaccination sync
DEFAULT_BATCH = 1_000
DEFAULT_LEASE = timedelta(minutes=5)

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


@dataclass
class SyncReport:
    """What a run did. ``skipped``: another run held the lock, nothing was done."""

    skipped: bool = False
    batches: int = 0
    changes: int = 0  # change numbers read
    synced: int = 0  # health-kit rows written (new or updated)
    held: int = 0  # doses put in (or kept in) the held queue
    released: int = 0  # doses that left the queue
    withdrawn: int = 0  # health-kit rows removed after a correction
    watermark: int = 0
    names_hashed: int = 0  # older accounts given their name hash
    names_skipped: int = 0  # older accounts whose name could not be decrypted (logged by id)
    seconds: float = 0.0
    per_batch: list[int] = field(default_factory=list)


def pending_changes(engine: Engine) -> int:
    """How many change numbers lie after the watermark (for a progress bar)."""
    with engine.connect() as connection:
        watermark = _watermark(connection)
        return int(
            connection.scalar(
                select(func.count()).select_from(DoseRow).where(DoseRow.change_seq > watermark)
            )
            or 0
        )


def sync_to_healthkit(
    *,
    engine: Engine,
    cipher: FieldCipher,
    clock: Callable[[], datetime],
    batch: int = DEFAULT_BATCH,
    pause: float = 0.0,
    max_batches: int | None = None,
    lease: timedelta = DEFAULT_LEASE,
    progress: Callable[[int], None] = lambda changes: None,
) -> SyncReport:
    """Bring every change after the watermark to the health kit, ``batch`` change numbers per
    committed transaction, sleeping ``pause`` seconds between batches (the server's job
    throttles itself so); at most ``max_batches`` batches (None: until done). Skips (and says so)
    when another run holds the lock."""
    if batch < 1:
        raise FanjingError(Code.BAD_VALUE, f"批量应为正整数：{batch}")
    started = time.perf_counter()
    report = SyncReport()
    holder = f"{socket.gethostname()}:{os.getpid()}"
    with sync_lock(engine, holder=holder, clock=clock, lease=lease) as acquired:
        if not acquired:
            report.skipped = True
            return report
        report.names_hashed, report.names_skipped = fill_name_hashes(engine, cipher)
        while max_batches is None or report.batches < max_batches:
            if report.batches and pause > 0:
                time.sleep(pause)
            with engine.begin() as connection:
                done = _one_batch(connection, report, batch, clock(), holder, lease)
            if not done:
                break
            progress(report.per_batch[-1])
        with engine.begin() as connection:
            counts = _apply(connection, _RETRY, {"now": clock()})
            report.synced += counts["synced"]
            report.released += counts["released"]
            report.watermark = _watermark(connection)
    report.seconds = time.perf_counter() - started
    return report


def _one_batch(
    connection: Connection,
    report: SyncReport,
    batch: int,
    now: datetime,
    holder: str,
    lease: timedelta,
) -> bool:
    """One batch and the watermark's advance, in the caller's transaction; False when there
    was nothing after the watermark."""
    _renew_lease(connection, holder, now, lease)
    low = _watermark(connection)
    numbers = (
        select(DoseRow.change_seq)
        .where(DoseRow.change_seq > low)
        .order_by(DoseRow.change_seq)
        .limit(batch)
        .subquery()
    )
    high = connection.scalar(select(func.max(numbers.c.change_seq)))
    count = connection.scalar(select(func.count()).select_from(numbers))
    if high is None:
        return False
    counts = _apply(connection, _BATCH, {"low": low, "high": high, "now": now})
    connection.execute(
        update(SyncStateRow)
        .where(SyncStateRow.name == STATE)
        .values(watermark=high, last_run_at=now)
    )
    report.batches += 1
    report.changes += int(count or 0)
    report.per_batch.append(int(count or 0))
    report.watermark = int(high)
    for name in ("synced", "held", "released", "withdrawn"):
        setattr(report, name, getattr(report, name) + counts[name])
    return True


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


class NameHashes(NamedTuple):
    filled: int  # accounts given their name hash
    skipped: int  # accounts whose name could not be decrypted (left without one)


def fill_name_hashes(engine: Engine, cipher: FieldCipher, batch: int = 1_000) -> NameHashes:
    """Give accounts made before name hashes existed their hash (decrypting their names), in
    committed batches, walking the accounts in id order. An account whose name cannot be
    decrypted (a lost key, a damaged value) is skipped and logged by its id alone (never a
    name), so that it cannot stop every run: its doses stay held until it is repaired."""
    filled = skipped = 0
    after = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(AccountRow.id, AccountRow.name_encrypted)
                .where(AccountRow.name_hash.is_(None), AccountRow.id > after)
                .order_by(AccountRow.id)
                .limit(batch)
            ).all()
            for account_id, name in rows:
                try:
                    plain = cipher.decrypt(name)
                except (FanjingError, UnicodeError):
                    log.warning(
                        "vaccination sync: account %d's name cannot be decrypted; "
                        "left without a name hash",
                        account_id,
                    )
                    skipped += 1
                    continue
                connection.execute(
                    update(AccountRow)
                    .where(AccountRow.id == account_id)
                    .values(name_hash=cipher.lookup_hash(normalized_name(plain)))
                )
                filled += 1
        if rows:
            after = rows[-1][0]
        if len(rows) < batch:
            return NameHashes(filled, skipped)


def _watermark(connection: Connection) -> int:
    value = connection.scalar(select(SyncStateRow.watermark).where(SyncStateRow.name == STATE))
    return int(value or 0)


@contextmanager
def sync_lock(
    engine: Engine,
    *,
    holder: str,
    clock: Callable[[], datetime],
    lease: timedelta,
    name: str = STATE,
    key: int = ADVISORY_KEY,
) -> Iterator[bool]:
    """Whether this run may go on (True) or another one is running (False). PostgreSQL: a
    session advisory lock (``key``) on a connection held for the run; SQLite: the lease on the
    state row ``name``. The server's daily jobs take it too, each with its own name and key."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            acquired = bool(
                connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            )
            try:
                yield acquired
            finally:
                if acquired:
                    connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    now = clock()
    with engine.begin() as connection:
        acquired = (
            connection.execute(
                update(SyncStateRow)
                .where(
                    SyncStateRow.name == name,
                    (SyncStateRow.lease_until.is_(None))
                    | (SyncStateRow.lease_until < now)
                    | (SyncStateRow.lease_holder == holder),
                )
                .values(lease_holder=holder, lease_until=now + lease)
            ).rowcount
            == 1
        )
    try:
        yield acquired
    finally:
        if acquired:
            with engine.begin() as connection:
                connection.execute(
                    update(SyncStateRow)
                    .where(SyncStateRow.name == name, SyncStateRow.lease_holder == holder)
                    .values(lease_holder=None, lease_until=None)
                )


def sync_lag(connection: Connection) -> int:
    """The newest clinic change number minus the watermark: how far the health kit is behind."""
    newest = connection.scalar(select(func.max(DoseRow.change_seq)))
    return max(int(newest or 0) - _watermark(connection), 0)


def held_doses(connection: Connection) -> dict[str, int]:
    """Doses waiting in the held queue, by reason."""
    rows = connection.execute(
        select(HeldDoseRow.reason, func.count()).group_by(HeldDoseRow.reason)
    ).all()
    return {str(reason): int(count) for reason, count in rows}


def _renew_lease(connection: Connection, holder: str, now: datetime, lease: timedelta) -> None:
    """SQLite: extend this run's lease with the batch (refuse to go on if it lapsed and another
    run took it). PostgreSQL's advisory lock needs nothing."""
    if connection.dialect.name == "postgresql":
        return
    renewed = connection.execute(
        update(SyncStateRow)
        .where(SyncStateRow.name == STATE, SyncStateRow.lease_holder == holder)
        .values(lease_until=now + lease)
    ).rowcount
    if renewed != 1:
        raise FanjingError(Code.SYNC_LEASE_LOST, "同步的租约已被另一进程取得：本次同步停止")
