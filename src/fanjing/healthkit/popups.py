"""Pop-ups (弹窗, H1, E1): raised set-wise in SQL when an area is designated, from the
itinerary cards and the travel declarations; cleared by the community with a recorded reason."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Date,
    String,
    and_,
    case,
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

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.status_row import refresh_popups, refresh_status
from fanjing.healthkit.store import AccountRow, DeclaredStayRow, PhoneBindingRow, PopupRow
from fanjing.infra.db import UtcDateTime
from fanjing.infra.metrics import POPUPS_RAISED
from fanjing.itinerary.core import city_name
from fanjing.itinerary.store import VisitRow
from fanjing.places.registry import LOOKBACK_DAYS
from fanjing.places.store import DesignationRow

POSTPONE_DAYS = 14  # E1: entry postponed until 14 days after leaving


def raise_popups(
    *, session: Session, designation: DesignationRow, today: date, now: datetime
) -> int:
    """Give every account whose cards or declarations put it in the area's city while the
    designation counts (from 14 days before it began until it ended, or today) a pop-up;
    how many were new.

    One INSERT … SELECT over the itinerary (its visitors of the city, by number) joined to
    the phone bindings (active and grey numbers alike) and over the declared stays, not a
    loop per person; accounts that already have this designation's pop-up are left alone,
    so raising twice adds nothing. The status rows of the accounts raised are refreshed
    set-wise too.
    """
    if designation.level == "cases" or designation.city is None:
        return 0
    statement = popups_statement(designation, today=today, now=now)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_partitionwise_aggregate = on"))
    raised = len(session.execute(statement.returning(PopupRow.id)).all())
    if raised:
        refresh_popups(
            session=session,
            account_ids=select(PopupRow.account_id).where(
                PopupRow.designation_id == designation.id, PopupRow.raised_at == now
            ),
        )
    return raised


def popups_statement(designation: DesignationRow, *, today: date, now: datetime) -> Insert:
    """``raise_popups``' INSERT … SELECT for a designation of a city."""
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


def raise_popups_for(
    *, session: Session, designation_ids: Iterable[int], today: date, now: datetime
) -> int:
    """Pop-ups for designations just opened (by hand or by a day's list); how many."""
    raised = 0
    for designation_id in designation_ids:
        designation = session.get(DesignationRow, designation_id)
        if designation is not None:
            raised += raise_popups(session=session, designation=designation, today=today, now=now)
    POPUPS_RAISED.inc(raised)
    return raised


def postpone_until(last_visit: date) -> date:
    """E1: come to Beijing no earlier than 14 days after the last day in that city."""
    return last_visit + timedelta(days=POSTPONE_DAYS)


def clear_popup(
    *,
    session: Session,
    popup_id: int,
    community: str,
    actor: str,
    reason: str,
    today: date,
    now: datetime,
) -> PopupRow:
    """A community worker clears a pop-up of one of their community's people, saying why;
    the account's status row is refreshed for ``today``."""
    popup = _clear(
        session=session, popup_id=popup_id, community=community, actor=actor, reason=reason, now=now
    )
    refresh_status(session=session, account_id=popup.account_id, today=today)
    return popup


def _clear(
    *, session: Session, popup_id: int, community: str, actor: str, reason: str, now: datetime
) -> PopupRow:
    popup = session.get(PopupRow, popup_id)
    account = session.get(AccountRow, popup.account_id) if popup else None
    if popup is None or account is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {popup_id} 的弹窗", Where(field="id"))
    if account.community != community:
        raise FanjingError(Code.FORBIDDEN, "只能处理本社区居民的弹窗")
    if popup.cleared_at is not None:
        raise FanjingError(Code.ALREADY_CLEARED, "该弹窗已处理")
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明处理理由", Where(field="reason"))
    popup.cleared_at, popup.cleared_by, popup.clear_reason = now, actor, reason.strip()
    record(
        session,
        actor=actor,
        at=now,
        action="healthkit.popup.clear",
        entity="popup",
        entity_id=popup.id,
        before={"cleared": False},
        after={"cleared": True, "reason": popup.clear_reason},
    )
    return popup


def clear_popups(
    *,
    session: Session,
    account_id: int,
    city: str | None,
    community: str,
    actor: str,
    reason: str,
    today: date,
    now: datetime,
) -> list[PopupRow]:
    """Clear, with one reason, every open pop-up of one of the community's people for
    ``city`` (all their cities when None): a city with many risk areas raises one pop-up
    per area, and the person is only rid of the pop-up when all of them are cleared.
    Each pop-up is cleared (and kept) on its own, as ``clear_popup`` does; the status row
    is refreshed once, for ``today``."""
    account = session.get(AccountRow, account_id)
    if account is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有编号为 {account_id} 的账户", Where(field="account")
        )
    if account.community != community:
        raise FanjingError(Code.FORBIDDEN, "只能处理本社区居民的弹窗")
    query = select(PopupRow.id).where(
        PopupRow.account_id == account_id, PopupRow.cleared_at.is_(None)
    )
    if city is not None:
        query = query.where(PopupRow.city == city)
    popup_ids = list(session.scalars(query.order_by(PopupRow.id)))
    if not popup_ids:
        raise FanjingError(Code.ALREADY_CLEARED, "没有未处理的弹窗", Where(field="city"))
    cleared = [
        _clear(
            session=session,
            popup_id=popup_id,
            community=community,
            actor=actor,
            reason=reason,
            now=now,
        )
        for popup_id in popup_ids
    ]
    refresh_status(session=session, account_id=account_id, today=today)
    return cleared
