"""The registry in the database: imports with history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fanjing.errors import FanjingError, InputErrors
from fanjing.infra.db import session_scope
from fanjing.places.lookup import designations_in_force, diff, registry_in_database
from fanjing.places.national_list import parse_national_list
from fanjing.places.service import import_risk_file
from fanjing.places.store import DesignationRow, RegistryImportRow

LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "sources" / "risk-lists"
NOW = datetime(2021, 8, 10, 9, 0, tzinfo=UTC)


def list_text(day: str) -> str:
    path = LISTS / f"national-list-{day}.txt"
    if not path.exists():
        pytest.fail(f"the sample lists are missing: {path}")
    return path.read_text(encoding="utf-8")


def run_import(engine, gazetteer, text: str, file: str = "list.txt", **options):
    with session_scope(engine) as session:
        return import_risk_file(
            session=session,
            text=text,
            file=file,
            parse_place=gazetteer.parse,
            actor="cdc",
            now=NOW,
            **options,
        )


def listed(gazetteer, day: str) -> set[tuple[str, str]]:
    """(level, area) pairs of a sample list, the highest level for an area listed twice."""
    best: dict[str, str] = {}
    for area in parse_national_list(list_text(day), parse_place=gazetteer.parse).areas:
        if best.get(area.place.name) != "high":
            best[area.place.name] = area.level.value
    return {(level, name) for name, level in best.items()}


def test_daily_lists_open_and_lift_designations_with_history(engine, gazetteer):
    first = run_import(engine, gazetteer, list_text("20210731"))
    july, august = listed(gazetteer, "20210731"), listed(gazetteer, "20210804")
    assert first.list_date == date(2021, 7, 31)
    assert (len(first.opened), len(first.closed), first.unchanged) == (len(july), 0, 0)

    second = run_import(engine, gazetteer, list_text("20210804"))
    assert len(second.opened) == len(august - july)
    assert len(second.closed) == len(july - august)
    assert second.unchanged == len(july & august)
    assert second.declared == {"high": 4, "medium": 144}

    with session_scope(engine) as session:
        assert {
            (r.level, r.area_name) for r in designations_in_force(session, date(2021, 8, 3))
        } == july
        assert {
            (r.level, r.area_name) for r in designations_in_force(session, date(2021, 8, 4))
        } == august
        lifted = session.scalars(
            select(DesignationRow).where(DesignationRow.to_date.is_not(None))
        ).all()
        assert lifted and {r.to_date for r in lifted} == {date(2021, 8, 3)}
        changes = diff(session, date(2021, 8, 1), date(2021, 8, 5))
    before, after = {n: lv for lv, n in july}, {n: lv for lv, n in august}
    assert {r.area_name for r in changes.added} == after.keys() - before.keys()
    assert {r.area_name for r in changes.lifted} == before.keys() - after.keys()
    assert {a.area_name for _, a in changes.changed} == {
        name for name in before.keys() & after.keys() if before[name] != after[name]
    }


def test_importing_the_same_list_twice_changes_nothing(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    with session_scope(engine) as session:
        before = session.scalar(select(func.count()).select_from(DesignationRow))
    again = run_import(engine, gazetteer, list_text("20210804"))
    assert (again.opened, again.closed, again.withdrawn) == ((), (), ())
    assert again.unchanged == before
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(DesignationRow)) == before
        assert session.scalar(select(func.count()).select_from(RegistryImportRow)) == 2


def test_an_older_list_than_the_last_one_is_refused(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    with pytest.raises(FanjingError) as raised:
        run_import(engine, gazetteer, list_text("20210731"))
    assert raised.value.code == "list_too_old"


def test_a_corrected_list_of_the_same_day_withdraws_what_it_no_longer_lists(engine, gazetteer):
    full = list_text("20210731")
    run_import(engine, gazetteer, full)
    corrected = full.replace("南京市江宁区禄口街道全域\n", "")
    report = run_import(engine, gazetteer, corrected)
    assert report.withdrawn == ("high 江苏省南京市江宁区禄口街道",)
    with session_scope(engine) as session:
        names = {r.area_name for r in designations_in_force(session, date(2021, 7, 31))}
        assert "江苏省南京市江宁区禄口街道" not in names


def test_unplaceable_lines_are_kept_in_the_report(engine, gazetteer):
    text = list_text("20210731").replace("南京市江宁区禄口街道全域", "火星市禄口街道")
    report = run_import(engine, gazetteer, text)
    assert [u.text for u in report.unplaced] == ["火星市禄口街道"]
    with session_scope(engine) as session:
        stored = session.scalars(select(RegistryImportRow)).one()
        assert stored.report["unplaced"][0]["text"] == "火星市禄口街道"
        assert "未能识别" in stored.summary


def test_csv_import_is_idempotent_and_all_or_nothing(engine, gazetteer):
    csv = (
        "level,area,from,to\nhigh,河南省郑州市二七区,2021-07-31,\ncases,江苏省扬州市,2021-07-28,\n"
    )
    first = run_import(engine, gazetteer, csv, file="areas.csv")
    assert first.kind == "csv" and len(first.opened) == 2
    assert run_import(engine, gazetteer, csv, file="areas.csv").unchanged == 2
    with pytest.raises(InputErrors):
        run_import(engine, gazetteer, csv + "severe,火星市,2021-07-31,\n", file="areas.csv")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(DesignationRow)) == 2


def test_the_registry_in_the_database_judges_stays(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    with session_scope(engine) as session:
        registry = registry_in_database(session)
    judged = registry.judge_stay(
        gazetteer.parse("郑州市二七区京广路街道"),
        date(2021, 8, 1),
        date(2021, 8, 5),
        date(2021, 8, 7),
    )
    assert judged.level is not None and judged.level.value == "high"


def test_the_registry_cache_looks_again_after_a_change(engine, gazetteer):
    from fanjing.audit.cache import REGISTRY, RevisionCache
    from fanjing.places.lookup import registry_in_database

    slow = RevisionCache(engine, REGISTRY, registry_in_database, recheck_seconds=3600)
    eager = RevisionCache(engine, REGISTRY, registry_in_database, recheck_seconds=0)
    assert slow.get().designations == () and eager.get().designations == ()
    run_import(
        engine, gazetteer, "level,area,from,to\ncases,江苏省扬州市,2021-07-28,\n", file="a.csv"
    )
    assert len(eager.get().designations) == 1  # another process's change: seen on the next look
    assert slow.get().designations == ()  # … not before its recheck time
    slow.changed()
    assert len(slow.get().designations) == 1


def test_the_cache_follows_the_revision_counter_not_the_audit_log(engine):
    from fanjing.audit.cache import REGISTRY, RevisionCache, bump_revision
    from fanjing.infra.db import session_scope

    loads = []

    def load(session):
        loads.append(1)
        return len(loads)

    cache = RevisionCache(engine, REGISTRY, load, recheck_seconds=0)
    assert cache.get() == 1 and cache.get() == 1  # nothing changed: not loaded again
    with session_scope(engine) as session:
        bump_revision(session, REGISTRY)  # a change whose audit rows got lower ids, say
    assert cache.get() == 2
