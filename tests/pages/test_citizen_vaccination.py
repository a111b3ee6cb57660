"""The citizen's vaccination page and test results in a real browser: whether a dose may be
had (with the reasons), booking through the street, the appointment listed and cancelled,
and the nucleic acid results a community recorded."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.pages.conftest import LiveServer, log_in, screenshot


def test_the_citizen_asks_whether_a_dose_may_be_had_and_reads_why_not(
    page: Page, live_server: LiveServer
):
    log_in(page, live_server, "citizen")
    page.get_by_role("link", name="能否接种、预约接种").click()
    form = page.locator("#eligibility-form")
    form.get_by_label("第几剂").select_option("1")  # the demo citizen had the first already
    form.get_by_role("button", name="查询").click()
    answer = page.locator("#answer")
    expect(answer).to_contain_text("暂不能接种")
    expect(answer.locator("li").first).not_to_be_empty()
    screenshot(page, "citizen-vaccination")


def test_the_citizen_books_through_the_street_and_cancels(page: Page, live_server: LiveServer):
    log_in(page, live_server, "citizen")
    page.goto("/healthkit/vaccination")
    form = page.locator("#book-form")
    expect(form.get_by_label("街道（乡镇）")).to_have_value("北京市朝阳区潘家园街道")
    form.get_by_label("第几剂").select_option("2")
    form.get_by_label("日期").fill("2021-08-09")
    form.get_by_role("button", name="预约").click()
    expect(page.get_by_role("status")).to_contain_text("已预约")
    mine = page.locator("#appointments")
    expect(mine).to_contain_text("2021-08-09")
    expect(mine).to_contain_text("已预约")

    page.locator("#book-form").get_by_role("button", name="预约").click()  # a second one
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("已有一个预约")
    expect(alert).to_be_focused()

    page.get_by_role("button", name="取消预约").click()
    expect(page.get_by_role("status")).to_contain_text("已取消预约")
    expect(page.locator("#appointments")).to_contain_text("已取消")


def test_a_day_without_appointments_is_refused_on_the_form(page: Page, live_server: LiveServer):
    log_in(page, live_server, "citizen")
    page.goto("/healthkit/vaccination")
    form = page.locator("#book-form")
    form.get_by_label("日期").fill("2021-09-30")
    form.get_by_role("button", name="预约").click()
    expect(page.get_by_role("alert")).to_contain_text("没有开放预约")


def test_a_result_the_community_recorded_shows_in_the_health_kit(
    page: Page, live_server: LiveServer
):
    log_in(page, live_server, "citizen")
    expect(page.locator("#tests")).to_contain_text("还没有社区登记的核酸检测结果")
    # the citizen reports their arrival; the worker records their test on the case
    reported = page.request.post(
        f"{live_server.url}/api/v1/community/reports",
        headers={"Authorization": f"Bearer {live_server.tokens['citizen']}"},
        data={
            "community": "北京市朝阳区潘家园街道松榆里社区",
            "situation": {
                "as_of": "2021-08-07",
                "arrival": "2021-08-07",
                "stays": [
                    {
                        "place": "河南省郑州市二七区京广路街道",
                        "from": "2021-07-28",
                        "to": "2021-08-01",
                    }
                ],
            },
        },
    )
    assert reported.ok, reported.text()
    case_id = reported.json()["case_id"]
    tested = page.request.post(
        f"{live_server.url}/api/v1/community/cases/{case_id}/tests",
        headers={"Authorization": f"Bearer {live_server.tokens['community_worker']}"},
        data={"day": "2021-08-07", "result": "negative"},
    )
    assert tested.ok, tested.text()
    page.reload()
    expect(page.locator("#tests")).to_contain_text("2021-08-07 · 阴性")
