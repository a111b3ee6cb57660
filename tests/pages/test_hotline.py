"""The hotline operator's pages in a real browser: a caller's question in their own words
(top answers with source and date, the entry check linked for questions about coming to
Beijing), and adding, changing and removing an entry, each audited; other roles refused."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from fanjing.audit.store import AuditEntryRow
from fanjing.infra.db import session_scope
from tests.pages.conftest import LiveServer, log_in, screenshot

QUESTION = "核酸检测结果多久能查到？"


def _audited(live_server: LiveServer) -> list[str]:
    with session_scope(live_server.app.state.engine) as session:
        return list(
            session.scalars(select(AuditEntryRow.action).where(AuditEntryRow.action.like("faq.%")))
        )


def test_the_operator_searches_as_the_caller_puts_it(page: Page, live_server: LiveServer):
    log_in(page, live_server, "hotline")
    expect(page).to_have_url(f"{live_server.url}/hotline")
    page.get_by_label("来电人的问题（照来电人的说法输入）").fill(
        "我想回北京，行程卡带星了还能进京吗"
    )
    page.get_by_role("button", name="查找").click()
    answers = page.locator("#answers .answers li")
    expect(answers.first).to_contain_text("带星")
    assert answers.count() <= 5
    expect(answers.first.locator(".small")).to_contain_text("来源")
    expect(page.get_by_role("link", name="关于进京：用进京检查为来电人算一算")).to_have_attribute(
        "href", "/check"
    )
    expect(page.locator("#entries li").first).to_be_visible()
    screenshot(page, "hotline-search")


def test_the_operator_adds_changes_and_removes_an_entry(page: Page, live_server: LiveServer):
    log_in(page, live_server, "hotline")
    before = _audited(live_server)
    page.get_by_role("link", name="新增问答").click()
    page.get_by_label("问题", exact=True).fill(QUESTION)
    page.get_by_label("答复").fill("一般24小时内可在北京健康宝查询核酸检测结果。")
    page.get_by_label("发布日期").fill("2021-08-07")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已新增问答")
    page.get_by_label("来电人的问题（照来电人的说法输入）").fill("做了核酸多久出结果")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#answers")).to_contain_text(QUESTION)

    page.locator("#entries").get_by_role("link", name=QUESTION).click()
    screenshot(page, "hotline-entry")
    page.get_by_label("答复").fill("一般12至24小时内可在北京健康宝查询核酸检测结果。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已保存修改")

    page.locator("#entries").get_by_role("link", name=QUESTION).click()
    expect(page.get_by_label("答复")).to_have_value(
        "一般12至24小时内可在北京健康宝查询核酸检测结果。"
    )
    page.get_by_role("button", name="删除这条问答").click()  # not ticked: the browser asks
    expect(page.get_by_role("heading", level=1)).to_have_text("编辑问答")  # still here
    assert page.locator("#delete-form input[name=confirm]").evaluate("box => !box.validity.valid")
    unticked = page.request.post(
        page.locator("#delete-form").get_attribute("action"),
        form={"csrf": page.locator("#delete-form input[name=csrf]").input_value()},
    )
    assert unticked.status == 422 and "确认删除" in unticked.text()
    page.get_by_label("确认删除").check()
    page.get_by_role("button", name="删除这条问答").click()
    expect(page.get_by_role("status")).to_contain_text("已删除问答")
    expect(page.locator("#entries")).not_to_contain_text(QUESTION)
    assert _audited(live_server)[len(before) :] == ["faq.create", "faq.update", "faq.delete"]


def test_an_empty_answer_is_named_on_the_form(page: Page, live_server: LiveServer):
    log_in(page, live_server, "hotline")
    page.goto("/hotline/entries/new")
    page.get_by_label("问题", exact=True).fill("没有答复的问题")
    page.get_by_label("答复").fill(" ")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("答复不能为空")


def test_the_hotline_pages_are_for_operators_only(page: Page, live_server: LiveServer):
    log_in(page, live_server, "citizen")
    answer = page.goto("/hotline")
    assert answer is not None and answer.status == 403


def test_deleting_without_the_csrf_token_is_refused(page: Page, live_server: LiveServer):
    log_in(page, live_server, "hotline")
    first = page.locator("#entries a").first.get_attribute("href")
    answer = page.request.post(f"{first}/delete", form={})
    assert answer.status == 422
    assert "表单已过期或来源不明" in answer.text()
