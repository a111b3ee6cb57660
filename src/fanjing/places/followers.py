"""What follows a change of designations in the capabilities that read them.

The health kit raises pop-ups for a designation newly in force and takes a withdrawn one's off
the statuses that show them. Places sits below the health kit and cannot call it, so whoever
assembles fanjing (the app, the ``fanjing`` command, the demo) hands the followers in; every
use case that opens or withdraws designations takes them, so none can forget them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from fanjing.audit.cache import RevisionCache, commit_and_tell
from fanjing.places.registry import Registry


class DesignationFollowers(Protocol):
    def opened(
        self, *, session: Session, designation_ids: Iterable[int], today: date, now: datetime
    ) -> int:
        """Act on designations just opened (by hand or by a day's list); how many pop-ups."""
        ...

    def withdrawing(self, *, session: Session, designation_id: int) -> None:
        """Act on a designation about to be deleted as never in force, before it goes."""
        ...


def publish(
    *,
    session: Session,
    followers: DesignationFollowers,
    opened_ids: Iterable[int],
    today: date,
    now: datetime,
    registry: RevisionCache[Registry] | None = None,
) -> int:
    """A change of designations made public, as every entry point does it: the followers told
    of the newly opened ones, committed, and this process's ``registry`` told (the next check
    sees the change at once); how many pop-ups."""
    raised = followers.opened(session=session, designation_ids=opened_ids, today=today, now=now)
    commit_and_tell(session, *([registry] if registry is not None else []))
    return raised
