"""Employers over HTTP: CDC registers an organisation and its users, an employee links with the
employer's code, their arrival report reaches the employer, which sees its own staff only —
measures, last days and return days, masked, nothing else of their health — also in Excel."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.api_helpers import ROLES, bearer
from tests.community.helpers import arrival, report
from tests.employers.helpers import (
    ID,
    OTHER_CREDIT_CODE,
    OTHER_ID,
    citizen,
    employer_user,
    link,
    open_account,
    register,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get(client, token, path):
    return client.get(path, headers=bearer(token))


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/api/v1/employers", {"cdc", "admin"}),
        ("get", "/api/v1/employers", {"cdc", "admin"}),
        ("post", "/api/v1/employers/1/users", {"cdc", "admin"}),
        ("get", "/api/v1/employers/me", {"employer"}),
        ("get", "/api/v1/employers/staff", {"employer"}),
        ("get", "/api/v1/employers/inbox", {"employer"}),
        ("get", "/api/v1/healthkit/employer", {"citizen"}),
        ("post", "/api/v1/healthkit/employer", {"citizen"}),
        ("post", "/api/v1/healthkit/employer/unlink", {"citizen"}),
    ],
)
def test_every_other_role_is_refused(client, tokens, method, path, allowed):
    for role in set(ROLES) - allowed:
        answer = client.request(method, path, json={}, headers=bearer(tokens[role]))
        assert answer.status_code == 403, (role, answer.status_code)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.request(method, path).status_code == 401


def test_an_employer_user_bound_to_no_organisation_is_refused(client, tokens):
    # `fanjing users add --role employer` binds nothing: the employer pages say so
    answer = _get(client, tokens["employer"], "/api/v1/employers/staff")
    assert answer.status_code == 403 and "未绑定单位" in answer.json()["detail"]


def test_a_linked_employees_report_reaches_the_employer_with_measures_only(client, tokens):
    employer = register(client, tokens["cdc"])
    assert employer["district"] == "海淀区" and len(employer["code"]) == 8
    boss = employer_user(client, tokens["cdc"], employer["id"])
    assert _get(client, boss, "/api/v1/employers/me").json()["code"] == employer["code"]
    open_account(client, tokens["citizen"])
    typed = employer["code"][:4].lower() + "-" + employer["code"][4:]  # as people type it
    linked = link(client, tokens["citizen"], typed)
    assert linked.status_code == 201, linked.text
    mine = _get(client, tokens["citizen"], "/api/v1/healthkit/employer").json()
    assert mine["employer"] == "北京海淀某科技有限公司"

    made = report(client, tokens["community_worker"])  # the community reports the employee
    assert made.status_code == 201, made.text
    case_id = made.json()["case_id"]
    check = {"day": "2021-08-05", "temperature": "37.8", "symptoms": ["咳嗽"]}
    checked = client.post(
        f"/api/v1/community/cases/{case_id}/checks",
        json=check,
        headers=bearer(tokens["community_worker"]),
    )
    assert checked.status_code == 201, checked.text

    inbox = _get(client, boss, "/api/v1/employers/inbox")
    assert inbox.status_code == 200
    assert inbox.json() == [
        {
            "report_id": made.json()["id"],
            "person": "张*",
            "arrival_date": "2021-08-04",
            "reported_on": inbox.json()[0]["reported_on"],
            "measures": [
                {"kind": "home_observation", "kind_zh": "居家观察", "last_day": "2021-08-16"},
                {"kind": "health_monitoring", "kind_zh": "健康监测", "last_day": "2021-08-23"},
            ],
        }
    ]
    staff = _get(client, boss, "/api/v1/employers/staff?day=2021-08-10").json()
    assert staff["staff"] == [
        {
            "link_id": staff["staff"][0]["link_id"],
            "person": "张*",
            "measures": [
                {"kind": "home_observation", "kind_zh": "居家观察", "last_day": "2021-08-16"},
                {"kind": "health_monitoring", "kind_zh": "健康监测", "last_day": "2021-08-23"},
            ],
            "return_day": "2021-08-17",
            "at_work": False,
        }
    ]
    seen = inbox.text + _get(client, boss, "/api/v1/employers/staff?day=2021-08-10").text
    for private in ("37.8", "咳嗽", "郑州", "张三", ID, "13912345678", "nucleic"):
        assert private not in seen, private


def test_a_citizens_own_report_reaches_their_employer_too(client, tokens):
    employer = register(client, tokens["cdc"])
    boss = employer_user(client, tokens["cdc"], employer["id"])
    open_account(client, tokens["citizen"])
    assert link(client, tokens["citizen"], employer["code"]).status_code == 201
    body = {"community": "北京市朝阳区潘家园街道松榆里社区", "situation": arrival()}
    own = client.post("/api/v1/community/reports", json=body, headers=bearer(tokens["citizen"]))
    assert own.status_code == 201, own.text
    assert [r["report_id"] for r in _get(client, boss, "/api/v1/employers/inbox").json()] == [
        own.json()["id"]
    ]


def test_an_employer_sees_only_its_own_staff_and_their_reports(
    client, tokens, engine, tmp_path, gazetteer
):
    first = register(client, tokens["cdc"])
    second = register(client, tokens["admin"], OTHER_CREDIT_CODE, "北京朝阳某公司")
    first_boss = employer_user(client, tokens["cdc"], first["id"], "甲单位人事")
    second_boss = employer_user(client, tokens["cdc"], second["id"], "乙单位人事")
    other = citizen(engine, tmp_path, gazetteer, "王五")
    open_account(client, tokens["citizen"])
    open_account(client, other, "王五", OTHER_ID)
    assert link(client, tokens["citizen"], first["code"]).status_code == 201
    assert link(client, other, second["code"]).status_code == 201
    report(client, tokens["community_worker"])
    report(client, tokens["community_worker"], name="王五", number=OTHER_ID, phone="13700000001")
    for boss, person in ((first_boss, "张*"), (second_boss, "王*")):
        staff = _get(client, boss, "/api/v1/employers/staff").json()["staff"]
        assert [s["person"] for s in staff] == [person]
        assert [r["person"] for r in _get(client, boss, "/api/v1/employers/inbox").json()] == [
            person
        ]


def test_after_unlinking_the_employer_sees_neither_the_person_nor_later_reports(client, tokens):
    employer = register(client, tokens["cdc"])
    boss = employer_user(client, tokens["cdc"], employer["id"])
    open_account(client, tokens["citizen"])
    link(client, tokens["citizen"], employer["code"])
    earlier = report(client, tokens["community_worker"]).json()["id"]
    unlinked = client.post("/api/v1/healthkit/employer/unlink", headers=bearer(tokens["citizen"]))
    assert unlinked.status_code == 200 and unlinked.json()["employer"] is None
    report(client, tokens["community_worker"], situation=arrival(arrival_day="2021-08-05"))
    assert _get(client, boss, "/api/v1/employers/staff").json()["staff"] == []
    # what reached the employer while linked stays with it; nothing after
    assert [r["report_id"] for r in _get(client, boss, "/api/v1/employers/inbox").json()] == [
        earlier
    ]
    again = client.post("/api/v1/healthkit/employer/unlink", headers=bearer(tokens["citizen"]))
    assert again.status_code == 409 and again.json()["type"].endswith("not_linked")


def test_linking_another_employer_ends_the_first_link(client, tokens):
    first = register(client, tokens["cdc"])
    second = register(client, tokens["cdc"], OTHER_CREDIT_CODE, "北京朝阳某公司")
    first_boss = employer_user(client, tokens["cdc"], first["id"])
    open_account(client, tokens["citizen"])
    link(client, tokens["citizen"], first["code"])
    assert link(client, tokens["citizen"], second["code"]).status_code == 201
    assert _get(client, first_boss, "/api/v1/employers/staff").json()["staff"] == []
    same = link(client, tokens["citizen"], second["code"])
    assert same.status_code == 409 and same.json()["type"].endswith("already_linked")


def test_bad_input_is_refused_with_what_and_where(client, tokens):
    body = {"name": "某公司", "credit_code": "91110108600037341A", "district": "海淀区"}
    wrong = client.post("/api/v1/employers", json=body, headers=bearer(tokens["cdc"]))
    assert wrong.status_code == 422 and "校验码" in wrong.json()["detail"]
    assert wrong.json()["errors"][0]["field"] == "credit_code"
    elsewhere = {**body, "credit_code": "91110108600037341D", "district": "上海市浦东新区"}
    refused = client.post("/api/v1/employers", json=elsewhere, headers=bearer(tokens["cdc"]))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "district"
    register(client, tokens["cdc"])
    twice = client.post(
        "/api/v1/employers",
        json={**body, "credit_code": "91110108600037341d"},
        headers=bearer(tokens["cdc"]),
    )
    assert twice.status_code == 409
    no_account = link(client, tokens["citizen"], "ABCD2345")
    assert no_account.status_code == 404 and "健康宝账户" in no_account.json()["detail"]
    open_account(client, tokens["citizen"])
    assert link(client, tokens["citizen"], "ABCD2345").status_code == 404
    assert link(client, tokens["citizen"], "ABC").status_code == 422
    missing = client.post(
        "/api/v1/employers/999/users", json={"name": "某人"}, headers=bearer(tokens["cdc"])
    )
    assert missing.status_code == 404


def test_the_excel_export_lists_masked_staff_and_keeps_formulas_inert(
    client, tokens, engine, tmp_path, gazetteer
):
    employer = register(client, tokens["cdc"])
    boss = employer_user(client, tokens["cdc"], employer["id"])
    prankster = citizen(engine, tmp_path, gazetteer, "=HYPERLINK")
    open_account(client, prankster, "=HYPERLINK", OTHER_ID)
    open_account(client, tokens["citizen"])
    for token in (prankster, tokens["citizen"]):
        link(client, token, employer["code"])
    report(client, tokens["community_worker"])
    answer = _get(client, boss, "/api/v1/employers/staff?day=2021-08-10&format=xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ("姓名", "措施", "措施至（含）", "可返岗日期"),
        ("张*", "居家观察、健康监测", "2021-08-16、2021-08-23", "2021-08-17"),
        ("'=H********", None, None, "可正常到岗"),  # the name kept as text,
    ]
    filled = [cell for row in sheet.iter_rows(min_row=3) for cell in row if cell.value is not None]
    assert filled and all(cell.data_type == "s" for cell in filled)  # text, never a formula
