"""The queries of the precomputed status rows (``status_row``, ``status``): the sources a
status is computed from, the rows locked for a refresh, and the status reads by user and by
token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session, aliased

from fanjing.healthkit.store import AccountRow, DeclarationRow, PopupRow, RedMarkRow, StatusRow
from fanjing.infra.db import UtcDateTime
from fanjing.users.store import UserRow

Executor = Session | Connection
AccountIds = Select[Any] | Sequence[int]  # a SELECT of account ids, or ids

STATUS_COLUMNS = (
    StatusRow.account_id,
    StatusRow.colour,
    StatusRow.popups,
    StatusRow.history,
    StatusRow.valid_from,
    StatusRow.valid_until,
    StatusRow.version,
)

# built once: building them costs more than running them. The caller's role and their
# account's row, by the token's hash (unique) and the row's user (unique): one indexed read
_BY_USER = select(*STATUS_COLUMNS).where(StatusRow.user_id == bindparam("user_id", type_=Integer()))
_BY_TOKEN = (
    select(UserRow.role, *STATUS_COLUMNS)
    .outerjoin(StatusRow, StatusRow.user_id == UserRow.id)
    .where(
        UserRow.token_hash == bindparam("token_hash", type_=String()),
        UserRow.revoked_at.is_(None),
        UserRow.token_expires_at > bindparam("now", type_=UtcDateTime()),
    )
)
_PASS_BY_TOKEN = _BY_TOKEN.add_columns(AccountRow.name_encrypted).outerjoin(
    AccountRow, AccountRow.id == StatusRow.account_id
)


def declarations_of(executor: Executor, account_id: int) -> Sequence[Row[Any]]:
    """The account's declarations (``declared_at``, ``decision``), in the order made."""
    return executor.execute(
        select(DeclarationRow.declared_at, DeclarationRow.decision)
        .where(DeclarationRow.account_id == account_id)
        .order_by(DeclarationRow.id)
    ).all()


def red_marks_of(executor: Executor, account_id: int) -> list[tuple[date, date | None]]:
    """The account's red marks: the day each was marked and lifted."""
    return [
        (marked_on, lifted_on)
        for marked_on, lifted_on in executor.execute(
            select(RedMarkRow.marked_on, RedMarkRow.lifted_on).where(
                RedMarkRow.account_id == account_id
            )
        )
    ]


def open_popups_of(executor: Executor, account_id: int) -> list[tuple[int, str, date]]:
    """The account's open pop-ups (id, city, last visit), oldest first."""
    return [
        (popup_id, city, last_visit)
        for popup_id, city, last_visit in executor.execute(
            select(PopupRow.id, PopupRow.city, PopupRow.last_visit)
            .where(PopupRow.account_id == account_id, PopupRow.cleared_at.is_(None))
            .order_by(PopupRow.id)
        )
    ]


def locked_status_row(session: Session, account_id: int) -> StatusRow | None:
    return session.scalar(
        select(StatusRow)
        .where(StatusRow.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # as locked, not as this session last saw it
    )


def refresh_popups(*, session: Session, account_ids: AccountIds) -> None:
    """Set-wise, for a pop-up fan-out: the pop-ups of the accounts ``account_ids`` (a SELECT
    of account ids, or ids) recomputed in SQL, one UPDATE; their colours are untouched.

    The accounts' open pop-ups are aggregated in one grouped join and the rows updated from
    it (``UPDATE … FROM``): a subquery per row took twice as long as raising 210,000 pop-ups.
    """
    in_accounts = StatusRow.account_id.in_(account_ids)
    session.execute(  # the locks first, in one order, so that the UPDATE reads after them
        select(StatusRow.account_id)
        .where(in_accounts)
        .order_by(StatusRow.account_id)
        .with_for_update()
    ).all()
    targets = select(StatusRow.account_id).where(in_accounts).subquery()
    opened = aliased(PopupRow)
    fresh = (
        select(
            targets.c.account_id,
            _popups_json(session, opened).label("popups"),
            func.count(opened.id).label("open_count"),
        )
        .select_from(
            targets.outerjoin(
                opened,
                (opened.account_id == targets.c.account_id) & opened.cleared_at.is_(None),
            )
        )
        .group_by(targets.c.account_id)
        .subquery()
    )
    session.execute(
        update(StatusRow)
        .where(StatusRow.account_id == fresh.c.account_id)
        .values(popups=fresh.c.popups, popup=fresh.c.open_count > 0, version=StatusRow.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()  # rows this session holds were changed behind it


def _popups_json(session: Session, popup: Any) -> ColumnElement[Any]:
    """The open pop-ups as the row stores them (``Computed.columns``), aggregated in SQL; '[]'
    when an outer join found none (PostgreSQL's ``json_agg`` gives NULL then)."""
    fields = ("id", popup.id, "city", popup.city, "last_visit", popup.last_visit)
    found = popup.id.is_not(None)
    if session.get_bind().dialect.name == "postgresql":
        listed = func.json_agg(aggregate_order_by(func.json_build_object(*fields), popup.id))
        return func.coalesce(listed.filter(found), literal_column("'[]'::json"))
    return func.json_group_array(func.json_object(*fields)).filter(found)  # '[]' for none


def accounts_due(session: Session, today: date) -> list[int]:
    """The accounts whose rows do not hold for ``today``."""
    return list(
        session.scalars(
            select(StatusRow.account_id).where(
                (StatusRow.valid_until <= today) | (StatusRow.valid_from > today)
            )
        )
    )


def account_ids_after(session: Session, last: int, limit: int) -> list[int]:
    """The next ``limit`` account ids after ``last``, in order."""
    return list(
        session.scalars(
            select(AccountRow.id).where(AccountRow.id > last).order_by(AccountRow.id).limit(limit)
        )
    )


def status_rows_of(session: Session, account_ids: list[int]) -> dict[int, StatusRow]:
    return {
        row.account_id: row
        for row in session.scalars(select(StatusRow).where(StatusRow.account_id.in_(account_ids)))
    }


def status_columns_of_user(executor: Executor, user_id: int) -> Row[Any] | None:
    """The status row's columns of ``user_id``'s account."""
    return executor.execute(_BY_USER, {"user_id": user_id}).first()


def caller_row(connection: Connection, token_hash: str, now: datetime) -> Row[Any] | None:
    """The role of the user holding the token (none: no such user, or the token expired or
    revoked at ``now``) with their account's status row's columns."""
    return connection.execute(_BY_TOKEN, {"token_hash": token_hash, "now": now}).first()


def caller_pass_row(connection: Connection, token_hash: str, now: datetime) -> Row[Any] | None:
    """As ``caller_row``, with the account's encrypted name."""
    return connection.execute(_PASS_BY_TOKEN, {"token_hash": token_hash, "now": now}).first()


async def caller_row_awaited(
    connection: AsyncConnection, token_hash: str, now: datetime
) -> Row[Any] | None:
    """``caller_row`` on an asynchronous connection."""
    return (await connection.execute(_BY_TOKEN, {"token_hash": token_hash, "now": now})).first()


async def caller_pass_row_awaited(
    connection: AsyncConnection, token_hash: str, now: datetime
) -> Row[Any] | None:
    """``caller_pass_row`` on an asynchronous connection."""
    found = await connection.execute(_PASS_BY_TOKEN, {"token_hash": token_hash, "now": now})
    return found.first()
