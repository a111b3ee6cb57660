"""Work orders over HTTP, end to end: the hotline opens, the unit of the category gets it,
acts through the existing service, responds and resolves; the hotline closes with the
caller's satisfaction; the citizen sees it. Each other role is refused, and a unit sees only
what was dispatched to it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fanjing.audit.store import AuditEntryRow
from fanjing.healthkit.store import PopupRow, RedMarkRow
from fanjing.infra.db import session_scope
from fanjing.vaccination.store import DoseRow
from fanjing.workorders.store import WorkOrderActionRow
from tests.api_helpers import CLINIC, COMMUNITY, ROLES, bearer
from tests.workorders.conftest import CALLER_PHONE, PHONE

BASE = "/api/v1/workorders"


def call(category: str, **more: object) -> dict[str, object]:
    return {
        "caller_name": "张三",
        "caller_phone": CALLER_PHONE,
        "category": category,
        "description": "我没去过郑州，健康宝却弹窗",
        "concerns_phone": PHONE,
        "address": COMMUNITY + "3号楼",
        **more,
    }


def open_order(client, tokens, category: str = "popup_appeal", **more: object) -> dict:
    answer = client.post(BASE, json=call(category, **more), headers=bearer(tokens["hotline"]))
    assert answer.status_code == 201, answer.text
    return answer.json()


def step(client, token: str, path: str, body: dict) -> dict:
    answer = client.post(path, json=body, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_pop_up_appeal_goes_to_the_community_which_clears_it_and_the_caller_rates_it(
    client, tokens, world, engine
):
    order = open_order(client, tokens)
    assert order["state"] == "dispatched" and order["unit_kind"] == "community"
    assert order["unit"] == COMMUNITY and order["district"] == "朝阳区"
    assert order["account_id"] == world.account_id  # found by the number it concerns
    assert order["caller"] == "张*" and order["caller_phone"] == CALLER_PHONE  # the hotline calls
    assert order["concerns_phone"] == "139****5678"
    assert (order["respond_by"], order["resolve_by"]) != (None, None)
    worker = tokens["community_worker"]
    seen = client.get(f"{BASE}/{order['id']}", headers=bearer(worker)).json()
    assert seen["caller_phone"] == "138****1111"  # masked for the unit
    path = f"{BASE}/{order['id']}"
    step(client, worker, f"{path}/respond", {"text": "已核实：该居民8月未出京"})
    acted = step(client, worker, f"{path}/popups/clear", {"reason": "通信基站误差，已核实未到郑州"})
    assert [a["target_ids"] for a in acted["actions"]] == [world.popup_ids]  # one action
    resolved = step(client, worker, f"{path}/resolve", {"text": "弹窗已清除"})
    assert resolved["state"] == "resolved"
    closed = step(
        client, tokens["hotline"], f"{path}/close", {"satisfaction": "basically_satisfied"}
    )
    assert closed["state"] == "closed" and closed["satisfaction_zh"] == "基本满意"
    with session_scope(engine) as session:
        popups = session.scalars(select(PopupRow).where(PopupRow.id.in_(world.popup_ids))).all()
        assert all(
            p.cleared_at and f"工单 #{order['id']}" in (p.clear_reason or "") for p in popups
        )
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEntryRow)
                .where(AuditEntryRow.entity == "work_order")
                .order_by(AuditEntryRow.id)
            )
        ]
    assert actions == [
        "workorders.order.open",
        "workorders.order.dispatch",
        "workorders.order.respond",
        *["workorders.order.popup_clear"] * len(world.popup_ids),
        "workorders.order.resolve",
        "workorders.order.close",
    ]
    mine = client.get("/api/v1/healthkit/workorders", headers=bearer(tokens["citizen"])).json()
    assert [(o["id"], o["state_zh"]) for o in mine] == [(order["id"], "已回访结单")]


def test_a_missing_dose_goes_to_the_clinic_which_corrects_the_identity(
    client, tokens, world, engine
):
    order = open_order(client, tokens, "vaccination_missing", clinic=CLINIC)
    assert order["unit_kind"] == "clinic" and order["unit"] == "潘家园接种门诊"
    body = {
        "dose_id": world.dose_id,
        "name": "张三",
        "document_number": "11010519491231002X",
        "reason": "登记时姓名写错",
    }
    acted = step(client, tokens["clinic"], f"{BASE}/{order['id']}/dose-identity", body)
    assert acted["actions"][0]["kind"] == "dose_identity"
    with session_scope(engine) as session:
        assert session.get(DoseRow, world.dose_id).corrected_at is not None


def test_a_red_colour_goes_to_cdc_which_lifts_the_mark(client, tokens, world, engine):
    order = open_order(client, tokens, "colour_appeal")
    assert order["unit_kind"] == "cdc"  # red: only CDC lifts it
    path = f"{BASE}/{order['id']}/red-marks/lift"
    step(client, tokens["cdc"], path, {"mark_id": world.mark_id, "reason": "核酸阴性，解除"})
    again = client.post(
        path, json={"mark_id": world.mark_id, "reason": "x"}, headers=bearer(tokens["cdc"])
    )
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "already_lifted"
    with session_scope(engine) as session:
        assert session.get(RedMarkRow, world.mark_id).lifted_on is not None
        assert session.scalar(select(WorkOrderActionRow.kind)) == "red_mark_lift"


def test_illegal_steps_are_refused_with_what_the_state_allows(client, tokens, world):
    order = open_order(client, tokens, "itinerary_star")
    path = f"{BASE}/{order['id']}"
    early = client.post(
        f"{path}/close", json={"satisfaction": "satisfied"}, headers=bearer(tokens["hotline"])
    )
    assert early.status_code == 409
    assert "已派单" in early.json()["detail"] and "响应" in early.json()["detail"]
    skipped = client.post(f"{path}/resolve", json={"text": "好"}, headers=bearer(tokens["cdc"]))
    assert skipped.status_code == 409 and skipped.json()["errors"][0]["code"] == "bad_transition"


def test_bad_calls_name_the_field(client, tokens, world):
    cases = [
        (call("popup_appeal", caller_phone="12345"), "caller_phone"),
        (call("popup_appeal", address="朝阳区"), "address"),
        (call("popup_appeal", address="河南省郑州市二七区京广路街道"), "address"),
        (call("vaccination_missing"), "clinic"),
        (call("vaccination_missing", clinic="nowhere"), "clinic"),
        (call("policy_question", faq_entry_id=999), "faq_entry_id"),
        (call("complaint", description="  "), "description"),
    ]
    for body, field in cases:
        answer = client.post(BASE, json=body, headers=bearer(tokens["hotline"]))
        assert answer.status_code in (404, 422), (field, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["field"] == field, (field, answer.text)
    assert client.get(BASE, headers=bearer(tokens["hotline"])).json() == []  # nothing half-written


@pytest.mark.parametrize("role", [r for r in ROLES if r != "hotline"])
def test_only_the_hotline_opens_and_closes(client, tokens, role):
    assert (
        client.post(BASE, json=call("popup_appeal"), headers=bearer(tokens[role])).status_code
        == 403
    )
    order = open_order(client, tokens)
    closing = client.post(
        f"{BASE}/{order['id']}/close",
        json={"satisfaction": "satisfied"},
        headers=bearer(tokens[role]),
    )
    assert closing.status_code == 403


def test_units_see_and_handle_only_what_is_dispatched_to_them(client, tokens, world):
    popup = open_order(client, tokens)
    star = open_order(client, tokens, "itinerary_star")
    listed = {
        role: [o["id"] for o in client.get(BASE, headers=bearer(tokens[role])).json()]
        for role in ("community_worker", "cdc", "clinic", "hotline", "admin")
    }
    assert listed["community_worker"] == [popup["id"]]
    assert listed["cdc"] == [star["id"]]
    assert listed["clinic"] == []
    assert listed["hotline"] == listed["admin"] == [star["id"], popup["id"]]
    hotline = bearer(tokens["hotline"])
    again = client.get(BASE, params={"caller_phone": CALLER_PHONE}, headers=hotline).json()
    assert [o["id"] for o in again] == [star["id"], popup["id"]]
    assert client.get(BASE, params={"caller_phone": "13900000000"}, headers=hotline).json() == []
    bad = client.get(BASE, params={"caller_phone": "123"}, headers=hotline)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "caller_phone"
    for role, order in (("cdc", popup), ("community_worker", star), ("clinic", popup)):
        path = f"{BASE}/{order['id']}"
        assert client.get(path, headers=bearer(tokens[role])).status_code == 403
        answer = client.post(f"{path}/respond", json={"text": "x"}, headers=bearer(tokens[role]))
        assert answer.status_code == 403
    assert client.get(BASE, headers=bearer(tokens["citizen"])).status_code == 403
    path = f"{BASE}/{popup['id']}"
    assert client.get(path, headers=bearer(tokens["community_worker"])).json()["address"]
    assert client.get(path, headers=bearer(tokens["admin"])).json()["address"] is None


@pytest.mark.parametrize("role", [r for r in ROLES if r != "community_worker"])
def test_only_the_community_clears_pop_ups_for_an_order(client, tokens, role):
    order = open_order(client, tokens)
    path = f"{BASE}/{order['id']}/popups/clear"
    assert client.post(path, json={"reason": "x"}, headers=bearer(tokens[role])).status_code == 403


UNIT_STEPS = {
    "respond": ({"text": "已核实"}, ("community_worker", "clinic", "cdc")),
    "resolve": ({"text": "已办结"}, ("community_worker", "clinic", "cdc")),
    "dose-identity": (
        {"dose_id": 1, "name": "张三", "document_number": "11010519491231002X", "reason": "x"},
        ("clinic",),
    ),
    "red-marks/lift": ({"mark_id": 1, "reason": "x"}, ("cdc",)),
}


@pytest.mark.parametrize(
    ("step", "role"),
    [
        (step, role)
        for step, (_, allowed) in UNIT_STEPS.items()
        for role in ROLES
        if role not in allowed
    ],
)
def test_only_the_units_handle_orders(client, tokens, step, role):
    body, _ = UNIT_STEPS[step]
    answer = client.post(f"{BASE}/1/{step}", json=body, headers=bearer(tokens[role]))
    assert answer.status_code == 403, answer.text


@pytest.mark.parametrize("role", ["citizen"])
def test_reading_orders_is_not_for_citizens(client, tokens, role):
    assert client.get(f"{BASE}/1", headers=bearer(tokens[role])).status_code == 403


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("hotline", "admin")])
def test_reports_are_the_hotlines_and_the_districts(client, tokens, role):
    assert client.get(f"{BASE}/report", headers=bearer(tokens[role])).status_code == 403


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_the_district_view_is_the_administrators(client, tokens, role):
    assert client.get(f"{BASE}/escalated", headers=bearer(tokens[role])).status_code == 403


@pytest.mark.parametrize("role", [r for r in ROLES if r != "citizen"])
def test_the_health_kit_list_is_the_citizens(client, tokens, role):
    answer = client.get("/api/v1/healthkit/workorders", headers=bearer(tokens[role]))
    assert answer.status_code == 403


def test_the_report_counts_the_days_orders_and_exports_them(client, tokens, world):
    open_order(client, tokens)
    open_order(client, tokens, "itinerary_star")
    found = client.get(f"{BASE}/report", headers=bearer(tokens["hotline"]))
    assert found.status_code == 200, found.text
    report = found.json()
    assert sum(d["total"] for d in report["days"]) == 2
    everything = next(t for t in report["timings"] if t["category"] == "all")
    assert (everything["opened"], everything["responded"]) == (2, 0)
    exported = client.get(f"{BASE}/report?format=xlsx", headers=bearer(tokens["admin"]))
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.content))
    assert book.sheetnames == ["每日工单", "时效（小时）", "超时工单"]
    assert book["每日工单"].cell(1, 2).value == "弹窗申诉"
    assert sum(row[-1] for row in book["每日工单"].iter_rows(min_row=2, values_only=True)) == 2
