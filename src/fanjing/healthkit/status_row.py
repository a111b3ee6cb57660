"""An account's health-kit status as one precomputed row (``healthkit_status``).

Every change that can move a status refreshes its row in the change's own transaction:
the account made (``service.create_account``), a declaration (``declaration.declare``), a
red mark recorded or lifted (``status.mark_red``, ``status.lift_red``), pop-ups raised
(``popups.raise_popups``, set-wise), cleared (``popups.clear_popup``) or withdrawn with
their designation (``designation_followers``). The date alone moves a colour too (an observation
or a mark ending): a row says the days it holds for, the daily job refreshes the rows
whose days are over (``refresh_due_statuses``), and a status asked for a day the row does
not hold for is computed from the sources meanwhile. ``computed_status`` is the one
computation from the sources; ``verify_statuses`` compares every row with it.

A refresh locks the row (FOR UPDATE on PostgreSQL; SQLite has a single writer) before it
reads the sources, in statements after the lock: of two changes to one account in
parallel transactions, the later refresh sees the earlier's change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from fanjing.common.days import day_in_china
from fanjing.healthkit.core import (
    Colour,
    Period,
    colour_changes,
    colour_on,
    colour_validity,
    observation_periods,
)
from fanjing.healthkit.status_store import (
    Executor,
    account_ids_after,
    accounts_due,
    declarations_of,
    locked_status_row,
    open_popups_of,
    red_marks_of,
    status_rows_of,
)
from fanjing.healthkit.store import AccountRow, StatusRow

SHOWN = ("colour", "popup", "popups", "history")  # a change of these is a new version
COMPARED = (*SHOWN, "valid_from", "valid_until")
_BATCH = 1_000


@dataclass(frozen=True)
class OpenPopup:
    id: int
    city: str
    last_visit: date


@dataclass(frozen=True)
class Status:
    account_id: int
    colour: Colour
    history: list[tuple[date, Colour]]  # each change, oldest first
    popups: list[OpenPopup]
    version: int


@dataclass(frozen=True)
class Computed:
    """A status from its sources, for one day, with the days around it it holds for."""

    colour: Colour
    history: list[tuple[date, Colour]]
    popups: list[OpenPopup]
    valid_from: date | None
    valid_until: date | None

    def columns(self) -> dict[str, Any]:
        """As the row stores it."""
        return {
            "colour": self.colour.value,
            "popup": bool(self.popups),
            "popups": [
                {"id": p.id, "city": p.city, "last_visit": p.last_visit.isoformat()}
                for p in self.popups
            ],
            "history": [{"day": d.isoformat(), "colour": c.value} for d, c in self.history],
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


def computed_status(executor: Executor, account_id: int, today: date) -> Computed:
    """The status on ``today`` from the sources. Yellow comes from the observations of the
    account's declarations, each one until the next declaration replaced it (on the CST day
    it was made); red from CDC's marks until lifted; the pop-ups are the open ones."""
    declarations = declarations_of(executor, account_id)
    yellow: list[Period] = []
    for index, (_, decision) in enumerate(declarations):
        following = declarations[index + 1] if index + 1 < len(declarations) else None
        replaced_on = day_in_china(following.declared_at) if following else None
        yellow.extend(_until(period, replaced_on) for period in observation_periods(decision))
    red = [
        Period(marked_on, lifted_on) for marked_on, lifted_on in red_marks_of(executor, account_id)
    ]
    popups = [OpenPopup(*row) for row in open_popups_of(executor, account_id)]
    return Computed(
        colour_on(today, yellow=yellow, red=red),
        colour_changes(yellow=yellow, red=red, until=today),
        popups,
        *colour_validity(today, yellow=yellow, red=red),
    )


def _until(period: Period, replaced_on: date | None) -> Period:
    if replaced_on is None or (period.end is not None and period.end <= replaced_on):
        return period
    return Period(period.start, max(period.start, replaced_on))


def new_status_row(account: AccountRow) -> StatusRow:
    """A new account's row: green on every day, nothing open (it has no sources yet)."""
    return StatusRow(
        account_id=account.id,
        user_id=account.user_id,
        colour=Colour.GREEN.value,
        popup=False,
        popups=[],
        history=[],
        valid_from=None,
        valid_until=None,
        version=0,
    )


def refresh_status(*, session: Session, account_id: int, today: date) -> StatusRow:
    """Recompute the account's row from the sources for ``today``, in the caller's
    transaction; the version grows when what it shows changes."""
    row = locked_status_row(session, account_id)
    if row is None:  # a row lost (verify-status reports it): made again
        row = new_status_row(session.get_one(AccountRow, account_id))
        session.add(row)
    columns = computed_status(session, account_id, today).columns()
    if any(getattr(row, name) != columns[name] for name in SHOWN):
        row.version += 1
    for name, value in columns.items():
        setattr(row, name, value)
    session.flush()
    return row


def refresh_due_statuses(*, session: Session, today: date) -> int:
    """The daily job: refresh every row that does not hold for ``today`` (an observation or
    a mark ended, or began, since); how many."""
    due = accounts_due(session, today)
    for account_id in due:
        refresh_status(session=session, account_id=account_id, today=today)
    return len(due)


def status_held_by_row(row: Any, today: date) -> Status | None:
    """The status a row (``StatusRow``'s columns) shows on ``today``; None when the row does
    not hold for that day (before the daily job refreshed it)."""
    if (row.valid_from is None or row.valid_from <= today) and (
        row.valid_until is None or today < row.valid_until
    ):
        history = [(date.fromisoformat(c["day"]), Colour(c["colour"])) for c in row.history]
        popups = [
            OpenPopup(p["id"], p["city"], date.fromisoformat(p["last_visit"]))
            for p in sorted(row.popups, key=lambda p: p["id"])
        ]
        return Status(row.account_id, Colour(row.colour), history, popups, row.version)
    return None


def status_from_row(executor: Executor, row: Any, today: date) -> Status:
    """The status a row shows on ``today``; computed from the sources when the row does not
    hold for that day."""
    held = status_held_by_row(row, today)
    if held is not None:
        return held
    computed = computed_status(executor, row.account_id, today)
    return Status(row.account_id, computed.colour, computed.history, computed.popups, row.version)


@dataclass(frozen=True)
class Difference:
    account_id: int
    fields: dict[str, tuple[Any, Any]]  # name: (stored, computed); "row": no row at all


def verify_statuses(*, session: Session, today: date) -> Iterator[Difference]:
    """Every account whose row differs from its status computed from the sources for
    ``today`` (pop-ups compared by id, whatever order the row lists them in)."""
    last = 0
    while True:
        ids = account_ids_after(session, last, _BATCH)
        if not ids:
            return
        rows = status_rows_of(session, ids)
        for account_id in ids:
            computed = computed_status(session, account_id, today).columns()
            row = rows.get(account_id)
            if row is None:
                yield Difference(account_id, {"row": (None, computed)})
                continue
            stored = {name: getattr(row, name) for name in COMPARED}
            stored["popups"] = sorted(stored["popups"], key=lambda p: p["id"])
            fields = {
                name: (stored[name], computed[name])
                for name in COMPARED
                if stored[name] != computed[name]
            }
            if fields:
                yield Difference(account_id, fields)
        last = ids[-1]
        session.expunge_all()
