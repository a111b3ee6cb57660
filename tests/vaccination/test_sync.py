"""Recording and correcting doses, and the sync to the health kit (V2): idempotent, resumable,
held doses released after a correction, one run at a time. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text, update

from fanjing.audit.store import AuditEntryRow
from fanjing.common.identity import read_document
from fanjing.errors import FanjingError
from fanjing.healthkit.store import AccountRow
from fanjing.infra.db import session_scope
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import (
    DoseEntry,
    clinic_of,
    correct_identity,
    record_dose,
)
from fanjing.vaccination.store import (
    DoseRow,
    HealthkitVaccinationRow,
    HeldDoseRow,
    SyncStateRow,
)
from fanjing.vaccination.sync import (
    ADVISORY_KEY,
    fill_name_hashes,
    pending_changes,
    sync_lock,
    sync_to_healthkit,
)
from tests.api_helpers import CLINIC
from tests.vaccination.helpers import (
    NOW,
    TODAY,
    add_citizen,
    add_test_clinic,
    bad_id_number,
    cipher,
    id_number,
    identity,
    record,
)


@pytest.fixture
def world(engine, gazetteer):
    add_test_clinic(engine, gazetteer)
    return engine


def run(engine, **options):
    return sync_to_healthkit(engine=engine, cipher=cipher(), clock=lambda: NOW, **options)


def kit(engine) -> list[tuple[int, int, int]]:
    """(dose id, account id, dose number) in the health kit."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                HealthkitVaccinationRow.dose_id,
                HealthkitVaccinationRow.account_id,
                HealthkitVaccinationRow.dose_number,
            ).order_by(HealthkitVaccinationRow.dose_id)
        )
        return [tuple(r) for r in rows]


def held(engine) -> dict[int, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(HeldDoseRow.dose_id, HeldDoseRow.reason)).all())


def correct(engine, dose_id: int, serial: int, name: str = "张三", clinic: str = CLINIC) -> None:
    with session_scope(engine) as session:
        correct_identity(
            session=session,
            cipher=cipher(),
            clinic=clinic_of(session, clinic),
            dose_id=dose_id,
            identity=identity(serial, name),
            reason="证件号登记错误",
            actor="nurse",
            now=NOW,
        )


# --- recording ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "code", "field"),
    [
        (DoseEntry("bibp_inactivated", 1, TODAY + timedelta(days=1)), "future_day", "day"),
        (DoseEntry("pfizer", 1, TODAY), "unknown_product", "product_code"),
        (DoseEntry("cansino_ad5", 2, TODAY), "dose_out_of_schedule", "dose_number"),
        (DoseEntry("bibp_inactivated", 1, date(2020, 1, 1)), "before_product_available", "day"),
        (
            DoseEntry("bibp_inactivated", 1, TODAY, given_in="河北省"),
            "certificate_required",
            "certificate_number",
        ),
    ],
    ids=["future", "unknown-product", "dose-2-of-1", "too-early", "elsewhere-no-certificate"],
)
def test_a_bad_dose_is_refused_and_nothing_is_stored(world, entry, code, field):
    with pytest.raises(FanjingError) as raised, session_scope(world) as session:
        record_dose(
            session=session,
            cipher=cipher(),
            products=builtin_products(),
            clinic=clinic_of(session, CLINIC),
            identity=identity(1),
            entry=entry,
            actor="nurse",
            now=NOW,
            today=TODAY,
        )
    assert (raised.value.code, raised.value.where.field) == (code, field)
    with world.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DoseRow)) == 0


def test_an_invalid_id_number_is_refused_before_recording():
    with pytest.raises(FanjingError) as raised:
        read_document("resident_id", bad_id_number(), today=TODAY, field="document_number")
    assert raised.value.code == "invalid_id_number"
    assert raised.value.where.field == "document_number"


def test_the_same_dose_of_the_same_person_twice_is_refused(world):
    record(world, 1)
    with pytest.raises(FanjingError) as raised:
        record(world, 1, day=date(2021, 7, 2))
    assert raised.value.code == "dose_exists"


def test_identity_is_stored_encrypted_and_every_change_takes_a_new_number(world):
    first = record(world, 1)
    second = record(world, 2)
    with world.connect() as connection:
        rows = connection.execute(select(DoseRow).order_by(DoseRow.id)).all()
        stored = " ".join(str(v) for row in rows for v in row)
    assert "张三" not in stored and "110101" not in stored
    with session_scope(world) as session:
        before = session.get_one(DoseRow, first).change_seq
        assert session.get_one(DoseRow, second).change_seq == before + 1
    correct(world, first, 3)
    with session_scope(world) as session:
        assert session.get_one(DoseRow, first).change_seq == before + 2


def test_a_correction_is_audited_masked_with_before_and_after(world):
    dose = record(world, 1, name="张三")
    correct(world, dose, 2, name="张叁")
    with session_scope(world) as session:
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "vaccination.dose.correct_identity")
        ).one()
    assert entry.entity_id == str(dose) and entry.actor == "nurse"
    assert entry.before == {
        "name": "张*",
        "document_kind": "resident_id",
        "document": "110101********" + id_number(1)[-4:],
    }
    assert entry.after["name"] == "张*" and entry.after["document"].endswith(id_number(2)[-4:])
    assert entry.after["reason"] == "证件号登记错误"


def test_a_clinic_cannot_correct_another_clinics_record(world, gazetteer):
    add_test_clinic(world, gazetteer, code="other")
    dose = record(world, 1)
    with pytest.raises(FanjingError) as raised:
        correct(world, dose, 2, clinic="other")
    assert raised.value.code == "not_found"


# --- the sync -----------------------------------------------------------------------------------


def test_sync_places_doses_on_matching_accounts_and_is_idempotent(world, gazetteer):
    account = add_citizen(world, gazetteer, 1)
    first = record(world, 1)
    second = record(world, 1, dose=2, day=date(2021, 7, 22))
    assert pending_changes(world) == 2
    report = run(world, batch=1)
    assert (report.batches, report.changes, report.synced, report.held) == (2, 2, 2, 0)
    assert kit(world) == [(first, account, 1), (second, account, 2)]
    assert pending_changes(world) == 0
    # again: nothing to read; and redoing a batch (the watermark set back) changes nothing
    assert run(world).changes == 0
    with world.begin() as connection:
        connection.execute(update(SyncStateRow).values(watermark=0))
    again = run(world)
    assert again.changes == 2 and kit(world) == [(first, account, 1), (second, account, 2)]


def test_a_dose_without_an_account_or_with_another_name_is_held_with_the_reason(world, gazetteer):
    add_citizen(world, gazetteer, 2, name="李四")
    nobody = record(world, 1)
    misnamed = record(world, 2, name="李思")
    report = run(world)
    assert (report.synced, report.held) == (0, 2)
    assert held(world) == {nobody: "no_account", misnamed: "name_mismatch"}
    assert kit(world) == []


def test_a_held_dose_goes_through_after_the_correction_and_leaves_the_queue(world, gazetteer):
    account = add_citizen(world, gazetteer, 2, name="李四")
    dose = record(world, 1, name="李四")  # the wrong ID number at the clinic
    run(world)
    assert held(world) == {dose: "no_account"}
    correct(world, dose, 2, name="李四")
    report = run(world)
    assert (report.changes, report.synced, report.released) == (1, 1, 1)
    assert held(world) == {} and kit(world) == [(dose, account, 1)]


def test_a_held_dose_goes_through_once_the_account_exists(world, gazetteer):
    dose = record(world, 1)
    run(world)
    assert held(world) == {dose: "no_account"}
    account = add_citizen(world, gazetteer, 1)
    assert run(world).released == 1
    assert held(world) == {} and kit(world) == [(dose, account, 1)]


def test_a_correction_moves_a_synced_dose_to_the_right_account(world, gazetteer):
    wrong = add_citizen(world, gazetteer, 1)
    right = add_citizen(world, gazetteer, 2, name="王五")
    dose = record(world, 1)
    run(world)
    assert kit(world) == [(dose, wrong, 1)]
    correct(world, dose, 2, name="王五")
    run(world)
    assert kit(world) == [(dose, right, 1)]
    correct(world, dose, 3, name="王五")  # now nobody's
    assert run(world).withdrawn == 1
    assert kit(world) == [] and held(world) == {dose: "no_account"}


def test_accounts_made_before_name_hashes_get_them_from_the_sync(world, gazetteer):
    account = add_citizen(world, gazetteer, 1)
    with world.begin() as connection:
        connection.execute(update(AccountRow).values(name_hash=None))
    dose = record(world, 1)
    report = run(world)
    assert report.names_hashed == 1 and kit(world) == [(dose, account, 1)]


def test_only_one_sync_runs_at_a_time(world):
    entered = threading.Event()
    release = threading.Event()
    outcome = {}

    def first() -> None:
        with sync_lock(world, holder="one", clock=lambda: NOW, lease=timedelta(minutes=5)) as got:
            outcome["first"] = got
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(10)
    try:
        record(world, 1)
        assert run(world).skipped  # the second run skips and touches nothing
        assert held(world) == {} and pending_changes(world) == 1
    finally:
        release.set()
        thread.join()
    assert outcome["first"] is True
    assert not run(world).skipped and pending_changes(world) == 0


def _wait_until_session_ends(engine, pid: int) -> None:
    """The server ends a session a moment after its client's socket closes, not at once."""
    for _ in range(200):
        with engine.connect() as connection:
            alive = connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
        if not alive:
            return
        time.sleep(0.05)
    pytest.fail(f"the killed run's session {pid} was still alive after 10 s")


def test_a_dead_runs_lock_does_not_block_the_next_run(engine, gazetteer):
    """A killed run: on PostgreSQL its session's advisory lock goes with its connection; on
    SQLite its lease lapses."""
    add_test_clinic(engine, gazetteer)
    if engine.dialect.name == "postgresql":
        holder = engine.connect()
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        pid = holder.scalar(text("SELECT pg_backend_pid()"))
        assert run(engine).skipped
        holder.invalidate()  # the connection dies, as with a killed process
        holder.close()
        _wait_until_session_ends(engine, pid)
        assert not run(engine).skipped
        return
    with engine.begin() as connection:  # a killed run's lease, still running for a minute
        connection.execute(
            update(SyncStateRow).values(
                lease_holder="dead:1", lease_until=NOW + timedelta(minutes=1)
            )
        )
    assert run(engine).skipped
    later = sync_to_healthkit(
        engine=engine, cipher=cipher(), clock=lambda: NOW + timedelta(minutes=2)
    )
    assert not later.skipped


def test_an_account_whose_name_cannot_be_decrypted_is_skipped(world, gazetteer, caplog):
    """One account's name under a key the cipher lacks: the others still get their hash and
    their doses; the run counts the skipped account and logs its id, never a name."""
    broken = add_citizen(world, gazetteer, 1)
    account = add_citizen(world, gazetteer, 2)
    foreign = Fernet(Fernet.generate_key()).encrypt("王五".encode()).decode("ascii")
    with world.begin() as connection:
        connection.execute(update(AccountRow).values(name_hash=None))
        connection.execute(
            update(AccountRow).where(AccountRow.id == broken).values(name_encrypted=foreign)
        )
    dose = record(world, 2)
    with caplog.at_level(logging.WARNING, logger="fanjing.vaccination.sync"):
        report = run(world)
    assert (report.names_hashed, report.names_skipped) == (1, 1)
    assert kit(world) == [(dose, account, 1)]
    logged = [r.getMessage() for r in caplog.records if r.name == "fanjing.vaccination.sync"]
    assert len(logged) == 1 and str(broken) in logged[0]
    assert "王五" not in caplog.text and "张三" not in caplog.text
    # the skipped account is left as it was; a batch of one still walks past it to the end
    assert fill_name_hashes(world, cipher(), batch=1) == (0, 1)
