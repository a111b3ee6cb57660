"""``python -m bench vaccination [--doses N] [--batch B]``: syncing clinic records to the health kit.

The issue's figure: syncing 1 million dose records on PostgreSQL (target < 60 s). The records
are generated in the database itself (generate_series): people with two doses each, every one
with a health-kit account except one in 50 (held: ``no_account``), and one in 20 recorded under
another name (held: ``name_mismatch``). Then ``sync_to_healthkit`` is timed from the watermark 0,
in committed batches of B changes, as ``fanjing vaccination sync --batch B`` runs it; then a
second run with nothing to do. PostgreSQL only. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from time import perf_counter

from sqlalchemy import func, select, text

from bench.databases import PG_HINT, postgres_database
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import open_database
from fanjing.vaccination.store import HealthkitVaccinationRow, HeldDoseRow
from fanjing.vaccination.sync import sync_to_healthkit

TARGET_SECONDS = 60.0
HASH = "md5('{a}' || {n}) || md5('{b}' || {n})"  # 64 hex characters, as a keyed hash has


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--doses", type=int, default=1_000_000, help="dose records (1,000,000)")
    parser.add_argument("--batch", type=int, default=20_000, help="changes per batch (20,000)")
    parser.add_argument("--database-url", help="PostgreSQL server (default: FANJING_TEST_PG_URL)")


def _fill(connection, doses: int) -> None:  # type: ignore[no-untyped-def]
    people = doses // 2
    person = f"((g % {people}) + 1)"
    statements = [
        "INSERT INTO vaccination_clinic (code, name, district, street, created_at) "
        "VALUES ('bench', '基准门诊', '朝阳区', '北京市朝阳区潘家园街道', now())",
        "INSERT INTO app_user (id, name, role, token_hash, created_at, created_by) "
        f"SELECT g, 'u' || g, 'citizen', {HASH.format(a='t', b='u', n='g')}, now(), 'bench' "
        f"FROM generate_series(1, {people}) g",
        # one person in 50 has no account
        "INSERT INTO healthkit_account (id, user_id, name_encrypted, name_hash, document_kind, "
        "document_encrypted, document_hash, created_at) "
        f"SELECT g, g, 'x', {HASH.format(a='n', b='m', n='g')}, 'resident_id', 'x', "
        f"{HASH.format(a='d', b='e', n='g')}, now() FROM generate_series(1, {people}) g "
        "WHERE g % 50 <> 1",
        # dose 1 of everyone, then dose 2; one person in 20 under another name at the clinic
        "INSERT INTO vaccination_dose (id, change_seq, clinic_code, product_code, dose_number, "
        "dose_date, given_in_beijing, name_encrypted, name_hash, document_kind, "
        "document_encrypted, document_hash, recorded_at, recorded_by) "
        f"SELECT g + 1, g + 1, 'bench', 'bibp_inactivated', (g / {people})::int + 1, "
        f"date '2021-06-01' + ((g / {people})::int * 21) + (g % 30)::int, true, 'x', "
        f"CASE WHEN {person} % 20 = 0 THEN {HASH.format(a='o', b='p', n=person)} "
        f"ELSE {HASH.format(a='n', b='m', n=person)} END, 'resident_id', 'x', "
        f"{HASH.format(a='d', b='e', n=person)}, now(), 'bench' "
        f"FROM generate_series(0, {2 * people - 1}) g",
        f"UPDATE vaccination_change_counter SET value = {2 * people}",
        "ANALYZE",
    ]
    for statement in statements:
        start = perf_counter()
        connection.execute(text(statement))
        print(f"  {statement.split(' (')[0][:40]}: {perf_counter() - start:.1f} s")


def run(arguments: argparse.Namespace) -> None:
    server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    if server is None:
        print(PG_HINT.format(command="vaccination"))
        return
    cipher = FieldCipher([b"A" * 43 + b"="], b"bench-lookup-key")  # names come hashed already
    with postgres_database(server, "bench_vaccination") as url:
        engine = open_database(url)
        print(f"generating {arguments.doses:,} dose records:")
        with engine.begin() as connection:
            _fill(connection, arguments.doses)
        clock = lambda: datetime.now(UTC)  # noqa: E731
        report = sync_to_healthkit(engine=engine, cipher=cipher, clock=clock, batch=arguments.batch)
        with engine.connect() as connection:
            synced = connection.scalar(select(func.count()).select_from(HealthkitVaccinationRow))
            held = connection.scalar(select(func.count()).select_from(HeldDoseRow))
        rate = report.changes / report.seconds if report.seconds else 0.0
        verdict = "within" if report.seconds < TARGET_SECONDS else "OVER"
        print(
            f"sync: {report.changes:,} changes in {report.batches} batches of {arguments.batch:,}: "
            f"{report.seconds:.1f} s, {rate:,.0f} rows/s ({verdict} the {TARGET_SECONDS:.0f} s target)"
        )
        print(f"  health kit rows {synced:,}, held {held:,} (synced {report.synced:,})")
        again = sync_to_healthkit(engine=engine, cipher=cipher, clock=clock, batch=arguments.batch)
        print(f"second run, nothing to do: {again.seconds:.2f} s ({again.changes} changes)")
        engine.dispose()
