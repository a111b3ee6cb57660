"""Use cases of the risk-area registry by hand: designate, lift, reopen (imports: imports.py).

Each use case gathers what it needs from the database, lets the core decide
(``fanjing.places.registry.reconcile``), and applies the result. The caller owns
the transaction (``fanjing.infra.db.session_scope``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit.cache import REGISTRY
from fanjing.audit.service import record
from fanjing.audit.store import raise_revision
from fanjing.errors import Code, FanjingError, Where
from fanjing.places.core import Place
from fanjing.places.followers import DesignationFollowers
from fanjing.places.registry import Designation, RiskLevel
from fanjing.places.store import DesignationRow

ParsePlace = Callable[[str], Place]


LIFTED, WITHDRAWN = "lifted", "withdrawn"


def end_designation(
    session: Session,
    row: DesignationRow,
    last_day: date,
    actor: str,
    now: datetime,
    *,
    followers: DesignationFollowers,
) -> str:
    """End a designation: ``last_day`` is its last day in force; one ending before it began
    never was in force, and is withdrawn (deleted, its ``followers`` told first). Audited
    either way."""
    before = row.snapshot()
    if last_day < row.from_date:
        audit_designation(session, "designation.withdraw", row, before, actor, now, removed=True)
        followers.withdrawing(session=session, designation_id=row.id)
        session.delete(row)
        session.flush()
        return WITHDRAWN
    row.to_date = last_day
    audit_designation(session, "designation.lift", row, before, actor, now)
    return LIFTED


def add_designations(
    session: Session, rows: list[DesignationRow], actor: str, now: datetime
) -> None:
    """Insert designations, one batch (a list is hundreds of them), and audit each."""
    session.add_all(rows)
    session.flush()  # for their ids in the audit log
    for row in rows:
        audit_designation(session, "designation.open", row, None, actor, now)


def audit_designation(
    session: Session,
    action: str,
    row: DesignationRow,
    before: dict[str, Any] | None,
    actor: str,
    now: datetime,
    *,
    removed: bool = False,
) -> None:
    after = None if removed else row.snapshot()
    raise_revision(session, REGISTRY)
    record(
        session,
        actor=actor,
        at=now,
        action=action,
        entity="designation",
        entity_id=row.id,
        before=before,
        after=after,
    )


def designation_label(designation: Designation) -> str:
    return f"{designation.level.value} {designation.area.name}"


def designate(
    *,
    session: Session,
    level: str,
    area: str,
    start: date,
    end: date | None,
    parse_place: ParsePlace,
    actor: str,
    now: datetime,
) -> DesignationRow:
    """CDC designates an area by hand (from ``start``, until ``end`` inclusive or open)."""
    try:
        risk_level = RiskLevel(level)
    except ValueError:
        raise FanjingError(
            Code.UNKNOWN_LEVEL,
            f"未知的风险等级“{level}”（应为 high、medium 或 cases）",
            Where(field="level"),
        ) from None
    try:
        place = parse_place(area)
    except FanjingError as problem:
        raise FanjingError(problem.code, problem.message, Where(field="area")) from None
    if end is not None and end < start:
        raise FanjingError(
            Code.DATES_OUT_OF_ORDER, f"结束日 {end} 早于开始日 {start}", Where(field="to")
        )
    designation = Designation(risk_level, place, start, end)
    row = DesignationRow.of(
        designation, origin="manual", source=f"疾控指定（{actor}）", by=actor, at=now
    )
    add_designations(session, [row], actor, now)
    return row


def lift(
    *,
    session: Session,
    designation_id: int,
    last_day: date,
    actor: str,
    now: datetime,
    followers: DesignationFollowers,
) -> DesignationRow:
    """Lift a designation: ``last_day`` is its last day in force."""
    row = session.get(DesignationRow, designation_id)
    if row is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有编号为 {designation_id} 的风险地区", Where(field="id")
        )
    if row.to_date is not None and row.to_date <= last_day:
        raise FanjingError(Code.ALREADY_LIFTED, f"该地区已于 {row.to_date} 解除", Where(field="to"))
    if last_day < row.from_date - timedelta(days=1):
        raise FanjingError(
            Code.DATES_OUT_OF_ORDER,
            f"解除日 {last_day} 早于列为风险地区的日期 {row.from_date}",
            Where(field="to"),
        )
    end_designation(session, row, last_day, actor, now, followers=followers)
    return row


def reopen(*, session: Session, designation_id: int, actor: str, now: datetime) -> DesignationRow:
    """Undo a lift: the designation is in force again with no last day (audited)."""
    row = session.get(DesignationRow, designation_id)
    if row is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有编号为 {designation_id} 的风险地区", Where(field="id")
        )
    if row.to_date is None:
        raise FanjingError(Code.NOT_LIFTED, "该地区未解除，无需撤销", Where(field="id"))
    before = row.snapshot()
    row.to_date = None
    audit_designation(session, "designation.reopen", row, before, actor, now)
    return row
