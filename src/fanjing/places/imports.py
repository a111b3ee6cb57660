"""Importing risk areas: a day's national list (or a CSV file) reconciled with what is in force,
its report kept (lines not placed, lifts held back when the list may be truncated), and the
held lifts confirmed by an operator. The caller owns the transaction."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.db import serialise
from fanjing.places.designations_csv import read_designations_csv
from fanjing.places.followers import DesignationFollowers
from fanjing.places.import_report import ImportReport, UnplacedLine
from fanjing.places.national_list import looks_like_national_list, parse_national_list
from fanjing.places.national_list_model import NationalList
from fanjing.places.registry import Designation, RiskLevel, reconcile
from fanjing.places.service import (
    LIFTED,
    WITHDRAWN,
    ParsePlace,
    add_designations,
    audit_designation,
    designation_label,
    end_designation,
)
from fanjing.places.store import (
    DesignationRow,
    RegistryImportRow,
    designation_matching,
    latest_national_list_day,
    newest_national_import_id,
    open_national_designations,
)


def import_designations_csv(
    *, session: Session, text: str, file: str, parse_place: ParsePlace, actor: str, now: datetime
) -> ImportReport:
    """Add the designations of a contract CSV; rows already present are left as they are.

    A row is the same designation when level, area and first day agree; a
    different last day updates it. The whole file is refused if any row is bad.
    """
    rows = read_designations_csv(text, parse_place=parse_place, file=file)
    serialise(session, "registry_import")
    opened, changed, unchanged = [], [], 0
    added: list[DesignationRow] = []
    for designation in rows:
        existing = designation_matching(session, designation)
        if existing is None:
            source = designation.source or file
            added.append(
                DesignationRow.of(designation, origin="csv", source=source, by=actor, at=now)
            )
            opened.append(designation_label(designation))
        elif existing.to_date != designation.end:
            before = existing.snapshot()
            existing.to_date = designation.end
            audit_designation(session, "designation.change", existing, before, actor, now)
            changed.append(designation_label(designation))
        else:
            unchanged += 1
    add_designations(session, added, actor, now)
    opened_ids = tuple(row.id for row in added)
    report = ImportReport(
        kind="csv",
        file=file,
        list_date=None,
        parsed=dict(Counter(d.level.value for d in rows)),
        opened=tuple(opened),
        opened_ids=opened_ids,
        closed=tuple(changed),
        unchanged=unchanged,
    )
    return _keep_report(session, report, text, actor, now)


def import_risk_file(
    *,
    session: Session,
    text: str,
    file: str,
    parse_place: ParsePlace,
    actor: str,
    now: datetime,
    followers: DesignationFollowers,
    list_date: date | None = None,
    confirm_lifts: bool = False,
) -> ImportReport:
    """Import a contract CSV or one day's national list, told apart by their content.

    A national list brings the registry in line with that day's list (in force from its
    day): new areas are designated from that day, areas no longer listed are lifted the
    day before, and every line that could not be placed is kept in the report.
    ``list_date`` overrides the day the list's header gives.

    When the list may be incomplete at a level (fewer areas than it declares, or
    lines that could not be placed), the areas of that level it does not name are
    held in force, not lifted, unless ``confirm_lifts`` says that CDC staff
    (``actor``) have checked the list and confirm them; ``confirm_held_lifts``
    confirms them after the import.
    """
    if not looks_like_national_list(text):
        return import_designations_csv(
            session=session, text=text, file=file, parse_place=parse_place, actor=actor, now=now
        )
    parsed = parse_national_list(text, parse_place=parse_place)
    day = list_date or parsed.list_date
    if day is None:
        raise FanjingError(
            Code.NO_LIST_DATE,
            "名单中没有日期（如“2021年8月10日08时”），请用 --date 指定",
            Where(file),
        )
    listed = [
        Designation(area.level, area.place, day, None, f"{file}:{area.line}")
        for area in parsed.areas
    ]
    report = _national_list_report(parsed, file, day, actor if confirm_lifts else None)
    return _apply_national_list(
        session=session,
        listed=listed,
        day=day,
        report=report,
        text=text,
        actor=actor,
        now=now,
        followers=followers,
    )


def _national_list_report(
    parsed: NationalList, file: str, day: date, lifts_confirmed_by: str | None
) -> ImportReport:
    """What a day's list says and lacks, before it is applied."""
    return ImportReport(
        kind="national_list",
        file=file,
        list_date=day,
        declared={level.value: count for level, count in parsed.declared.items()},
        parsed={level.value: count for level, count in parsed.parsed_counts.items()},
        unplaced=tuple(
            UnplacedLine(u.line, u.raw, u.reason, u.level.value if u.level else None)
            for u in parsed.unplaced
        ),
        count_problems=tuple(str(mismatch) for mismatch in parsed.count_mismatches()),
        incomplete={level.value: why for level, why in parsed.incompleteness().items()},
        warnings=tuple(f"名单所列多于声明：{surplus}" for surplus in parsed.surpluses()),
        lifts_confirmed_by=lifts_confirmed_by,
    )


def _apply_national_list(
    *,
    session: Session,
    listed: Sequence[Designation],
    day: date,
    report: ImportReport,
    text: str,
    actor: str,
    now: datetime,
    followers: DesignationFollowers,
) -> ImportReport:
    """Reconcile the registry's national-list designations with one day's list (from ``day``)."""
    serialise(session, "registry_import")
    latest = latest_national_list_day(session)
    if latest is not None and day < latest:
        raise FanjingError(
            Code.LIST_TOO_OLD, f"已导入 {latest} 的名单，不能再导入更早的 {day} 的名单"
        )
    open_rows = open_national_designations(session)
    pairs = [(row, row.to_core()) for row in open_rows]
    row_of = {id(core): row for row, core in pairs}  # reconcile hands back the same objects
    incomplete = frozenset(map(RiskLevel, report.incomplete))
    result = reconcile([core for _, core in pairs], listed, day, incomplete_levels=incomplete)
    ending = [*result.closed, *result.withdrawn]
    if report.lifts_confirmed_by:
        ending.extend(result.held)
    last_day = day - timedelta(days=1)
    ended = [
        end_designation(session, row_of[id(d)], last_day, actor, now, followers=followers)
        for d in ending
    ]
    new_rows = [
        DesignationRow.of(
            designation,
            origin="national_list",
            source=f"全国中高风险地区名单 {day}（{designation.source}）",
            by=actor,
            at=now,
        )
        for designation in result.opened
    ]
    add_designations(session, new_rows, actor, now)
    final = replace(
        report,
        opened=tuple(designation_label(d) for d in result.opened),
        opened_ids=tuple(row.id for row in new_rows),
        closed=tuple(
            designation_label(d) for d, how in zip(ending, ended, strict=True) if how == LIFTED
        ),
        withdrawn=tuple(
            designation_label(d) for d, how in zip(ending, ended, strict=True) if how == WITHDRAWN
        ),
        unchanged=len(result.kept) + (0 if report.lifts_confirmed_by else len(result.held)),
        held=tuple(designation_label(d) for d in result.held),
        held_ids=tuple(row_of[id(d)].id for d in result.held),
    )
    stored = _keep_report(session, final, text, actor, now)
    if stored.held and stored.lifts_confirmed_by:
        _audit_confirmation(session, stored, stored.held, actor, now)
    return stored


def _audit_confirmation(
    session: Session, report: ImportReport, ended: Sequence[str], actor: str, now: datetime
) -> None:
    """Who confirmed the held lifts of an import, and which ended (not those lifted by hand
    meanwhile)."""
    record(
        session,
        actor=actor,
        at=now,
        action="registry_import.confirm_lifts",
        entity="registry_import",
        entity_id=report.import_id,
        before={"held": list(report.held), "incomplete": report.incomplete},
        after={"list_date": str(report.list_date), "ended": list(ended)},
    )


def confirm_held_lifts(
    *,
    session: Session,
    import_id: int,
    actor: str,
    now: datetime,
    followers: DesignationFollowers,
) -> ImportReport:
    """CDC staff confirm the lifts that an import of a possibly incomplete list held back.

    Only the newest national list's held lifts can be confirmed (a later list has its
    own report); each designation still open is lifted the day before the list's day
    (withdrawn if it began that day), audited with ``actor`` as the one who confirmed.
    """
    serialise(session, "registry_import")
    row = session.get(RegistryImportRow, import_id)
    if row is None or row.kind != "national_list" or row.list_date is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有编号为 {import_id} 的全国名单导入记录", Where(field="id")
        )
    last_day = row.list_date - timedelta(days=1)
    report = replace(ImportReport.from_json(row.report), import_id=row.id)
    if not report.held:
        raise FanjingError(Code.NOTHING_HELD, "这次导入没有暂缓解除的地区", Where(field="id"))
    if report.lifts_confirmed_by:
        raise FanjingError(
            Code.ALREADY_CONFIRMED, f"已由 {report.lifts_confirmed_by} 确认解除", Where(field="id")
        )
    newest = newest_national_import_id(session)
    if newest != import_id:
        raise FanjingError(
            Code.IMPORT_SUPERSEDED,
            "此后已导入更新的名单，暂缓解除的地区由最新一次导入决定",
            Where(field="id"),
        )
    lifted: list[str] = []
    withdrawn: list[str] = []
    for designation_id in report.held_ids:
        designation = session.get(DesignationRow, designation_id)
        if designation is None or designation.to_date is not None:
            continue  # lifted by hand meanwhile
        label = f"{designation.level} {designation.area_name}"
        how = end_designation(session, designation, last_day, actor, now, followers=followers)
        (lifted if how == LIFTED else withdrawn).append(label)
    confirmed = replace(
        report,
        closed=(*report.closed, *lifted),
        withdrawn=(*report.withdrawn, *withdrawn),
        unchanged=report.unchanged - len(lifted) - len(withdrawn),
        lifts_confirmed_by=actor,
    )
    _audit_confirmation(session, confirmed, [*lifted, *withdrawn], actor, now)
    row.report = confirmed.as_json()
    row.summary = confirmed.summary_zh()
    return confirmed


def _keep_report(
    session: Session, report: ImportReport, text: str, actor: str, now: datetime
) -> ImportReport:
    """Keep the report; the report returned carries the id it is kept under."""
    row = RegistryImportRow(
        kind=report.kind,
        file_name=report.file,
        content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        list_date=report.list_date,
        report={},
        summary=report.summary_zh(),
        imported_by=actor,
        imported_at=now,
    )
    session.add(row)
    session.flush()
    stored = replace(report, import_id=row.id)
    row.report = stored.as_json()
    return stored
