"""The clinic's page in a real browser: recording a dose (and the service's refusal of one too
early), and the record held for a misspelt name corrected and synced."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.pages.conftest import log_in, screenshot

NEWCOMER = ("王小明", "110105198808081237")  # a person of these tests only
ZHANG_SAN = "11010519491231002X"  # the demo citizen, whose 2nd dose was recorded as 张叁


def _record(page: Page, name: str, number: str, dose: str, day: str) -> None:
    form = page.locator("#dose-form")
    form.get_by_label("疫苗").select_option("bibp_inactivated")
    form.get_by_label("剂次").select_option(dose)
    form.get_by_label("接种日期").fill(day)
    form.get_by_label("姓名").fill(name)
    form.get_by_label("证件类型").select_option("resident_id")
    form.get_by_label("证件号码").fill(number)
    form.get_by_role("button", name="登记").click()


def test_recording_a_dose_and_a_refused_second_one(page: Page, live_server):
    log_in(page, live_server, "clinic")
    page.goto("/clinic")
    _record(page, *NEWCOMER, "1", "2021-08-06")
    expect(page.get_by_role("status")).to_contain_text("已登记第1剂")
    expect(page.locator("#recent tbody tr").first).to_contain_text("王**")
    _record(page, *NEWCOMER, "2", "2021-08-07")
    expect(page.get_by_role("alert")).to_contain_text("不足21天")
    expect(page.locator("#dose-form").get_by_label("姓名")).to_have_value("王小明")


def test_the_held_record_is_corrected_and_synced(page: Page, live_server):
    log_in(page, live_server, "clinic")
    page.goto("/clinic")
    held = page.locator("article.held-dose", has_text="张*")
    expect(held).to_contain_text("姓名与健康宝账户不一致")
    expect(held).to_contain_text("第2剂")
    screenshot(page, "clinic")
    held.get_by_label("正确的姓名").fill("张三")
    held.get_by_label("证件号码（请核对后完整填写）").fill(ZHANG_SAN)
    held.get_by_role("button", name="更正身份").click()
    expect(page.locator("article.held-dose", has_text="张*")).to_have_count(1)  # fields left empty
    held = page.locator("article.held-dose", has_text="张*")
    expect(held.get_by_label("更正原因")).to_have_attribute("required", "")
    held.get_by_label("正确的姓名").fill("张三")
    held.get_by_label("证件号码（请核对后完整填写）").fill(ZHANG_SAN)
    held.get_by_label("更正原因").fill("登记时姓名写错，已核对身份证")
    held.get_by_role("button", name="更正身份").click()
    expect(page.get_by_role("status")).to_contain_text("身份已更正")
    expect(page.locator("article.held-dose", has_text="张*")).to_contain_text(
        "已更正，下次同步时重新核对"
    )
    page.get_by_role("button", name="立即同步").click()
    expect(page.get_by_role("status")).to_contain_text("同步完成")
    expect(page.locator("article.held-dose", has_text="张*")).to_have_count(0)


def test_a_citizen_is_refused(page: Page, live_server):
    log_in(page, live_server, "citizen")
    answer = page.goto("/clinic")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("只有接种门诊可以访问此页")


def test_a_correction_without_the_csrf_token_is_refused(page: Page, live_server):
    log_in(page, live_server, "clinic")
    answer = page.request.post(
        "/clinic/doses/2/identity",
        form={"name": "张三", "document_number": ZHANG_SAN, "reason": "x"},
    )
    assert answer.status == 422
    assert "表单已过期" in answer.text()
