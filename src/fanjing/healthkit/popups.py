"""Pop-ups (弹窗, H1, E1): raised set-wise in SQL when an area is designated, from the
itinerary cards and the travel declarations; cleared by the community with a recorded reason."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.popup_store import insert_popups, open_popup_ids, raised_accounts
from fanjing.healthkit.status_row import refresh_status
from fanjing.healthkit.status_store import refresh_popups
from fanjing.healthkit.store import AccountRow, PopupRow
from fanjing.infra.metrics import POPUPS_RAISED
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
    raised = insert_popups(session, designation, today=today, now=now)
    if raised:
        refresh_popups(session=session, account_ids=raised_accounts(designation.id, now))
    return raised


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
    popup_ids = open_popup_ids(session, account_id, city)
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
