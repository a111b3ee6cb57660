"""CDC's pages in a real browser: the risk areas (in force, designate and lift, import and its
report), the policy packs (a bad one's line error, a good one previewed and approved), the
dashboard's charts with their text alternatives, and who is refused."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.pages.conftest import SELECTED_TAB_COLOURS, log_in, screenshot

PACK = (resources.files("fanjing.policy") / "packs" / "beijing-2021-08.yaml").read_text("utf-8")
DESIGNATED = "四川省成都市郫都区"  # areas of these tests only: the server is shared
IMPORTED = "黑龙江省哈尔滨市道里区"
LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "sources" / "risk-lists"


def test_the_areas_in_force_on_the_demo_day(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    expect(page.get_by_role("heading", level=2, name="2021-08-07 生效的风险地区")).to_be_visible()
    expect(page.locator("#in-force")).to_contain_text("河南省郑州市二七区京广路街道")
    expect(page.locator("#in-force")).to_contain_text("高风险")
    page.get_by_label("从").fill("2021-07-31")
    page.get_by_label("到").fill("2021-08-04")
    page.get_by_role("button", name="比较").click()
    expect(page.locator("#diff")).to_contain_text("2021-07-31 → 2021-08-04：新增")
    screenshot(page, "cdc-areas")


def test_designating_and_lifting_an_area(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    form = page.locator("#designate-form")
    form.get_by_label("风险等级").select_option("medium")
    form.get_by_label("地区").fill("郫都")
    expect(page.locator(f"#places option[value='{DESIGNATED}']")).to_have_count(1)
    form.get_by_label("地区").fill(DESIGNATED)
    form.get_by_label("开始日").fill("2021-08-01")
    form.get_by_role("button", name="指定").click()
    expect(page.get_by_role("status")).to_contain_text(f"已指定：中风险 {DESIGNATED}")
    expect(page.locator("#in-force")).to_contain_text(DESIGNATED)
    page.get_by_label(f"{DESIGNATED} 的最后一天").fill("2021-08-06")
    page.get_by_role("button", name=f"解除 {DESIGNATED}").click()
    confirm = page.locator("#confirm-lift")  # lifting changes who may enter: asked once more
    expect(confirm).to_contain_text(DESIGNATED)
    expect(confirm).to_contain_text("从 2021-08-07 起")
    page.get_by_role("link", name="取消").click()
    expect(page.locator("#in-force")).to_contain_text(DESIGNATED)  # cancelled: still in force

    page.get_by_label(f"{DESIGNATED} 的最后一天").fill("2021-08-06")
    page.get_by_role("button", name=f"解除 {DESIGNATED}").click()
    page.get_by_role("button", name="确认解除").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"已解除：{DESIGNATED}（最后一天 2021-08-06）"
    )
    expect(page.locator("#in-force")).not_to_contain_text(DESIGNATED)
    page.get_by_role("button", name="撤销解除").click()
    expect(page.get_by_role("status")).to_contain_text(f"已撤销解除：{DESIGNATED} 重新生效")
    expect(page.locator("#in-force")).to_contain_text(DESIGNATED)
    page.get_by_label(f"{DESIGNATED} 的最后一天").fill("2021-08-06")
    page.get_by_role("button", name=f"解除 {DESIGNATED}").click()
    page.get_by_role("button", name="确认解除").click()
    expect(page.locator("#in-force")).not_to_contain_text(DESIGNATED)


def test_the_areas_list_is_searched_filtered_and_paged_below_the_forms(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    forms_above = page.evaluate(
        """() => document.querySelector('#designate-form').getBoundingClientRect().top
                 < document.querySelector('#in-force').getBoundingClientRect().top"""
    )
    assert forms_above
    expect(page.locator("#in-force tbody tr")).to_have_count(50)  # one page of many
    expect(page.get_by_role("navigation", name="分页")).to_be_visible()
    page.get_by_role("navigation", name="分页").get_by_role("link", name="2").click()
    expect(page.locator("#in-force tbody tr").first).to_be_visible()
    filters = page.locator("#area-filter")
    filters.get_by_label("等级").select_option("high")
    filters.get_by_label("地区名称含").fill("郑州")
    filters.get_by_role("button", name="查看").click()
    rows = page.locator("#in-force tbody tr")
    expect(rows.first).to_contain_text("河南省郑州市")
    for index in range(rows.count()):
        expect(rows.nth(index)).to_contain_text("高风险")
        expect(rows.nth(index)).to_contain_text("郑州")
    filters = page.locator("#area-filter")
    filters.get_by_label("地区名称含").fill("火星")
    filters.get_by_role("button", name="查看").click()
    expect(page.locator("#in-force")).to_contain_text("没有符合条件的风险地区")


def test_a_refused_form_shows_its_errors_at_the_top_with_focus(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    form = page.locator("#designate-form")
    form.get_by_label("地区").fill("火星基地")
    form.get_by_label("开始日").fill("2021-08-01")
    form.get_by_role("button", name="指定").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    assert alert.bounding_box()["y"] < 1500  # next to the form, not below the list


def test_a_bad_designation_is_named_on_the_form(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    form = page.locator("#designate-form")
    form.get_by_label("地区").fill("火星基地")
    form.get_by_label("开始日").fill("2021-08-01")
    form.get_by_role("button", name="指定").click()
    expect(page.get_by_role("alert")).to_contain_text("火星基地")


def test_importing_a_csv_and_reading_its_report(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    form = page.locator("#import-form")
    form.get_by_label("粘贴名单或 CSV").fill(f"level,area,from,to\nhigh,{IMPORTED},2021-08-06,\n")
    form.get_by_role("button", name="导入").click()
    expect(page.get_by_role("heading", name="导入报告")).to_be_visible()
    expect(page.locator("#opened-count")).to_have_text("1")
    expect(page.locator("#opened")).to_contain_text(f"高风险 {IMPORTED}")
    expect(page.locator("#unplaced-count")).to_have_text("0")
    page.get_by_role("link", name="回到风险地区").click()
    expect(page.locator("#in-force")).to_contain_text(IMPORTED)


def test_a_bad_import_shows_its_lines(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    form = page.locator("#import-form")
    form.get_by_label("粘贴名单或 CSV").fill("level,area,from,to\nhigh,火星基地,2021-08-06,\n")
    form.get_by_role("button", name="导入").click()
    expect(page.get_by_role("alert")).to_contain_text("第 2 行")


def test_a_bad_pack_is_refused_with_its_line(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/packs")
    bad = PACK.replace('version: "2021.08.07"', 'version: "2021.08.30-bad"').replace(
        "in_force_from: 2021-08-07", "in_force_from: someday"
    )
    page.get_by_label("粘贴政策包 YAML").fill(bad)
    page.get_by_role("button", name="上传并校验").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("第 11 行")
    expect(alert).to_contain_text("in_force_from")
    screenshot(page, "cdc-packs")


def test_a_good_pack_is_previewed_then_approved(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc/packs")
    head, contact = PACK.split("  - id: contact.secondary_close_contact", 1)
    contact = contact.replace(
        "then: {kind: health_monitoring, days: 7}", "then: {kind: health_monitoring, days: 10}", 1
    )
    good = (
        (head + "  - id: contact.secondary_close_contact" + contact)
        .replace('version: "2021.08.07"', 'version: "2021.08.20-pages-cdc"')
        .replace("in_force_from: 2021-08-07", "in_force_from: 2021-08-20")
    )
    page.get_by_label("粘贴政策包 YAML").fill(good)
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("status")).to_contain_text(
        "已存为草稿：beijing-2021-08 2021.08.20-pages-cdc"
    )
    expect(page.locator("#pack-status")).to_have_text("草稿（待批准）")
    expect(page.locator("#preview-summary")).to_contain_text("其中 1 个有变化")
    change = page.locator("#preview .case")
    expect(change).to_contain_text("赵*")
    expect(change).to_contain_text("健康监测")
    expect(change).to_contain_text("2021-08-17 – 2021-08-24 前")
    expect(change).to_contain_text("2021-08-17 – 2021-08-27 前")
    # four eyes: the uploader cannot approve, another CDC member can
    expect(page.locator("#four-eyes")).to_contain_text("须由另一位疾控人员预览后批准")
    expect(page.get_by_role("button", name="批准生效")).to_have_count(0)
    pack_page = page.url
    refused = page.request.post(
        pack_page + "/approve",
        form={"csrf": page.locator("input[name=csrf]").first.input_value(), "confirm": "yes"},
    )
    assert refused.status == 403 and "须由另一位疾控人员批准" in refused.text()
    log_in(page, live_server, "cdc2")
    page.goto(pack_page)
    unticked = page.request.post(
        pack_page + "/approve", form={"csrf": page.locator("input[name=csrf]").first.input_value()}
    )
    assert unticked.status == 422 and "确认批准" in unticked.text()  # the server asks too
    page.goto(pack_page)
    page.get_by_role("button", name="批准生效").click()  # not ticked: the browser asks
    expect(page.locator("#pack-status")).to_have_text("草稿（待批准）")
    page.get_by_label("我已看过预览，确认批准").check()
    page.get_by_role("button", name="批准生效").click()
    expect(page.locator("#approved")).to_contain_text("已批准")
    expect(page.locator("#pack-status")).to_have_text("已批准")
    page.goto("/cdc/packs")
    expect(page.locator("#packs")).to_contain_text("2021.08.20-pages-cdc")


def test_the_dashboard_charts_with_their_text_alternatives(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/cdc")
    arrivals = page.get_by_role("img", name="每日进京报告人数（按旅居地风险）")
    expect(arrivals).to_be_visible()
    expect(arrivals.locator("rect")).not_to_have_count(0)
    expect(page.locator("#arrivals-table")).to_contain_text("2021-08-02")
    expect(page.locator("#arrivals-table")).to_contain_text("中高风险地区所在县市、有病例的城市")
    followed = page.get_by_role("img", name="各社区在管人数（观察与监测）")
    expect(followed).to_be_visible()
    table = page.locator("#followed-table")
    expect(table).to_contain_text("北京市朝阳区潘家园街道松榆里社区")
    # each community row counts its people under observation and monitoring
    expect(table.locator("tbody tr").first.locator("td").first).to_have_text(
        re.compile(r"^[1-9]\d*$")
    )
    assert page.locator("script[src^='http'], link[href^='http'], img[src^='http']").count() == 0
    screenshot(page, "cdc-dashboard")


def test_an_administrator_may_look_but_not_write(page: Page, live_server):
    log_in(page, live_server, "admin")
    page.goto("/cdc/areas")
    expect(page.locator("#in-force")).to_contain_text("河南省郑州市二七区京广路街道")
    expect(page.locator("#designate-form")).to_have_count(0)


def test_a_community_worker_is_refused(page: Page, live_server):
    log_in(page, live_server, "community_worker")
    answer = page.goto("/cdc")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("只有疾控人员、管理员可以访问此页")


def test_a_post_without_the_csrf_token_is_refused(page: Page, live_server):
    log_in(page, live_server, "cdc")
    answer = page.request.post(
        "/cdc/areas/designate",
        form={"level": "high", "area": "四川省成都市温江区", "from": "2021-08-01"},
    )
    assert answer.status == 422
    assert "表单已过期" in answer.text()
    page.goto("/cdc/areas?day=2021-08-01")
    expect(page.locator("#in-force")).not_to_contain_text("四川省成都市温江区")


def test_the_cdc_pages_in_english(page: Page, live_server):
    log_in(page, live_server, "cdc")
    page.goto("/lang/en?next=/cdc/areas")
    expect(page.get_by_role("heading", level=1, name="Risk areas")).to_be_visible()
    expect(page.locator("#in-force")).to_contain_text("High risk")
    page.goto("/cdc")
    expect(
        page.get_by_role("img", name="Arrivals reported per day (by risk of where they stayed)")
    ).to_be_visible()


def test_a_truncated_list_holds_lifts_until_cdc_confirms_on_the_page(page: Page, live_server):
    later = LISTS / "national-list-20210810.txt"
    cut = "\n".join(later.read_text(encoding="utf-8").splitlines()[:120])
    log_in(page, live_server, "cdc")
    page.goto("/cdc/areas")
    page.locator("#import-form").get_by_label("粘贴名单或 CSV").fill(cut)
    page.locator("#import-form").get_by_role("button", name="导入").click()
    held = page.locator("#held-lifts")
    expect(held).to_have_attribute("role", "alert")
    expect(held).to_contain_text("名单可能不完整")
    expect(held).to_contain_text("写明202个")
    expect(page.locator("#held")).to_contain_text("中风险")
    screenshot(page, "cdc-import-held")
    button = page.get_by_role("button", name="已核对名单，确认解除")
    button.click()
    expect(page.get_by_role("status")).to_contain_text("已确认解除暂缓的")
    expect(page.locator("#held-lifts")).to_contain_text("已由")
    expect(page.get_by_role("button", name="已核对名单，确认解除")).to_have_count(0)


def test_the_selected_tab_is_readable(page: Page, live_server):
    log_in(page, live_server, "cdc")
    for path in ("/cdc", "/cdc/areas", "/cdc/packs"):
        page.goto(path)
        colour, background = page.evaluate(SELECTED_TAB_COLOURS)
        assert colour != background, f"{path}: the selected tab is {colour} on {background}"
