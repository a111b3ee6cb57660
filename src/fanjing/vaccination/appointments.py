"""Appointments through the street or township (V1: 可与所在街道（乡镇）咨询预约): a daily
capacity per street, booking refused when full, cancelling.

The capacity holds under any concurrency because booking is one conditional UPDATE
(``booked = booked + 1 WHERE booked < capacity``: PostgreSQL re-checks the condition on the row
a concurrent booking committed, SQLite runs one writer at a time), and a CHECK constraint
(``booked <= capacity``) refuses whatever would still slip through. Counting bookings with a
SELECT before inserting was rejected: two requests both see one seat left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import citizen_actor, record
from fanjing.errors import Code, FanjingError, Where
from fanjing.places.core import Place
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.vaccination.appointment_store import (
    appointments_with_slots,
    booked_appointment_of,
    change_capacity,
    expire_past_appointments_of,
    give_back_seat,
    mark_cancelled,
    slot_of_street_on,
    take_seat,
)
from fanjing.vaccination.core import Product, product_named
from fanjing.vaccination.service import street_of
from fanjing.vaccination.store import AppointmentRow, SlotRow

MAX_CAPACITY = 100_000


def set_capacity(
    *,
    session: Session,
    user: UserRow,
    street: str,
    day: date,
    capacity: int,
    parse_place: Callable[[str], Place],
    now: datetime,
    today: date,
) -> SlotRow:
    """Set how many appointments ``street`` takes on ``day`` (CST, today or later). A community
    worker sets their own street's; CDC and administrators any street's. Never below what is
    already booked."""
    place = street_of(street, parse_place)
    if user.role == Role.COMMUNITY_WORKER and (
        user.community is None or street_of(user.community, parse_place).name != place.name
    ):
        raise FanjingError(
            Code.FORBIDDEN, f"社区工作者只能设置本街道（乡镇）的预约量：{place.name}"
        )
    if day < today:
        raise FanjingError(Code.PAST_DAY, f"{day} 已过去，不能再设预约量", Where(field="day"))
    if not 0 <= capacity <= MAX_CAPACITY:
        raise FanjingError(
            Code.BAD_VALUE, f"预约量应为0到{MAX_CAPACITY}：{capacity}", Where(field="capacity")
        )
    slot = slot_of_street_on(session, place.name, day)
    before = None if slot is None else {"capacity": slot.capacity, "booked": slot.booked}
    if slot is None:
        slot = SlotRow(
            street=place.name,
            slot_date=day,
            capacity=capacity,
            booked=0,
            set_by=user.name,
            set_at=now,
        )
        session.add(slot)
    else:
        if not change_capacity(session, slot.id, capacity, user.name, now):
            raise FanjingError(
                Code.CAPACITY_BELOW_BOOKED,
                f"当天已预约{slot.booked}人，预约量不能少于此数",
                Where(field="capacity"),
            )
        session.refresh(slot)
    try:
        session.flush()
    except IntegrityError:  # another setter created the day's slot at the same moment
        raise FanjingError(Code.SLOT_CONFLICT, "该街道当天的预约量正被同时设置，请重试") from None
    record(
        session,
        actor=user.name,
        at=now,
        action="vaccination.capacity.set",
        entity="vaccination_slot",
        entity_id=slot.id,
        before=before,
        after={"street": place.name, "day": day.isoformat(), "capacity": capacity},
    )
    return slot


def slot_on(
    session: Session, street: str, day: date, parse_place: Callable[[str], Place]
) -> SlotRow:
    """The street's appointments on a day (capacity and booked)."""
    place = street_of(street, parse_place)
    slot = slot_of_street_on(session, place.name, day)
    if slot is None:
        raise FanjingError(Code.NOT_FOUND, f"{place.name} {day} 没有开放预约")
    return slot


def book(
    *,
    session: Session,
    user: UserRow,
    products: Mapping[str, Product],
    street: str,
    day: date,
    product_code: str,
    dose_number: int,
    parse_place: Callable[[str], Place],
    now: datetime,
    today: date,
) -> AppointmentRow:
    """Book a citizen's appointment on ``street``'s ``day`` (today or later, CST); one booked
    appointment per citizen at a time, counting only those on today or later: the citizen's
    booked appointments on a past day are marked ``expired`` first (their day's count is left
    as it was). Refused (``slot_full``) when the day is full."""
    product = product_named(products, product_code, "product_code")
    if not 1 <= dose_number <= product.doses:
        raise FanjingError(
            Code.DOSE_OUT_OF_SCHEDULE,
            f"{product.name}共{product.doses}剂，没有第{dose_number}剂",
            Where(field="dose_number"),
        )
    if day < today:
        raise FanjingError(Code.PAST_DAY, f"{day} 已过去，不能预约", Where(field="day"))
    slot = slot_on(session, street, day, parse_place)
    expire_past_appointments_of(session, user.id, today)
    if booked_appointment_of(session, user.id) is not None:
        raise FanjingError(Code.ALREADY_BOOKED, "已有一个预约：请先取消再预约其他日期")
    if not take_seat(session, slot.id):
        raise FanjingError(Code.SLOT_FULL, f"{slot.street} {day} 的预约已满", Where(field="day"))
    appointment = AppointmentRow(
        slot_id=slot.id,
        user_id=user.id,
        product_code=product.code,
        dose_number=dose_number,
        state="booked",
        booked_at=now,
    )
    session.add(appointment)
    try:
        session.flush()
    except IntegrityError:  # the same citizen booked twice at the same moment
        raise FanjingError(Code.ALREADY_BOOKED, "已有一个预约：请先取消再预约其他日期") from None
    record(
        session,
        actor=citizen_actor(user.id),
        at=now,
        action="vaccination.appointment.book",
        entity="vaccination_appointment",
        entity_id=appointment.id,
        after=_appointment_snapshot(appointment, slot),
    )
    return appointment


def cancel(
    *, session: Session, user: UserRow, appointment_id: int, now: datetime, today: date
) -> AppointmentRow:
    """Cancel the citizen's own booked appointment on today or later; its seat is free again.
    One whose day has passed is refused (``appointment_past``): freeing a seat on a past day
    would change a day that is over.

    One conditional UPDATE (``WHERE state = 'booked'``) takes the appointment out of the booked
    state, and the seat is given back only when it changed exactly one row: of two cancels at
    the same moment, PostgreSQL re-checks the condition for the second on the row the first
    committed (SQLite runs one writer at a time), so only one frees a seat. Reading the state
    first and then writing was the bug: both cancels saw ``booked`` and both freed a seat."""
    appointment = session.get(AppointmentRow, appointment_id)
    if appointment is None or appointment.user_id != user.id:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {appointment_id} 的预约")
    slot = session.get_one(SlotRow, appointment.slot_id)
    if state_on(appointment, slot, today) == "expired":
        raise FanjingError(Code.APPOINTMENT_PAST, f"该预约的日期 {slot.slot_date} 已过，不能取消")
    if not mark_cancelled(session, appointment.id, now):
        session.refresh(appointment)
        if appointment.state == "expired":
            raise FanjingError(
                Code.APPOINTMENT_PAST, f"该预约的日期 {slot.slot_date} 已过，不能取消"
            )
        raise FanjingError(Code.ALREADY_CANCELLED, "该预约已取消")
    give_back_seat(session, appointment.slot_id)
    session.refresh(appointment)
    record(
        session,
        actor=citizen_actor(user.id),
        at=now,
        action="vaccination.appointment.cancel",
        entity="vaccination_appointment",
        entity_id=appointment.id,
        before={**_appointment_snapshot(appointment, slot), "state": "booked"},
        after=_appointment_snapshot(appointment, slot),
    )
    return appointment


def _appointment_snapshot(appointment: AppointmentRow, slot: SlotRow) -> dict[str, Any]:
    return {
        "street": slot.street,
        "day": slot.slot_date.isoformat(),
        "product": appointment.product_code,
        "dose_number": appointment.dose_number,
        "state": appointment.state,
    }


def appointments_of(session: Session, user_id: int) -> list[tuple[AppointmentRow, SlotRow]]:
    """A citizen's appointments, newest first, with their street and day."""
    return [(a, s) for a, s in appointments_with_slots(session, user_id)]


def state_on(appointment: AppointmentRow, slot: SlotRow, today: date) -> str:
    """The appointment's state as of ``today``: a booked one whose day has passed is expired,
    whether or not it has been marked so yet."""
    if appointment.state == "booked" and slot.slot_date < today:
        return "expired"
    return appointment.state
