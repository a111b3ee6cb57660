"""An account's colour (H2) with its history, and CDC's red marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.days import day_in_china
from fanjing.common.identity import Document
from fanjing.errors import FanjingError, Where
from fanjing.healthkit.core import Colour, Period, colour_changes, colour_on, observation_periods
from fanjing.healthkit.popups import open_popups
from fanjing.healthkit.store import AccountRow, DeclarationRow, PopupRow, RedMarkRow
from fanjing.infra.crypto import FieldCipher

RED_KINDS = {"confirmed_case": "确诊病例", "close_contact": "密切接触者"}


@dataclass(frozen=True)
class Status:
    colour: Colour
    history: list[tuple[date, Colour]]  # each change, oldest first
    popups: list[PopupRow]  # open ones


def account_status(session: Session, account_id: int, today: date) -> Status:
    """The colour today, how it got there, and the open pop-ups.

    Yellow comes from the observations of the account's declarations, each one until the
    next declaration replaced it; red from CDC's marks until lifted.
    """
    declarations = list(
        session.execute(
            select(DeclarationRow.declared_at, DeclarationRow.decision)
            .where(DeclarationRow.account_id == account_id)
            .order_by(DeclarationRow.id)
        )
    )
    yellow: list[Period] = []
    for index, (_, decision) in enumerate(declarations):
        replaced_on = (
            day_in_china(declarations[index + 1].declared_at)
            if index + 1 < len(declarations)
            else None
        )
        yellow.extend(_until(period, replaced_on) for period in observation_periods(decision))
    red = [
        Period(mark.marked_on, mark.lifted_on)
        for mark in session.scalars(select(RedMarkRow).where(RedMarkRow.account_id == account_id))
    ]
    return Status(
        colour_on(today, yellow=yellow, red=red),
        colour_changes(yellow=yellow, red=red, until=today),
        open_popups(session, account_id),
    )


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
