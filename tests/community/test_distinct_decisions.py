"""Re-evaluation decides each distinct situation once, in this process or on a dask cluster:
both give what deciding every open case on its own gives, and approval writes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from distributed import Client, LocalCluster
from sqlalchemy import insert, select

from fanjing.audit.service import verify_chain
from fanjing.audit.store import AuditEntryRow
from fanjing.community.core import (
    Measure,
    changes_between,
    measures_decided,
    measures_from_decision,
    reevaluated_measures,
)
from fanjing.community.deciding import DecisionSpec, decide_on, decide_situations
from fanjing.community.reevaluate import Preview, approve_pack, preview_pack
from fanjing.community.reevaluate_store import measure_columns
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.infra.db import session_scope
from fanjing.places.registry import Designation, Registry, RiskLevel
from fanjing.policy.packfile import builtin_packs, load_pack_text
from fanjing.policy.packstore import compiled, upload_pack
from fanjing.policy.service import Checker
from fanjing.policy.situation_json import read_situation
from fanjing.policy.store import PolicyPackRow
from tests.community.helpers import AREA
from tests.community.test_reevaluate import second_version

HIGH = "江苏省南京市江宁区禄口街道"
NOW = datetime(2021, 8, 9, 12, tzinfo=UTC)


def stay_at(place: str, start: str, end: str, arrival_day: str, **more: Any) -> dict[str, Any]:
    return {
        "as_of": arrival_day,
        "arrival": arrival_day,
        "stays": [{"place": place, "from": start, "to": end}],
        **more,
    }


MEDIUM_ARRIVAL = stay_at(AREA, "2021-08-01", "2021-08-03", "2021-08-04")
SITUATIONS = [
    MEDIUM_ARRIVAL,  # home observation 14 → 21 days
    dict(reversed(MEDIUM_ARRIVAL.items())),  # the same situation, stored in another order
    stay_at(AREA, "2021-08-02", "2021-08-05", "2021-08-06"),
    stay_at(AREA, "2021-08-01", "2021-08-03", "2021-08-04", home_observation_possible=False),
    stay_at(HIGH, "2021-07-25", "2021-07-28", "2021-08-02"),  # centralized: unchanged
    stay_at(AREA, "2021-07-10", "2021-07-12", "2021-07-13"),  # over before the new pack
]


@pytest.fixture
def checker(gazetteer) -> Checker:
    registry = Registry.of(
        [
            Designation(RiskLevel.MEDIUM, gazetteer.parse(AREA), date(2021, 7, 1)),
            Designation(RiskLevel.HIGH, gazetteer.parse(HIGH), date(2021, 7, 20)),
        ]
    )
    return Checker(builtin_packs(), registry, gazetteer.parse, date(2021, 8, 9))


def open_cases(engine, checker: Checker, count: int) -> dict[int, list[Measure]]:
    """``count`` open cases over the situations in rotation, with the measures the August
    pack gave them; every seventh case's home observation was ended early by a worker."""
    reports, cases, measures, stored = [], [], [], {}
    for n in range(1, count + 1):
        situation = SITUATIONS[n % len(SITUATIONS)]
        decision = checker.check(situation).to_json()
        kept = measures_from_decision(decision)
        if n % 7 == 0:
            kept = [
                replace(m, ended_on=m.start, end_reason="提前结束")
                if m.kind == "home_observation"
                else m
                for m in kept
            ]
        stored[n] = kept
        reports.append(_report(n, situation, decision))
        cases.append(
            {
                "id": n,
                "report_id": n,
                "community": "松榆里社区",
                "document_hash": f"{n:064}",
                "status": "open",
                "opened_on": date.fromisoformat(situation["arrival"]),
            }
        )
        measures.extend({"case_id": n, **measure_columns(m)} for m in kept)
    with engine.begin() as connection:
        connection.execute(insert(ArrivalReportRow), reports)
        connection.execute(insert(CaseRow), cases)
        connection.execute(insert(CaseMeasureRow), measures)
    return stored


def _report(n: int, situation: dict[str, Any], decision: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": n,
        "reported_at": NOW,
        "reported_by": "test",
        "source": "excel",
        "community": "松榆里社区",
        "street": "潘家园街道",
        "district": "朝阳区",
        "employer": None,
        "name_encrypted": "x",
        "document_kind": "resident_id",
        "document_encrypted": "x",
        "document_hash": f"{n:064}",
        "phone_encrypted": None,
        "arrival_date": date.fromisoformat(situation["arrival"]),
        "situation": situation,
        "decision": decision,
        "pack_id": "beijing-2021-08",
        "pack_version": "2021.08.07",
    }


def draft(engine) -> int:
    with session_scope(engine) as session:
        return upload_pack(
            session=session, text=second_version(), file="second.yaml", actor="uploader", now=NOW
        ).id


def every_case_on_its_own(engine, checker, row_id, stored) -> dict[int, list[Measure]]:
    """The measures each case would have, each decided apart (the way before grouping)."""
    with session_scope(engine) as session:
        pack = compiled(session.get_one(PolicyPackRow, row_id))
        situations = dict(
            session.execute(
                select(CaseRow.id, ArrivalReportRow.situation).join(
                    ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id
                )
            ).all()
        )
    pinned = replace(checker, pinned_pack=pack)
    return {
        case_id: reevaluated_measures(
            current,
            measures_decided(pinned.check(situations[case_id], explained=False)),
            pack.in_force_from,
        )
        for case_id, current in stored.items()
    }


def shown(preview: Preview) -> list[tuple[int, Any]]:
    return [(change.case_id, change.changes) for change in preview.changes]


def test_grouped_decisions_are_those_of_every_case_and_approval_writes_them(engine, checker):
    stored = open_cases(engine, checker, 84)
    row_id = draft(engine)
    expected = every_case_on_its_own(engine, checker, row_id, stored)
    with session_scope(engine) as session:
        preview = preview_pack(session=session, checker=checker, row_id=row_id)
    assert preview.cases == 84 and not preview.failed
    want = [
        (case_id, change.changes)
        for case_id, current in stored.items()
        if (change := changes_between(case_id, current, expected[case_id])).changes
    ]
    assert shown(preview) == want
    # the two orders of one situation, the early end, the unchanged and the past all occur
    changed = {case_id for case_id, _ in want}
    assert {1, 2, 3} <= changed and not changed & {4, 5} and 7 in changed
    assert len(changed) < 84

    with session_scope(engine) as session:
        approved = approve_pack(
            session=session, checker=checker, row_id=row_id, actor="approver", now=NOW
        )
    assert shown(approved) == want
    with session_scope(engine) as session:
        rows = session.scalars(select(CaseMeasureRow).order_by(CaseMeasureRow.id)).all()
    written: dict[int, list[Measure]] = {}
    for r in rows:
        written.setdefault(r.case_id, []).append(
            Measure(r.kind, r.start_date, r.end_date, r.rule, r.clause, r.ended_on, r.end_reason)
        )
    for case_id, after in expected.items():
        assert sorted(written[case_id], key=repr) == sorted(after, key=repr), case_id
    with session_scope(engine) as session:  # the copied audit entries chain and verify
        audited = session.scalars(
            select(AuditEntryRow.entity_id).where(AuditEntryRow.action == "reevaluate_case")
        ).all()
        count, broken, _last = verify_chain(session)
    assert sorted(map(int, audited)) == sorted(changed)
    assert broken is None and count > len(changed)


@pytest.fixture(scope="module")
def cluster():
    """Two workers, as threads of this process: started in a second, not ten."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local:
        yield local


def test_a_dask_cluster_decides_as_this_process_does(engine, checker, cluster):
    stored = open_cases(engine, checker, 42)
    row_id = draft(engine)
    with session_scope(engine) as session:
        on_cluster = preview_pack(
            session=session,
            checker=checker,
            row_id=row_id,
            dask_scheduler=cluster.scheduler_address,
        )
    assert "decide_situations" in cluster.scheduler.task_prefixes  # the workers decided
    with session_scope(engine) as session:
        here = preview_pack(session=session, checker=checker, row_id=row_id)
    assert shown(on_cluster) == shown(here)
    assert on_cluster.cases == here.cases == len(stored)
    assert len(here.changes) > 0


def test_situations_spread_in_chunks_over_the_workers_come_back_in_order(checker, cluster):
    situations = [
        read_situation(s, parse_place=checker.parse_place, today=checker.today)
        for s in SITUATIONS * 3
    ]
    pack = load_pack_text(second_version(), file="second.yaml")
    spec = DecisionSpec.of(pack, second_version(), "second.yaml", checker.registry)
    with Client(cluster) as client:
        spread = decide_on(client, spec, situations, chunk=2)
        workers = client.run(lambda: True)
    assert len(workers) == 2
    assert spread == decide_situations(spec, situations)
    assert len({repr(o) for o in spread}) > 1  # not one answer for all
