"""The appointments' queries: a street's day, taking and giving back its seats and setting its
capacity with conditional UPDATEs (why: ``appointments``), a citizen's appointments, and
expiring the past ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Row, Update, select, update
from sqlalchemy.orm import Session

from fanjing.vaccination.store import AppointmentRow, SlotRow


def slot_of_street_on(session: Session, street: str, day: date) -> SlotRow | None:
    return session.scalar(select(SlotRow).where(SlotRow.street == street, SlotRow.slot_date == day))


def change_capacity(session: Session, slot_id: int, capacity: int, by: str, at: datetime) -> bool:
    """Whether the capacity changed: never below what is already booked."""
    changed = session.execute(
        update(SlotRow)
        .where(SlotRow.id == slot_id, SlotRow.booked <= capacity)
        .values(capacity=capacity, set_by=by, set_at=at)
    ).rowcount  # type: ignore[attr-defined]
    return bool(changed != 0)


def take_seat(session: Session, slot_id: int) -> bool:
    """Whether a seat was free and is now taken."""
    taken = session.execute(
        update(SlotRow)
        .where(SlotRow.id == slot_id, SlotRow.booked < SlotRow.capacity)
        .values(booked=SlotRow.booked + 1)
    ).rowcount  # type: ignore[attr-defined]
    return bool(taken != 0)


def give_back_seat(session: Session, slot_id: int) -> None:
    session.execute(update(SlotRow).where(SlotRow.id == slot_id).values(booked=SlotRow.booked - 1))


def mark_cancelled(session: Session, appointment_id: int, at: datetime) -> bool:
    """Whether this call took the appointment out of the booked state."""
    cancelled = session.execute(
        update(AppointmentRow)
        .where(AppointmentRow.id == appointment_id, AppointmentRow.state == "booked")
        .values(state="cancelled", cancelled_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(cancelled == 1)


def booked_appointment_of(session: Session, user_id: int) -> AppointmentRow | None:
    return session.scalar(
        select(AppointmentRow).where(
            AppointmentRow.user_id == user_id, AppointmentRow.state == "booked"
        )
    )


def booked_day_of(session: Session, user_id: int) -> date | None:
    """The day of the citizen's booked appointment."""
    return session.scalar(
        select(SlotRow.slot_date)
        .join(AppointmentRow, AppointmentRow.slot_id == SlotRow.id)
        .where(AppointmentRow.user_id == user_id, AppointmentRow.state == "booked")
    )


def appointments_with_slots(
    session: Session, user_id: int
) -> Sequence[Row[AppointmentRow, SlotRow]]:
    """The citizen's appointments, newest first, each with its slot."""
    return session.execute(
        select(AppointmentRow, SlotRow)
        .join(SlotRow, SlotRow.id == AppointmentRow.slot_id)
        .where(AppointmentRow.user_id == user_id)
        .order_by(AppointmentRow.id.desc())
    ).all()


def expire_past_appointments(*, session: Session, today: date) -> int:
    """Mark every booked appointment on a day before ``today`` expired; how many (the daily
    job: lists and counts then read the state as it is, not only as ``state_on`` derives it)."""
    return int(session.execute(_expiring(today)).rowcount)  # type: ignore[attr-defined]


def expire_past_appointments_of(session: Session, user_id: int, today: date) -> None:
    """Mark the citizen's booked appointments on days before ``today`` expired, so that the
    one-booking index (``state = 'booked'``) holds their current booking only. An index on
    the day instead cannot be: "today" moves, and an index's condition is fixed."""
    session.execute(_expiring(today).where(AppointmentRow.user_id == user_id))


def _expiring(today: date) -> Update:
    return (
        update(AppointmentRow)
        .where(
            AppointmentRow.state == "booked",
            AppointmentRow.slot_id.in_(select(SlotRow.id).where(SlotRow.slot_date < today)),
        )
        .values(state="expired")
        .execution_options(synchronize_session=False)
    )
