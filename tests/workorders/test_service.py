"""The work-order service on its own: deadlines from the data, escalation of overdue orders
to the district, response and resolution times, the overdue list and its export."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from fanjing.audit.store import AuditEntryRow
from fanjing.infra.db import session_scope
from fanjing.users.store import UserRow
from fanjing.vaccination.service import add_clinic
from fanjing.workorders import service
from fanjing.workorders.deadlines import builtin_deadlines
from fanjing.workorders.demo_orders import seed_orders
from fanjing.workorders.reports import report, report_xlsx
from fanjing.workorders.store import WorkOrderRow
from fanjing.workorders.views import escalated_orders
from tests.api_helpers import CLINIC, CLINIC_STREET, COMMUNITY
from tests.workorders.conftest import CALLER_PHONE, NOW, PHONE, TODAY


def _open(session, cipher, gazetteer, category="popup_appeal", clinic=None, at=NOW):
    return service.open_order(
        session=session,
        cipher=cipher,
        call=service.Call(
            caller_name="李四",
            caller_phone=CALLER_PHONE,
            category=category,
            description="弹窗有误",
            address=COMMUNITY,
            concerns_phone=PHONE,
            clinic=clinic,
        ),
        deadlines=builtin_deadlines(),
        parse_place=gazetteer.parse,
        actor="话务员",
        now=at,
    )


def _user(session, role):
    return session.scalar(select(UserRow).where(UserRow.role == role))


def test_overdue_orders_are_escalated_once_per_deadline_to_their_district(
    engine, cipher, gazetteer, world
):
    with session_scope(engine) as session:
        late = _open(session, cipher, gazetteer)
        fresh = _open(session, cipher, gazetteer, at=NOW + timedelta(hours=23))
        assert (late.respond_hours, late.resolve_hours) == (24, 72)
        day_later = NOW + timedelta(hours=24)
        assert [o.id for o in service.escalate_overdue(session=session, now=day_later)] == [late.id]
        assert service.escalate_overdue(session=session, now=day_later) == []  # once
        assert late.state == "escalated" and late.escalated_stage == "respond"
        assert [o.id for o in escalated_orders(session, "朝阳区")] == [late.id]
        assert escalated_orders(session, "海淀区") == []
        worker = _user(session, "community_worker")
        service.respond(
            session=session, order_id=late.id, user=worker, text="已核实", now=day_later
        )
        assert late.state == "responded"  # back with the unit, still late
        three_days = NOW + timedelta(hours=72)
        escalated = service.escalate_overdue(session=session, now=three_days)
        assert [o.id for o in escalated] == [late.id, fresh.id]
        assert late.escalated_stage == "resolve" and fresh.escalated_stage == "respond"
        escalations = session.scalar(
            select(func.count()).where(AuditEntryRow.action == "workorders.order.escalate")
        )
        assert escalations == 3


def test_the_report_gives_median_and_p90_and_exports_the_overdue_list_as_text(
    engine, cipher, gazetteer, world
):
    with session_scope(engine) as session:
        add_clinic(
            session=session,
            code="evil",
            name='=HYPERLINK("http://x","y")',
            street=CLINIC_STREET,
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        worker = _user(session, "community_worker")
        hours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30]
        for h in hours:
            order = _open(session, cipher, gazetteer)
            service.respond(
                session=session,
                order_id=order.id,
                user=worker,
                text="已核实",
                now=NOW + timedelta(hours=h),
            )
        _open(session, cipher, gazetteer, "vaccination_missing", clinic="evil")
        found = report(session, first_day=TODAY, last_day=TODAY, now=NOW + timedelta(hours=25))
        popups = next(t for t in found.timings if t.category == "popup_appeal")
        assert (popups.opened, popups.responded) == (10, 10)
        assert (popups.respond_median_hours, popups.respond_p90_hours) == (5.0, 9.0)
        assert found.days[0].by_category["vaccination_missing"] == 1
        assert [o.unit for o in found.overdue] == ['=HYPERLINK("http://x","y")']
        book = load_workbook(io.BytesIO(report_xlsx(found)))
        cell = book["超时工单"].cell(2, 3)
        assert cell.data_type == "s" and cell.value.startswith("'=")


def test_the_demo_seeds_orders_in_every_state_but_opened(engine, cipher, gazetteer, tokens):
    seed_orders(engine, cipher, gazetteer, clinic=CLINIC, now=NOW)
    with session_scope(engine) as session:
        states = Counter(session.scalars(select(WorkOrderRow.state)))
    assert set(states) == {"dispatched", "responded", "resolved", "closed", "escalated"}
    assert states["escalated"] == 1
