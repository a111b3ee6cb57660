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

from sqlalchemy import Connection, Engine

from fanjing.common.identity import normalized_name
from fanjing.errors import Code, FanjingError
from fanjing.infra.crypto import FieldCipher
from fanjing.vaccination.sync_store import (
    STATE,
    accounts_without_name_hash,
    advance_watermark,
    advisory_unlock,
    apply_batch,
    changes_after,
    newest_change,
    next_batch,
    release_lease,
    renew_lease,
    retry_held,
    set_name_hash,
    take_lease,
    try_advisory_lock,
    watermark,
)

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x66616E6A696E6701  # "fanjing" + 1: the vaccination sync
DEFAULT_BATCH = 1_000
DEFAULT_LEASE = timedelta(minutes=5)


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
        return changes_after(connection, watermark(connection))


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
            counts = retry_held(connection, clock())
            report.synced += counts["synced"]
            report.released += counts["released"]
            report.watermark = watermark(connection)
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
    low = watermark(connection)
    high, count = next_batch(connection, low, batch)
    if high is None:
        return False
    counts = apply_batch(connection, low, high, now)
    advance_watermark(connection, high, now)
    report.batches += 1
    report.changes += count
    report.per_batch.append(count)
    report.watermark = high
    for name in ("synced", "held", "released", "withdrawn"):
        setattr(report, name, getattr(report, name) + counts[name])
    return True


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
            rows = accounts_without_name_hash(connection, after, batch)
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
                set_name_hash(connection, account_id, cipher.lookup_hash(normalized_name(plain)))
                filled += 1
        if rows:
            after = rows[-1][0]
        if len(rows) < batch:
            return NameHashes(filled, skipped)


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
            acquired = try_advisory_lock(connection, key)
            try:
                yield acquired
            finally:
                if acquired:
                    advisory_unlock(connection, key)
        return
    now = clock()
    with engine.begin() as connection:
        acquired = take_lease(connection, name, holder, now, now + lease)
    try:
        yield acquired
    finally:
        if acquired:
            with engine.begin() as connection:
                release_lease(connection, name, holder)


def sync_lag(connection: Connection) -> int:
    """The newest clinic change number minus the watermark: how far the health kit is behind."""
    return max(newest_change(connection) - watermark(connection), 0)


def _renew_lease(connection: Connection, holder: str, now: datetime, lease: timedelta) -> None:
    """SQLite: extend this run's lease with the batch (refuse to go on if it lapsed and another
    run took it). PostgreSQL's advisory lock needs nothing."""
    if connection.dialect.name == "postgresql":
        return
    if not renew_lease(connection, holder, now + lease):
        raise FanjingError(Code.SYNC_LEASE_LOST, "同步的租约已被另一进程取得：本次同步停止")
