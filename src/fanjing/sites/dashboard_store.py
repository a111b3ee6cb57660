"""What the dashboard reads: the checkouts due, who is placed at a site and what their day
holds so far (checks made, tests recorded, escalations raised)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanjing.community.store import NucleicAcidTestRow
from fanjing.sites.store import EscalationRow, PlacementRow, RoomRow, SiteCheckRow, SiteRow


def running_last_days(session: Session) -> list[tuple[str, date]]:
    """The district and last day of every placement still running."""
    rows = session.execute(
        select(SiteRow.district, PlacementRow.last_day)
        .join(RoomRow, RoomRow.id == PlacementRow.room_id)
        .join(SiteRow, SiteRow.id == RoomRow.site_id)
        .where(PlacementRow.ended_at.is_(None))
    )
    return [(district, last_day) for district, last_day in rows]


def placed_at_site(session: Session, site_id: int) -> list[tuple[PlacementRow, int, int]]:
    """The running placements at the site, each with its room's floor and number, by room."""
    rows = session.execute(
        select(PlacementRow, RoomRow.floor, RoomRow.number)
        .join(RoomRow, RoomRow.id == PlacementRow.room_id)
        .where(RoomRow.site_id == site_id, PlacementRow.ended_at.is_(None))
        .order_by(RoomRow.floor, RoomRow.number, PlacementRow.id)
    )
    return [(placement, floor, number) for placement, floor, number in rows]


def check_slots_on(session: Session, placement_id: int, day: date) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            select(SiteCheckRow.slot).where(
                SiteCheckRow.placement_id == placement_id, SiteCheckRow.check_date == day
            )
        )
    )


def tests_on(session: Session, case_id: int, day: date) -> int:
    """How many nucleic acid tests the community case has on ``day``."""
    return int(
        session.scalar(
            select(func.count()).where(
                NucleicAcidTestRow.case_id == case_id, NucleicAcidTestRow.test_date == day
            )
        )
        or 0
    )


def escalation_notes_of(session: Session, placement_id: int) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            select(EscalationRow.note).where(EscalationRow.placement_id == placement_id)
        )
    )
