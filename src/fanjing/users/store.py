"""The users' table and the pages' sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, column, select, table, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.infra.db import Base, UtcDateTime
from fanjing.users.core import Role

ROLES = tuple(role.value for role in Role)
# the clinics' table by the name the user table's foreign key gives it: vaccination owns it,
# and users sit below vaccination, so they do not import its store
_CLINICS = table("vaccination_clinic", column("code"))


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


def name_taken(session: Session, name_hash: str) -> bool:
    return session.scalar(select(UserRow.id).where(UserRow.name_hash == name_hash)) is not None


def clinic_exists(session: Session, code: str) -> bool:
    return session.scalar(select(_CLINICS.c.code).where(_CLINICS.c.code == code)) is not None


def user_with_token_hash(session: Session, hashed: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.token_hash == hashed))


def user_with_name_hash(session: Session, name_hash: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.name_hash == name_hash))


def all_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.id)))


def open_session_with_key(session: Session, key_hash: str) -> tuple[WebSessionRow, UserRow] | None:
    """The session not yet ended whose key hashes to ``key_hash``, with its user."""
    found = session.execute(
        select(WebSessionRow, UserRow)
        .join(UserRow, UserRow.id == WebSessionRow.user_id)
        .where(WebSessionRow.key_hash == key_hash, WebSessionRow.ended_at.is_(None))
    ).first()
    return None if found is None else (found[0], found[1])


def end_session_with_key(session: Session, key_hash: str, at: datetime) -> None:
    session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.key_hash == key_hash, WebSessionRow.ended_at.is_(None))
        .values(ended_at=at)
    )


def end_sessions_of(session: Session, user_id: int, at: datetime) -> None:
    """End every open page session of the user."""
    session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None))
        .values(ended_at=at)
    )
