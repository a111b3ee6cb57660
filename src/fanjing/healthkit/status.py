"""An account's colour (H2) with its history, and CDC's red marks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.days import day_in_china
from fanjing.common.identity import Document
from fanjing.errors import FanjingError, Where
from fanjing.healthkit.core import Colour, Period, colour_changes, colour_on, observation_periods
from fanjing.healthkit.store import AccountRow, DeclarationRow, PopupRow, RedMarkRow
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import UtcDateTime
from fanjing.users.store import UserRow

RED_KINDS = {"confirmed_case": "确诊病例", "close_contact": "密切接触者"}


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


def _status_query(user: ColumnElement[Any]) -> Select[Any]:
    """Everything a status shows, for ``user``: one row for the user (their role in
    ``text``), one for their account, one per declaration, red mark and open pop-up."""
    account = select(AccountRow.id).where(AccountRow.user_id == user).scalar_subquery()
    no_day, no_moment, no_city, no_body = (
        cast(null(), Date()),
        cast(null(), DateTime(timezone=True)),
        cast(null(), String()),
        cast(null(), JSON()),
    )  # typed, so that PostgreSQL can match the branches' columns
    return (
        union_all(
            select(
                literal("user").label("source"),
                UserRow.id.label("id"),
                no_day.label("first"),
                no_day.label("last"),
                no_moment.label("at"),
                UserRow.role.label("text"),
                no_body.label("body"),
            ).where(UserRow.id == user),
            select(
                literal("account"), AccountRow.id, no_day, no_day, no_moment, no_city, no_body
            ).where(AccountRow.id == account),
            select(
                literal("declaration"),
                DeclarationRow.id,
                no_day,
                no_day,
                DeclarationRow.declared_at,
                no_city,
                DeclarationRow.decision,
            ).where(DeclarationRow.account_id == account),
            select(
                literal("red"),
                RedMarkRow.id,
                RedMarkRow.marked_on,
                RedMarkRow.lifted_on,
                no_moment,
                no_city,
                no_body,
            ).where(RedMarkRow.account_id == account),
            select(
                literal("popup"),
                PopupRow.id,
                PopupRow.last_visit,
                no_day,
                no_moment,
                PopupRow.city,
                no_body,
            ).where(PopupRow.account_id == account, PopupRow.cleared_at.is_(None)),
        )
        .subquery()
        .select()
    )


# built once: building them costs more than running them
_BY_USER = _status_query(bindparam("user_id", type_=Integer()))
_BY_TOKEN = _status_query(
    select(UserRow.id)
    .where(
        UserRow.token_hash == bindparam("token_hash", type_=String()),
        UserRow.revoked_at.is_(None),
        UserRow.token_expires_at > bindparam("now", type_=UtcDateTime()),
    )
    .scalar_subquery()
)


def status_of_user(session: Session, user_id: int, today: date) -> Status | None:
    """The colour today of ``user_id``'s account, how it got there, and its open pop-ups;
    None without an account."""
    return _status(session.execute(_BY_USER, {"user_id": user_id}).all(), today)


def caller_status(
    session: Session, token_hash: str, today: date, now: datetime
) -> tuple[str | None, Status | None]:
    """The role of the user holding the token (None: no such user, or the token expired or
    revoked at ``now``) and their account's status, in one query: a status lookup is the
    health kit's most frequent request."""
    rows = session.execute(_BY_TOKEN, {"token_hash": token_hash, "now": now}).all()
    role = next((row.text for row in rows if row.source == "user"), None)
    return role, _status(rows, today)


def _status(rows: Sequence[Row[Any]], today: date) -> Status | None:
    """Yellow comes from the observations of the account's declarations, each one until the
    next declaration replaced it; red from CDC's marks until lifted."""
    ids = [row.id for row in rows if row.source == "account"]
    if not ids:
        return None
    declarations = sorted((r for r in rows if r.source == "declaration"), key=lambda r: r.id)
    yellow: list[Period] = []
    for index, row in enumerate(declarations):
        replaced_on = (
            day_in_china(_moment(declarations[index + 1].at))
            if index + 1 < len(declarations)
            else None
        )
        body = json.loads(row.body) if isinstance(row.body, str) else row.body
        yellow.extend(_until(period, replaced_on) for period in observation_periods(body))
    red = [
        Period(_day(row.first), _day(row.last) if row.last else None)
        for row in rows
        if row.source == "red"
    ]
    popups = sorted(
        (OpenPopup(row.id, row.text, _day(row.first)) for row in rows if row.source == "popup"),
        key=lambda popup: popup.id,
    )
    return Status(
        ids[0],
        colour_on(today, yellow=yellow, red=red),
        colour_changes(yellow=yellow, red=red, until=today),
        popups,
    )


def _day(value: date | str) -> date:
    """A date from the union: typed by PostgreSQL, text from SQLite (its columns lose types)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _moment(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _until(period: Period, replaced_on: date | None) -> Period:
    if replaced_on is None or (period.end is not None and period.end <= replaced_on):
        return period
    return Period(period.start, max(period.start, replaced_on))


def mark_red(
    *,
    session: Session,
    cipher: FieldCipher,
    document: Document,
    kind: str,
    reason: str,
    actor: str,
    today: date,
    now: datetime,
) -> RedMarkRow:
    """CDC marks the holder of ``document`` a confirmed case or close contact from today."""
    account = session.scalar(
        select(AccountRow).where(
            AccountRow.document_hash
            == cipher.lookup_hash(f"{document.kind.value}:{document.number}")
        )
    )
    if account is None:
        raise FanjingError(
            "not_found", f"证件 {document.masked} 没有健康宝账户", Where(field="document_number")
        )
    if kind not in RED_KINDS:
        raise FanjingError(
            "bad_value",
            f"未知类别“{kind}”（应为 confirmed_case 或 close_contact）",
            Where(field="kind"),
        )
    if not reason.strip():
        raise FanjingError("missing_field", "须写明理由", Where(field="reason"))
    mark = RedMarkRow(
        account_id=account.id,
        kind=kind,
        reason=reason.strip(),
        marked_on=today,
        marked_by=actor,
    )
    session.add(mark)
    session.flush()
    record(
        session,
        actor=actor,
        at=now,
        action="mark_red",
        entity="red_mark",
        entity_id=mark.id,
        after=red_mark_snapshot(mark),
    )
    return mark


def lift_red(
    *,
    session: Session,
    mark_id: int,
    reason: str,
    actor: str,
    today: date,
    now: datetime,
) -> RedMarkRow:
    """CDC lifts a red mark from today, saying why."""
    mark = session.get(RedMarkRow, mark_id)
    if mark is None:
        raise FanjingError("not_found", f"没有编号为 {mark_id} 的红码标记", Where(field="id"))
    if mark.lifted_on is not None:
        raise FanjingError("already_lifted", f"该红码标记已于 {mark.lifted_on} 解除")
    if not reason.strip():
        raise FanjingError("missing_field", "须写明理由", Where(field="reason"))
    before = red_mark_snapshot(mark)
    mark.lifted_on, mark.lifted_by, mark.lift_reason = (
        max(today, mark.marked_on),
        actor,
        reason.strip(),
    )
    record(
        session,
        actor=actor,
        at=now,
        action="lift_red",
        entity="red_mark",
        entity_id=mark.id,
        before=before,
        after=red_mark_snapshot(mark),
    )
    return mark


def red_mark_snapshot(mark: RedMarkRow) -> dict[str, Any]:
    """The mark as the audit log keeps it (the account by id: nothing personal)."""
    return {
        "account_id": mark.account_id,
        "kind": mark.kind,
        "reason": mark.reason,
        "marked_on": mark.marked_on.isoformat(),
        "lifted_on": mark.lifted_on.isoformat() if mark.lifted_on else None,
        "lift_reason": mark.lift_reason,
    }
