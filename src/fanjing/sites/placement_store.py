"""Placements and their daily work: the cases waiting for a room (read from the community's
cases, never copied), placements put in, who is placed near whom, the checks already made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, insert, or_, select
from sqlalchemy.orm import Session

from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow, HealthCheckRow
from fanjing.sites.store import PlacementRow, SiteCheckRow

OBSERVATION = "centralized_observation"


def observation_running(today: date) -> ColumnElement[bool]:
    """A centralized-observation measure that has not ended by ``today`` (its end exclusive,
    an early end counting)."""
    return and_(
        CaseMeasureRow.kind == OBSERVATION,
        or_(CaseMeasureRow.end_date.is_(None), CaseMeasureRow.end_date > today),
        or_(CaseMeasureRow.ended_on.is_(None), CaseMeasureRow.ended_on > today),
    )


def waiting_observations(
    session: Session, *, today: date, district: str | None, case_id: int | None
) -> list[Row[Any]]:
    """The open cases with a centralized observation running that no room holds (``district``
    None: of every district; ``case_id``: that case only), longest waiting first: each the
    case's id and community, the report's district, situation and arrival, the measure's id,
    start, end, early end and rule."""
    placed = exists().where(PlacementRow.case_id == CaseRow.id, PlacementRow.ended_at.is_(None))
    # the columns needed, not whole rows: a report's decision is large and not read here
    query = (
        select(
            CaseRow.id,
            CaseRow.community,
            ArrivalReportRow.district,
            ArrivalReportRow.situation,
            ArrivalReportRow.arrival_date,
            CaseMeasureRow.id,
            CaseMeasureRow.start_date,
            CaseMeasureRow.end_date,
            CaseMeasureRow.ended_on,
            CaseMeasureRow.rule,
        )
        .join(ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id)
        .join(CaseMeasureRow, CaseMeasureRow.case_id == CaseRow.id)
        .where(CaseRow.status == "open", observation_running(today), ~placed)
        .order_by(CaseMeasureRow.start_date, CaseRow.id)
    )
    if district is not None:
        query = query.where(ArrivalReportRow.district == district)
    if case_id is not None:
        query = query.where(CaseRow.id == case_id)
    return list(session.execute(query))


def insert_placements(session: Session, placements: Sequence[dict[str, Any]]) -> None:
    """Many placements in one statement (each a dict of the placement's columns)."""
    session.execute(insert(PlacementRow), placements)


def site_check_made(session: Session, placement_id: int, day: date, slot: str) -> bool:
    return bool(
        session.scalar(
            select(SiteCheckRow.id).where(
                SiteCheckRow.placement_id == placement_id,
                SiteCheckRow.check_date == day,
                SiteCheckRow.slot == slot,
            )
        )
    )


def community_check_on(session: Session, case_id: int, day: date) -> HealthCheckRow | None:
    """The community case's daily check of ``day``, which a site's first check of it is."""
    return session.scalar(
        select(HealthCheckRow).where(
            HealthCheckRow.case_id == case_id, HealthCheckRow.check_date == day
        )
    )


def placements_in_rooms(
    session: Session, room_ids: Sequence[int], *, besides: int
) -> list[PlacementRow]:
    """The running placements in those rooms, but placement ``besides``."""
    return list(
        session.scalars(
            select(PlacementRow).where(
                PlacementRow.room_id.in_(room_ids),
                PlacementRow.ended_at.is_(None),
                PlacementRow.id != besides,
            )
        )
    )
