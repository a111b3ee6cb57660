"""``python -m bench sites [--cases N] [--sites S] [--database-url URL]``: assigning the queue.

The issue's figure: assigning 10,000 queued cases to 200 sites in < 5 s with every rule held.
On a new database (SQLite by default; PostgreSQL with ``--database-url`` or under
``scripts/with-postgres``): 200 sites in 4 districts, 60 single rooms each (6 floors of 10) of
which 1 in 20 is being disinfected and a few are household rooms; N community cases under
centralized observation (reports, cases and measures inserted in bulk) with 5 start days and
12 areas of origin, spread over the districts. Timed: the whole "assign the queue" action
(``assign_district_queue``: the queue read from the community's cases, the core's assignment,
one conditional UPDATE per room sent together, the placements and their audit entries) and its
commit. Then the rules are checked over what the database holds (``rule_breaches``), and every
case is either placed or waiting for want of a room in its district. Nothing is asserted about
time.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any

from sqlalchemy import insert, select

from bench.databases import postgres_database, sqlite_database
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.infra.db import open_database, session_scope
from fanjing.sites.assignment import assign_district_queue
from fanjing.sites.core import Cohort, Occupant, rule_breaches
from fanjing.sites.store import PlacementRow, RoomRow, SiteRow

TARGET_SECONDS = 5.0
DISTRICTS = ("朝阳区", "海淀区", "丰台区", "大兴区")
AREAS = tuple(f"河南省郑州市二七区区域{n}" for n in range(12))
TODAY = date(2021, 8, 10)
FLOORS, PER_FLOOR = 6, 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=10_000, help="queued cases (10,000)")
    parser.add_argument("--sites", type=int, default=200, help="sites (200)")
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")


def run(arguments: argparse.Namespace) -> None:
    server = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    databases = postgres_database(server, "bench_sites") if server else sqlite_database("sites")
    with databases as url:
        engine = open_database(url)
        now = datetime.now(UTC)
        _seed(engine, arguments.sites, arguments.cases, now)
        start = perf_counter()
        with session_scope(engine) as session:
            assignment = assign_district_queue(
                session=session,
                district=None,
                site_id=None,
                place_name=lambda text: text,
                actor="bench",
                today=TODAY,
                now=now,
            )
        seconds = perf_counter() - start
        breaches, unexplained = _verify(engine, arguments.cases, now)
        print(f"database: {engine.dialect.name}")
        print(
            f"{arguments.cases:,} queued cases, {arguments.sites} sites: "
            f"{len(assignment.placed):,} placed, {len(assignment.waiting):,} waiting, "
            f"in {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s)"
        )
        print(
            f"rules broken after assignment: {len(breaches)}; cases neither placed nor "
            f"explained: {unexplained}"
        )
        for breach in breaches[:10]:
            print("  ", breach)
        engine.dispose()


def _seed(engine: Any, sites: int, cases: int, now: datetime) -> None:
    with session_scope(engine) as session:
        session.execute(
            insert(SiteRow),
            [
                {
                    "name": f"观察点{n}",
                    "district": DISTRICTS[n % len(DISTRICTS)],
                    "address": f"某路{n}号",
                    "status": "open",
                    "created_at": now,
                    "created_by": "bench",
                }
                for n in range(sites)
            ],
        )
        site_ids = session.scalars(select(SiteRow.id).order_by(SiteRow.id)).all()
        rooms = []
        for site_id in site_ids:
            for floor in range(1, FLOORS + 1):
                for number in range(1, PER_FLOOR + 1):
                    household = number == PER_FLOOR and floor == 1
                    disinfecting = (site_id + floor * PER_FLOOR + number) % 20 == 0
                    rooms.append(
                        {
                            "site_id": site_id,
                            "floor": floor,
                            "number": number,
                            "capacity": 3 if household else 1,
                            "household": household,
                            "occupancy": 0,
                            "disinfected_until": now + timedelta(hours=12)
                            if disinfecting
                            else None,
                        }
                    )
        session.execute(insert(RoomRow), rooms)
        _seed_cases(session, cases, now)


def _seed_cases(session: Any, cases: int, now: datetime) -> None:
    reports, measures = [], []
    for n in range(cases):
        start = TODAY - timedelta(days=n % 5)
        reports.append(
            {
                "reported_at": now,
                "reported_by": "bench",
                "source": "worker",
                "community": "北京市某区某街道某社区",
                "street": "某街道",
                "district": DISTRICTS[n % len(DISTRICTS)],
                "name_encrypted": "-",
                "document_kind": "resident_id",
                "document_encrypted": "-",
                "document_hash": f"{n:064d}",
                "arrival_date": start,
                "situation": {"stays": [{"place": AREAS[n % len(AREAS)], "to": start.isoformat()}]},
                "decision": {},
                "pack_id": "beijing-2021-08",
                "pack_version": "2021.08.07",
            }
        )
        measures.append(start)
    report_ids = session.scalars(insert(ArrivalReportRow).returning(ArrivalReportRow.id), reports)
    case_rows = [
        {
            "report_id": report_id,
            "community": "北京市某区某街道某社区",
            "document_hash": f"{n:064d}",
            "status": "open",
            "opened_on": TODAY,
        }
        for n, report_id in enumerate(report_ids.all())
    ]
    case_ids = session.scalars(insert(CaseRow).returning(CaseRow.id), case_rows).all()
    session.execute(
        insert(CaseMeasureRow),
        [
            {
                "case_id": case_id,
                "kind": "centralized_observation",
                "start_date": start,
                "end_date": start + timedelta(days=14),
                "rule": "arrival.high_risk",
                "clause": "对高风险地区已来（返）京人员，一律实施14天集中观察和7天健康监测。",
            }
            for case_id, start in zip(case_ids, measures, strict=True)
        ],
    )


def _verify(engine: Any, cases: int, now: datetime) -> tuple[list[str], int]:
    """The rules over the rooms and placements as stored, and how many cases are neither placed
    nor left waiting because their district has no free single room left."""
    with session_scope(engine) as session:
        sites = {s.id: s for s in session.scalars(select(SiteRow))}
        rooms = [r.to_core(sites[r.site_id]) for r in session.scalars(select(RoomRow))]
        placements = session.scalars(select(PlacementRow)).all()
        occupants = [
            Occupant(p.case_id, p.room_id, Cohort(p.start_date, p.origin, p.household), p.placed_at)
            for p in placements
        ]
        # rooms in disinfection before the run count as freed just before it
        freed = {r.room_id: now - timedelta(seconds=1) for r in rooms if r.disinfected_until}
        breaches = rule_breaches(rooms, occupants, freed)
        placed_per_room: dict[int, int] = {}
        for occupant in occupants:
            placed_per_room[occupant.room_id] = placed_per_room.get(occupant.room_id, 0) + 1
        breaches += [
            f"房间 {r.room_id}：记录的人数 {r.occupancy} 与安置 {placed_per_room.get(r.room_id, 0)} 不符"
            for r in rooms
            if r.occupancy != placed_per_room.get(r.room_id, 0)
        ]
        free_left = {
            d: sum(
                1
                for r in rooms
                if r.district == d
                and not r.household
                and r.occupancy == 0
                and not r.in_disinfection(now)
            )
            for d in DISTRICTS
        }
        placed_cases = {o.case_id for o in occupants}
        unplaced_districts = {
            DISTRICTS[n % len(DISTRICTS)] for n in range(cases) if n + 1 not in placed_cases
        }
        unexplained = sum(1 for d in unplaced_districts if free_left[d] > 0)
        return breaches, unexplained
