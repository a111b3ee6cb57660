"""The demo's work orders, in several states, stamped relative to the present moment (orders
run on the real clock): one just dispatched, one responded, one escalated for being late,
one resolved, one closed with the caller's satisfaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.users.store import UserRow
from fanjing.workorders import service
from fanjing.workorders.deadlines import builtin_deadlines
from fanjing.workorders.store import first_faq_entry_id, first_user_of_role

COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
HOURS = timedelta(hours=1)


def seed_orders(
    engine: Engine, cipher: FieldCipher, gazetteer: Gazetteer, *, clinic: str, now: datetime
) -> None:
    with session_scope(engine) as session:
        operator = _user(session, "hotline")
        nurse, cdc = _user(session, "clinic"), _user(session, "cdc")
        faq = first_faq_entry_id(session)

        def opened(category: str, text: str, hours_ago: float, **more: object) -> int:
            call = service.Call(
                caller_name=str(more.pop("name", "张三")),
                caller_phone=str(more.pop("phone", "13912345678")),
                category=category,
                description=text,
                address=COMMUNITY,
                **more,  # type: ignore[arg-type]
            )
            order = service.open_order(
                session=session,
                cipher=cipher,
                call=call,
                deadlines=builtin_deadlines(),
                parse_place=gazetteer.parse,
                actor=operator.name,
                now=now - hours_ago * HOURS,
            )
            return order.id

        def handled(order_id: int, user: UserRow, hours_ago: float, *steps: str) -> None:
            """The unit's response, then its resolution if given, ``hours_ago`` and 5 hours on."""
            for step, text in zip((service.respond, service.resolve), steps, strict=False):
                step(
                    session=session,
                    order_id=order_id,
                    user=user,
                    text=text,
                    now=now - hours_ago * HOURS,
                )
                hours_ago -= 5

        opened("popup_appeal", "8月未离京，健康宝弹窗提示去过郑州", 2, concerns_phone="13800138000")
        late = opened(
            "colour_appeal", "居家观察已满，健康码仍为黄码", 30, name="李四", phone="13700000001"
        )
        dose = opened(
            "vaccination_missing", "第二针已打，健康宝查不到", 50, clinic=clinic, faq_entry_id=faq
        )
        handled(dose, nurse, 40, "已核实：登记时姓名有误，正在更正")
        star = opened("itinerary_star", "行程卡带星，所到城市无中高风险地区", 20)
        handled(
            star, cdc, 18, "已核实行程", "星号按通信行程卡规则显示，14 天后自动消失，可正常进京"
        )
        closed = opened("policy_question", "从郑州返京需要隔离几天", 80, faq_entry_id=faq)
        handled(closed, cdc, 75, "已核实", "按政策需居家观察 14 天")
        service.close(
            session=session,
            order_id=closed,
            satisfaction="satisfied",
            note="来电人已清楚",
            actor=operator.name,
            now=now - 58 * HOURS,
        )
        opened("complaint", "小区门口测温排队过长", 1, name="王五", phone="13700000002")
        escalated = service.escalate_overdue(session=session, now=now)
        assert late in {o.id for o in escalated}


def _user(session: Session, role: str) -> UserRow:
    user = first_user_of_role(session, role)
    assert user is not None, role
    return user
