"""A ``fanjing vaccination sync`` killed (SIGKILL) after some batches: nothing committed is lost,
nothing is done twice, and the next run finishes the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from fanjing.vaccination.store import (
    DoseRow,
    HealthkitVaccinationRow,
    HeldDoseRow,
    SyncStateRow,
)
from fanjing.vaccination.sync import sync_to_healthkit
from tests.vaccination.helpers import add_citizen, add_test_clinic, cipher, key_environment, record

DOSES = 40
BATCH = 4


def _watermark(engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(SyncStateRow.watermark)) or 0)


def _placed(engine) -> tuple[list[int], list[int]]:
    """Dose ids in the health kit and in the held queue."""
    with engine.connect() as connection:
        synced = list(connection.scalars(select(HealthkitVaccinationRow.dose_id)))
        queued = list(connection.scalars(select(HeldDoseRow.dose_id)))
    return synced, queued


def _doses_up_to(engine, watermark: int) -> set[int]:
    with engine.connect() as connection:
        return set(connection.scalars(select(DoseRow.id).where(DoseRow.change_seq <= watermark)))


def test_a_killed_sync_loses_and_duplicates_nothing(engine, gazetteer, tmp_path):
    add_test_clinic(engine, gazetteer)
    with_account = set()
    for serial in range(DOSES):
        if serial % 2 == 0:
            add_citizen(engine, gazetteer, serial)
        dose = record(engine, serial, day=date(2021, 7, 1))
        if serial % 2 == 0:
            with_account.add(dose)
    environment = {
        **os.environ,
        **key_environment(),
        "FANJING_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "FANJING_VAR_DIR": str(tmp_path / "var"),
    }
    command = [sys.executable, "-m", "fanjing", "vaccination", "sync", "--batch", str(BATCH)]
    log = tmp_path / "sync.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--pause", "0.3"], env=environment, stdout=output, stderr=output
        )
    deadline = time.monotonic() + 60
    while _watermark(engine) < 2 * BATCH and process.poll() is None:
        assert time.monotonic() < deadline, f"no batch committed in a minute: {log.read_text()}"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL, log.read_text()

    # what was committed is whole batches: exactly the doses up to the watermark, once each
    watermark = _watermark(engine)
    assert 2 * BATCH <= watermark < DOSES
    synced, queued = _placed(engine)
    assert len(synced) == len(set(synced)) and not set(synced) & set(queued)
    assert set(synced) | set(queued) == _doses_up_to(engine, watermark)

    # the next run finishes (PostgreSQL frees a dead session's lock once it notices; an SQLite
    # lease lapses, hence the clock five minutes and more later)
    later = lambda: datetime.now(UTC) + timedelta(minutes=10)  # noqa: E731
    deadline = time.monotonic() + 30
    while (
        report := sync_to_healthkit(engine=engine, cipher=cipher(), clock=later, batch=BATCH)
    ).skipped:
        assert time.monotonic() < deadline, "the dead run's lock was never released"
        time.sleep(0.2)
    assert report.changes == DOSES - watermark
    synced, queued = _placed(engine)
    assert sorted(synced) == sorted(with_account)
    assert len(queued) == DOSES - len(with_account)
    assert not set(synced) & set(queued)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(HealthkitVaccinationRow)) == len(
            with_account
        )
