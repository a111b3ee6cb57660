"""The work orders in the browser, on the demo: the hotline opens one from a call, the
community verifies, clears the pop-ups and resolves, the hotline closes it with the caller's
satisfaction, and the citizen sees it in the health kit; the district sees what is late."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.pages.conftest import log_in, screenshot


def test_an_order_from_call_to_close(page: Page, live_server):
    log_in(page, live_server, "hotline")
    page.goto("/hotline/workorders")
    form = page.locator("#open-form")
    form.get_by_label("来电人姓名", exact=True).fill("张三")
    form.get_by_label("来电号码", exact=True).fill("13912345678")
    form.locator("select[name=category]").select_option("popup_appeal")
    form.get_by_label("住址（写到社区/村）").fill("北京市朝阳区潘家园街道松榆里社区")
    form.get_by_label("所涉健康宝手机号（不是来电号码时填写）").fill("13800138000")
    form.get_by_label("来电诉求").fill("没去过郑州却弹窗")
    form.get_by_role("button", name="开工单并派单").click()
    page.wait_for_url(
        "**/hotline/workorders/*"
    )  # opening parses the address: a busy machine is slow
    expect(page.locator("#order-state")).to_contain_text("已派单")
    expect(page.locator("main")).to_contain_text("13912345678")  # the hotline calls back
    order_url = page.url
    order_id = order_url.rsplit("/", 1)[-1]

    log_in(page, live_server, "community_worker")
    page.goto("/workorders")
    expect(page.locator("#orders")).to_contain_text("139****5678")
    page.goto(f"/workorders/{order_id}")
    page.locator("#respond-form textarea").fill("已核实：8月未离京")
    page.locator("#respond-form button").click()
    expect(page.locator("#order-state")).to_contain_text("已响应")
    page.locator("#popups-form input[name=reason]").fill("基站误差，已核实")
    page.locator("#popups-form button").click()
    expect(page.locator("#actions")).to_contain_text("清除弹窗")
    page.locator("#resolve-form textarea").fill("弹窗已清除")
    page.locator("#resolve-form button").click()
    expect(page.locator("#order-state")).to_contain_text("已办结")
    screenshot(page, "workorders-unit")

    log_in(page, live_server, "hotline")
    page.goto(order_url)
    page.get_by_label("基本满意").check()
    page.get_by_role("button", name="结单").click()
    expect(page.locator("#order-state")).to_contain_text("已回访结单")

    log_in(page, live_server, "citizen")
    page.goto("/healthkit/workorders")
    expect(page.locator("#my-orders")).to_contain_text(f"工单 #{order_id}")
    expect(page.locator("#my-orders")).to_contain_text("弹窗已清除")


def test_the_district_sees_the_late_order_and_others_are_refused(page: Page, live_server):
    log_in(page, live_server, "admin")
    page.goto("/workorders/district?district=朝阳区")
    expect(page.locator("#orders")).to_contain_text("健康码颜色申诉")
    expect(page.locator("#orders")).to_contain_text("超时")
    page.goto("/workorders/reports")
    expect(page.locator("#overdue")).to_contain_text("健康码颜色申诉")
    screenshot(page, "workorders-reports")
    log_in(page, live_server, "clinic")
    answer = page.goto("/workorders/district")
    assert answer is not None and answer.status == 403
