"""The rules hold in the database when staff place people at the same moment, each on their
own connection (SQLite: one writer at a time; PostgreSQL: the conditional UPDATE re-checks the
room it waited for): one person in a single room, one cohort in a household room."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.errors import FanjingError
from fanjing.infra.db import session_scope
from fanjing.sites.assignment import assign_case
from fanjing.sites.service import RoomSpec, register_site
from fanjing.sites.store import PlacementRow, RoomRow

TODAY = date(2021, 8, 10)
NOW = datetime(2021, 8, 10, 2, tzinfo=UTC)


def _case(engine, n: int, start: date, area: str = "河南省郑州市二七区京广路街道") -> int:
    with session_scope(engine) as session:
        report = session.scalar(
            insert(ArrivalReportRow).returning(ArrivalReportRow.id),
            {
                "reported_at": NOW,
                "reported_by": "test",
                "source": "worker",
                "community": "北京市朝阳区潘家园街道松榆里社区",
                "street": "潘家园街道",
                "district": "朝阳区",
                "name_encrypted": "-",
                "document_kind": "resident_id",
                "document_encrypted": "-",
                "document_hash": f"{n:064d}",
                "arrival_date": start,
                "situation": {"stays": [{"place": area, "to": start.isoformat()}]},
                "decision": {},
                "pack_id": "beijing-2021-08",
                "pack_version": "2021.08.07",
            },
        )
        case = CaseRow(
            report_id=report,
            community="北京市朝阳区潘家园街道松榆里社区",
            document_hash=f"{n:064d}",
            status="open",
            opened_on=TODAY,
        )
        session.add(case)
        session.flush()
        session.add(
            CaseMeasureRow(
                case_id=case.id,
                kind="centralized_observation",
                start_date=start,
                end_date=start + timedelta(days=14),
                rule="arrival.high_risk",
                clause="对高风险地区已来（返）京人员，一律实施14天集中观察和7天健康监测。",
            )
        )
        return case.id


def _rooms(engine, gazetteer) -> list[int]:
    with session_scope(engine) as session:
        site = register_site(
            session=session,
            name="朝阳一号观察点",
            district="朝阳区",
            address="某路1号",
            rooms=[RoomSpec(1, 1), RoomSpec(1, 2, capacity=3, household=True)],
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        return list(
            session.scalars(
                select(RoomRow.id).where(RoomRow.site_id == site.id).order_by(RoomRow.number)
            )
        )


def _race(engine, cases: list[int], room: int, household: str | None) -> list[str]:
    start = threading.Barrier(len(cases))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(case_id: int) -> None:
        start.wait()
        try:
            with session_scope(engine) as session:
                assign_case(
                    session=session,
                    case_id=case_id,
                    room_id=room,
                    household=household,
                    site_id=None,
                    place_name=lambda text: text,
                    actor="test",
                    today=TODAY,
                    now=NOW,
                )
            result = "placed"
        except FanjingError as refusal:
            result = refusal.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _placed_in(engine, room: int) -> list[PlacementRow]:
    with session_scope(engine) as session:
        placements = session.scalars(select(PlacementRow).where(PlacementRow.room_id == room)).all()
        session.expunge_all()
        return list(placements)


def test_simultaneous_placements_in_one_single_room_place_one(engine, gazetteer):
    single, _ = _rooms(engine, gazetteer)
    cases = [_case(engine, n, TODAY) for n in range(6)]
    outcomes = _race(engine, cases, single, None)
    assert sorted(outcomes) == ["placed"] + ["room_refused"] * 5
    assert len(_placed_in(engine, single)) == 1
    with session_scope(engine) as session:
        assert session.get(RoomRow, single).occupancy == 1


def test_simultaneous_placements_in_a_household_room_keep_one_cohort(engine, gazetteer):
    _, family = _rooms(engine, gazetteer)
    # three start days, two areas: whoever comes first decides the room's cohort
    cases = [_case(engine, n, TODAY - timedelta(days=n % 3), f"区域{n % 2}") for n in range(6)]
    outcomes = _race(engine, cases, family, "王家")
    placed = _placed_in(engine, family)
    # one cohort only: at most the two of whichever cohort came first
    assert 1 <= outcomes.count("placed") == len(placed) <= 2, outcomes
    assert len({(p.start_date, p.origin) for p in placed}) == 1
    with session_scope(engine) as session:
        assert session.get(RoomRow, family).occupancy == len(placed)
