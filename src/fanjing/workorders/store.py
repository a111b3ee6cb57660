"""Work-order tables: the orders (the caller's name, phone and address encrypted beside keyed
hashes) and the actions units took through the existing services, each linked to its order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base, UtcDateTime
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
