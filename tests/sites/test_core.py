"""The sites' rules and assignment, pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fanjing.sites.core import (
    Cohort,
    Occupant,
    QueuedCase,
    Room,
    assign_queue,
    freed,
    neighbours,
    nucleic_acid_test_days,
    origin_of,
    placed_in,
    refusal,
    rule_breaches,
)

NOW = datetime(2021, 8, 5, 2, tzinfo=UTC)
DAY = date(2021, 8, 5)


def room(room_id: int, number: int, **more) -> Room:
    return Room(room_id, 1, "朝阳区", 1, number, **more)


def queued(
    case_id: int, start: date = DAY, origin: str = "a", expected_on: date | None = None
) -> QueuedCase:
    last_day = start + timedelta(days=13)
    return QueuedCase(case_id, "朝阳区", start, last_day, origin, expected_on or start)


def test_a_single_room_takes_one_and_a_household_room_one_cohort():
    single = placed_in(room(1, 1), Cohort(DAY, "a"))
    assert refusal(single, Cohort(DAY, "a"), NOW) == "room_full"
    family = room(2, 2, capacity=3, household=True)
    assert refusal(family, Cohort(DAY, "a"), NOW) == "household_room_needs_household"
    family = placed_in(family, Cohort(DAY, "a", "王家"))
    assert refusal(family, Cohort(DAY, "a", "王家"), NOW) is None
    assert refusal(family, Cohort(DAY, "a", "李家"), NOW) == "other_household"
    assert refusal(family, Cohort(DAY - timedelta(days=1), "a", "王家"), NOW) == "other_start_day"
    assert refusal(family, Cohort(DAY, "b", "王家"), NOW) == "other_origin"


def test_the_last_one_out_closes_the_room_for_disinfection():
    until = NOW + timedelta(hours=24)
    empty = freed(placed_in(room(1, 1), Cohort(DAY, "a")), until=until)
    assert empty.occupancy == 0 and empty.cohort is None
    assert refusal(empty, Cohort(DAY, "a"), NOW) == "room_in_disinfection"
    assert refusal(empty, Cohort(DAY, "a"), until) is None


def test_the_queue_fills_free_single_rooms_and_the_rules_hold():
    rooms = [
        room(1, 1),
        room(2, 2, disinfected_until=NOW + timedelta(hours=1)),
        room(3, 3, capacity=2, household=True),
        room(4, 4),
        Room(5, 2, "海淀区", 1, 1),
    ]
    queue = [queued(10, origin="b"), queued(11, DAY - timedelta(days=2)), queued(12), queued(13)]
    queue.append(queued(14, expected_on=DAY + timedelta(days=1)))
    assignment = assign_queue(queue, rooms, today=DAY, now=NOW)
    assert assignment.placed == ((11, 1), (12, 4))  # longest waiting first, rooms in order
    assert dict(assignment.waiting) == {10: "no_room", 13: "no_room", 14: "not_yet"}
    occupants = [
        Occupant(case, room_id, next(q.cohort for q in queue if q.case_id == case), NOW)
        for case, room_id in assignment.placed
    ]
    assert rule_breaches(rooms, occupants, {}) == []


def test_breaches_are_found():
    rooms = [room(1, 1), room(2, 2, disinfected_until=NOW + timedelta(hours=1))]
    occupants = [
        Occupant(1, 1, Cohort(DAY, "a"), NOW),
        Occupant(2, 1, Cohort(DAY, "b"), NOW),
        Occupant(3, 2, Cohort(DAY, "a"), NOW),
    ]
    found = rule_breaches(rooms, occupants, {2: NOW - timedelta(hours=1)})
    assert len(found) == 4  # over capacity, two origins, not a household, during disinfection


def test_neighbours_are_the_same_floor_one_number_apart():
    rooms = [
        room(1, 1),
        room(2, 2),
        room(3, 3),
        Room(4, 1, "朝阳区", 2, 2),
        Room(5, 9, "朝阳区", 1, 1),
    ]
    assert [r.room_id for r in neighbours(rooms[1], rooms)] == [1, 3]


def test_tests_fall_on_the_packs_days_of_observation():
    assert nucleic_acid_test_days(DAY, DAY + timedelta(days=13), (1, 4, 7, 14)) == [
        DAY,
        DAY + timedelta(days=3),
        DAY + timedelta(days=6),
        DAY + timedelta(days=13),
    ]
    assert nucleic_acid_test_days(DAY, DAY + timedelta(days=5), (1, 4, 7, 14)) == [
        DAY,
        DAY + timedelta(days=3),
    ]


def test_origin_is_the_stay_behind_the_rule_or_the_contact_rule():
    stays = {"stays": [{"place": "x", "to": "2021-08-02"}, {"place": "y", "to": "2021-08-03"}]}
    name = str.upper
    assert origin_of("arrival.high_risk", stays, date(2021, 8, 3), name) == "arrival.high_risk:Y"
    assert origin_of("arrival.high_risk", stays, date(2021, 8, 2), name) == "arrival.high_risk:X"
    assert origin_of("contact.close_contact", {}, DAY, name) == "contact.close_contact"
