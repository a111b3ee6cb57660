"""Vaccination tables: clinics, the doses clinics record (identity encrypted beside keyed hashes),
their change sequence, the health kit's copy of them and the held queue, the sync's watermark and
lease, and appointments with a daily capacity per street or township."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.infra.db import Base, UtcDateTime
from fanjing.vaccination.core import DoseFact


class ClinicRow(Base):
    """A vaccination clinic (接种门诊), in a street or township of Beijing."""

    __tablename__ = "vaccination_clinic"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(50))  # 朝阳区
    street: Mapped[str] = mapped_column(String(300))  # standard name: 北京市朝阳区潘家园街道
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DoseRow(Base):
    """A dose as the clinic recorded it. ``change_seq`` grows with every insert and identity
    correction (from ``ChangeCounterRow``), so the sync reads what changed after its watermark."""

    __tablename__ = "vaccination_dose"
    __table_args__ = (
        Index("uq_vaccination_dose_person_dose", "document_hash", "dose_number", unique=True),
        CheckConstraint("dose_number BETWEEN 1 AND 5", name="dose_number"),
        CheckConstraint(
            "given_in_beijing OR certificate_number IS NOT NULL", name="certificate_for_elsewhere"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    clinic_code: Mapped[str] = mapped_column(ForeignKey("vaccination_clinic.code"), index=True)
    product_code: Mapped[str] = mapped_column(String(40))
    dose_number: Mapped[int]
    dose_date: Mapped[date] = mapped_column(Date)
    given_in_beijing: Mapped[bool]
    given_in: Mapped[str | None] = mapped_column(String(100))  # the province, when elsewhere
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    name_encrypted: Mapped[str] = mapped_column(String(500))
    name_hash: Mapped[str] = mapped_column(String(64))  # of the normalised name
    document_kind: Mapped[str] = mapped_column(String(20))
    document_encrypted: Mapped[str] = mapped_column(String(500))
    document_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    corrected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ChangeCounterRow(Base):
    """The last change sequence number handed out (one row). Taking a number updates this row,
    so writers of doses queue on its lock and commit in number order: the sync can never read
    number 7 before number 6 is committed. A database sequence was rejected for that reason
    (numbers are taken in one order and committed in another, and a watermark would skip)."""

    __tablename__ = "vaccination_change_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class SyncStateRow(Base):
    """The sync's watermark (the last change sequence number whose effects are in the health
    kit) and, for SQLite, its lease (PostgreSQL uses an advisory lock instead)."""

    __tablename__ = "vaccination_sync_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    watermark: Mapped[int] = mapped_column(BigInteger)
    lease_holder: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HealthkitVaccinationRow(Base):
    """A dose as the health kit shows it: one row per clinic dose (its key), on the account
    whose document and name match the clinic's record."""

    __tablename__ = "healthkit_vaccination"

    id: Mapped[int] = mapped_column(primary_key=True)
    dose_id: Mapped[int] = mapped_column(ForeignKey("vaccination_dose.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(40))
    dose_number: Mapped[int]
    dose_date: Mapped[date] = mapped_column(Date)
    clinic_code: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HeldDoseRow(Base):
    """A dose the sync could not place on an account, and why (``no_account``: no account with
    that document; ``name_mismatch``: the account's name differs). It leaves the queue once a
    correction, or a new account, lets it through."""

    __tablename__ = "vaccination_held"
    __table_args__ = (CheckConstraint("reason IN ('no_account', 'name_mismatch')", name="reason"),)

    dose_id: Mapped[int] = mapped_column(ForeignKey("vaccination_dose.id"), primary_key=True)
    clinic_code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    held_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SlotRow(Base):
    """A street's (or township's) appointments for one day: the capacity and how many are
    booked. The CHECK is the guarantee that bookings never exceed the capacity, whatever the
    concurrency; booking increments ``booked`` only where it is still below."""

    __tablename__ = "vaccination_slot"
    __table_args__ = (
        Index("uq_vaccination_slot_street_day", "street", "slot_date", unique=True),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street: Mapped[str] = mapped_column(String(300))
    slot_date: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AppointmentRow(Base):
    """A citizen's appointment on a street's day; at most one booked at a time per citizen.
    One whose day has passed is ``expired`` (marked when the citizen books again; until then,
    ``booked`` with a past day reads as expired): it no longer holds the citizen's booking, and
    its day's count stays as it was."""

    __tablename__ = "vaccination_appointment"
    __table_args__ = (
        CheckConstraint("state IN ('booked', 'cancelled', 'expired')", name="state"),
        Index(
            "uq_vaccination_appointment_booked",
            "user_id",
            unique=True,
            postgresql_where=text("state = 'booked'"),
            sqlite_where=text("state = 'booked'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("vaccination_slot.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(40))
    dose_number: Mapped[int]
    state: Mapped[str] = mapped_column(String(10))
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def all_clinics(session: Session) -> list[ClinicRow]:
    return list(session.scalars(select(ClinicRow).order_by(ClinicRow.code)))


def clinic_names(session: Session) -> dict[str, str]:
    return {c.code: c.name for c in session.scalars(select(ClinicRow))}


def next_change(session: Session) -> int:
    """The next change sequence number. The counter row stays locked until the caller commits,
    so changes commit in the order of their numbers (see ``ChangeCounterRow``)."""
    value = session.execute(
        update(ChangeCounterRow)
        .where(ChangeCounterRow.id == 1)
        .values(value=ChangeCounterRow.value + 1)
        .returning(ChangeCounterRow.value)
    ).scalar_one()
    return int(value)


def dose_facts(session: Session, document_hash: str) -> list[DoseFact]:
    """The doses recorded for the document, whichever clinic recorded them."""
    return [
        DoseFact(d.product_code, d.dose_number, d.dose_date, d.given_in_beijing)
        for d in session.scalars(select(DoseRow).where(DoseRow.document_hash == document_hash))
    ]


def doses_with_sync_state(
    session: Session, *, clinic_code: str | None, held_only: bool, limit: int
) -> list[tuple[DoseRow, HeldDoseRow | None, int | None]]:
    """The clinic's doses (every clinic's with ``clinic_code`` None), newest first, each with
    its held-queue row and its health-kit row's id (None when it has none)."""
    query = (
        select(DoseRow, HeldDoseRow, HealthkitVaccinationRow.id)
        .outerjoin(HeldDoseRow, HeldDoseRow.dose_id == DoseRow.id)
        .outerjoin(HealthkitVaccinationRow, HealthkitVaccinationRow.dose_id == DoseRow.id)
        .order_by(DoseRow.id.desc())
        .limit(limit)
    )
    if clinic_code is not None:
        query = query.where(DoseRow.clinic_code == clinic_code)
    if held_only:
        query = query.where(HeldDoseRow.dose_id.is_not(None))
    return [(dose, held, synced) for dose, held, synced in session.execute(query).all()]


def is_synced(session: Session, dose_id: int) -> bool:
    """Whether the dose is in the health kit."""
    synced = session.scalar(
        select(HealthkitVaccinationRow.id).where(HealthkitVaccinationRow.dose_id == dose_id)
    )
    return synced is not None


def synced_doses_of(session: Session, account_id: int) -> list[HealthkitVaccinationRow]:
    """The health kit's doses on the account, by dose number and day."""
    return list(
        session.scalars(
            select(HealthkitVaccinationRow)
            .where(HealthkitVaccinationRow.account_id == account_id)
            .order_by(HealthkitVaccinationRow.dose_number, HealthkitVaccinationRow.dose_date)
        )
    )


def held_doses_for(session: Session, document_hash: str) -> list[tuple[DoseRow, HeldDoseRow]]:
    """The document's doses in the held queue, by dose number and day."""
    rows = session.execute(
        select(DoseRow, HeldDoseRow)
        .join(HeldDoseRow, HeldDoseRow.dose_id == DoseRow.id)
        .where(DoseRow.document_hash == document_hash)
        .order_by(DoseRow.dose_number, DoseRow.dose_date)
    ).all()
    return [(dose, held) for dose, held in rows]
