"""CDC's case and red-mark pages in a real browser: any community's cases, masked; a measure
extended and a case lifted, each with its reason in the audit log; a red mark given and
lifted, seen by the citizen; an administrator looks but cannot act."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.pages.conftest import log_in, screenshot

CITIZEN_DOCUMENT = "11010519491231002X"  # the demo citizen 张三


def _api(page: Page, live_server, role: str, path: str):
    answer = page.request.get(
        f"{live_server.url}{path}",
        headers={"Authorization": f"Bearer {live_server.tokens[role]}"},
    )
    assert answer.ok, answer.text()
    return answer.json()


def test_cdc_extends_a_measure_and_lifts_a_case_with_reasons(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.get_by_role("link", name="个案").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("在管个案")
    cases = page.locator("#cases")
    expect(cases).to_contain_text("李*")
    expect(cases).not_to_contain_text("李四")  # CDC sees the community's people masked
    cases.get_by_role("link", name="李*").click()
    measure = page.locator("li.measure.running").first
    measure.get_by_text("延长或缩短此措施").click()
    measure.get_by_label("最后一天（不填为另行通知）").fill("2021-08-25")
    measure.get_by_label("理由").fill("流调显示有续发风险")
    measure.get_by_role("button", name="调整").click()
    expect(page.get_by_role("status")).to_contain_text("至 2021-08-25")
    expect(page.locator("li.measure.running").first).to_contain_text("2021-08-25")
    screenshot(page, "cdc-case")
    audit = _api(page, live_server, "admin", "/api/v1/audit?entity=case_measure")
    assert audit[0]["action"] == "adjust_measure"
    assert audit[0]["after"]["reason"] == "流调显示有续发风险"

    lift = page.locator("#lift")
    lift.get_by_label("理由").fill("排除风险")
    lift.get_by_role("button", name="解除个案").click()
    expect(page.get_by_role("status")).to_contain_text("已解除个案")
    expect(page.locator("#case-state")).to_contain_text("已结束")
    expect(page.locator("#lift")).to_have_count(0)


def test_a_reason_is_required_and_named_where_it_is_missing(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/cases")
    page.locator("#cases a").first.click()
    url = page.url
    refused = page.request.post(
        url + "/lift", form={"csrf": page.locator("#lift input[name=csrf]").input_value()}
    )
    assert refused.status == 422 and "须写明解除理由" in refused.text()


def test_cdc_marks_a_close_contact_red_and_lifts_it(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.get_by_role("link", name="红码").click()
    form = page.locator("#mark-form")
    form.get_by_label("证件号码").fill(CITIZEN_DOCUMENT)
    form.get_by_label("类别").select_option("close_contact")
    form.get_by_label("理由").fill("与确诊病例同一航班")
    form.get_by_role("button", name="赋红码").click()
    expect(page.get_by_role("status")).to_contain_text("已赋红码：密切接触者")
    marks = page.locator("#marks")
    expect(marks).to_contain_text("张*")
    expect(marks).to_contain_text("110105********002X")
    expect(marks).not_to_contain_text(CITIZEN_DOCUMENT)
    assert _api(page, live_server, "citizen", "/api/v1/healthkit/status")["colour"] == "red"
    screenshot(page, "cdc-red-marks")

    mark = marks.locator("li.item", has_text="张*")
    mark.get_by_label("解除理由").fill("核酸检测阴性，排除密接")
    mark.get_by_role("button", name="解除红码").click()
    expect(page.get_by_role("status")).to_contain_text("已解除红码标记")
    expect(page.locator("#marks")).to_contain_text("没有未解除的红码")
    assert _api(page, live_server, "citizen", "/api/v1/healthkit/status")["colour"] != "red"


def test_an_unknown_document_is_refused_on_the_form(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/red-marks")
    form = page.locator("#mark-form")
    form.get_by_label("证件号码").fill("110101199003074557")  # no demo person has it
    form.get_by_label("理由").fill("测试")
    form.get_by_role("button", name="赋红码").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("没有健康宝账户")
    expect(alert).to_be_focused()


def test_an_administrator_sees_cases_and_marks_but_cannot_act(page: Page, live_server):
    log_in(page, live_server, "admin")
    page.goto("/cdc/cases")
    page.locator("#cases a").first.click()
    expect(page.locator("#measures")).to_be_visible()
    expect(page.get_by_text("延长或缩短此措施")).to_have_count(0)
    expect(page.locator("#lift")).to_have_count(0)
    page.goto("/cdc/red-marks")
    expect(page.locator("#mark-form")).to_have_count(0)


def test_a_community_worker_is_refused_the_cdc_case_pages(page: Page, live_server):
    log_in(page, live_server, "community_worker")
    for path in ("/cdc/cases", "/cdc/cases/1", "/cdc/red-marks"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
