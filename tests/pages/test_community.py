"""The community worker's pages in a real browser: the day's worklist with its downloads and
the import of an arrival list, a case (daily check, early end, the closed-loop group), and
the residents' pop-ups; a citizen is refused, and so is a form without its CSRF token.

The demo server lives for the whole package, so each test changes different people."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from tests.pages.conftest import SELECTED_TAB_COLOURS, log_in, screenshot

HEADER = ["姓名", "证件号码", "手机号", "到京日期", "途经地", "开始日期", "结束日期"]


def _resident_id(first17: str) -> str:
    """A resident ID number with its check digit (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def _arrival_list(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_the_worklist_shows_the_demo_people_and_downloads_as_excel(
    page: Page, live_server, tmp_path
):
    log_in(page, live_server, "community_worker")
    expect(page).to_have_url(f"{live_server.url}/community")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2021-08-07")
    due = page.locator("section#test_due")
    expect(due.get_by_role("heading")).to_contain_text("应做核酸检测")
    expect(due).to_contain_text("李四")
    expect(due).to_contain_text("13700000001")  # the worker calls people: the number in full
    expect(page.locator("section#check_escalated")).to_contain_text("赵六")
    expect(page.locator("section#report_overdue")).to_contain_text("张三")
    screenshot(page, "community-worklist")

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    saved = tmp_path / "worklist.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "worklist-2021-08-07.xlsx"
    sheet = load_workbook(saved).worksheets[0]
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[1] == ["事项", "个案", "姓名", "手机号", "措施", "说明"]
    assert any("李四" in row and "13700000001" in row for row in rows[2:])
    assert not any("110101199003071233" in str(cell) for row in rows for cell in row)

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="导出 CSV").click()
    assert csv_download.value.suggested_filename == "worklist-2021-08-07.csv"

    page.get_by_label("日期").fill("2021-08-03")
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(f"{live_server.url}/community?day=2021-08-03")
    expect(page.locator("section#starts")).to_contain_text("李四")


def test_an_arrival_list_with_a_bad_row_is_refused_with_its_row_and_column(
    page: Page, live_server, tmp_path
):
    log_in(page, live_server, "community_worker")
    good = [_resident_id("11010519850505123"), "13700000011", "2021-08-06"]
    stay = ["江苏省南京市鼓楼区", "2021-07-29", "2021-07-31"]
    bad = _arrival_list(
        tmp_path / "bad.xlsx",
        [
            ["孙七", *good, *stay],
            ["周八", _resident_id("11010519860606123"), "13700000012", "2021-13-40"],
            # a place only the check can refuse (ambiguous): named in the same upload
            [
                "郑九",
                _resident_id("11010519870808123"),
                "13700000014",
                "2021-08-06",
                "朝阳区",
                *stay[1:],
            ],
        ],
    )
    page.get_by_label("名单文件（.xlsx）").set_input_files(bad)
    page.get_by_role("button", name="导入", exact=True).click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("未导入任何人")
    expect(errors).to_be_focused()
    expect(page.get_by_role("status")).to_have_count(0)  # no "已导入" banner for a refusal
    assert errors.bounding_box()["y"] < page.locator("section#starts").bounding_box()["y"]
    row = errors.locator("tbody tr").first
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row.locator("td").nth(1)).to_have_text("到京日期")
    expect(row.locator("td").nth(2)).to_contain_text("2021-13-40")
    place = errors.locator("tbody tr").nth(1)
    expect(place.locator("td").nth(0)).to_have_text("4")
    expect(place.locator("td").nth(1)).to_have_text("途经地")

    fixed = _arrival_list(tmp_path / "good.xlsx", [["孙七", *good, *stay]])
    page.get_by_label("名单文件（.xlsx）").set_input_files(fixed)
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已导入 1 人")


def test_a_case_records_a_check_shows_fever_and_duplicates_and_ends_a_measure(
    page: Page, live_server
):
    log_in(page, live_server, "community_worker")
    page.locator("section#check_overdue").get_by_role("link", name="个案 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("李四")
    expect(page.locator("#measures")).to_contain_text("进行中")

    checks = page.locator("#checks")
    checks.get_by_label("体温（℃）").fill("37.8")
    checks.get_by_role("button", name="登记").click()
    expect(page.get_by_role("status")).to_contain_text("体温≥37.3℃")
    expect(checks.locator("tr.abnormal")).to_contain_text("异常")
    expect(checks.locator("tr.abnormal")).to_contain_text("37.8℃")

    checks.get_by_label("体温（℃）").fill("36.6")
    checks.get_by_role("button", name="登记").click()
    expect(checks.get_by_role("alert")).to_contain_text("2021-08-07 的健康监测已登记")

    tests = page.locator("#tests")
    tests.get_by_label("结果").select_option("negative")
    tests.get_by_role("button", name="登记").click()
    expect(page.locator("#tests li")).to_contain_text("2021-08-07 · 阴性")

    # by its id: measures share a clause, so a measure's name is also in another's text
    first = page.locator(
        "#" + page.locator("#measures li.measure.running").first.get_attribute("id")
    )
    first.get_by_text("提前结束此措施").click()
    first.get_by_label("理由").fill("转为集中观察")
    first.get_by_role("button", name="结束措施").click()
    expect(page.get_by_role("status")).to_contain_text("已提前结束该措施")
    expect(first).to_contain_text("提前结束：2021-08-07 起不再执行（转为集中观察）")
    screenshot(page, "community-case")


def test_the_closed_loop_group_links_the_contact_and_the_cohabitant(page: Page, live_server):
    log_in(page, live_server, "community_worker")
    page.goto("/community/cases")
    page.get_by_role("link", name="赵六").click()
    group = page.locator("#group")
    expect(group).to_contain_text("闭环管理")
    group.get_by_role("link", name="赵小六").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("赵小六")
    expect(page.locator("#group")).to_contain_text("共同居住人员")
    page.locator("#group").get_by_role("link", name="赵六").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("赵六")


def _citizen_status(page: Page, live_server) -> dict:
    answer = page.request.get(
        f"{live_server.url}/api/v1/healthkit/status",
        headers={"Authorization": f"Bearer {live_server.tokens['citizen']}"},
    )
    assert answer.ok, answer.text()
    return answer.json()


def test_a_persons_pop_ups_are_one_card_and_cleared_for_a_city_at_once(page: Page, live_server):
    open_popups = _citizen_status(page, live_server)["popups"]
    cities = {popup["city"] for popup in open_popups}
    assert len(open_popups) > len(cities)  # a city with several risk areas: several pop-ups
    log_in(page, live_server, "community_worker")
    page.goto("/community/popups")
    person = page.locator("li.item", has_text="张三")
    expect(person).to_have_count(1)
    expect(person).to_contain_text(f"共 {len(open_popups)} 个弹窗")
    expect(person.locator("li.city")).to_have_count(len(cities))
    screenshot(page, "community-popups")
    city = sorted(cities)[0]
    of_city = sum(1 for popup in open_popups if popup["city"] == city)
    person.get_by_label("处理哪些弹窗").select_option(city)
    person.get_by_label("处理理由").fill("已核实行程，核酸检测阴性")
    person.get_by_role("button", name="处理弹窗").click()
    expect(page.get_by_role("status")).to_contain_text("已处理弹窗")
    left = _citizen_status(page, live_server)["popups"]
    assert len(left) == len(open_popups) - of_city and city not in {p["city"] for p in left}
    if left:
        person = page.locator("li.item", has_text="张三")
        person.get_by_label("处理理由").fill("已核实行程")
        with page.expect_navigation():  # the page before already says 已处理弹窗
            person.get_by_role("button", name="处理弹窗").click()
        expect(page.get_by_role("status")).to_contain_text("已处理弹窗")
    expect(page.locator("li.item", has_text="张三")).to_have_count(0)
    assert _citizen_status(page, live_server)["popup"] is False


def test_a_citizen_is_refused_and_a_form_without_its_csrf_token_too(page: Page, live_server):
    page.goto("/community")
    expect(page).to_have_url(f"{live_server.url}/login?next=/community")
    log_in(page, live_server, "citizen")
    answer = page.goto("/community")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("只有社区工作者可以访问此页")

    log_in(page, live_server, "community_worker")
    refused = page.request.post(
        "/community/cases/2/checks", form={"day": "2021-08-07", "temperature": "36.5"}
    )
    assert refused.status == 422
    assert "表单已过期" in refused.text()
    page.goto("/community/cases/2")
    expect(page.locator("#checks")).not_to_contain_text("2021-08-07")


def test_the_worklist_in_english(page: Page, live_server):
    log_in(page, live_server, "community_worker")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Worklist")
    expect(page.locator("section#test_due h2")).to_contain_text("Nucleic acid test due")
    expect(page.get_by_role("link", name="Download Excel")).to_be_visible()
    page.goto("/lang/zh?next=/community")


def test_people_imported_days_after_arriving_are_not_escalated_at_once(
    page: Page, live_server, tmp_path
):
    log_in(page, live_server, "community_worker")
    arrived = ["吴九", _resident_id("11010519870707123"), "13700000013", "2021-08-02"]
    stay = ["河南省郑州市二七区京广路街道", "2021-07-28", "2021-08-01"]
    page.get_by_label("名单文件（.xlsx）").set_input_files(
        _arrival_list(tmp_path / "late.xlsx", [[*arrived, *stay]])
    )
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已导入 1 人")
    page.goto("/community")
    expect(page.locator("main")).to_contain_text("吴九")
    missed = page.locator("section#check_escalated, section#check_overdue")
    expect(missed.filter(has_text="吴九")).to_have_count(0)
    expect(missed.filter(has_text="赵六")).to_have_count(1)  # reported on the 4th: escalated


def test_every_declared_arrival_without_a_report_is_on_the_worklist(page: Page, live_server):
    declared = page.request.post(
        f"{live_server.url}/api/v1/healthkit/declarations",
        headers={"Authorization": f"Bearer {live_server.tokens['citizen']}"},
        data={"as_of": "2021-08-07", "arrival": "2021-08-07", "stays": []},
    )
    assert declared.ok, declared.text()
    log_in(page, live_server, "community_worker")
    unreported = page.locator("section#report_overdue")
    expect(unreported).to_contain_text("2021-08-05 到京，尚未报告")
    expect(unreported).to_contain_text("今日到京，尚未报告")


def test_the_selected_tab_is_readable(page: Page, live_server):
    log_in(page, live_server, "community_worker")
    for path in ("/community", "/community/cases", "/community/popups"):
        page.goto(path)
        colour, background = page.evaluate(SELECTED_TAB_COLOURS)
        assert colour != background, f"{path}: the selected tab is {colour} on {background}"
