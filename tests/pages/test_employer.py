"""The employer's pages and the citizen's link page in a real browser, on the demo: the
employer sees its staff (赵六 under centralized observation, back on 8月17日; 李四 under
monitoring and at work; 张三 at work), exports them to Excel and reads the arrival reports;
张三 unlinks and links again with the employer's code."""

from __future__ import annotations

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fanjing.employers.store import EmployerRow
from fanjing.infra.db import session_scope
from tests.pages.conftest import log_in, screenshot


def _employer_code(live_server) -> str:
    with session_scope(live_server.app.state.engine) as session:
        return session.scalars(select(EmployerRow.code)).one()


def test_the_employer_sees_who_is_away_until_when_and_who_may_work(
    page: Page, live_server, tmp_path
):
    log_in(page, live_server, "employer")
    expect(page).to_have_url(f"{live_server.url}/employer")
    expect(page.locator("h1")).to_have_text("员工状态")
    away = page.locator("#away tbody tr")
    expect(away).to_have_count(1)
    expect(away).to_contain_text("赵*")
    expect(away).to_contain_text("集中观察 · 至 2021-08-16（含）")
    expect(away).to_contain_text("2021-08-17")
    at_work = page.locator("#at-work tbody tr")
    expect(at_work).to_have_count(2)
    expect(at_work.filter(has_text="李*")).to_contain_text("健康监测 · 至 2021-08-12（含）")
    expect(at_work.filter(has_text="张*")).to_contain_text("无")
    expect(page.locator("main")).not_to_contain_text("郑州")
    expect(page.locator("main")).not_to_contain_text("赵六")
    expect(page.locator(".note")).to_contain_text(_employer_code(live_server))
    screenshot(page, "employer-staff")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    saved = tmp_path / "staff.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "staff-2021-08-07.xlsx"
    sheet = load_workbook(saved).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0] == ("赵*", "集中观察、健康监测", "2021-08-16、2021-08-23", "2021-08-17")
    assert sorted(row[0] for row in rows[1:]) == ["张*", "李*"]


def test_a_later_day_shows_the_observation_over(page: Page, live_server):
    log_in(page, live_server, "employer")
    page.get_by_label("日期").fill("2021-08-17")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#away tbody tr")).to_have_count(0)
    expect(page.locator("#at-work tbody tr").filter(has_text="赵*")).to_contain_text("健康监测")


def test_the_employer_reads_its_employees_arrival_reports(page: Page, live_server):
    log_in(page, live_server, "employer")
    page.get_by_role("link", name="到京报告").click()
    rows = page.locator("#reports tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="赵*")).to_contain_text("2021-08-02")
    expect(rows.filter(has_text="李*")).to_contain_text("健康监测")
    screenshot(page, "employer-reports")


def test_a_citizen_unlinks_and_links_again_with_the_code(page: Page, live_server):
    log_in(page, live_server, "citizen")
    page.get_by_role("link", name="关联单位（到京报告同时报给单位）").click()
    expect(page.locator("#current-employer")).to_contain_text("北京示例科技有限公司")
    page.get_by_role("button", name="解除关联").click()
    expect(page.get_by_role("status")).to_have_text("已解除与单位的关联")
    expect(page.locator("#current-employer")).to_have_count(0)
    form = page.locator("#link-form")
    form.get_by_label("单位代码（向单位索取，8位）").fill("ZZZZ2222")
    form.get_by_role("button", name="关联").click()
    expect(page.get_by_role("alert")).to_contain_text("没有代码为“ZZZZ2222”的单位")
    code = _employer_code(live_server)
    form.get_by_label("单位代码（向单位索取，8位）").fill(code.lower())
    form.get_by_role("button", name="关联").click()
    expect(page.get_by_role("status")).to_contain_text("已关联单位")
    expect(page.locator("#current-employer")).to_contain_text("北京示例科技有限公司")
    screenshot(page, "citizen-employer")


def test_each_side_is_refused_the_others_page(page: Page, live_server):
    log_in(page, live_server, "citizen")
    answer = page.goto("/employer")
    assert answer is not None and answer.status == 403
    log_in(page, live_server, "employer")
    answer = page.goto("/healthkit/employer")
    assert answer is not None and answer.status == 403
    exported = page.request.get("/employer/staff.xlsx")  # the employer's own: allowed
    assert exported.status == 200 and exported.headers["content-type"].endswith(".sheet")
    log_in(page, live_server, "citizen")
    assert page.request.get("/employer/staff.xlsx").status == 403
