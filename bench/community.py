"""``python -m bench community [--cases N] [--dask-scheduler ADDRESS]``: re-evaluating open
cases after a pack change (M10).

The issue's figure: re-evaluating 1,000,000 open cases after a new pack version
(targets on PostgreSQL: preview < 60 s, approval < 90 s). On a new PostgreSQL database: the three national
lists are imported; ~2,000 varied situations (``bench.situations``) are decided
with the August pack and those that need the community become N cases (in
rotation), with their reports and measures, inserted in bulk; a second version
of the pack (home observation for medium-risk arrivals 14 → 21 days, from
2021-08-10) is uploaded; then the preview and the approval (which recomputes the
preview, applies every change and audits each case) are timed. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from time import perf_counter
from typing import Any

from sqlalchemy import Engine

from bench.databases import PG_HINT, postgres_database, timed_import
from bench.situations import RISK_LISTS, build_pools, situation_lines
from fanjing.community.core import measures_from_decision
from fanjing.community.reevaluate import approve_pack, preview_pack
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.errors import FanjingError
from fanjing.infra.bulk import insert_rows
from fanjing.infra.clock import Clock
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import registry_in_database
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.packstore import upload_pack
from fanjing.policy.service import Checker

TARGET_SECONDS = {"preview": 60.0, "approve": 90.0}
COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
BATCH = 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=1_000_000, help="open cases (1,000,000)")
    parser.add_argument("--situations", type=int, default=2_000, help="varied situations (2,000)")
    parser.add_argument("--database-url", help="PostgreSQL server (default: FANJING_TEST_PG_URL)")
    parser.add_argument(
        "--dask-scheduler",
        default="",
        help="decide on this dask.distributed scheduler, or 'local' for a local cluster",
    )


def second_version() -> str:
    text = (resources.files("fanjing.policy") / "packs" / "beijing-2021-08.yaml").read_text(
        encoding="utf-8"
    )
    head, medium = text.split("  - id: arrival.medium_risk", 1)
    text = head + "  - id: arrival.medium_risk" + medium.replace("days: 14", "days: 21", 1)
    return text.replace('version: "2021.08.07"', 'version: "2021.08.10"').replace(
        "in_force_from: 2021-08-07", "in_force_from: 2021-08-10"
    )


def _cases(checker: Checker, count: int, seed: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Situations that open a case, with their decision (as stored)."""
    pools = build_pools(checker.registry.designations, checker.parse_place)
    found = []
    for line in situation_lines(count, seed, pools):
        situation = json.loads(line)
        situation.setdefault("arrival", situation.get("as_of"))
        try:
            decision = checker.check(situation).to_json()
        except FanjingError:
            continue
        if measures_from_decision(decision):
            found.append((situation, decision))
    return found


def _fill(
    engine: Engine, templates: list[tuple[dict[str, Any], dict[str, Any]]], cases: int
) -> None:
    now = datetime.now(UTC)
    for first in range(0, cases, BATCH):
        numbers = range(first + 1, min(first + BATCH, cases) + 1)
        reports, rows, measures = [], [], []
        for n in numbers:
            situation, decision = templates[n % len(templates)]
            reports.append(
                {
                    "id": n,
                    "reported_at": now,
                    "reported_by": "bench",
                    "source": "excel",
                    "community": COMMUNITY,
                    "street": "潘家园街道",
                    "district": "朝阳区",
                    "employer": None,
                    "name_encrypted": "x",
                    "document_kind": "resident_id",
                    "document_encrypted": "x",
                    "document_hash": secrets.token_hex(32),
                    "phone_encrypted": None,
                    "arrival_date": datetime.fromisoformat(situation["arrival"]).date(),
                    "situation": situation,
                    "decision": decision,
                    "pack_id": "beijing-2021-08",
                    "pack_version": "2021.08.07",
                }
            )
            rows.append(
                {
                    "id": n,
                    "report_id": n,
                    "community": COMMUNITY,
                    "document_hash": reports[-1]["document_hash"],
                    "status": "open",
                    "opened_on": reports[-1]["arrival_date"],
                }
            )
            measures.extend(
                {
                    "case_id": n,
                    "kind": m.kind,
                    "start_date": m.start,
                    "end_date": m.end,
                    "rule": m.rule,
                    "clause": m.clause,
                }
                for m in measures_from_decision(decision)
            )
        with session_scope(engine) as session:
            insert_rows(session, ArrivalReportRow.__table__, reports)  # type: ignore[arg-type]
            insert_rows(session, CaseRow.__table__, rows)  # type: ignore[arg-type]
            insert_rows(session, CaseMeasureRow.__table__, measures)  # type: ignore[arg-type]


def run(arguments: argparse.Namespace) -> None:
    server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    if server is None:
        raise SystemExit("bench community " + PG_HINT.format(command="community"))
    gazetteer = Gazetteer()
    with postgres_database(server, "bench_community") as url:
        engine = open_database(url)
        for path in sorted(RISK_LISTS.glob("national-list-*.txt")):
            timed_import(engine, path, gazetteer.parse)
        with session_scope(engine) as session:
            registry = registry_in_database(session)
        checker = Checker(builtin_packs(), registry, gazetteer.parse, Clock().today())
        templates = _cases(checker, arguments.situations, 2021)
        start = perf_counter()
        _fill(engine, templates, arguments.cases)
        print(
            f"{arguments.cases:,} open cases from {len(templates)} distinct situations "
            f"inserted in {perf_counter() - start:.1f} s"
        )
        with session_scope(engine) as session:
            row = upload_pack(
                session=session,
                text=second_version(),
                file="second.yaml",
                actor="bench-uploader",  # four eyes: another CDC member approves
                now=datetime.now(UTC),
            )
            row_id = row.id
        with _scheduler(arguments.dask_scheduler) as scheduler:
            for label in TARGET_SECONDS:
                _timed(engine, checker, row_id, label, scheduler)
        engine.dispose()


def _timed(engine: Engine, checker: Checker, row_id: int, label: str, scheduler: str) -> None:
    start = perf_counter()
    with session_scope(engine) as session:
        if label == "approve":
            done = approve_pack(
                session=session,
                checker=checker,
                row_id=row_id,
                actor="bench",
                now=datetime.now(UTC),
                dask_scheduler=scheduler,
            )
        else:
            done = preview_pack(
                session=session, checker=checker, row_id=row_id, dask_scheduler=scheduler
            )
    seconds = perf_counter() - start
    target = TARGET_SECONDS[label]
    verdict = "meets" if seconds < target else "BELOW"
    print(
        f"{label}: {done.cases:,} open cases re-evaluated in {seconds:.1f} s = "
        f"{done.cases / seconds:,.0f} cases/s; {len(done.changes):,} change, "
        f"{len(done.failed)} cannot be decided (target < {target:.0f} s: {verdict}, "
        f"ratio {seconds / target:.2f})"
    )


@contextmanager
def _scheduler(address: str) -> Iterator[str]:
    """``local``: a local cluster of one worker per core, started before the timing."""
    if address != "local":
        yield address
        return
    from distributed import LocalCluster

    with LocalCluster(threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster.scheduler_address
