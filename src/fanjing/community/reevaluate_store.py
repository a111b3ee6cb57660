"""The rows of a new pack's approval (M10): the packs uploaded and the draft claimed, the
open cases read in batches, and each batch's changes written as sets (updates by key, new
measures, audit entries: COPY on PostgreSQL)."""

from __future__ import annotations

import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CursorResult, Text, cast, func, select, update
from sqlalchemy.orm import Session

from fanjing.audit.service import record_many
from fanjing.community.core import Measure
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.infra.bulk import insert_rows, update_rows
from fanjing.policy.core.pack import Pack
from fanjing.policy.store import PolicyPackRow

BATCH_CASES = 10_000

# a measure row's values as Measure takes them: kind, start, end, rule, clause, ended_on, reason
MeasureValues = tuple[str, date, date | None, str, str, date | None, str | None]
StoredKey = tuple[MeasureValues, ...]  # a case's measures, without their row ids
Stored = list[tuple[int, MeasureValues]]  # a case's measure rows: id and values

_SITUATION_TEXT = cast(ArrivalReportRow.situation, Text)  # as stored: equal texts, equal situations


def uploaded_packs(session: Session) -> list[PolicyPackRow]:
    """Every pack uploaded, in the order of upload."""
    return list(session.scalars(select(PolicyPackRow).order_by(PolicyPackRow.id)))


def claim_draft(session: Session, row_id: int, actor: str, now: datetime) -> bool:
    """Mark the draft ``row_id`` approved by ``actor``, in one conditional UPDATE; False when
    it is no draft, or ``actor`` uploaded it."""
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
    return typing.cast(CursorResult[Any], claimed).rowcount == 1


def pack_as_stored(session: Session, row_id: int) -> PolicyPackRow:
    """The pack row as the database has it now, not as this session last saw it."""
    return session.scalars(
        select(PolicyPackRow)
        .where(PolicyPackRow.id == row_id)
        .execution_options(populate_existing=True)
    ).one()


def open_situations(session: Session) -> dict[int, str]:
    """The situation of each open case's report, as its stored text: read grouped by text,
    so that each distinct text comes over once (with the ids of its reports) and the reports
    sharing it share one string."""
    ids = ArrivalReportRow.id
    grouped = (
        func.string_agg(cast(ids, Text), ",")
        if session.get_bind().dialect.name == "postgresql"
        else func.group_concat(ids, ",")
    )
    texts: dict[int, str] = {}
    found = session.connection().execute(
        select(_SITUATION_TEXT, grouped)
        .join(CaseRow, CaseRow.report_id == ids)
        .where(CaseRow.status == "open")
        .group_by(_SITUATION_TEXT)
    )
    for text, report_ids in found:
        texts.update(dict.fromkeys(map(int, report_ids.split(",")), text))
    return texts


def situation_text(session: Session, report_id: int) -> str:
    """One report's situation (a case opened after ``open_situations`` read them)."""
    return session.execute(
        select(_SITUATION_TEXT).where(ArrivalReportRow.id == report_id)
    ).scalar_one()


def open_case_batches(session: Session, *, lock: bool) -> Iterator[list[tuple[int, int, Stored]]]:
    """The open cases with their report and their measures, in batches of consecutive ids;
    ``lock``: the measures are locked until the caller commits, so that a worker's change
    meanwhile waits for the approval rather than being overwritten by it. Core rows on the
    session's connection: the ORM's result handling would cost more than the rest."""
    connection = session.connection()
    last = 0
    while True:
        cases = connection.execute(
            select(CaseRow.id, CaseRow.report_id)
            .where(CaseRow.status == "open", CaseRow.id > last)
            .order_by(CaseRow.id)
            .limit(BATCH_CASES)
        ).all()
        if not cases:
            return
        first, last = cases[0][0], cases[-1][0]
        stored: dict[int, Stored] = {case_id: [] for case_id, _ in cases}
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
            .where(m.case_id.between(first, last))
            .order_by(m.case_id, m.start_date, m.id)
        )
        if lock:
            measures = measures.with_for_update()
        for measure_id, case_id, *values in connection.execute(measures).all():
            if case_id in stored:  # an open case's (not one closed, or opened meanwhile)
                stored[case_id].append((measure_id, tuple(values)))  # type: ignore[arg-type]
        yield [(case_id, report_id, stored[case_id]) for case_id, report_id in cases]


@dataclass(frozen=True)
class Plan:
    """How one case's measure rows become the new measures, by position among its rows:
    matched by kind, in order; a kind the rows lack is a new row."""

    updates: tuple[tuple[int, dict[str, Any]], ...]  # row position, new columns
    inserts: tuple[dict[str, Any], ...]
    before: list[dict[str, Any]]  # as audited
    after: list[dict[str, Any]]

    @classmethod
    def between(cls, current: Sequence[Measure], after: Sequence[Measure]) -> Plan:
        unmatched = list(enumerate(current))
        updates, inserts = [], []
        for measure in after:
            match = next((s for s in unmatched if s[1].kind == measure.kind), None)
            if match is None:
                inserts.append(measure_columns(measure))
                continue
            unmatched.remove(match)
            if match[1] != measure:
                updates.append((match[0], measure_columns(measure)))
        return cls(
            tuple(updates),
            tuple(inserts),
            [_shown(measure) for measure in current],
            [_shown(measure) for measure in after],
        )


class Writes:
    """A batch's changes, written in three set-based statements: updates, new measures, audit."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.inserts: list[dict[str, Any]] = []
        self.audited: list[tuple[int, Plan]] = []

    def case(self, case_id: int, row_ids: Sequence[int], plan: Plan) -> None:
        self.updates.extend({"id": row_ids[at], **columns} for at, columns in plan.updates)
        self.inserts.extend({"case_id": case_id, **columns} for columns in plan.inserts)
        self.audited.append((case_id, plan))

    def flush(self, session: Session, *, pack: Pack, actor: str, now: datetime) -> None:
        update_rows(session, CaseMeasureRow.__table__, self.updates)  # type: ignore[arg-type]
        insert_rows(session, CaseMeasureRow.__table__, self.inserts)  # type: ignore[arg-type]
        shown_pack = f"{pack.id} {pack.version}"
        record_many(
            session,
            [
                {
                    "at": now,
                    "actor": actor,
                    "action": "reevaluate_case",
                    "entity": "community_case",
                    "entity_id": str(case_id),
                    "before": {"measures": plan.before},
                    "after": {"measures": plan.after, "pack": shown_pack},
                }
                for case_id, plan in self.audited
            ],
        )


def measure_columns(measure: Measure) -> dict[str, Any]:
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
