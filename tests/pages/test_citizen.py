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
