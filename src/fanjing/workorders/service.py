"""Opening a work order from a call and moving it through its states: dispatched at once to
the unit responsible, responded to and resolved by that unit, closed by the hotline with the
caller's satisfaction, escalated to the district when overdue. Every step is audited."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import mask_name, mask_phone, mobile_number
from fanjing.errors import Code, FanjingError, Where
from fanjing.hotline.store import FaqEntryRow
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import Place, beijing_community
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.vaccination.store import ClinicRow
from fanjing.workorders.core import (
    CATEGORY_ZH,
    SATISFACTION_ZH,
    Category,
    Clock,
    Deadlines,
    State,
    Step,
    Unit,
    UnitKind,
    next_state,
    overdue_stage,
    responsible_unit,
    to_escalate,
)
from fanjing.workorders.store import (
    WorkOrderRow,
    account_bound_to_phone,
    claim_escalation,
    has_red_mark,
    orders_in_states,
)

LONGEST_TEXT = 2000
ESCALATION_ACTOR = "接诉即办超时检查"


@dataclass(frozen=True)
class Call:
    """What the operator takes down from a call (text as typed; checked when opened)."""

    caller_name: str
    caller_phone: str
    category: str
    description: str
    address: str | None = None  # the caller's, to the community (社区/村)
    concerns_phone: str | None = None  # the health-kit number it is about, if not the caller's
    faq_entry_id: int | None = None  # the knowledge-base answer given on the call
    clinic: str | None = None  # where the missing dose was given


def open_order(
    *,
    session: Session,
    cipher: FieldCipher,
    call: Call,
    deadlines: Deadlines,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
) -> WorkOrderRow:
    """Open the order and dispatch it to its unit in one transaction (two audit entries)."""
    category = _category(call.category)
    name = _text(call.caller_name, "caller_name", longest=50)
    phone = mobile_number(call.caller_phone, field="caller_phone")
    description = _text(call.description, "description", longest=LONGEST_TEXT)
    place = _address(call.address, parse_place)
    concerns = (
        mobile_number(call.concerns_phone, field="concerns_phone") if call.concerns_phone else None
    )
    account_id = account_bound_to_phone(session, cipher.lookup_hash(concerns or phone))
    if call.faq_entry_id is not None and session.get(FaqEntryRow, call.faq_entry_id) is None:
        raise FanjingError(
            Code.NOT_FOUND,
            f"知识库没有编号为 {call.faq_entry_id} 的问答",
            Where(field="faq_entry_id"),
        )
    clinic = session.get(ClinicRow, call.clinic) if call.clinic else None
    if call.clinic and clinic is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有代码为“{call.clinic}”的接种门诊", Where(field="clinic")
        )
    unit = responsible_unit(
        category,
        community=_community(place),
        clinic=clinic.code if clinic else None,
        red=account_id is not None and has_red_mark(session, account_id),
    )
    deadline = deadlines[category]
    order = WorkOrderRow(
        category=category.value,
        state=State.OPENED.value,
        caller_name_encrypted=cipher.encrypt(name),
        caller_name_hash=cipher.lookup_hash(f"caller name:{name}"),
        caller_phone_encrypted=cipher.encrypt(phone),
        caller_phone_hash=caller_hash(cipher, phone),
        caller_address_encrypted=cipher.encrypt(place.text) if place else None,
        account_id=account_id,
        concerns_phone_encrypted=cipher.encrypt(concerns) if concerns else None,
        concerns_phone_hash=cipher.lookup_hash(concerns) if concerns else None,
        description=description,
        faq_entry_id=call.faq_entry_id,
        unit_kind=unit.kind.value,
        unit_key=unit.key,
        district=clinic.district
        if clinic
        else (place.county if place and place.in_beijing else None),
        respond_hours=deadline.respond_hours,
        resolve_hours=deadline.resolve_hours,
        opened_at=now,
        opened_by=actor,
    )
    session.add(order)
    session.flush()
    _audit(
        session,
        order,
        "open",
        actor,
        now,
        before=None,
        after={
            "category": category.value,
            "caller": mask_name(name),
            "caller_phone": mask_phone(phone),
            "account_id": account_id,
            "faq_entry_id": call.faq_entry_id,
        },
    )
    _move(
        session, order, Step.DISPATCH, actor, now, {"unit_kind": unit.kind.value, "unit": unit.key}
    )
    order.dispatched_at = now
    return order


def caller_hash(cipher: FieldCipher, phone: str) -> str:
    """The keyed hash an order keeps of its caller's number, from a number as typed."""
    return cipher.lookup_hash(mobile_number(phone, field="caller_phone"))


def unit_of(user: UserRow) -> Unit | None:
    """The unit a user works for (a community, a clinic, CDC), or None for other roles."""
    if user.role == Role.COMMUNITY_WORKER and user.community:
        return Unit(UnitKind.COMMUNITY, user.community)
    if user.role == Role.CLINIC and user.clinic:
        return Unit(UnitKind.CLINIC, user.clinic)
    if user.role == Role.CDC:
        return Unit(UnitKind.CDC, "cdc")
    return None


def order_of_unit(session: Session, order_id: int, user: UserRow) -> WorkOrderRow:
    """An order dispatched to the user's unit (another unit's is refused: 403)."""
    order = _order(session, order_id)
    unit = unit_of(user)
    if unit is None or (order.unit_kind, order.unit_key) != (unit.kind.value, unit.key):
        raise FanjingError(Code.FORBIDDEN, f"工单 #{order_id} 未派给本单位")
    return order


def order_for(session: Session, order_id: int, user: UserRow) -> WorkOrderRow:
    """An order as ``user`` may read it: a unit's user only their unit's, the hotline and the
    district's supervision any (the routes let no other role this far)."""
    if unit_of(user) is not None:
        return order_of_unit(session, order_id, user)
    return _order(session, order_id)


def respond(
    *, session: Session, order_id: int, user: UserRow, text: str, now: datetime
) -> WorkOrderRow:
    """The unit has verified the call and answers the order (响应)."""
    order = order_of_unit(session, order_id, user)
    response = _text(text, "response", longest=LONGEST_TEXT)
    _move(session, order, Step.RESPOND, user.name, now, {"response": response})
    order.responded_at, order.responded_by, order.response = now, user.name, response
    return order


def resolve(
    *, session: Session, order_id: int, user: UserRow, text: str, now: datetime
) -> WorkOrderRow:
    """The unit has acted and replies (办结答复); the hotline calls the caller back."""
    order = order_of_unit(session, order_id, user)
    resolution = _text(text, "resolution", longest=LONGEST_TEXT)
    _move(session, order, Step.RESOLVE, user.name, now, {"resolution": resolution})
    order.resolved_at, order.resolved_by, order.resolution = now, user.name, resolution
    return order


def close(
    *,
    session: Session,
    order_id: int,
    satisfaction: str,
    note: str,
    actor: str,
    now: datetime,
) -> WorkOrderRow:
    """The hotline called the caller back: closed with their satisfaction."""
    order = _order(session, order_id)
    if satisfaction not in SATISFACTION_ZH:
        choices = "、".join(f"{k}（{v}）" for k, v in SATISFACTION_ZH.items())
        raise FanjingError(
            Code.BAD_VALUE,
            f"满意度应为 {choices}（收到“{satisfaction}”）",
            Where(field="satisfaction"),
        )
    note = note.strip()
    if len(note) > LONGEST_TEXT:
        raise FanjingError(Code.BAD_VALUE, f"回访记录至多 {LONGEST_TEXT} 字", Where(field="note"))
    state = next_state(State(order.state), Step.CLOSE, responded=order.responded_at is not None)
    # rated with the state it moves to: the database holds a closed order to its rating
    order.closed_at, order.closed_by = now, actor
    order.satisfaction, order.callback_note = satisfaction, note or None
    _move(session, order, Step.CLOSE, actor, now, {"satisfaction": satisfaction, "note": note})
    assert order.state == state.value
    return order


def escalate_overdue(*, session: Session, now: datetime) -> list[WorkOrderRow]:
    """Escalate to their district every order past a deadline and not yet escalated for it;
    the orders escalated. Each is claimed by a conditional UPDATE (still in the state it was
    read in), so servers running the check at once escalate an order once."""
    waiting = (State.DISPATCHED.value, State.RESPONDED.value)
    escalated = []
    for order in orders_in_states(session, waiting, by_id=True):
        clock = clock_of(order)
        stage = overdue_stage(clock, now)
        if stage is None or not to_escalate(clock, now):
            continue
        before = order.state
        after = next_state(clock.state, Step.ESCALATE, responded=clock.responded_at is not None)
        if not claim_escalation(
            session, order.id, before=before, after=after.value, stage=stage.value, now=now
        ):
            continue
        session.refresh(order)
        _audit(
            session,
            order,
            Step.ESCALATE.value,
            ESCALATION_ACTOR,
            now,
            {"state": before},
            {"state": after.value, "stage": stage.value, "district": order.district},
        )
        escalated.append(order)
    return escalated


def clock_of(order: WorkOrderRow) -> Clock:
    return Clock(
        state=State(order.state),
        dispatched_at=order.dispatched_at,
        responded_at=order.responded_at,
        respond_hours=order.respond_hours,
        resolve_hours=order.resolve_hours,
    )


def _order(session: Session, order_id: int) -> WorkOrderRow:
    order = session.get(WorkOrderRow, order_id)
    if order is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {order_id} 的工单", Where(field="id"))
    return order


def _move(
    session: Session,
    order: WorkOrderRow,
    step: Step,
    actor: str,
    now: datetime,
    details: dict[str, Any],
) -> None:
    before = order.state
    order.state = next_state(
        State(order.state), step, responded=order.responded_at is not None
    ).value
    _audit(
        session, order, step.value, actor, now, {"state": before}, {"state": order.state, **details}
    )


def _audit(
    session: Session,
    order: WorkOrderRow,
    step: str,
    actor: str,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    record(
        session,
        actor=actor,
        at=now,
        action=f"workorders.order.{step}",
        entity="work_order",
        entity_id=order.id,
        before=before,
        after=after,
    )


def _category(text: str) -> Category:
    if text not in CATEGORY_ZH:
        choices = "、".join(f"{k}（{v}）" for k, v in CATEGORY_ZH.items())
        raise FanjingError(
            Code.BAD_VALUE, f"未知类别“{text}”（应为 {choices}）", Where(field="category")
        )
    return Category(text)


def _text(text: str, field: str, *, longest: int) -> str:
    stripped = text.strip()
    if not stripped:
        raise FanjingError(Code.MISSING_FIELD, "请填写此项", Where(field=field))
    if len(stripped) > longest:
        raise FanjingError(
            Code.BAD_VALUE, f"至多 {longest} 字（收到 {len(stripped)} 字）", Where(field=field)
        )
    return stripped


def _address(text: str | None, parse_place: Callable[[str], Place]) -> Place | None:
    if not text or not text.strip():
        return None
    try:
        return parse_place(text.strip())
    except FanjingError as error:
        raise FanjingError(error.code, error.message, Where(field="address")) from None


def _community(place: Place | None) -> str | None:
    """The community (社区/村) of the caller's address; None when the address stops above
    one (only the categories a community handles need it, and they say so)."""
    if place is None or not place.in_beijing or place.village is None:
        return None
    return dataclasses.replace(beijing_community(place, at="address"), detail="").name
