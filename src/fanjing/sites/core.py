"""Centralized observation sites (集中观察点), pure: which room a queued person may take, the
queue assigned in one pass, the rules checked over what was assigned, the nucleic acid tests
due on a day of observation, a room's neighbours, and the day observation ends.

The rules (集中观察期间……避免出现交叉感染, hotline 2021-08-07):

- one person per single room; people share a room only when CDC has marked it for a household,
  and then only people given the same household;
- never in one room people whose observation started on different days, or who came from
  different risk areas (their *origin*, see ``origin_of``);
- a room freed at checkout is closed for disinfection until ``disinfected_until`` (a moment,
  UTC) before anyone takes it again.

Days are calendar days in China Standard Time; moments are timezone-aware UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

SITE_STATUSES = ("open", "full", "closed")  # closed: for disinfection
SITE_STATUS_ZH = {"open": "开放", "full": "已满", "closed": "关闭消毒"}
SINGLE = 1  # a room's capacity unless CDC marks it for a household

REFUSAL_ZH = {
    "site_not_open": "观察点不在开放状态",
    "room_in_disinfection": "房间正在消毒，暂不能入住",
    "room_full": "房间已满",
    "household_room_needs_household": "家庭房只安排同一家庭的人员：请写明家庭",
    "single_room_no_household": "单人间不安排家庭同住：请选择疾控标记的家庭房",
    "other_household": "房间里住着另一个家庭",
    "other_start_day": "房间里的人观察开始日不同，不能同住",
    "other_origin": "房间里的人来自不同风险地区，不能同住",
}


@dataclass(frozen=True)
class Cohort:
    """Who may share a room: observation started on the same day, from the same origin, and
    (in a household room) of the same household."""

    start: date
    origin: str
    household: str | None = None


@dataclass(frozen=True)
class Room:
    """A room as assignment sees it: where it is, its capacity, who is in it."""

    room_id: int
    site_id: int
    district: str
    floor: int
    number: int  # its place along the floor: rooms numbered one apart are adjacent
    capacity: int = SINGLE
    household: bool = False  # CDC marked it for a household
    site_open: bool = True
    occupancy: int = 0
    cohort: Cohort | None = None  # of its occupants, None while empty
    disinfected_until: datetime | None = None

    def in_disinfection(self, now: datetime) -> bool:
        return self.disinfected_until is not None and now < self.disinfected_until


@dataclass(frozen=True)
class QueuedCase:
    """A community case waiting for a room: its centralized observation's first and last day,
    where it came from, and the day it is expected (the later of the observation's start and
    the arrival)."""

    case_id: int
    district: str
    start: date
    last_day: date
    origin: str
    expected_on: date
    household: str | None = None

    @property
    def cohort(self) -> Cohort:
        return Cohort(self.start, self.origin, self.household)


def refusal(room: Room, cohort: Cohort, now: datetime) -> str | None:
    """Why a person of ``cohort`` may not take ``room`` at ``now`` (a code of ``REFUSAL_ZH``),
    or None when they may."""
    if not room.site_open:
        return "site_not_open"
    if room.in_disinfection(now):
        return "room_in_disinfection"
    if room.occupancy >= room.capacity:
        return "room_full"
    if room.household and cohort.household is None:
        return "household_room_needs_household"
    if not room.household and cohort.household is not None:
        return "single_room_no_household"
    if room.occupancy == 0 or room.cohort is None:
        return None
    if room.cohort.household != cohort.household:
        return "other_household"
    if room.cohort.start != cohort.start:
        return "other_start_day"
    if room.cohort.origin != cohort.origin:
        return "other_origin"
    return None


def placed_in(room: Room, cohort: Cohort) -> Room:
    """The room after one more person of ``cohort`` took it (``refusal`` said they may)."""
    return replace(room, occupancy=room.occupancy + 1, cohort=room.cohort or cohort)


def freed(room: Room, *, until: datetime) -> Room:
    """The room after one person left: the last one out closes it for disinfection ``until``."""
    if room.occupancy <= 1:
        return replace(room, occupancy=0, cohort=None, disinfected_until=until)
    return replace(room, occupancy=room.occupancy - 1)


@dataclass(frozen=True)
class Assignment:
    """The queue assigned: (case id, room id) for each person placed, and those left waiting
    with the reason (``no_room``: no free room in their district; ``not_yet``: expected later)."""

    placed: tuple[tuple[int, int], ...]
    waiting: tuple[tuple[int, str], ...]


def assign_queue(
    queue: Iterable[QueuedCase], rooms: Iterable[Room], *, today: date, now: datetime
) -> Assignment:
    """Assign a district's (or every district's) queue in one pass: each person expected by
    ``today`` gets an empty single room of an open site of their district, not in
    disinfection. Household rooms are left to staff, who name the household.

    People are taken longest-waiting first (earliest observation start), grouped by start day
    and origin, and rooms in order of site, floor and number: a cohort fills neighbouring
    rooms, so a positive result flags neighbours of the same cohort rather than strangers.
    O(n log n) in queue and rooms.
    """
    free: dict[str, list[Room]] = defaultdict(list)
    for room in rooms:
        if not room.household and refusal(room, Cohort(today, ""), now) is None:
            free[room.district].append(room)
    for district_rooms in free.values():
        district_rooms.sort(key=lambda r: (r.site_id, r.floor, r.number), reverse=True)
    placed: list[tuple[int, int]] = []
    waiting: list[tuple[int, str]] = []
    for case in sorted(queue, key=lambda c: (c.start, c.origin, c.case_id)):
        if case.expected_on > today:
            waiting.append((case.case_id, "not_yet"))
        elif case.household is not None or not free[case.district]:
            waiting.append((case.case_id, "no_room"))
        else:
            placed.append((case.case_id, free[case.district].pop().room_id))
    return Assignment(tuple(placed), tuple(waiting))


@dataclass(frozen=True)
class Occupant:
    """Someone placed in a room, for checking the rules over what was assigned."""

    case_id: int
    room_id: int
    cohort: Cohort
    placed_at: datetime


def rule_breaches(
    rooms: Iterable[Room], occupants: Iterable[Occupant], freed_at: Mapping[int, datetime]
) -> list[str]:
    """Every way the rooms and their occupants break a rule, in words (empty when all hold):
    more people than the capacity, a household room's people of different households or none,
    different start days or origins in one room, someone placed while the room was in
    disinfection (``freed_at``: when each room was last freed, for rooms freed before)."""
    by_room: dict[int, list[Occupant]] = defaultdict(list)
    for occupant in occupants:
        by_room[occupant.room_id].append(occupant)
    breaches = []
    for room in rooms:
        people = by_room.get(room.room_id, [])
        if len(people) > room.capacity:
            breaches.append(f"房间 {room.room_id}：{len(people)} 人，超过容量 {room.capacity}")
        if len({p.cohort.start for p in people}) > 1:
            breaches.append(f"房间 {room.room_id}：观察开始日不同的人同住")
        if len({p.cohort.origin for p in people}) > 1:
            breaches.append(f"房间 {room.room_id}：来自不同风险地区的人同住")
        if len(people) > 1 and (
            not room.household or len({p.cohort.household for p in people}) > 1
        ):
            breaches.append(f"房间 {room.room_id}：非同一家庭的人同住")
        since = freed_at.get(room.room_id)
        if since is not None and room.disinfected_until is not None:
            early = [p for p in people if since <= p.placed_at < room.disinfected_until]
            if early:
                breaches.append(f"房间 {room.room_id}：消毒结束前有人入住")
    return breaches


def neighbours(room: Room, rooms: Iterable[Room]) -> list[Room]:
    """A room's neighbours: the rooms of the same site on the same floor numbered next to it
    (number ± 1). Rooms across a corridor or on other floors are not neighbours: the site
    registers rooms by floor and their order along it, which is what it knows."""
    return sorted(
        (
            other
            for other in rooms
            if other.site_id == room.site_id
            and other.floor == room.floor
            and abs(other.number - room.number) == 1
        ),
        key=lambda r: r.number,
    )


def observation_day(start: date, day: date) -> int:
    """The day of observation ``day`` is: the first day (``start``) is day 1."""
    return (day - start).days + 1


def nucleic_acid_test_due(start: date, day: date, test_days: Sequence[int]) -> bool:
    """A nucleic acid test is due on ``day`` when it is one of the pack's days of observation."""
    return observation_day(start, day) in test_days


def nucleic_acid_test_days(start: date, last_day: date, test_days: Sequence[int]) -> list[date]:
    """The calendar days of the tests of an observation from ``start`` to ``last_day``."""
    return [start + timedelta(days=n - 1) for n in test_days if n - 1 <= (last_day - start).days]


CHECK_SLOTS = ("morning", "afternoon")  # temperature and symptoms twice a day
CHECK_SLOT_ZH = {"morning": "上午", "afternoon": "下午"}


def origin_of(
    rule: str, situation: Mapping[str, Any], start: date, place_name: Callable[[str], str]
) -> str:
    """Where a person under centralized observation came from, as rooms are kept apart by it.

    For a rule on a stay (a high- or medium-risk area, M2–M3), the place of the stay behind it:
    the stay left on the day observation is counted from, else the last one left before it
    (a designation made after the person came starts observation later). ``place_name`` gives
    the stay's standard name (province to town, as parsed), so two spellings of one area agree;
    it is at least as fine as a risk area, so people of different areas never share. For a rule
    on the person (close contacts, entry through another port), the rule itself and, for entry
    into China, the port: contacts are never put with arrivals from a risk area."""
    stays = [s for s in situation.get("stays") or () if str(s.get("to", "")) <= start.isoformat()]
    if rule.startswith("arrival.") and stays and rule != "arrival.entered_china":
        exact = [s for s in stays if s.get("to") == start.isoformat()]
        stay = (exact or sorted(stays, key=lambda s: str(s.get("to"))))[-1]
        return f"{rule}:{place_name(str(stay['place']))}"
    port = (situation.get("entered_china") or {}).get("port")
    return f"{rule}:{port}" if rule == "arrival.entered_china" and port else rule
