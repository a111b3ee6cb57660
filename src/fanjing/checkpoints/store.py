"""Checkpoint tables: checkpoints, the staff bound to one, registered commuters, and every
person checked. Nothing personal is kept in clear: a result holds the pass's masked name; a
commuter points at their health-kit account."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.healthkit.store import AccountRow
from fanjing.infra.db import Base, UtcDateTime
from fanjing.users.store import UserRow


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


def checkpoint_name_taken(session: Session, name: str) -> bool:
    return session.scalar(select(CheckpointRow.id).where(CheckpointRow.name == name)) is not None


def checkpoint_with_name(session: Session, name: str) -> CheckpointRow | None:
    return session.scalar(select(CheckpointRow).where(CheckpointRow.name == name))


def checkpoints_in_order(session: Session) -> list[CheckpointRow]:
    return list(session.scalars(select(CheckpointRow).order_by(CheckpointRow.id)))


def user_with_name_hash(session: Session, name_hash: str) -> UserRow | None:
    """The user to bind to a checkpoint, found by the hash of their name."""
    return session.scalar(select(UserRow).where(UserRow.name_hash == name_hash))


def commuter_with_account(session: Session, account_id: int) -> CommuterRow | None:
    return session.scalar(select(CommuterRow).where(CommuterRow.account_id == account_id))


def account_id_with_document_hash(session: Session, document_hash: str) -> int | None:
    """The health-kit account of a commuter's document, to find the commuter by it."""
    return session.scalar(select(AccountRow.id).where(AccountRow.document_hash == document_hash))


def test_proof_days_of(session: Session, commuter_id: int) -> list[date]:
    """The days of the negative test proofs a commuter showed at checkpoints, each once."""
    days = session.scalars(
        select(CheckpointResultRow.test_proof_on)
        .where(
            CheckpointResultRow.commuter_id == commuter_id,
            CheckpointResultRow.test_proof_on.is_not(None),
        )
        .distinct()
    )
    return [day for day in days if day is not None]


def result_with_client_id(session: Session, client_id: str) -> CheckpointResultRow | None:
    return session.scalar(
        select(CheckpointResultRow).where(CheckpointResultRow.client_id == client_id)
    )


def latest_results_of(
    session: Session, checkpoint_id: int, limit: int
) -> list[CheckpointResultRow]:
    return list(
        session.scalars(
            select(CheckpointResultRow)
            .where(CheckpointResultRow.checkpoint_id == checkpoint_id)
            .order_by(CheckpointResultRow.checked_at.desc(), CheckpointResultRow.id.desc())
            .limit(limit)
        )
    )
