"""What a unit does for an order, through the services that already do it — clearing the
account's pop-ups (community), correcting a dose record's identity (clinic), lifting a red
mark (CDC) — each linked to the order and audited by that service and here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.popups import clear_popups
from fanjing.healthkit.status import lift_red
from fanjing.healthkit.store import PopupRow, RedMarkRow
from fanjing.infra.crypto import FieldCipher
from fanjing.users.store import UserRow
from fanjing.vaccination.service import Identity, clinic_of, correct_identity
from fanjing.workorders.core import State, may_act
from fanjing.workorders.service import order_of_unit
from fanjing.workorders.store import WorkOrderActionRow, WorkOrderRow

LONGEST_REASON = 200  # the services keep 300 characters, with the order's number after it


def clear_order_popups(
    *,
    session: Session,
    order_id: int,
    user: UserRow,
    city: str | None,
    reason: str,
    today: date,
    now: datetime,
) -> list[PopupRow]:
    """The community clears the order's account's pop-ups (for ``city``, or all)."""
    order = _handling(session, order_id, user)
    account_id = _account(order)
    assert user.community is not None  # a community worker's unit is their community
    cleared = clear_popups(
        session=session,
        account_id=account_id,
        city=city,
        community=user.community,
        actor=user.name,
        reason=_reason(order, reason),
        today=today,
        now=now,
    )
    for popup in cleared:
        _link(session, order, "popup_clear", popup.id, reason, user.name, now)
    return cleared


def correct_order_dose(
    *,
    session: Session,
    cipher: FieldCipher,
    order_id: int,
    user: UserRow,
    dose_id: int,
    identity: Identity,
    reason: str,
    now: datetime,
) -> int:
    """The clinic corrects the identity on one of its dose records (the next sync brings the
    dose to the account); the dose's id."""
    order = _handling(session, order_id, user)
    dose = correct_identity(
        session=session,
        cipher=cipher,
        clinic=clinic_of(session, user.clinic),
        dose_id=dose_id,
        identity=identity,
        reason=_reason(order, reason),
        actor=user.name,
        now=now,
    )
    _link(session, order, "dose_identity", dose.id, reason, user.name, now)
    return dose.id


def lift_order_red_mark(
    *,
    session: Session,
    order_id: int,
    user: UserRow,
    mark_id: int,
    reason: str,
    today: date,
    now: datetime,
) -> RedMarkRow:
    """CDC lifts a red mark of the order's account."""
    order = _handling(session, order_id, user)
    account_id = _account(order)
    mark = session.get(RedMarkRow, mark_id)
    if mark is None or mark.account_id != account_id:
        raise FanjingError(
            Code.NOT_FOUND,
            f"本工单涉及的账户没有编号为 {mark_id} 的红码标记",
            Where(field="mark_id"),
        )
    lifted = lift_red(
        session=session,
        mark_id=mark_id,
        reason=_reason(order, reason),
        actor=user.name,
        today=today,
        now=now,
    )
    _link(session, order, "red_mark_lift", lifted.id, reason, user.name, now)
    return lifted


def _handling(session: Session, order_id: int, user: UserRow) -> WorkOrderRow:
    order = order_of_unit(session, order_id, user)
    if not may_act(State(order.state)):
        raise FanjingError(
            Code.BAD_TRANSITION,
            f"工单{State(order.state).label_zh}：办理（响应前后、办结前）才能处置",
            Where(field="state"),
        )
    return order


def _account(order: WorkOrderRow) -> int:
    if order.account_id is None:
        raise FanjingError(
            Code.NO_ACCOUNT,
            "本工单涉及的手机号没有绑定健康宝账户，无法在系统中处置",
            Where(field="account"),
        )
    return order.account_id


def _reason(order: WorkOrderRow, reason: str) -> str:
    """The service's reason, naming the order it was done for (its own audit entry shows it)."""
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明处置理由", Where(field="reason"))
    if len(reason.strip()) > LONGEST_REASON:
        raise FanjingError(
            Code.BAD_VALUE, f"处置理由至多 {LONGEST_REASON} 字", Where(field="reason")
        )
    return f"{reason.strip()}（12345 工单 #{order.id}）"


def _link(
    session: Session,
    order: WorkOrderRow,
    kind: str,
    target_id: int,
    reason: str,
    actor: str,
    now: datetime,
) -> None:
    action = WorkOrderActionRow(
        order_id=order.id,
        kind=kind,
        target_id=target_id,
        reason=reason.strip(),
        acted_at=now,
        acted_by=actor,
    )
    session.add(action)
    session.flush()
    record(
        session,
        actor=actor,
        at=now,
        action=f"workorders.order.{kind}",
        entity="work_order",
        entity_id=order.id,
        after={"kind": kind, "target_id": target_id, "reason": reason.strip()},
    )
