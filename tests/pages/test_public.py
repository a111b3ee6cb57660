"""The pages anyone may open, in a real browser: the entry check, the hotline's answers,
logging in, the language switch, the demo clock."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.pages.conftest import log_in, screenshot


def test_the_entry_check_form_suggests_places_and_gives_a_plan_with_clauses(page: Page):
    page.goto("/check")
    expect(page.get_by_role("note")).to_contain_text("演示时钟：今天是 2021-08-07")
    place = page.get_by_label("地点")
    place.fill("京广路")
    expect(page.locator("#places option[value='河南省郑州市二七区京广路街道']")).to_have_count(1)
    place.fill("河南省郑州市二七区京广路街道")
    page.get_by_label("从").fill("2021-07-28")
    page.get_by_label("到").fill("2021-08-01")
    page.get_by_label("进京日（已在京不填）").fill("2021-08-07")
    page.get_by_role("button", name="检查").click()
    expect(page.locator(".verdict")).to_contain_text("暂缓进京")
    expect(page.locator("#result")).to_contain_text("对目前尚在中高风险地区所在县")
    screenshot(page, "public-check")


def test_a_bad_place_is_named_on_the_form(page: Page):
    page.goto("/check")
    page.get_by_label("地点").fill("火星基地")
    page.get_by_label("从").fill("2021-07-28")
    page.get_by_label("到").fill("2021-08-01")
    page.get_by_role("button", name="检查").click()
    expect(page.get_by_role("alert")).to_contain_text("火星基地")


def test_the_hotline_answers_a_question_put_in_other_words(page: Page):
    page.goto("/ask")
    page.get_by_label("您的问题").fill("回北京以后健康宝弹窗了咋办")
    page.get_by_role("button", name="查找").click()
    expect(page.locator(".answers li").first).to_contain_text("弹窗")
    screenshot(page, "public-ask")


def test_logging_in_and_out_and_the_english_switch(page: Page, live_server):
    page.goto("/login")
    page.get_by_label("令牌").fill("fj_wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("令牌无效")
    log_in(page, live_server, "hotline")
    page.goto("/")
    expect(page.locator(".who")).to_contain_text("12345 热线话务员")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("link", name="Entry check", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    assert re.search(r"/$", page.url)
