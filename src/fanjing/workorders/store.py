"""Work-order tables: the orders (the caller's name, phone and address encrypted beside keyed
hashes) and the actions units took through the existing services, each linked to its order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.healthkit.store import PhoneBindingRow, RedMarkRow
from fanjing.hotline.store import FaqEntryRow
from fanjing.infra.db import Base, UtcDateTime
from fanjing.users.store import UserRow
from fanjing.workorders.core import CATEGORY_ZH, SATISFACTION_ZH, STATE_ZH, UNIT_ZH

CATEGORIES = tuple(CATEGORY_ZH)
STATES = tuple(STATE_ZH)
UNIT_KINDS = tuple(UNIT_ZH)
SATISFACTIONS = tuple(SATISFACTION_ZH)
ACTION_KINDS = ("popup_clear", "dose_identity", "red_mark_lift")


class WorkOrderRow(Base):
    """One call's work order. Deadlines are copied from the data when it is opened, so a
    changed deadlines file moves no order already running."""

    __tablename__ = "work_order"
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES!r}", name="category"),
        CheckConstraint(f"state IN {STATES!r}", name="state"),
        CheckConstraint(f"unit_kind IN {UNIT_KINDS!r}", name="unit_kind"),
        CheckConstraint(
            f"satisfaction IS NULL OR satisfaction IN {SATISFACTIONS!r}", name="satisfaction"
        ),
        CheckConstraint("(state = 'closed') = (satisfaction IS NOT NULL)", name="closed_rated"),
        CheckConstraint("resolve_hours >= respond_hours AND respond_hours > 0", name="hours"),
        Index("ix_work_order_unit", "unit_kind", "unit_key", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), index=True)
    caller_name_encrypted: Mapped[str] = mapped_column(Text)
    caller_name_hash: Mapped[str] = mapped_column(String(64))
    caller_phone_encrypted: Mapped[str] = mapped_column(Text)
    caller_phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    caller_address_encrypted: Mapped[str | None] = mapped_column(Text)
    # the health-kit account the call is about, found by its phone number when it is bound
    account_id: Mapped[int | None] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    concerns_phone_encrypted: Mapped[str | None] = mapped_column(Text)
    concerns_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text)
    faq_entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entry.id"))
    unit_kind: Mapped[str] = mapped_column(String(20))
    unit_key: Mapped[str] = mapped_column(String(300))  # community name, clinic code or "cdc"
    district: Mapped[str | None] = mapped_column(String(50), index=True)  # who is escalated to
    respond_hours: Mapped[int]
    resolve_hours: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    opened_by: Mapped[str] = mapped_column(String(100))
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    responded_by: Mapped[str | None] = mapped_column(String(100))
    response: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalated_stage: Mapped[str | None] = mapped_column(String(20))  # respond or resolve
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(100))
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    callback_note: Mapped[str | None] = mapped_column(Text)


class WorkOrderActionRow(Base):
    """What a unit did for an order through an existing service: a pop-up cleared, a dose's
    identity corrected, a red mark lifted (``target_id``: that pop-up, dose or mark)."""

    __tablename__ = "work_order_action"
    __table_args__ = (CheckConstraint(f"kind IN {ACTION_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300))
    acted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acted_by: Mapped[str] = mapped_column(String(100))


def orders_opened_between(session: Session, start: datetime, end: datetime) -> list[WorkOrderRow]:
    """The orders opened from ``start`` (inclusive) to ``end`` (exclusive)."""
    return list(
        session.scalars(
            select(WorkOrderRow).where(
                WorkOrderRow.opened_at >= start, WorkOrderRow.opened_at < end
            )
        )
    )


def orders_in_states(
    session: Session, states: Sequence[str], *, by_id: bool = False
) -> list[WorkOrderRow]:
    query = select(WorkOrderRow).where(WorkOrderRow.state.in_(states))
    if by_id:
        query = query.order_by(WorkOrderRow.id)
    return list(session.scalars(query))


def orders_where(
    session: Session,
    *,
    unit_kind: str | None,
    unit_key: str | None,
    states: Sequence[str],
    district: str | None,
    caller_phone_hash: str | None,
    limit: int,
) -> list[WorkOrderRow]:
    """Newest first: all, or a unit's (kind and key), in ``states`` (any when empty), of a
    district, from a caller (by the keyed hash of their number)."""
    query = select(WorkOrderRow).order_by(WorkOrderRow.id.desc()).limit(limit)
    if unit_kind is not None:
        query = query.where(WorkOrderRow.unit_kind == unit_kind, WorkOrderRow.unit_key == unit_key)
    if states:
        query = query.where(WorkOrderRow.state.in_(states))
    if district is not None:
        query = query.where(WorkOrderRow.district == district)
    if caller_phone_hash is not None:
        query = query.where(WorkOrderRow.caller_phone_hash == caller_phone_hash)
    return list(session.scalars(query))


def orders_about_account(session: Session, account_id: int, limit: int) -> list[WorkOrderRow]:
    """Newest first, the orders about the account or called in from one of its numbers."""
    phone_hashes = select(PhoneBindingRow.phone_hash).where(
        PhoneBindingRow.account_id == account_id
    )
    return list(
        session.scalars(
            select(WorkOrderRow)
            .where(
                or_(
                    WorkOrderRow.account_id == account_id,
                    WorkOrderRow.caller_phone_hash.in_(phone_hashes),
                )
            )
            .order_by(WorkOrderRow.id.desc())
            .limit(limit)
        )
    )


def claim_escalation(
    session: Session, order_id: int, *, before: str, after: str, stage: str, now: datetime
) -> bool:
    """Move the order to ``after`` only if it is still ``before``: whether this caller won it
    (servers running the check at once escalate an order once)."""
    claimed = session.execute(
        update(WorkOrderRow)
        .where(WorkOrderRow.id == order_id, WorkOrderRow.state == before)
        .values(state=after, escalated_at=now, escalated_stage=stage)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def actions_of(session: Session, order_id: int) -> list[WorkOrderActionRow]:
    return list(
        session.scalars(
            select(WorkOrderActionRow)
            .where(WorkOrderActionRow.order_id == order_id)
            .order_by(WorkOrderActionRow.id)
        )
    )


def account_bound_to_phone(session: Session, phone_hash: str) -> int | None:
    """The health-kit account a call is about, by the keyed hash of its bound number."""
    return session.scalar(
        select(PhoneBindingRow.account_id).where(PhoneBindingRow.phone_hash == phone_hash)
    )


def has_red_mark(session: Session, account_id: int) -> bool:
    """Whether the account has a red mark not lifted (its appeals go to the CDC)."""
    return (
        session.scalar(
            select(RedMarkRow.id).where(
                RedMarkRow.account_id == account_id, RedMarkRow.lifted_on.is_(None)
            )
        )
        is not None
    )


def first_faq_entry_id(session: Session) -> int | None:
    return session.scalar(select(FaqEntryRow.id).order_by(FaqEntryRow.id))


def first_user_of_role(session: Session, role: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.role == role).order_by(UserRow.id))
