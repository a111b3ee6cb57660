"""Vaccination tables: clinics, the doses clinics record (identity encrypted beside keyed hashes),
their change sequence, the health kit's copy of them and the held queue, the sync's watermark and
lease, and appointments with a daily capacity per street or township."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base, UtcDateTime


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
