"""Checkpoint tables: checkpoints, the staff bound to one, registered commuters, and every
person checked. Nothing personal is kept in clear: a result holds the pass's masked name; a
commuter points at their health-kit account."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base, UtcDateTime


class CheckpointRow(Base):
    """A checkpoint on the way into Beijing (e.g. 白庙检查站), in a district of Beijing."""

    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    district: Mapped[str] = mapped_column(String(100))  # standard name, e.g. 北京市通州区
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))


class CheckpointStaffRow(Base):
    """A user of role ``checkpoint`` works at one checkpoint."""

    __tablename__ = "checkpoint_staff"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoint.id"), index=True)


class CommuterRow(Base):
    """A citizen registered as a commuter (环京通勤): works in Beijing, lives around it."""

    __tablename__ = "commuter"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), unique=True)
    employer: Mapped[str] = mapped_column(String(100))
    home: Mapped[str] = mapped_column(String(300))  # standard name, in 天津 or 河北
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CheckpointResultRow(Base):
    """One person checked: what the pass said, the temperature, and what was done."""

    __tablename__ = "checkpoint_result"
    __table_args__ = (
        CheckConstraint("outcome IN ('pass', 'turn_back', 'observation')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoint.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(10))
    popup: Mapped[bool]
    masked_name: Mapped[str] = mapped_column(String(50))
    pass_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    temperature: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    commuter_id: Mapped[int | None] = mapped_column(ForeignKey("commuter.id"), index=True)
    test_proof_on: Mapped[date | None] = mapped_column(Date)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())  # on the device, maybe offline
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
