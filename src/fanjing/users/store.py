"""The users' table and the pages' sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
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
    # who the user is wherever a user is named (audit log, reports, pages): staff their name,
    # a citizen ``citizen_label`` (masked name and number); the name itself is encrypted below
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_encrypted: Mapped[str] = mapped_column(Text)
    # keyed: one user per name, found without decrypting every row
    name_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    community: Mapped[str | None] = mapped_column(
        String(300)
    )  # standard name, for community workers
    # the vaccination clinic a clinic user works for (the others have none)
    clinic: Mapped[str | None] = mapped_column(ForeignKey("vaccination_clinic.code"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))


class WebSessionRow(Base):
    """A logged-in page session. The cookie carries a random key; only its hash is here, so
    logging out (``ended_at``) ends it on the server, whatever the browser keeps."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
