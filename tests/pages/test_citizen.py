"""The citizen's health kit in a real browser: colour, pop-up and the day entry may resume,
the grey number and its deletion day, the card's starred city and why, the synced and the
held vaccination, the QR pass; binding a number with its one-time code, unbinding on the
wrong platform refused; the travel declaration checked against the cards."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.pages.conftest import LiveServer, log_in, screenshot


def test_the_health_kit_shows_colour_popup_numbers_card_vaccinations_and_pass(
    page: Page, live_server: LiveServer
):
    log_in(page, live_server, "citizen")
    expect(page).to_have_url(f"{live_server.url}/healthkit")
    screenshot(page, "citizen-healthkit")
    expect(page.locator("#colour")).to_contain_text("码")
    popups = page.locator("#popups")
    expect(popups).to_contain_text("河南省郑州市")
    expect(popups).to_contain_text("2021-08-12 起方可进京")
    phones = page.locator("#phones")
    expect(phones).to_contain_text("138****8000")
    expect(phones).to_contain_text("已解绑（灰色）")
    expect(phones).to_contain_text("2021-08-16 删除")
    expect(phones).to_contain_text("139****5678")
    zhengzhou = page.locator("#card li", has_text="河南省郑州市")
    expect(zhengzhou).to_contain_text("★ 带星")
    expect(zhengzhou).to_contain_text("京广路街道")
    expect(page.locator("#vaccinations")).to_contain_text("第1剂")
    expect(page.locator("#vaccinations")).not_to_contain_text("第2剂")
    expect(page.locator(".held")).to_contain_text("第2剂（2021-07-22）未同步到健康宝")
    expect(page.locator(".held")).to_contain_text("姓名")
    qr = page.locator("#pass img")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    expect(qr).to_have_attribute("alt", re.compile("通行码二维码"))
    expect(page.locator("#pass")).to_have_attribute("data-refresh", "60")


def test_an_open_pop_up_shows_on_the_code_itself(page: Page, live_server: LiveServer):
    log_in(page, live_server, "citizen")
    expect(page.locator("#popups")).to_be_visible()
    expect(page.locator("#colour")).to_contain_text("有弹窗")
    expect(page.locator("#pass-popup")).to_contain_text("有弹窗未处理")
    expect(page.locator("#pass img")).to_have_attribute("alt", re.compile("有未处理的弹窗"))
    border = page.evaluate(
        "() => getComputedStyle(document.querySelector('#pass img')).borderTopColor"
    )
    assert border != "rgb(255, 255, 255)" and border == page.evaluate(
        "() => getComputedStyle(document.querySelector('.popup')).borderTopColor"
    )


def _code_for(live_server: LiveServer, masked: str) -> str:
    """The last one-time code the dev sender 'sent' to ``masked`` (it keeps them for tests)."""
    sent = live_server.app.state.sender.sent
    return next(code for number, code in reversed(sent) if number == masked)


def test_binding_a_number_with_its_code_and_unbinding_it_on_its_platform_only(
    page: Page, live_server: LiveServer
):
    log_in(page, live_server, "citizen")
    page.get_by_text("绑定新手机号").click()
    page.get_by_label("手机号", exact=True).fill("13600000001")
    page.locator("#bind-form").get_by_label("授权平台").select_option("wechat")
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator("main")).to_contain_text("验证码已发送到 136****0001，在微信端绑定")
    expect(page.locator("main")).to_contain_text("5分钟内有效，可试5次")
    expect(page.locator("#code-in-log")).to_contain_text("验证码写在服务器的日志中")
    code = _code_for(live_server, "136****0001")
    page.get_by_label("验证码").fill(str((int(code[0]) + 1) % 10) + code[1:])  # a wrong one
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不对")
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="确认绑定").click()
    expect(page.get_by_role("status")).to_contain_text("手机号已绑定")
    new = page.locator("#phones li", has_text="136****0001")
    expect(new).to_contain_text("微信")
    expect(new).to_contain_text("使用中")

    page.get_by_text("解绑手机号").click()
    page.get_by_label("要解绑的手机号").fill("13600000001")
    page.get_by_label("在哪个平台解绑").select_option("alipay")
    page.get_by_role("button", name="解绑", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "该手机号是在微信端授权绑定的，请在微信端换绑或解绑"
    )
    page.get_by_text("解绑手机号").click()
    page.get_by_label("要解绑的手机号").fill("13600000001")
    page.get_by_label("在哪个平台解绑").select_option("wechat")
    page.get_by_role("button", name="解绑", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("手机号已解绑")
    expect(page.locator("#phones li", has_text="136****0001")).to_contain_text("2021-08-21 删除")


def test_the_travel_declaration_flags_an_undeclared_starred_city(
    page: Page, live_server: LiveServer
):
    log_in(page, live_server, "citizen")
    page.goto("/healthkit/declare")
    page.get_by_label("进京日（已在京不填）").fill("2021-08-07")
    page.get_by_label("地点").fill("江苏省南京市鼓楼区")
    page.get_by_label("从").fill("2021-07-29")
    page.get_by_label("到").fill("2021-07-31")
    page.get_by_role("button", name="申报并核验").click()
    expect(page.locator(".verdict")).to_be_visible()
    expect(page.locator(".verdict")).not_to_contain_text("核验通过")
    zhengzhou = page.locator("#checked-card li", has_text="河南省郑州市")
    expect(zhengzhou).to_contain_text("★ 带星")
    expect(zhengzhou).to_contain_text("未申报：请说明是否到过其中的中高风险地区")
    nanjing = page.locator("#checked-card li", has_text="江苏省南京市")
    expect(nanjing).not_to_contain_text("未申报")
    screenshot(page, "citizen-declaration")


def test_the_declaration_lets_the_citizen_answer_for_a_starred_city(
    page: Page, live_server: LiveServer
):
    log_in(page, live_server, "citizen")
    page.goto("/healthkit/declare")
    page.get_by_label("进京日（已在京不填）").fill("2021-08-07")
    page.get_by_label("地点").fill("江苏省南京市鼓楼区")
    page.get_by_label("从").fill("2021-07-29")
    page.get_by_label("到").fill("2021-07-31")
    page.get_by_role("button", name="申报并核验").click()
    page.get_by_role("button", name="补充申报河南省郑州市的行程").click()
    expect(page.locator("#added-city")).to_contain_text("已把河南省郑州市加入申报")
    places = page.locator("#declare-form input[name^=place]")
    expect(places).to_have_count(2)
    expect(places.nth(0)).to_have_value("江苏省南京市鼓楼区")  # what was declared stays
    expect(places.nth(1)).to_have_value("河南省郑州市")
    places.nth(1).fill("河南省郑州市金水区")
    page.locator("#declare-form input[name=from1]").fill("2021-07-28")
    page.get_by_role("button", name="申报并核验").click()
    zhengzhou = page.locator("#checked-card li", has_text="河南省郑州市")
    expect(zhengzhou).to_contain_text("★ 带星")
    expect(zhengzhou).not_to_contain_text("未申报")


def test_the_health_kit_is_for_citizens_only(page: Page, live_server: LiveServer):
    log_in(page, live_server, "hotline")
    answer = page.goto("/healthkit")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("只有市民可以访问此页")


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, live_server: LiveServer):
    log_in(page, live_server, "citizen")
    answer = page.request.post(
        "/healthkit/phones", form={"phone": "13600000002", "platform": "wechat"}
    )
    assert answer.status == 422
    assert "表单已过期或来源不明" in answer.text()
    assert not any(n == "136****0002" for n, _ in live_server.app.state.sender.sent)


def test_the_health_kit_in_english(page: Page, live_server: LiveServer):
    log_in(page, live_server, "citizen")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Itinerary card")).to_be_visible()
    expect(page.locator("#pass figcaption")).to_contain_text("valid until")
    expect(page.locator("#phones")).to_contain_text("deleted on 2021-08-16")
