"""Each work-order page is its roles' alone: every other role gets 403 (after logging in), and
a unit's user cannot open another unit's order."""

from __future__ import annotations

import re

import pytest

from tests.api_helpers import COMMUNITY, ROLES, bearer

PAGES = {
    "/hotline/workorders": ("hotline",),
    "/hotline/workorders/{id}": ("hotline",),
    "/workorders": ("community_worker", "clinic", "cdc"),
    "/workorders/{id}": ("community_worker", "admin"),  # a popup appeal: the community's
    "/workorders/district": ("admin",),
    "/workorders/reports": ("hotline", "admin"),
    "/workorders/reports.xlsx": ("hotline", "admin"),
    "/healthkit/workorders": ("citizen",),
}


def _log_in(client, token: str) -> None:
    client.cookies.clear()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    answer = client.post(
        "/login", data={"token": token, "csrf": csrf.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303


@pytest.mark.parametrize("role", ROLES)
def test_each_page_answers_its_roles_and_refuses_the_others(client, tokens, role):
    body = {
        "caller_name": "张三",
        "caller_phone": "13800001111",
        "category": "popup_appeal",
        "description": "误弹窗",
        "address": COMMUNITY,
    }
    order = client.post("/api/v1/workorders", json=body, headers=bearer(tokens["hotline"])).json()
    _log_in(client, tokens[role])
    for page, allowed in PAGES.items():
        answer = client.get(page.format(id=order["id"]))
        expected = 200 if role in allowed else 403
        assert answer.status_code == expected, (page, role, answer.status_code)


def _csrf(client, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None
    return found.group(1)


def test_a_refused_call_is_shown_next_to_the_form_as_typed(client, tokens):
    _log_in(client, tokens["hotline"])
    form = {
        "caller_name": "张三",
        "caller_phone": "13800001111",
        "category": "popup_appeal",
        "description": "误弹窗，请核实",
        "address": "河南省郑州市二七区",
        "csrf": _csrf(client, "/hotline/workorders"),
    }
    answer = client.post("/hotline/workorders", data=form, follow_redirects=False)
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "须填写住址（写到社区/村）" in answer.text
    assert "误弹窗，请核实" in answer.text and 'value="河南省郑州市二七区"' in answer.text
    assert client.get("/api/v1/workorders", headers=bearer(tokens["hotline"])).json() == []


def test_a_step_out_of_turn_is_refused_on_the_order_page(client, tokens):
    body = {
        "caller_name": "张三",
        "caller_phone": "13800001111",
        "category": "popup_appeal",
        "description": "误弹窗",
        "address": COMMUNITY,
    }
    order = client.post("/api/v1/workorders", json=body, headers=bearer(tokens["hotline"])).json()
    _log_in(client, tokens["community_worker"])
    page = f"/workorders/{order['id']}"
    answer = client.post(
        f"{page}/resolve",
        data={"text": "已办", "csrf": _csrf(client, page)},
        follow_redirects=False,
    )
    assert answer.status_code == 409
    assert "工单已派单，不能办结答复" in answer.text and 'id="respond-form"' in answer.text


def test_the_reports_page_takes_its_days_and_refuses_a_backward_span(client, tokens):
    _log_in(client, tokens["admin"])
    chosen = client.get("/workorders/reports?from=2021-08-01&to=2021-08-07")
    assert chosen.status_code == 200 and "2021-08-01 至 2021-08-07" in chosen.text
    assert chosen.text.count("<tr><td>2021-08-") == 7
    backward = client.get("/workorders/reports?from=2021-08-07&to=2021-08-01")
    assert backward.status_code == 422 and "结束日期早于开始日期" in backward.text
    exported = client.get("/workorders/reports.xlsx?from=2021-08-01&to=2021-08-07")
    assert (
        'filename="workorders-2021-08-01-2021-08-07.xlsx"'
        in exported.headers["content-disposition"]
    )
