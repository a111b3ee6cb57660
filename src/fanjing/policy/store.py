"""Policy packs uploaded by CDC staff (M10): kept as written, drafts until approved."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.infra.db import Base, UtcDateTime


class PolicyPackRow(Base):
    __tablename__ = "policy_pack"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'approved', 'withdrawn')", name="status"),
        Index("uq_policy_pack_version", "pack_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    in_force_from: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)  # the YAML as uploaded
    status: Mapped[str] = mapped_column(String(10))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def packs_newest_first(session: Session) -> list[PolicyPackRow]:
    return list(session.scalars(select(PolicyPackRow).order_by(PolicyPackRow.id.desc())))
