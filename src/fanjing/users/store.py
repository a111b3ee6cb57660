"""The users' table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base, UtcDateTime
from fanjing.users.core import Role

ROLES = tuple(role.value for role in Role)


class UserRow(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(
            "(role = 'community_worker') = (community IS NOT NULL)", name="community_for_workers"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    community: Mapped[str | None] = mapped_column(
        String(300)
    )  # standard name, for community workers
    # the vaccination clinic a clinic user works for (the others have none)
    clinic: Mapped[str | None] = mapped_column(ForeignKey("vaccination_clinic.code"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
