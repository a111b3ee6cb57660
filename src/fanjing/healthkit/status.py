"""An account's colour (H2) and pop-ups as the health kit shows them, read from the
precomputed row (``status_row``), and CDC's red marks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import Document
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.status_row import (
    Status,
    refresh_status,
    status_from_row,
    status_held_by_row,
)
from fanjing.healthkit.status_store import (
    Executor,
    caller_pass_row,
    caller_pass_row_awaited,
    caller_row,
    caller_row_awaited,
    status_columns_of_user,
)
from fanjing.healthkit.store import RedMarkRow, account_with_document
from fanjing.infra.crypto import FieldCipher

RED_KINDS = {"confirmed_case": "确诊病例", "close_contact": "密切接触者"}


def status_of_user(executor: Executor, user_id: int, today: date) -> Status | None:
    """The colour today of ``user_id``'s account, how it got there, and its open pop-ups;
    None without an account."""
    row = status_columns_of_user(executor, user_id)
    return None if row is None else status_from_row(executor, row, today)


def caller_status(
    connection: Connection, token_hash: str, today: date, now: datetime
) -> tuple[str | None, Status | None]:
    """The role of the user holding the token (None: no such user, or the token expired or
    revoked at ``now``) and their account's status, in one query: a status lookup is the
    health kit's most frequent request."""
    row = caller_row(connection, token_hash, now)
    if row is None:
        return None, None
    return row.role, None if row.account_id is None else status_from_row(connection, row, today)


def caller_pass(
    connection: Connection, token_hash: str, today: date, now: datetime
) -> tuple[str | None, Status | None, str | None]:
    """As ``caller_status``, with the account's encrypted name, for the signed pass."""
    row = caller_pass_row(connection, token_hash, now)
    if row is None:
        return None, None, None
    if row.account_id is None:
        return row.role, None, None
    return row.role, status_from_row(connection, row, today), row.name_encrypted


# Read without leaving the event loop: a thread-pool trip around a blocking query cost a
# server under load more than the query. Only the row is read so: a row that does not hold
# for today (None below) is computed from the sources by the blocking functions above.


async def caller_status_awaited(
    engine: AsyncEngine, token_hash: str, today: date, now: datetime
) -> tuple[str | None, Status | None] | None:
    """``caller_status`` on an asynchronous engine; None when the account's row does not hold
    for ``today``."""
    async with engine.connect() as connection:
        row = await caller_row_awaited(connection, token_hash, now)
    if row is None:
        return None, None
    if row.account_id is None:
        return row.role, None
    held = status_held_by_row(row, today)
    return None if held is None else (row.role, held)


async def caller_pass_awaited(
    engine: AsyncEngine, token_hash: str, today: date, now: datetime
) -> tuple[str | None, Status | None, str | None] | None:
    """``caller_pass`` on an asynchronous engine; None when the account's row does not hold
    for ``today``."""
    async with engine.connect() as connection:
        row = await caller_pass_row_awaited(connection, token_hash, now)
    if row is None:
        return None, None, None
    if row.account_id is None:
        return row.role, None, None
    held = status_held_by_row(row, today)
    return None if held is None else (row.role, held, row.name_encrypted)


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
    account = account_with_document(
        session, cipher.lookup_hash(f"{document.kind.value}:{document.number}")
    )
    if account is None:
        raise FanjingError(
            Code.NOT_FOUND, f"证件 {document.masked} 没有健康宝账户", Where(field="document_number")
        )
    if kind not in RED_KINDS:
        raise FanjingError(
            Code.BAD_VALUE,
            f"未知类别“{kind}”（应为 confirmed_case 或 close_contact）",
            Where(field="kind"),
        )
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明理由", Where(field="reason"))
    mark = RedMarkRow(
        account_id=account.id,
        kind=kind,
        reason=reason.strip(),
        marked_on=today,
        marked_by=actor,
    )
    session.add(mark)
    session.flush()
    refresh_status(session=session, account_id=account.id, today=today)
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
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {mark_id} 的红码标记", Where(field="id"))
    if mark.lifted_on is not None:
        raise FanjingError(Code.ALREADY_LIFTED, f"该红码标记已于 {mark.lifted_on} 解除")
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明理由", Where(field="reason"))
    before = red_mark_snapshot(mark)
    mark.lifted_on, mark.lifted_by, mark.lift_reason = (
        max(today, mark.marked_on),
        actor,
        reason.strip(),
    )
    refresh_status(session=session, account_id=mark.account_id, today=today)
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
