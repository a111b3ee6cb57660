"""What the sites look like on a day: occupancy per site and district, rooms in disinfection,
arrivals expected in the next 7 days (a forecast from the open cases in the queue: each on the
later of its observation's start and its arrival, the ones already due on the first day) and
checkouts due; and a site's day of work (who is in which room, checks made, tests due)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.sites.core import CHECK_SLOTS, nucleic_acid_test_due, observation_day
from fanjing.sites.dashboard_store import (
    check_slots_on,
    escalation_notes_of,
    placed_at_site,
    running_last_days,
    tests_on,
)
from fanjing.sites.queue import placement_queue
from fanjing.sites.store import SiteRow, rooms_of_site, sites_in_order

FORECAST_DAYS = 7


@dataclass(frozen=True)
class SiteLoad:
    site_id: int
    name: str
    district: str
    status: str
    rooms: int
    places: int
    occupied: int
    free_rooms: int  # empty, not in disinfection
    in_disinfection: int


@dataclass(frozen=True)
class Capacity:
    sites: tuple[SiteLoad, ...]
    districts: tuple[SiteLoad, ...]  # the sites of each district added up (site_id 0)
    days: tuple[date, ...]
    arrivals: dict[str, list[int]] = field(default_factory=dict)  # district → per day
    checkouts: dict[str, list[int]] = field(default_factory=dict)


def capacity_on(
    session: Session,
    *,
    today: date,
    now: datetime,
    place_name: Callable[[str], str],
    site_id: int | None = None,
) -> Capacity:
    """The dashboard's figures (``site_id``: that site, and its district's forecast, only)."""
    sites = sites_in_order(session, site_id)
    loads = [_load(session, site, now) for site in sites]
    days = tuple(today + timedelta(days=n) for n in range(FORECAST_DAYS))
    districts = sorted({s.district for s in sites})
    arrivals = {d: [0] * FORECAST_DAYS for d in districts}
    for queued in placement_queue(session, today=today, place_name=place_name):
        if queued.case.district in arrivals:
            index = max((queued.case.expected_on - today).days, 0)
            if index < FORECAST_DAYS:
                arrivals[queued.case.district][index] += 1
    checkouts = {d: [0] * FORECAST_DAYS for d in districts}
    for district, last_day in running_last_days(session):
        index = max((last_day - today).days, 0)
        if district in checkouts and index < FORECAST_DAYS:
            checkouts[district][index] += 1
    return Capacity(tuple(loads), tuple(_by_district(loads)), days, arrivals, checkouts)


def _load(session: Session, site: SiteRow, now: datetime) -> SiteLoad:
    rooms = rooms_of_site(session, site.id)
    in_disinfection = sum(1 for r in rooms if r.to_core(site).in_disinfection(now))
    return SiteLoad(
        site.id,
        site.name,
        site.district,
        site.status,
        len(rooms),
        sum(r.capacity for r in rooms),
        sum(r.occupancy for r in rooms),
        sum(1 for r in rooms if r.occupancy == 0 and not r.to_core(site).in_disinfection(now)),
        in_disinfection,
    )


def _by_district(loads: Sequence[SiteLoad]) -> list[SiteLoad]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for load in loads:
        figures = totals[load.district]
        for i, value in enumerate(
            (load.rooms, load.places, load.occupied, load.free_rooms, load.in_disinfection)
        ):
            figures[i] += value
    return [SiteLoad(0, district, district, "", *figures) for district, figures in totals.items()]


@dataclass(frozen=True)
class Resident:
    """Someone at the site today, as its staff see them (the case by number, no name)."""

    placement_id: int
    case_id: int
    room_id: int
    floor: int
    number: int
    start: date
    last_day: date
    day_of_observation: int
    checks_done: tuple[str, ...]
    test_due: bool
    test_recorded: bool
    flags: tuple[str, ...]


def residents_on(
    session: Session, *, site_id: int, today: date, test_days: Sequence[int]
) -> list[Resident]:
    """Everyone placed at the site, by room, with today's checks and whether a test is due."""
    residents = []
    for placement, floor, number in placed_at_site(session, site_id):
        checks = check_slots_on(session, placement.id, today)
        tested = tests_on(session, placement.case_id, today)
        flags = escalation_notes_of(session, placement.id)
        residents.append(
            Resident(
                placement.id,
                placement.case_id,
                placement.room_id,
                floor,
                number,
                placement.start_date,
                placement.last_day,
                observation_day(placement.start_date, today),
                tuple(slot for slot in CHECK_SLOTS if slot in checks),
                nucleic_acid_test_due(placement.start_date, today, test_days),
                bool(tested),
                flags,
            )
        )
    return residents
