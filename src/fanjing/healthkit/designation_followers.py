"""The health kit following the designations (``places.followers``): pop-ups raised for the
designations newly in force, and a withdrawn designation's pop-ups gone, off the statuses that
showed them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.orm import Session

from fanjing.healthkit.popup_store import delete_popups_of
from fanjing.healthkit.popups import raise_popups_for
from fanjing.healthkit.status_store import refresh_popups


class PopupFollowers:
    def opened(
        self, *, session: Session, designation_ids: Iterable[int], today: date, now: datetime
    ) -> int:
        return raise_popups_for(
            session=session, designation_ids=designation_ids, today=today, now=now
        )

    def withdrawing(self, *, session: Session, designation_id: int) -> None:
        shown = delete_popups_of(session, designation_id)
        if shown:
            refresh_popups(session=session, account_ids=shown)


POPUP_FOLLOWERS = PopupFollowers()
