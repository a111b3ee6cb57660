"""The observation sites' pages in a real browser: a site manager's day at their site (a check,
a test, checkout refused before observation ends) and dashboard, and CDC registering a site
(a refusal, then done), marking a household room and the queue."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.pages.conftest import log_in, screenshot


def test_a_site_managers_day(page: Page, live_server):
    log_in(page, live_server, "site_manager")
    page.goto("/sites")
    rows = page.locator("#sites-table tbody tr")
    expect(rows.first).to_contain_text("朝阳一号观察点")
    expect(page.locator("#sites-table")).not_to_contain_text("朝阳二号观察点")
    expect(page.locator("svg.svgchart").first).to_be_visible()
    screenshot(page, "sites-dashboard")
    page.get_by_role("link", name="朝阳一号观察点").click()
    resident = page.locator("article.case").first
    expect(resident).to_contain_text("观察第")
    check = resident.locator("form.check-form")
    check.get_by_label("时段").select_option("morning")
    check.get_by_label("体温（℃）").fill("36.6")
    check.get_by_role("button", name="登记体温").click()
    expect(page.get_by_role("status")).to_contain_text("已登记检测")
    resident = page.locator("article.case").first
    expect(resident.locator("form.check-form option[value=morning]")).to_be_disabled()
    tests = resident.locator("form.test-form")
    tests.get_by_label("结果").select_option("negative")
    tests.get_by_role("button", name="登记核酸").click()
    expect(page.get_by_role("status")).to_contain_text("已登记核酸结果")
    page.locator("article.case").first.get_by_role(
        "button", name="期满离开（转社区健康监测）"
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("之前离开须由疾控提前解除")
    expect(page.get_by_role("button", name="提前解除")).to_have_count(0)  # CDC only
    screenshot(page, "sites-site")


def test_cdc_registers_a_site_and_marks_a_household_room(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/sites")
    form = page.locator("#site-form")
    form.get_by_label("名称").fill("海淀一号观察点")
    form.get_by_label("所在区").fill("浦东新区")
    form.get_by_label("地址").fill("某路1号")
    form.get_by_role("button", name="登记").click()
    expect(page.get_by_role("alert")).to_contain_text("不是北京市的区")
    expect(page.locator("#site-form").get_by_label("名称")).to_have_value("海淀一号观察点")
    page.locator("#site-form").get_by_label("所在区").fill("海淀区")
    page.locator("#site-form").get_by_label("楼层数").fill("2")
    page.locator("#site-form").get_by_label("每层单人间数").fill("4")
    page.locator("#site-form").get_by_role("button", name="登记").click()
    expect(page.get_by_role("status")).to_contain_text("观察点已登记")
    expect(page.locator("#sites-table")).to_contain_text("海淀一号观察点")
    page.get_by_role("link", name="海淀一号观察点").click()
    first = page.locator("#rooms-table tbody tr").first
    first.get_by_label("容量").fill("3")
    first.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("家庭房（3 人）")
    expect(page.locator("#rooms-table tbody tr").first).to_contain_text("家庭房")
    page.goto("/sites")  # the demo's three close contacts: two today, one on 08-09
    forecast = page.locator("#forecast-table tbody tr").first
    expect(forecast).to_contain_text("朝阳区")
    expect(forecast.locator("td").nth(1)).to_have_text("2")
    expect(forecast.locator("td").nth(3)).to_have_text("1")
    page.goto("/sites/queue")
    expect(page.locator("#queue-table tbody tr")).to_have_count(3)
    page.get_by_role("button", name="安置整个队列（每人一间空单人间）").click()
    expect(page.get_by_role("status")).to_contain_text("已安置 2 人，仍在等待 1 人")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
