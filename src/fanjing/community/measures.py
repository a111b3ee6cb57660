"""A case's measures over time: ended with a reason, adjusted by CDC, a secondary close
contact's group lifted or following its contact (M8), and cases closed when all are over."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.community.core import (
    follows_contact,
)
from fanjing.community.service import close_case
from fanjing.community.store import (
    CaseMeasureRow,
    CaseRow,
    measures_of,
    open_members_of,
)
from fanjing.errors import Code, FanjingError, Where


def end_measure(
    *,
    session: Session,
    case: CaseRow,
    measure_id: int,
    day: date,
    reason: str,
    actor: str,
    now: datetime,
) -> CaseMeasureRow:
    """End a measure early from ``day`` on (e.g. moved to centralized observation, taken to
    hospital), saying why; audited. A secondary close contact's group follows."""
    row = _measure_of_case(session, case, measure_id)
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明结束理由", Where(field="reason"))
    measure = row.to_core()
    if measure.until is not None and measure.until <= day:
        raise FanjingError(Code.ALREADY_ENDED, f"该措施已于 {measure.last_day()} 结束")
    if day < measure.start:
        raise FanjingError(
            Code.BAD_DATE, f"结束日 {day} 早于开始日 {measure.start}", Where(field="day")
        )
    before = measure_snapshot(row)
    row.ended_on, row.end_reason = day, reason.strip()
    record(
        session,
        actor=actor,
        at=now,
        action="end_measure",
        entity="case_measure",
        entity_id=row.id,
        before=before,
        after=measure_snapshot(row),
    )
    follow_contact(session=session, contact=case, day=day, actor=actor, now=now)
    return row


def adjust_measure(
    *,
    session: Session,
    measure_id: int,
    end: date | None,
    reason: str,
    actor: str,
    now: datetime,
) -> CaseMeasureRow:
    """CDC extends or shortens a measure (M10: CDC may adjust), with the reason; before and
    after go to the audit log. ``end`` is exclusive; None: no fixed end."""
    row = session.get(CaseMeasureRow, measure_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {measure_id} 的措施", Where(field="id"))
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明调整理由", Where(field="reason"))
    if end is not None and end <= row.start_date:
        raise FanjingError(
            Code.DATES_OUT_OF_ORDER,
            f"结束日 {end} 应晚于开始日 {row.start_date}",
            Where(field="end"),
        )
    before = measure_snapshot(row)
    row.end_date = end
    record(
        session,
        actor=actor,
        at=now,
        action="adjust_measure",
        entity="case_measure",
        entity_id=row.id,
        before=before,
        after={**measure_snapshot(row), "reason": reason.strip()},
    )
    return row


def lift_contact(
    *, session: Session, case: CaseRow, day: date, reason: str, actor: str, now: datetime
) -> list[CaseRow]:
    """CDC lifts a case from ``day`` (e.g. a secondary close contact ruled out): its measures
    end that day and the case closes; the group's closed-loop management ends with it (M8).
    The members whose measures changed."""
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明解除理由", Where(field="reason"))
    if case.status != "open":
        raise FanjingError(Code.ALREADY_CLOSED, f"个案 {case.id} 已于 {case.closed_on} 结束")
    for row in measures_of(session, case.id):
        measure = row.to_core()
        if measure.until is None or measure.until > day:
            before = measure_snapshot(row)
            row.ended_on, row.end_reason = max(day, measure.start), reason.strip()
            record(
                session,
                actor=actor,
                at=now,
                action="lift_measure",
                entity="case_measure",
                entity_id=row.id,
                before=before,
                after=measure_snapshot(row),
            )
    close_case(case, day, reason.strip())
    return follow_contact(session=session, contact=case, day=day, actor=actor, now=now)


def follow_contact(
    *, session: Session, contact: CaseRow, day: date, actor: str, now: datetime
) -> list[CaseRow]:
    """The group of a secondary close contact after the contact's measures changed on ``day``."""
    contact_measures = [row.to_core() for row in measures_of(session, contact.id)]
    changed = []
    for member in open_members_of(session, contact.id):
        rows = measures_of(session, member.id)
        followed = follows_contact([r.to_core() for r in rows], contact_measures, day)
        touched = False
        for row, measure in zip(rows, followed, strict=True):
            if measure != row.to_core():
                before = measure_snapshot(row)
                row.take(measure)
                touched = True
                record(
                    session,
                    actor=actor,
                    at=now,
                    action="follow_contact",
                    entity="case_measure",
                    entity_id=row.id,
                    before=before,
                    after=measure_snapshot(row),
                )
        if touched:
            changed.append(member)
    return changed


def _measure_of_case(session: Session, case: CaseRow, measure_id: int) -> CaseMeasureRow:
    row = session.get(CaseMeasureRow, measure_id)
    if row is None or row.case_id != case.id:
        raise FanjingError(
            Code.NOT_FOUND, f"个案 {case.id} 没有编号为 {measure_id} 的措施", Where(field="id")
        )
    return row


def measure_snapshot(row: CaseMeasureRow) -> dict[str, Any]:
    """A measure as the audit log keeps it."""
    return {
        "case_id": row.case_id,
        "kind": row.kind,
        "start": row.start_date.isoformat(),
        "end": row.end_date.isoformat() if row.end_date else None,
        "ended_on": row.ended_on.isoformat() if row.ended_on else None,
        "end_reason": row.end_reason,
    }
