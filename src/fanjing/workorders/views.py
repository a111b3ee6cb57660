"""Reading orders as each role may see them: a unit its own, the hotline and the district all
(the district: the escalated ones of its district), a citizen those about their account or
from their numbers. Names and numbers are masked; the hotline alone sees the caller's number
in full (it calls back), and only the hotline and the units the caller's address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fanjing.common.identity import mask_name, mask_phone
from fanjing.healthkit.store import account_of
from fanjing.hotline.store import FaqEntryRow
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.vaccination.store import ClinicRow
from fanjing.workorders.core import (
    CATEGORY_ZH,
    SATISFACTION_ZH,
    STATE_ZH,
    UNIT_ZH,
    State,
    Unit,
    UnitKind,
    allowed_steps,
    overdue_stage,
    resolve_by,
    respond_by,
)
from fanjing.workorders.service import clock_of
from fanjing.workorders.store import (
    WorkOrderActionRow,
    WorkOrderRow,
    actions_of,
    orders_about_account,
    orders_where,
)

ACTION_ZH = {
    "popup_clear": "清除弹窗",
    "dose_identity": "更正接种记录身份",
    "red_mark_lift": "解除红码标记",
}
LIST_LIMIT = 500
ADDRESS_ROLES = (Role.HOTLINE, Role.COMMUNITY_WORKER, Role.CLINIC, Role.CDC)


@dataclass(frozen=True)
class ActionView:
    """One action as the unit took it: a city's pop-ups are cleared with one reason, so the
    pop-ups cleared at once are one action with their ids."""

    kind: str
    kind_zh: str
    target_ids: list[int]
    reason: str
    acted_at: datetime
    acted_by: str


@dataclass(frozen=True)
class OrderView:
    id: int
    category: str
    category_zh: str
    state: str
    state_zh: str
    caller: str  # masked name
    caller_phone: str  # masked, but for the hotline's call-back
    address: str | None
    concerns_phone: str | None  # masked
    account_id: int | None
    description: str
    faq_entry_id: int | None
    faq_question: str | None
    unit_kind: str
    unit: str
    district: str | None
    opened_at: datetime
    opened_by: str
    respond_by: datetime | None
    resolve_by: datetime | None
    responded_at: datetime | None
    response: str | None
    resolved_at: datetime | None
    resolution: str | None
    escalated_at: datetime | None
    escalated_stage: str | None
    overdue: str | None  # the deadline passed now: respond or resolve
    closed_at: datetime | None
    satisfaction: str | None
    satisfaction_zh: str | None
    callback_note: str | None
    next_steps: list[str]
    actions: list[ActionView]


def order_view(
    session: Session,
    cipher: FieldCipher,
    order: WorkOrderRow,
    *,
    now: datetime,
    role: str | None = None,
) -> OrderView:
    """The order for ``role``: the hotline sees the caller's number in full (it calls back);
    the hotline and the units the address (the community visits); others neither."""
    clock = clock_of(order)
    phone = cipher.decrypt(order.caller_phone_encrypted)
    concerns = (
        mask_phone(cipher.decrypt(order.concerns_phone_encrypted))
        if order.concerns_phone_encrypted
        else None
    )
    faq = session.get(FaqEntryRow, order.faq_entry_id) if order.faq_entry_id else None
    overdue = overdue_stage(clock, now)
    return OrderView(
        id=order.id,
        category=order.category,
        category_zh=CATEGORY_ZH[order.category],
        state=order.state,
        state_zh=STATE_ZH[order.state],
        caller=mask_name(cipher.decrypt(order.caller_name_encrypted)),
        caller_phone=phone if role == Role.HOTLINE else mask_phone(phone),
        address=(
            cipher.decrypt(order.caller_address_encrypted)
            if order.caller_address_encrypted and role in ADDRESS_ROLES
            else None
        ),
        concerns_phone=concerns,
        account_id=order.account_id,
        description=order.description,
        faq_entry_id=order.faq_entry_id,
        faq_question=faq.question if faq else None,
        unit_kind=order.unit_kind,
        unit=unit_label(session, order.unit_kind, order.unit_key),
        district=order.district,
        opened_at=order.opened_at,
        opened_by=order.opened_by,
        respond_by=respond_by(clock),
        resolve_by=resolve_by(clock),
        responded_at=order.responded_at,
        response=order.response,
        resolved_at=order.resolved_at,
        resolution=order.resolution,
        escalated_at=order.escalated_at,
        escalated_stage=order.escalated_stage,
        overdue=overdue.value if overdue else None,
        closed_at=order.closed_at,
        satisfaction=order.satisfaction,
        satisfaction_zh=SATISFACTION_ZH.get(order.satisfaction or ""),
        callback_note=order.callback_note,
        next_steps=[
            s.value
            for s in allowed_steps(State(order.state), responded=order.responded_at is not None)
        ],
        actions=_grouped(actions_of(session, order.id)),
    )


def _grouped(rows: Sequence[WorkOrderActionRow]) -> list[ActionView]:
    found: dict[tuple[str, datetime, str, str], list[int]] = {}
    for row in rows:
        found.setdefault((row.kind, row.acted_at, row.acted_by, row.reason), []).append(
            row.target_id
        )
    return [
        ActionView(kind, ACTION_ZH[kind], targets, reason, acted_at, acted_by)
        for (kind, acted_at, acted_by, reason), targets in found.items()
    ]


def unit_label(session: Session, kind: str, key: str) -> str:
    """The unit as people name it: the community, the clinic's name, 疾控中心."""
    if kind == UnitKind.CLINIC:
        clinic = session.get(ClinicRow, key)
        return clinic.name if clinic else key
    if kind == UnitKind.CDC:
        return UNIT_ZH["cdc"]
    return key


def orders(
    session: Session,
    *,
    unit: Unit | None = None,
    states: Sequence[str] = (),
    district: str | None = None,
    caller_phone_hash: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[WorkOrderRow]:
    """Newest first: all, or a unit's, in ``states`` (any when empty), of a district, from a
    caller (by the keyed hash of their number: a caller who calls again)."""
    return orders_where(
        session,
        unit_kind=unit.kind.value if unit is not None else None,
        unit_key=unit.key if unit is not None else None,
        states=states,
        district=district,
        caller_phone_hash=caller_phone_hash,
        limit=limit,
    )


def escalated_orders(session: Session, district: str | None = None) -> list[WorkOrderRow]:
    """What the district sees: every order escalated to it and not yet resolved."""
    return orders(session, states=(State.ESCALATED.value,), district=district)


def orders_of_citizen(session: Session, user_id: int) -> list[WorkOrderRow]:
    """The orders about the citizen's account, or called in from one of its numbers."""
    account = account_of(session, user_id)
    if account is None:
        return []
    return orders_about_account(session, account.id, LIST_LIMIT)


@dataclass(frozen=True)
class CitizenOrder:
    """What the health kit shows a citizen of their order: its state and the unit's answers."""

    id: int
    category_zh: str
    state: str
    state_zh: str
    unit: str
    opened_at: datetime
    response: str | None
    resolution: str | None
    closed_at: datetime | None
    satisfaction_zh: str | None


def citizen_order(session: Session, row: WorkOrderRow) -> CitizenOrder:
    return CitizenOrder(
        id=row.id,
        category_zh=CATEGORY_ZH[row.category],
        state=row.state,
        state_zh=STATE_ZH[row.state],
        unit=unit_label(session, row.unit_kind, row.unit_key),
        opened_at=row.opened_at,
        response=row.response,
        resolution=row.resolution,
        closed_at=row.closed_at,
        satisfaction_zh=SATISFACTION_ZH.get(row.satisfaction or ""),
    )
