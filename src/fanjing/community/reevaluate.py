"""A new policy pack and the open cases (M10): preview who changes and how, then CDC approves
and the changes are applied, each audited with before and after. Nothing changes silently:
what is applied is the preview computed again at approval, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.community.core import (
    CaseChange,
    Measure,
    changes_between,
    measures_from_decision,
    reevaluated_measures,
)
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.errors import FanjingError
from fanjing.policy.core.pack import Pack
from fanjing.policy.packstore import compiled, draft, pack_snapshot
from fanjing.policy.service import Checker
from fanjing.policy.store import PolicyPackRow

BATCH_CASES = 2_000


@dataclass(frozen=True)
class Preview:
    pack: PolicyPackRow
    cases: int  # open cases re-evaluated
    changes: list[CaseChange]  # only the cases that change
    failed: list[tuple[int, str]]  # cases the new pack cannot decide, and why


def preview_pack(
    *,
    session: Session,
    checker: Checker,
    row_id: int,
    progress: Callable[[int], None] = lambda cases: None,
) -> Preview:
    """What approving the draft pack ``row_id`` would change in the open cases."""
    row = draft(session, row_id)
    pack = compiled(row)
    looked, changes, failed = 0, [], []
    for case_id, situation, current in _open_cases(session):
        looked += 1
        try:
            after = _reevaluated(checker, pack, situation, current)
        except FanjingError as problem:
            failed.append((case_id, problem.message))
            continue
        change = changes_between(case_id, current, after)
        if change.changes:
            changes.append(change)
        if looked % BATCH_CASES == 0:
            progress(BATCH_CASES)
    progress(looked % BATCH_CASES)
    return Preview(row, looked, changes, failed)


def approve_pack(
    *,
    session: Session,
    checker: Checker,
    row_id: int,
    actor: str,
    now: datetime,
    progress: Callable[[int], None] = lambda cases: None,
) -> Preview:
    """Approve the draft: the pack joins those in force from its day, and every open case's
    measures become what the preview shows, each case audited with before and after."""
    preview = preview_pack(session=session, checker=checker, row_id=row_id, progress=progress)
    pack = compiled(preview.pack)
    for change in preview.changes:
        _apply(session, change, actor=actor, now=now, pack=pack)
    row = preview.pack
    before = pack_snapshot(row)
    row.status, row.approved_by, row.approved_at = "approved", actor, now
    record(
        session,
        actor=actor,
        at=now,
        action="approve_pack",
        entity="policy_pack",
        entity_id=row.id,
        before=before,
        after={**pack_snapshot(row), "cases_changed": len(preview.changes)},
    )
    return preview


def _open_cases(session: Session) -> Iterator[tuple[int, dict[str, Any], list[Measure]]]:
    """Each open case with its report's situation and its measures, read in batches."""
    last = 0
    while True:
        cases = session.execute(
            select(CaseRow.id, ArrivalReportRow.situation)
            .join(ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id)
            .where(CaseRow.status == "open", CaseRow.id > last)
            .order_by(CaseRow.id)
            .limit(BATCH_CASES)
        ).all()
        if not cases:
            return
        ids = [case_id for case_id, _ in cases]
        measures: dict[int, list[Measure]] = {case_id: [] for case_id in ids}
        for row in session.scalars(
            select(CaseMeasureRow)
            .where(CaseMeasureRow.case_id.in_(ids))
            .order_by(CaseMeasureRow.start_date, CaseMeasureRow.id)
        ):
            measures[row.case_id].append(row.to_core())
        for case_id, situation in cases:
            yield case_id, situation, measures[case_id]
        last = ids[-1]


def _reevaluated(
    checker: Checker, pack: Pack, situation: dict[str, Any], current: list[Measure]
) -> list[Measure]:
    decision = replace(checker, pinned_pack=pack).check(situation)
    decided = measures_from_decision(decision.to_json())
    return reevaluated_measures(current, decided, pack.in_force_from)


def _apply(session: Session, change: CaseChange, *, actor: str, now: datetime, pack: Pack) -> None:
    rows = list(
        session.scalars(
            select(CaseMeasureRow)
            .where(CaseMeasureRow.case_id == change.case_id)
            .order_by(CaseMeasureRow.start_date, CaseMeasureRow.id)
        )
    )
    before = [_shown(row.to_core()) for row in rows]
    for measure_change in change.changes:
        target = next((row for row in rows if measure_change.before == row.to_core()), None)
        if measure_change.after is None:
            continue  # a measure is never deleted: dropped ones end (reevaluated_measures)
        if target is None:
            target = CaseMeasureRow(case_id=change.case_id)
            session.add(target)
        target.take(measure_change.after)
    session.flush()
    after = [
        _shown(row.to_core())
        for row in session.scalars(
            select(CaseMeasureRow).where(CaseMeasureRow.case_id == change.case_id)
        )
    ]
    record(
        session,
        actor=actor,
        at=now,
        action="reevaluate_case",
        entity="community_case",
        entity_id=change.case_id,
        before={"measures": before},
        after={"measures": after, "pack": f"{pack.id} {pack.version}"},
    )


def _shown(measure: Measure) -> dict[str, Any]:
    return {
        "kind": measure.kind,
        "start": measure.start.isoformat(),
        "until": measure.until.isoformat() if measure.until else None,
    }
