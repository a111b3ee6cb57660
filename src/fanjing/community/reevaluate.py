"""A new policy pack and the open cases (M10): preview who changes and how, then CDC approves
and the changes are applied, each audited with before and after. Nothing changes silently:
what is applied is the preview computed again at approval, in the same transaction."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fanjing.audit.cache import PACKS, bump_revision
from fanjing.audit.service import record, record_many
from fanjing.community.core import (
    CaseChange,
    Measure,
    changes_between,
    measures_decided,
    reevaluated_measures,
)
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.errors import FanjingError, Where
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
    return _reevaluate(session, checker, draft(session, row_id), apply=None, progress=progress)


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
    measures become what the preview shows, each case audited with before and after.

    The draft is claimed first, by one conditional UPDATE (draft → approved): of approvals
    made at once, exactly one changes the row, on PostgreSQL (the others wait for its row
    lock, then find it approved) and on SQLite (the UPDATE takes the write lock first); the
    others are refused with ``pack_not_draft`` (409). A failure later rolls the claim back
    with everything else.

    Four eyes: whoever uploaded the draft cannot approve it (``same_approver``); a policy that
    changes who may enter takes a second CDC member's look."""
    claimed = session.execute(
        update(PolicyPackRow)
        .where(
            PolicyPackRow.id == row_id,
            PolicyPackRow.status == "draft",
            PolicyPackRow.uploaded_by != actor,
        )
        .values(status="approved", approved_by=actor, approved_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        pending = draft(session, row_id)  # says why: no such pack, or approved meanwhile
        raise FanjingError(
            "same_approver",
            f"政策包 {pending.pack_id} {pending.version} 由 {actor} 上传，须由另一位疾控人员批准",
            Where(field="id"),
        )
    row = session.scalars(
        select(PolicyPackRow)
        .where(PolicyPackRow.id == row_id)
        .execution_options(populate_existing=True)
    ).one()
    applied = _reevaluate(session, checker, row, apply=(actor, now), progress=progress)
    before = {**pack_snapshot(row), "status": "draft"}
    bump_revision(session, PACKS)
    record(
        session,
        actor=actor,
        at=now,
        action="approve_pack",
        entity="policy_pack",
        entity_id=row.id,
        before=before,
        after={**pack_snapshot(row), "cases_changed": len(applied.changes)},
    )
    return applied


def _reevaluate(
    session: Session,
    checker: Checker,
    row: PolicyPackRow,
    *,
    apply: tuple[str, datetime] | None,
    progress: Callable[[int], None],
) -> Preview:
    """Every open case under the draft pack, batch by batch; ``apply``: who approves and
    when, to write each batch's changes before the next is read (bulk statements, so
    100,000 cases take seconds, and memory stays flat)."""
    pack = compiled(row)
    pinned = replace(checker, pinned_pack=pack)
    looked, changes, failed = 0, [], []
    with _no_cycle_collection():
        for batch in _open_case_batches(session, lock=apply is not None):
            writes = _Writes()
            for case_id, situation, stored in batch:
                current = [measure for _, measure in stored]
                try:
                    decided = measures_decided(pinned.check(situation, explained=False))
                except FanjingError as problem:
                    failed.append((case_id, problem.message))
                    continue
                after = reevaluated_measures(current, decided, pack.in_force_from)
                change = changes_between(case_id, current, after)
                if change.changes:
                    changes.append(change)
                    writes.case(case_id, stored, after)
            if apply is not None:
                writes.flush(session, pack=pack, actor=apply[0], now=apply[1])
            looked += len(batch)
            progress(len(batch))
    return Preview(row, looked, changes, failed)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for the run: the changes found so far are hundreds of
    thousands of small objects, which every full collection would walk again and again
    (the run makes no reference cycles to collect)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


Stored = list[tuple[int, Measure]]  # a case's measure rows: id and measure


def _open_case_batches(
    session: Session, *, lock: bool
) -> Iterator[list[tuple[int, dict[str, Any], Stored]]]:
    """The open cases with their report's situation and their measures, in batches;
    ``lock``: the measures are locked until the caller commits, so that a worker's change
    meanwhile waits for the approval rather than being overwritten by it."""
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
        stored: dict[int, Stored] = {case_id: [] for case_id in ids}
        m = CaseMeasureRow
        measures = (
            select(
                m.id,
                m.case_id,
                m.kind,
                m.start_date,
                m.end_date,
                m.rule,
                m.clause,
                m.ended_on,
                m.end_reason,
            )
            .where(m.case_id.in_(ids))
            .order_by(m.start_date, m.id)
        )
        for row in session.execute(measures.with_for_update() if lock else measures):
            stored[row.case_id].append(
                (
                    row.id,
                    Measure(
                        row.kind,
                        row.start_date,
                        row.end_date,
                        row.rule,
                        row.clause,
                        row.ended_on,
                        row.end_reason,
                    ),
                )
            )
        yield [(case_id, situation, stored[case_id]) for case_id, situation in cases]
        last = ids[-1]


class _Writes:
    """A batch's changes, written in three bulk statements: updates, new measures, audit."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.inserts: list[dict[str, Any]] = []
        self.audited: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = []

    def case(self, case_id: int, stored: Stored, after: list[Measure]) -> None:
        """The case's measures become ``after``, matched to its rows by kind, in order."""
        unmatched = list(stored)
        for measure in after:
            match = next((s for s in unmatched if s[1].kind == measure.kind), None)
            if match is None:
                self.inserts.append({"case_id": case_id, **_columns(measure)})
                continue
            unmatched.remove(match)
            if match[1] != measure:
                self.updates.append({"id": match[0], **_columns(measure)})
        before = [_shown(measure) for _, measure in stored]
        self.audited.append((case_id, before, [_shown(m) for m in after]))

    def flush(self, session: Session, *, pack: Pack, actor: str, now: datetime) -> None:
        if self.updates:
            session.execute(update(CaseMeasureRow), self.updates)  # by primary key, executemany
        if self.inserts:
            session.execute(insert(CaseMeasureRow), self.inserts)
        record_many(
            session,
            [
                {
                    "at": now,
                    "actor": actor,
                    "action": "reevaluate_case",
                    "entity": "community_case",
                    "entity_id": str(case_id),
                    "before": {"measures": before},
                    "after": {"measures": after, "pack": f"{pack.id} {pack.version}"},
                }
                for case_id, before, after in self.audited
            ],
        )


def _columns(measure: Measure) -> dict[str, Any]:
    return {
        "kind": measure.kind,
        "start_date": measure.start,
        "end_date": measure.end,
        "rule": measure.rule,
        "clause": measure.clause,
        "ended_on": measure.ended_on,
        "end_reason": measure.end_reason,
    }


def _shown(measure: Measure) -> dict[str, Any]:
    return {
        "kind": measure.kind,
        "start": measure.start.isoformat(),
        "until": measure.until.isoformat() if measure.until else None,
    }
