"""The pop-ups' queries: raising them set-wise for a designation, deleting a withdrawn one's,
and the open ones of an account or of a community."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Row,
    Select,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from fanjing.healthkit.store import AccountRow, DeclaredStayRow, PhoneBindingRow, PopupRow
from fanjing.infra.db import UtcDateTime
from fanjing.itinerary.core import city_name
from fanjing.itinerary.store import VisitRow
from fanjing.places.registry import LOOKBACK_DAYS
from fanjing.places.store import DesignationRow


def insert_popups(
    session: Session, designation: DesignationRow, *, today: date, now: datetime
) -> int:
    """Insert the designation's new pop-ups (``popups_statement``); how many."""
    statement = popups_statement(designation, today=today, now=now)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_partitionwise_aggregate = on"))
        # a large city's visitors are hashed and sorted in memory, not in batches on disk
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    return len(session.execute(statement.returning(PopupRow.id)).all())


def raised_accounts(designation_id: int, raised_at: datetime) -> Select[Any]:
    """A SELECT of the accounts given the designation's pop-up at ``raised_at``."""
    return select(PopupRow.account_id).where(
        PopupRow.designation_id == designation_id, PopupRow.raised_at == raised_at
    )


def popups_statement(designation: DesignationRow, *, today: date, now: datetime) -> Insert:
    """``insert_popups``' INSERT … SELECT for a designation of a city."""
    assert designation.city is not None
    city = city_name(designation.province, designation.city)
    first = designation.from_date - timedelta(days=LOOKBACK_DAYS)
    last = min(designation.to_date or today, today)
    # grouped by phone hash before the join: on a sharded itinerary the grouping is the
    # shards' work, all at once (fanjing.itinerary.shards), and only its result comes back
    visitors = (
        select(VisitRow.phone_hash, func.max(VisitRow.visit_date).label("last_visit"))
        .where(VisitRow.city == city, VisitRow.visit_date.between(first, last))
        .group_by(VisitRow.phone_hash)
        .subquery()
    )
    on_cards = select(PhoneBindingRow.account_id.label("account_id"), visitors.c.last_visit).join(
        visitors, visitors.c.phone_hash == PhoneBindingRow.phone_hash
    )
    declared = select(
        DeclaredStayRow.account_id.label("account_id"),
        case(
            (DeclaredStayRow.last_day > last, literal(last, Date())),
            else_=DeclaredStayRow.last_day,
        ).label("last_visit"),
    ).where(
        DeclaredStayRow.city == city,
        DeclaredStayRow.last_day >= first,
        DeclaredStayRow.first_day <= last,
    )
    touching = union_all(on_cards, declared).subquery()
    touched = (
        select(touching.c.account_id, func.max(touching.c.last_visit).label("last_visit"))
        .where(
            ~exists().where(
                and_(
                    PopupRow.account_id == touching.c.account_id,
                    PopupRow.designation_id == designation.id,
                )
            )
        )
        .group_by(touching.c.account_id)
        .subquery()
    )
    return insert(PopupRow).from_select(
        ["account_id", "designation_id", "city", "last_visit", "raised_at"],
        select(
            touched.c.account_id,
            literal(designation.id),
            literal(city, String()),
            touched.c.last_visit,
            literal(now, UtcDateTime()),
        ),
    )


def open_popup_ids(session: Session, account_id: int, city: str | None) -> list[int]:
    """The account's open pop-ups for ``city`` (every city when None), oldest first."""
    query = select(PopupRow.id).where(
        PopupRow.account_id == account_id, PopupRow.cleared_at.is_(None)
    )
    if city is not None:
        query = query.where(PopupRow.city == city)
    return list(session.scalars(query.order_by(PopupRow.id)))


def _open_in(community: str | None) -> tuple[Any, ...]:
    return (AccountRow.community == community, PopupRow.cleared_at.is_(None))


def open_popups_in(session: Session, community: str | None) -> list[PopupRow]:
    """The open pop-ups of the people living in ``community``, oldest first."""
    return list(
        session.scalars(
            select(PopupRow)
            .join(AccountRow, AccountRow.id == PopupRow.account_id)
            .where(*_open_in(community))
            .order_by(PopupRow.id)
        )
    )


def open_visits_in(session: Session, community: str) -> list[Row[int, str, date]]:
    """As ``open_popups_in``, each pop-up's account, city and last visit only."""
    return list(
        session.execute(
            select(PopupRow.account_id, PopupRow.city, PopupRow.last_visit)
            .join(AccountRow, AccountRow.id == PopupRow.account_id)
            .where(*_open_in(community))
            .order_by(PopupRow.id)
        ).all()
    )


def delete_popups_of(session: Session, designation_id: int) -> list[int]:
    """Delete a designation's pop-ups (it is withdrawn, as never in force); the accounts whose
    open pop-ups went."""
    shown = list(
        session.scalars(
            select(PopupRow.account_id).where(
                PopupRow.designation_id == designation_id, PopupRow.cleared_at.is_(None)
            )
        )
    )
    session.execute(delete(PopupRow).where(PopupRow.designation_id == designation_id))
    return shown


def open_popups_on(session: Session, account_id: int) -> list[PopupRow]:
    """The account's pop-ups not yet cleared."""
    return list(
        session.scalars(
            select(PopupRow).where(PopupRow.account_id == account_id, PopupRow.cleared_at.is_(None))
        )
    )
