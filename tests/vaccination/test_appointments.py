"""Appointments through the street (V1): capacity per street and day, refused when full, even
for simultaneous bookings (on PostgreSQL, threads on separate connections), cancelling."""

from __future__ import annotations

import contextlib
import threading
from datetime import date

import pytest
from sqlalchemy import event, func, select

from fanjing.errors import FanjingError
from fanjing.infra.db import session_scope
from fanjing.users.service import add_user
from fanjing.users.store import UserRow
from fanjing.vaccination.appointments import book, cancel, set_capacity
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.store import AppointmentRow, SlotRow
from tests.api_helpers import CLINIC_STREET, COMMUNITY
from tests.vaccination.helpers import NOW, TODAY, cipher

DAY = date(2021, 8, 10)


def user(engine, gazetteer, name: str, role: str = "citizen", community=None) -> UserRow:
    with session_scope(engine) as session:
        row, _ = add_user(
            session=session,
            cipher=cipher(),
            name=name,
            role=role,
            community=community,
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        return row


def capacity(
    engine, gazetteer, setter: UserRow, seats: int, street: str = CLINIC_STREET, day: date = DAY
):
    with session_scope(engine) as session:
        return set_capacity(
            session=session,
            user=setter,
            street=street,
            day=day,
            capacity=seats,
            parse_place=gazetteer.parse,
            now=NOW,
            today=TODAY,
        )


def booking(
    engine, gazetteer, citizen: UserRow, day: date = DAY, today: date = TODAY
) -> AppointmentRow:
    with session_scope(engine) as session:
        return book(
            session=session,
            user=citizen,
            products=builtin_products(),
            street=CLINIC_STREET,
            day=day,
            product_code="bibp_inactivated",
            dose_number=2,
            parse_place=gazetteer.parse,
            now=NOW,
            today=today,
        )


def booked(engine, day: date = DAY) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(SlotRow.booked).where(SlotRow.slot_date == day)) or 0)


def states(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(AppointmentRow.state).order_by(AppointmentRow.id)))


@pytest.fixture
def cdc(engine, gazetteer) -> UserRow:
    return user(engine, gazetteer, "cdc", role="cdc")


def test_a_full_day_refuses_the_next_booking_and_a_cancel_frees_a_seat(engine, gazetteer, cdc):
    capacity(engine, gazetteer, cdc, 2)
    first, second, third = (user(engine, gazetteer, f"c{i}") for i in range(3))
    booking(engine, gazetteer, first)
    kept = booking(engine, gazetteer, second)
    with pytest.raises(FanjingError) as raised:
        booking(engine, gazetteer, third)
    assert raised.value.code == "slot_full" and booked(engine) == 2
    with session_scope(engine) as session:
        cancel(session=session, user=second, appointment_id=kept.id, now=NOW, today=TODAY)
    booking(engine, gazetteer, third)
    assert booked(engine) == 2


def test_one_booking_per_citizen_and_only_their_own_cancel(engine, gazetteer, cdc):
    capacity(engine, gazetteer, cdc, 5)
    citizen, other = user(engine, gazetteer, "c1"), user(engine, gazetteer, "c2")
    appointment = booking(engine, gazetteer, citizen)
    with pytest.raises(FanjingError) as twice:
        booking(engine, gazetteer, citizen)
    assert twice.value.code == "already_booked"
    with pytest.raises(FanjingError) as theirs, session_scope(engine) as session:
        cancel(session=session, user=other, appointment_id=appointment.id, now=NOW, today=TODAY)
    assert theirs.value.code == "not_found"


@pytest.mark.parametrize(
    ("day", "code"),
    [(date(2021, 8, 6), "past_day"), (date(2021, 8, 11), "not_found")],
    ids=["yesterday", "no-capacity-that-day"],
)
def test_booking_a_past_day_or_a_closed_day_is_refused(engine, gazetteer, cdc, day, code):
    capacity(engine, gazetteer, cdc, 5)
    with pytest.raises(FanjingError) as raised:
        booking(engine, gazetteer, user(engine, gazetteer, "c1"), day=day)
    assert raised.value.code == code


def test_a_community_worker_sets_only_their_own_streets_capacity(engine, gazetteer):
    worker = user(engine, gazetteer, "w", role="community_worker", community=COMMUNITY)
    assert capacity(engine, gazetteer, worker, 3).capacity == 3
    with pytest.raises(FanjingError) as raised:
        capacity(engine, gazetteer, worker, 3, street="北京市海淀区学院路街道")
    assert raised.value.code == "forbidden"


def test_capacity_cannot_go_below_the_bookings(engine, gazetteer, cdc):
    capacity(engine, gazetteer, cdc, 2)
    booking(engine, gazetteer, user(engine, gazetteer, "c1"))
    booking(engine, gazetteer, user(engine, gazetteer, "c2"))
    with pytest.raises(FanjingError) as raised:
        capacity(engine, gazetteer, cdc, 1)
    assert raised.value.code == "capacity_below_booked"
    assert capacity(engine, gazetteer, cdc, 4).capacity == 4


def test_simultaneous_bookings_never_exceed_the_capacity(engine, gazetteer, cdc):
    """Twelve citizens book the last five seats at once, each on their own connection."""
    seats, citizens = 5, [user(engine, gazetteer, f"c{i}") for i in range(12)]
    capacity(engine, gazetteer, cdc, seats)
    start = threading.Barrier(len(citizens))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(citizen: UserRow) -> None:
        start.wait()
        try:
            booking(engine, gazetteer, citizen)
            result = "booked"
        except FanjingError as refusal:
            result = refusal.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["booked"] * seats + ["slot_full"] * (len(citizens) - seats)
    with engine.connect() as connection:
        assert booked(engine) == seats
        assert (
            connection.scalar(
                select(func.count())
                .select_from(AppointmentRow)
                .where(AppointmentRow.state == "booked")
            )
            == seats
        )


def test_cancelling_twice_frees_one_seat(engine, gazetteer, cdc):
    capacity(engine, gazetteer, cdc, 2)
    citizen, other = user(engine, gazetteer, "c1"), user(engine, gazetteer, "c2")
    appointment = booking(engine, gazetteer, citizen)
    booking(engine, gazetteer, other)
    with session_scope(engine) as session:
        cancel(session=session, user=citizen, appointment_id=appointment.id, now=NOW, today=TODAY)
    with pytest.raises(FanjingError) as again, session_scope(engine) as session:
        cancel(session=session, user=citizen, appointment_id=appointment.id, now=NOW, today=TODAY)
    assert again.value.code == "already_cancelled" and booked(engine) == 1


def test_simultaneous_cancels_of_one_appointment_free_one_seat(engine, gazetteer, cdc):
    """Two cancels of the same appointment at once, each on its own connection. Each waits
    (at most a moment) after its first statement on the appointments for the other, so that
    both have read the appointment before either writes, wherever the code lets them."""
    capacity(engine, gazetteer, cdc, 2)
    citizen, other = user(engine, gazetteer, "c1"), user(engine, gazetteer, "c2")
    appointment = booking(engine, gazetteer, citizen)
    booking(engine, gazetteer, other)
    cancellers: set[int] = set()
    met = threading.local()
    both_read = threading.Barrier(2, timeout=2)

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() not in cancellers or getattr(met, "done", False):
            return
        if "vaccination_appointment" in statement:
            met.done = True
            # a cancel blocked on the other's row lock never arrives: go on without it
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait()

    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        with lock:
            cancellers.add(threading.get_ident())
        try:
            with session_scope(engine) as session:
                cancel(
                    session=session,
                    user=citizen,
                    appointment_id=appointment.id,
                    now=NOW,
                    today=TODAY,
                )
            result = "cancelled"
        except FanjingError as refusal:
            result = refusal.code
        with lock:
            outcomes.append(result)

    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        threads = [threading.Thread(target=attempt) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
    assert sorted(outcomes) == ["already_cancelled", "cancelled"]
    assert booked(engine) == 1


LATER = date(2021, 8, 20)


def test_once_its_day_has_passed_an_appointment_no_longer_holds_the_booking(engine, gazetteer, cdc):
    """A second-dose appointment can be booked after the first one's day without cancelling
    it; the past day's count stays as it was. On its day it still holds the booking."""
    capacity(engine, gazetteer, cdc, 5)
    capacity(engine, gazetteer, cdc, 5, day=LATER)
    citizen = user(engine, gazetteer, "c1")
    booking(engine, gazetteer, citizen)
    with pytest.raises(FanjingError) as on_its_day:
        booking(engine, gazetteer, citizen, day=LATER, today=DAY)
    assert on_its_day.value.code == "already_booked"
    booking(engine, gazetteer, citizen, day=LATER, today=date(2021, 8, 11))
    assert states(engine) == ["expired", "booked"]
    assert (booked(engine), booked(engine, LATER)) == (1, 1)
    with pytest.raises(FanjingError) as twice:
        booking(engine, gazetteer, citizen, day=LATER, today=date(2021, 8, 11))
    assert twice.value.code == "already_booked"


def test_a_past_appointment_cannot_be_cancelled(engine, gazetteer, cdc):
    capacity(engine, gazetteer, cdc, 5)
    citizen = user(engine, gazetteer, "c1")
    appointment = booking(engine, gazetteer, citizen)
    with pytest.raises(FanjingError) as raised, session_scope(engine) as session:
        cancel(
            session=session,
            user=citizen,
            appointment_id=appointment.id,
            now=NOW,
            today=date(2021, 8, 11),
        )
    assert raised.value.code == "appointment_past"
    assert states(engine) == ["booked"] and booked(engine) == 1
