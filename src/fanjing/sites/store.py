"""Observation-site tables: sites, their rooms (each carrying its occupants' cohort, so that one
conditional UPDATE decides a placement whatever the concurrency), site managers' binding,
placements, the twice-daily checks and the escalations of positive results.

The rules hold in the database as well as in the core: a CHECK keeps occupancy within the
capacity and gives a room more than one place only when it is a household room; another
keeps the cohort set exactly while someone is in; a partial unique index lets a case have
one current placement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.infra.db import Base, UtcDateTime
from fanjing.sites.core import Cohort, Room


class SiteRow(Base):
    """A centralized observation site (集中观察点) of a district."""

    __tablename__ = "observation_site"
    __table_args__ = (CheckConstraint("status IN ('open', 'full', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    district: Mapped[str] = mapped_column(String(50), index=True)  # 朝阳区
    address: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))


class RoomRow(Base):
    """A room, with who is in it: how many, and the cohort (observation start day, origin,
    household) they share; ``disinfected_until`` closes it after the last checkout."""

    __tablename__ = "site_room"
    __table_args__ = (
        Index("uq_site_room_site_floor_number", "site_id", "floor", "number", unique=True),
        CheckConstraint(
            "capacity >= 1 AND (household OR capacity = 1)", name="single_or_household"
        ),
        CheckConstraint("occupancy >= 0 AND occupancy <= capacity", name="occupancy"),
        CheckConstraint(
            "(occupancy = 0 AND cohort_start_date IS NULL AND cohort_origin IS NULL"
            " AND cohort_household IS NULL)"
            " OR (occupancy > 0 AND cohort_start_date IS NOT NULL AND cohort_origin IS NOT NULL"
            " AND (household = (cohort_household IS NOT NULL)))",
            name="cohort",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("observation_site.id"), index=True)
    floor: Mapped[int]
    number: Mapped[int]
    capacity: Mapped[int]
    household: Mapped[bool]
    occupancy: Mapped[int]
    cohort_start_date: Mapped[date | None] = mapped_column(Date)
    cohort_origin: Mapped[str | None] = mapped_column(String(300))
    cohort_household: Mapped[str | None] = mapped_column(String(100))
    disinfected_until: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def to_core(self, site: SiteRow) -> Room:
        cohort = (
            Cohort(self.cohort_start_date, self.cohort_origin, self.cohort_household)
            if self.cohort_start_date is not None and self.cohort_origin is not None
            else None
        )
        return Room(
            room_id=self.id,
            site_id=self.site_id,
            district=site.district,
            floor=self.floor,
            number=self.number,
            capacity=self.capacity,
            household=self.household,
            site_open=site.status == "open",
            occupancy=self.occupancy,
            cohort=cohort,
            disinfected_until=self.disinfected_until,
        )


class SiteManagerRow(Base):
    """A site manager's site: a user of role ``site_manager`` works for one site."""

    __tablename__ = "site_manager"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("observation_site.id"), index=True)


class PlacementRow(Base):
    """A community case in a room, from its placement to its checkout, early release or
    transfer (``end_kind``); a transfer ends one placement and starts another."""

    __tablename__ = "site_placement"
    __table_args__ = (
        CheckConstraint("end_kind IN ('checkout', 'early_release', 'transfer')", name="end_kind"),
        Index(
            "uq_site_placement_current_case",
            "case_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
        Index("ix_site_placement_room_current", "room_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("community_case.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("site_room.id"))
    start_date: Mapped[date] = mapped_column(Date)  # the observation's first day
    last_day: Mapped[date] = mapped_column(Date)  # its last day, as decided when placed
    origin: Mapped[str] = mapped_column(String(300))
    household: Mapped[str | None] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    placed_by: Mapped[str] = mapped_column(String(100))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_kind: Mapped[str | None] = mapped_column(String(20))
    end_reason: Mapped[str | None] = mapped_column(String(300))
    ended_by: Mapped[str | None] = mapped_column(String(100))


class SiteCheckRow(Base):
    """A temperature and symptoms check at the site: morning or afternoon of a day."""

    __tablename__ = "site_check"
    __table_args__ = (
        Index(
            "uq_site_check_placement_day_slot", "placement_id", "check_date", "slot", unique=True
        ),
        CheckConstraint("slot IN ('morning', 'afternoon')", name="slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("site_placement.id"))
    check_date: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(10))
    temperature: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    symptoms: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EscalationRow(Base):
    """What a positive result raised: for the person (``positive``: reported to CDC, with the
    red mark when they have a health-kit account) and for each neighbour (``neighbour``)."""

    __tablename__ = "site_escalation"
    __table_args__ = (CheckConstraint("kind IN ('positive', 'neighbour')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("site_placement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    source_placement_id: Mapped[int] = mapped_column(ForeignKey("site_placement.id"))
    test_id: Mapped[int] = mapped_column(ForeignKey("nucleic_acid_test.id"))
    red_mark_id: Mapped[int | None] = mapped_column(ForeignKey("red_mark.id"))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(String(300))


def site_name_taken(session: Session, name: str) -> bool:
    return session.scalar(select(SiteRow.id).where(SiteRow.name == name)) is not None


def sites_in_order(session: Session, site_id: int | None = None) -> list[SiteRow]:
    """Every site (``site_id``: that one only), by district and name."""
    query = select(SiteRow).order_by(SiteRow.district, SiteRow.name)
    if site_id is not None:
        query = query.where(SiteRow.id == site_id)
    return list(session.scalars(query))


def rooms_of_site(session: Session, site_id: int) -> list[RoomRow]:
    """The site's rooms, floor by floor, in number order."""
    return list(
        session.scalars(
            select(RoomRow)
            .where(RoomRow.site_id == site_id)
            .order_by(RoomRow.floor, RoomRow.number)
        )
    )


def room_numbers_of(session: Session, site_id: int) -> set[tuple[int, int]]:
    """The (floor, number) of every room the site has."""
    rows = session.execute(select(RoomRow.floor, RoomRow.number).where(RoomRow.site_id == site_id))
    return {(floor, number) for floor, number in rows}


def insert_empty_rooms(
    session: Session, site_id: int, rooms: Sequence[tuple[int, int, int, bool]]
) -> None:
    """Empty rooms of the site, each (floor, number, capacity, household), in one statement."""
    session.execute(
        insert(RoomRow),
        [
            {
                "site_id": site_id,
                "floor": floor,
                "number": number,
                "capacity": capacity,
                "household": household,
                "occupancy": 0,
            }
            for floor, number, capacity, household in rooms
        ],
    )
