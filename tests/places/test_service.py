"""The registry in the database: imports with history, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fanjing.audit.store import AuditEntryRow
from fanjing.errors import FanjingError, InputErrors
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.infra.db import session_scope
from fanjing.places.import_report import ImportReport
from fanjing.places.imports import confirm_held_lifts, import_risk_file
from fanjing.places.lookup import diff
from fanjing.places.national_list import parse_national_list
from fanjing.places.service import designate, lift, reopen
from fanjing.places.store import (
    DesignationRow,
    RegistryImportRow,
    designations_in_force,
    registry_in_database,
)

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
            followers=POPUP_FOLLOWERS,
            **options,
        )


def listed(gazetteer, day: str) -> set[tuple[str, str]]:
    """(level, area) pairs of a sample list, the highest level for an area listed twice."""
    return listed_in(gazetteer, list_text(day))


def listed_in(gazetteer, text: str) -> set[tuple[str, str]]:
    best: dict[str, str] = {}
    for area in parse_national_list(text, parse_place=gazetteer.parse).areas:
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
    corrected = (  # as a corrected list is published: the line and its counts
        full.replace("江苏：1个\n南京市江宁区禄口街道全域\n", "")
        .replace("全国3个高风险地区", "全国2个高风险地区")
        .replace("高风险地区(3个)", "高风险地区(2个)")
    )
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
    from fanjing.places.store import registry_in_database

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
    from fanjing.audit.cache import REGISTRY, RevisionCache
    from fanjing.audit.store import raise_revision
    from fanjing.infra.db import session_scope

    loads = []

    def load(session):
        loads.append(1)
        return len(loads)

    cache = RevisionCache(engine, REGISTRY, load, recheck_seconds=0)
    assert cache.get() == 1 and cache.get() == 1  # nothing changed: not loaded again
    with session_scope(engine) as session:
        raise_revision(session, REGISTRY)  # a change whose audit rows got lower ids, say
    assert cache.get() == 2


def truncated(text: str, lines: int) -> str:
    """The list cut off after ``lines`` lines, as a copy from the app arrives cut short."""
    return "\n".join(text.splitlines()[:lines]) + "\n"


def in_force(engine, day: date) -> set[tuple[str, str]]:
    with session_scope(engine) as session:
        return {(r.level, r.area_name) for r in designations_in_force(session, day)}


def test_a_truncated_list_lifts_nothing_of_the_levels_it_may_have_lost(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    august_4, august_10 = listed(gazetteer, "20210804"), listed(gazetteer, "20210810")
    cut = truncated(list_text("20210810"), 120)  # the medium section stops part-way

    report = run_import(engine, gazetteer, cut)

    assert report.lifts_held and set(report.incomplete) == {"medium"}
    assert not [label for label in report.closed + report.withdrawn if label.startswith("medium")]
    still_declared = {(lv, n) for lv, n in august_4 & august_10 if lv == "medium"}
    assert still_declared <= in_force(engine, date(2021, 8, 10))
    held = {tuple(label.split(" ", 1)) for label in report.held}
    assert held and held <= august_4 and held.isdisjoint(listed_in(gazetteer, cut))
    assert held <= in_force(engine, date(2021, 8, 10))
    # the areas it could read are designated all the same
    assert listed_in(gazetteer, cut) <= in_force(engine, date(2021, 8, 10))
    assert "暂缓解除" in report.summary_zh() and "--confirm-lifts" in report.summary_zh()


def test_confirming_a_truncated_lists_held_lifts_applies_them_audited(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    report = run_import(engine, gazetteer, truncated(list_text("20210810"), 120))
    with session_scope(engine) as session:
        import_id = session.scalar(select(func.max(RegistryImportRow.id)))
        confirmed = confirm_held_lifts(
            session=session, import_id=import_id, actor="王医生", now=NOW, followers=POPUP_FOLLOWERS
        )
    assert confirmed.lifts_confirmed_by == "王医生" and not confirmed.lifts_held
    held = {tuple(label.split(" ", 1)) for label in report.held}
    assert held.isdisjoint(in_force(engine, date(2021, 8, 10)))
    assert held <= in_force(engine, date(2021, 8, 9))
    with session_scope(engine) as session:
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "registry_import.confirm_lifts")
        ).one()
        assert entry.actor == "王医生" and entry.entity_id == str(import_id)
        lifts = session.scalars(
            select(AuditEntryRow).where(
                AuditEntryRow.action == "designation.lift", AuditEntryRow.actor == "王医生"
            )
        ).all()
        assert len(lifts) == len(held)
        stored = session.get(RegistryImportRow, import_id)
        assert stored.report["lifts_confirmed_by"] == "王医生"
        with pytest.raises(FanjingError) as again:
            confirm_held_lifts(
                session=session,
                import_id=import_id,
                actor="王医生",
                now=NOW,
                followers=POPUP_FOLLOWERS,
            )
        assert again.value.code == "already_confirmed"


def test_an_older_imports_held_lifts_cannot_be_confirmed_after_a_newer_list(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    run_import(engine, gazetteer, truncated(list_text("20210810"), 120))
    run_import(engine, gazetteer, list_text("20210810"))  # the full list of the same day
    with session_scope(engine) as session:
        first_cut = session.scalars(
            select(RegistryImportRow.id).order_by(RegistryImportRow.id)
        ).all()[1]
        with pytest.raises(FanjingError) as refused:
            confirm_held_lifts(
                session=session,
                import_id=first_cut,
                actor="王医生",
                now=NOW,
                followers=POPUP_FOLLOWERS,
            )
    assert refused.value.code == "import_superseded"
    assert in_force(engine, date(2021, 8, 10)) == listed(gazetteer, "20210810")


def test_lifts_confirmed_with_the_import_are_made_at_once(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210804"))
    cut = truncated(list_text("20210810"), 120)
    report = run_import(engine, gazetteer, cut, confirm_lifts=True)
    assert report.held and report.lifts_confirmed_by == "cdc" and not report.lifts_held
    assert in_force(engine, date(2021, 8, 10)) == listed_in(gazetteer, cut)


def test_an_unplaced_line_holds_the_lifts_of_its_level(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210731"))
    later = list_text("20210804").replace("南京市江宁区禄口街道全域", "火星市禄口街道")
    report = run_import(engine, gazetteer, later)
    assert "high" in report.incomplete and report.lifts_held is bool(report.held)
    assert not [label for label in report.closed if label.startswith("high")]


def test_a_list_with_more_areas_than_declared_is_imported_with_a_warning(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210731"))
    more = list_text("20210804").replace("全国4个高风险地区", "全国3个高风险地区")
    report = run_import(engine, gazetteer, more)
    assert report.warnings and "多于声明" in report.warnings[0]
    assert not report.held and not report.incomplete
    assert in_force(engine, date(2021, 8, 4)) == listed(gazetteer, "20210804")


def test_parallel_imports_of_one_list_designate_each_area_once(engine, gazetteer):
    text = list_text("20210804")

    def one_import(_: int) -> ImportReport:
        return run_import(engine, gazetteer, text)

    with ThreadPoolExecutor(max_workers=3) as pool:
        reports = list(pool.map(one_import, range(3)))
    assert sorted(len(r.opened) for r in reports) == [0, 0, len(listed(gazetteer, "20210804"))]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(DesignationRow)) == len(
            listed(gazetteer, "20210804")
        )


def test_a_complete_import_has_no_lifts_to_confirm(engine, gazetteer):
    report = run_import(engine, gazetteer, list_text("20210731"))
    with session_scope(engine) as session, pytest.raises(FanjingError) as refused:
        confirm_held_lifts(
            session=session,
            import_id=report.import_id,
            actor="王医生",
            now=NOW,
            followers=POPUP_FOLLOWERS,
        )
    assert refused.value.code == "nothing_held"


def test_a_lift_is_undone_by_reopening_and_an_open_area_cannot_be(engine, gazetteer):
    run_import(engine, gazetteer, list_text("20210731"))
    with session_scope(engine) as session:
        row = designations_in_force(session, date(2021, 8, 1))[0]
        with pytest.raises(FanjingError) as refused:
            reopen(session=session, designation_id=row.id, actor="王医生", now=NOW)
        assert refused.value.code == "not_lifted"
        lift(
            session=session,
            designation_id=row.id,
            last_day=date(2021, 8, 1),
            actor="王医生",
            now=NOW,
            followers=POPUP_FOLLOWERS,
        )
        reopen(session=session, designation_id=row.id, actor="王医生", now=NOW)
        actions = session.scalars(
            select(AuditEntryRow.action).where(AuditEntryRow.entity_id == str(row.id))
        ).all()
    assert (row.level, row.area_name) in in_force(engine, date(2021, 8, 10))
    assert actions[-2:] == ["designation.lift", "designation.reopen"]


class RecordingFollowers:
    """Followers that note the designations withdrawn, and whether each was still stored."""

    def __init__(self) -> None:
        self.withdrawn: list[tuple[int, bool]] = []

    def opened(self, *, session, designation_ids, today, now) -> int:
        return 0

    def withdrawing(self, *, session, designation_id) -> None:
        stored = session.get(DesignationRow, designation_id) is not None
        self.withdrawn.append((designation_id, stored))


def test_a_withdrawal_tells_the_followers_before_the_row_goes_and_a_lift_does_not(
    engine, gazetteer
):
    followers = RecordingFollowers()
    with session_scope(engine) as session:
        kept, withdrawn = (
            designate(
                session=session,
                level="medium",
                area=area,
                start=date(2021, 8, 5),
                end=None,
                parse_place=gazetteer.parse,
                actor="王医生",
                now=NOW,
            )
            for area in ("江苏省南京市江宁区", "江苏省扬州市江都区")
        )
        for row, last_day in ((kept, date(2021, 8, 9)), (withdrawn, date(2021, 8, 4))):
            lift(
                session=session,
                designation_id=row.id,
                last_day=last_day,
                actor="王医生",
                now=NOW,
                followers=followers,
            )
        assert followers.withdrawn == [(withdrawn.id, True)]
        assert session.get(DesignationRow, withdrawn.id) is None
