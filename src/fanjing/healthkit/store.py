"""Health-kit tables, and the queries on them. Names, ID and phone numbers are stored
encrypted, with keyed hashes (HMAC) for lookups; nothing personal is stored in clear."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Connection,
    CursorResult,
    Date,
    ForeignKey,
    Index,
    Row,
    String,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.healthkit.core import BindingState
from fanjing.infra.db import Base, UtcDateTime


class AccountRow(Base):
    """A resident's health-kit account, owned by a citizen user."""

    __tablename__ = "healthkit_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), unique=True)
    name_encrypted: Mapped[str] = mapped_column(String(500))
    document_kind: Mapped[str] = mapped_column(String(20))
    document_encrypted: Mapped[str] = mapped_column(String(500))
    document_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # keyed hash of the normalised name, so the vaccination sync matches clinics' records
    # without decrypting; empty for accounts made before it, until the sync fills it in
    name_hash: Mapped[str | None] = mapped_column(String(64))
    community: Mapped[str | None] = mapped_column(String(300), index=True)  # where they live
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PhoneBindingRow(Base):
    """A phone number on an account: active, or grey until its deletion day."""

    __tablename__ = "phone_binding"
    __table_args__ = (
        CheckConstraint("platform IN ('wechat', 'alipay')", name="platform"),
        CheckConstraint("state IN ('active', 'grey')", name="state"),
        # a number belongs to at most one account: the database refuses a second binding
        Index("uq_phone_binding_number", "phone_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    phone_encrypted: Mapped[str] = mapped_column(String(500))
    phone_hash: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unbound_on: Mapped[date | None] = mapped_column(Date)
    delete_on: Mapped[date | None] = mapped_column(Date, index=True)


class OneTimeCodeRow(Base):
    """A code sent to confirm a binding; only its hash is kept."""

    __tablename__ = "one_time_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(10))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class DeclarationRow(Base):
    """A travel declaration checked on entry: the stays declared, the itinerary cards' cities
    missing from them, and the decision with the pack that made it."""

    __tablename__ = "travel_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime())
    as_of: Mapped[date] = mapped_column(Date)
    arrival: Mapped[date | None] = mapped_column(Date)
    situation: Mapped[dict[str, Any]] = mapped_column(JSON)
    undeclared_cities: Mapped[list[str]] = mapped_column(JSON)  # starred on a card, not declared
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    pack_id: Mapped[str] = mapped_column(String(100))
    pack_version: Mapped[str] = mapped_column(String(50))
    allowed: Mapped[bool]


class PopupRow(Base):
    """A pop-up (弹窗) on an account: raised when a designation touches its cards, cleared by a
    community worker with a reason. One per account and designation."""

    __tablename__ = "popup"
    __table_args__ = (
        Index("uq_popup_account_designation", "account_id", "designation_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    designation_id: Mapped[int] = mapped_column(ForeignKey("designation.id", ondelete="CASCADE"))
    city: Mapped[str] = mapped_column(String(100))
    last_visit: Mapped[date] = mapped_column(Date)  # the latest day a number was in that city
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cleared_by: Mapped[str | None] = mapped_column(String(100))
    clear_reason: Mapped[str | None] = mapped_column(String(300))


class DeclaredStayRow(Base):
    """One stay of a travel declaration, by city, so a designation finds the declarations it
    touches in one query (as it finds the itinerary's visits)."""

    __tablename__ = "declared_stay"
    __table_args__ = (Index("ix_declared_stay_city_days", "city", "last_day", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("travel_declaration.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    city: Mapped[str] = mapped_column(String(100))  # standard name, as in the itinerary
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class RedMarkRow(Base):
    """Red (H2): a confirmed case or close contact, marked by CDC with a reason and lifted by
    CDC with a reason; rows are kept, so the colour's history is."""

    __tablename__ = "red_mark"
    __table_args__ = (CheckConstraint("kind IN ('confirmed_case', 'close_contact')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    marked_on: Mapped[date] = mapped_column(Date)
    marked_by: Mapped[str] = mapped_column(String(100))
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lift_reason: Mapped[str | None] = mapped_column(String(300))


class StatusRow(Base):
    """An account's status as the health kit shows it, kept up to date in the transaction of
    every change to its sources (declarations, red marks, pop-ups) and by the daily job for
    changes the date alone brings (``status_row``): a status read is one indexed row.

    ``valid_from``/``valid_until``: the days the colour and history hold for (until
    exclusive; None: without bound); a day outside them is computed from the sources.
    ``version`` grows by one with each change of what the row shows."""

    __tablename__ = "healthkit_status"
    __table_args__ = (CheckConstraint("colour IN ('green', 'yellow', 'red')", name="colour"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), unique=True)
    colour: Mapped[str] = mapped_column(String(10))
    popup: Mapped[bool]
    popups: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # open ones: id, city, last_visit
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # each change: day, colour
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    version: Mapped[int]


# --- accounts --------------------------------------------------------------------------


def account_of(session: Session, user_id: int) -> AccountRow | None:
    return session.scalar(select(AccountRow).where(AccountRow.user_id == user_id))


def user_has_account(session: Session, user_id: int) -> bool:
    return session.scalar(select(AccountRow.id).where(AccountRow.user_id == user_id)) is not None


def document_in_use(session: Session, document_hash: str) -> bool:
    return (
        session.scalar(select(AccountRow.id).where(AccountRow.document_hash == document_hash))
        is not None
    )


def account_with_document(session: Session, document_hash: str) -> AccountRow | None:
    return session.scalar(select(AccountRow).where(AccountRow.document_hash == document_hash))


def accounts_with_ids(session: Session, account_ids: set[int]) -> list[AccountRow]:
    return list(session.scalars(select(AccountRow).where(AccountRow.id.in_(account_ids))))


def accounts_in(session: Session, community: str | None) -> list[AccountRow]:
    """The accounts of the people living in ``community``, in the order made."""
    return list(
        session.scalars(
            select(AccountRow).where(AccountRow.community == community).order_by(AccountRow.id)
        )
    )


def account_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AccountRow)) or 0


# --- phone bindings and their codes -----------------------------------------------------


def bindings_of(session: Session, account_id: int) -> list[PhoneBindingRow]:
    return list(
        session.scalars(select(PhoneBindingRow).where(PhoneBindingRow.account_id == account_id))
    )


def phone_hashes_of(session: Session, account_id: int) -> list[str]:
    """Every number on the account, grey ones included."""
    return list(
        session.scalars(
            select(PhoneBindingRow.phone_hash).where(PhoneBindingRow.account_id == account_id)
        )
    )


def active_bindings_of(session: Session, account_ids: set[int]) -> list[PhoneBindingRow]:
    """The accounts' active numbers, in the order bound."""
    return list(
        session.scalars(
            select(PhoneBindingRow)
            .where(PhoneBindingRow.account_id.in_(account_ids), PhoneBindingRow.state == "active")
            .order_by(PhoneBindingRow.id)
        )
    )


def binding_of_number(session: Session, phone_hash: str) -> PhoneBindingRow | None:
    """The number's binding on whichever account holds it (at most one: unique)."""
    return session.scalar(select(PhoneBindingRow).where(PhoneBindingRow.phone_hash == phone_hash))


def binding_on_account(
    session: Session, account_id: int, phone_hash: str
) -> PhoneBindingRow | None:
    return session.scalar(
        select(PhoneBindingRow).where(
            PhoneBindingRow.account_id == account_id, PhoneBindingRow.phone_hash == phone_hash
        )
    )


def purge_grey_numbers(*, session: Session, today: date) -> int:
    """Delete the grey numbers whose 14 days are over; how many (the daily job)."""
    result = session.execute(
        delete(PhoneBindingRow).where(
            PhoneBindingRow.state == BindingState.GREY.value, PhoneBindingRow.delete_on <= today
        )
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def delete_codes_for(session: Session, account_id: int, phone_hash: str) -> None:
    session.execute(
        delete(OneTimeCodeRow).where(
            OneTimeCodeRow.account_id == account_id, OneTimeCodeRow.phone_hash == phone_hash
        )
    )


def delete_code(session: Session, code_id: int) -> None:
    session.execute(delete(OneTimeCodeRow).where(OneTimeCodeRow.id == code_id))


def newest_code(
    connection: Connection, account_id: int, phone_hash: str, platform: str
) -> Row[int, str, datetime] | None:
    """The id, hash and expiry of the account's newest code for the number on ``platform``."""
    return connection.execute(
        select(OneTimeCodeRow.id, OneTimeCodeRow.code_hash, OneTimeCodeRow.expires_at)
        .where(
            OneTimeCodeRow.account_id == account_id,
            OneTimeCodeRow.phone_hash == phone_hash,
            OneTimeCodeRow.platform == platform,
        )
        .order_by(OneTimeCodeRow.id.desc())
        .limit(1)
    ).first()


def use_try(connection: Connection, code_id: int, max_attempts: int) -> int | None:
    """Count one more try of the code, unless it has had ``max_attempts``; the tries made,
    None when none was left. One conditional UPDATE, so simultaneous tries are each counted."""
    return connection.execute(
        update(OneTimeCodeRow)
        .where(OneTimeCodeRow.id == code_id, OneTimeCodeRow.attempts < max_attempts)
        .values(attempts=OneTimeCodeRow.attempts + 1)
        .returning(OneTimeCodeRow.attempts)
    ).scalar_one_or_none()


# --- red marks ----------------------------------------------------------------------------


def open_red_marks(session: Session) -> list[RedMarkRow]:
    """The red marks not lifted, in the order marked."""
    return list(
        session.scalars(
            select(RedMarkRow).where(RedMarkRow.lifted_on.is_(None)).order_by(RedMarkRow.id)
        )
    )


# --- pop-ups ------------------------------------------------------------------------------


def open_red_marks_with_accounts(session: Session) -> list[tuple[RedMarkRow, AccountRow]]:
    """The red marks not lifted, newest first, each with its account."""
    return [
        (mark, account)
        for mark, account in session.execute(
            select(RedMarkRow, AccountRow)
            .join(AccountRow, AccountRow.id == RedMarkRow.account_id)
            .where(RedMarkRow.lifted_on.is_(None))
            .order_by(RedMarkRow.id.desc())
        )
    ]


def red_marks_in_force_on(session: Session, account_id: int) -> list[RedMarkRow]:
    """The account's red marks not lifted."""
    return list(
        session.scalars(
            select(RedMarkRow).where(
                RedMarkRow.account_id == account_id, RedMarkRow.lifted_on.is_(None)
            )
        )
    )
