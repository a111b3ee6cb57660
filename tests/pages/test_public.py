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
    page.get_by_label("进京日（已在京不填）").fill("2021-08-10")
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


def _check(page: Page, *, place: str, start: str, end: str, arrival: str = "") -> None:
    page.goto("/check")
    page.get_by_label("地点").fill(place)
    page.get_by_label("从").fill(start)
    page.get_by_label("到").fill(end)
    if arrival:
        page.get_by_label("进京日（已在京不填）").fill(arrival)
    page.get_by_role("button", name="检查").click()


def test_an_empty_form_is_refused_with_the_missing_fields_named(page: Page):
    page.goto("/check")
    page.get_by_role("button", name="检查").click()
    expect(page.get_by_role("alert")).to_contain_text("去过的地方：请至少填写一处")
    expect(page.locator(".verdict")).to_have_count(0)
    page.get_by_label("从").fill("2021-07-25")
    page.get_by_role("button", name="检查").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("第1处地点：请填写")
    expect(alert).to_contain_text("第1处到：请填写")
    expect(page.get_by_label("从")).to_have_value("2021-07-25")
    expect(page.locator(".verdict")).to_have_count(0)


def test_the_headline_agrees_with_the_reasons_for_someone_in_beijing(page: Page):
    """扬州市邗江区 (a risk county) left on 08-05, nothing in 进京日: already in Beijing. The
    headline was a green 可以进京 over reasons saying 暂缓进返京 until 08-19."""
    _check(page, place="江苏省扬州市邗江区", start="2021-07-25", end="2021-08-05")
    verdict = page.locator(".verdict")
    expect(verdict).to_have_text("已在京：须健康监测至 8月18日")
    expect(verdict).not_to_have_class(re.compile(r"\bok\b"))
    held = page.locator(".reasons li", has_text=re.compile(r"^暂缓进返京："))
    expect(held).to_have_count(0)
    expect(page.locator(".reasons")).to_contain_text("如需进返京：2021年8月19日（含）起方可进京")


def test_someone_already_here_is_told_what_to_do_now_and_that_they_came_early(page: Page):
    _check(
        page,
        place="河南省郑州市二七区京广路街道",
        start="2021-07-28",
        end="2021-08-01",
        arrival="2021-08-07",
    )
    expect(page.locator(".verdict")).to_have_text("已到京：须集中观察至 8月14日")
    expect(page.locator(".verdict-note")).to_have_text("于 8月7日 进京，早于最早可进京日 8月15日")
    expect(page.locator("#result")).not_to_contain_text("暂缓进京")
    expect(page.locator(".reasons")).to_contain_text("按规定：2021年8月15日（含）起方可进京")
    expect(page.locator(".reasons li", has_text=re.compile(r"^暂缓进返京："))).to_have_count(0)
    screenshot(page, "public-check-here-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "public-check-here-1366")


def test_a_planned_trip_names_the_earliest_possible_day(page: Page):
    _check(
        page,
        place="江苏省南京市江宁区禄口街道",
        start="2021-07-25",
        end="2021-08-01",
        arrival="2021-08-20",
    )
    expect(page.locator(".verdict")).to_have_text("可以于 8月20日 进京")
    expect(page.locator(".verdict-note")).to_have_text("最早可于 8月15日 进京")
    screenshot(page, "public-check-planned-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "public-check-planned-1366")


def test_citizens_read_clauses_and_sources_not_rule_ids(page: Page):
    _check(
        page,
        place="河南省郑州市二七区京广路街道",
        start="2021-07-28",
        end="2021-08-01",
        arrival="2021-08-10",
    )
    result = page.locator("#result")
    expect(result).to_contain_text("暂缓进京：最早可于 8月15日 进京")
    expect(result).to_contain_text("来源：北京日报客户端，2021-08-07")
    expect(result).to_contain_text("对目前尚在中高风险地区所在县")
    for rule_id in ("entry.risk_county", "arrival.high_risk", "arrival.report"):
        expect(result).not_to_contain_text(rule_id)
