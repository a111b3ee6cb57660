"""The checkpoint page in Chromium: with the network cut after loading, a real pass (the QR code
the citizen is shown, fed as a frame through the same path the camera uses) is verified against the
JWKS cached in the page, the result is queued, and it is sent once the network is back; a
tampered pass is refused offline. The citizen's commuter registration page."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.pages.conftest import log_in, screenshot

ZHANG_SAN = "11010519491231002X"
COLOUR_ZH = {"green": "绿码", "yellow": "黄码", "red": "红码"}


def _get(live_server, path: str, role: str):  # type: ignore[no-untyped-def]
    """The API, from the test (not the browser, whose network is cut)."""
    request = urllib.request.Request(
        live_server.url + path, headers={"Authorization": f"Bearer {live_server.tokens[role]}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def _pass(live_server) -> dict:
    return _get(live_server, "/api/v1/healthkit/pass?qr=svg", "citizen")


def _results(live_server) -> list[dict]:
    return _get(live_server, "/api/v1/checkpoints/results", "checkpoint")


def test_a_pass_is_verified_offline_queued_and_sent_when_back_online(page: Page, live_server):
    issued = _pass(live_server)
    frame = issued["qr_svg"]
    before = len(_results(live_server))
    log_in(page, live_server, "checkpoint")
    page.goto("/checkpoint")
    page.context.set_offline(True)
    page.evaluate("url => window.fanjingCheckpoint.scanImage(url)", frame)
    expect(page.locator("#pass-verdict")).to_have_text("签名有效（离线核验）")
    expect(page.locator("#pass-colour")).to_have_text(COLOUR_ZH[issued["colour"]])
    expect(page.locator("#pass-name")).to_have_text("张*")
    assert page.evaluate("window.fanjingCheckpoint.verifier()") == "webcrypto"  # Chromium's own
    expect(page.locator("#pass-popup")).to_have_text("有弹窗" if issued["popup"] else "无弹窗")
    page.get_by_label("体温（°C）").fill("36.6")
    page.locator("#outcome-turn_back").click()
    expect(page.locator("#queued")).to_have_text("1")
    expect(page.locator("#send-state")).to_have_text("离线：结果已暂存，联网后自动上传")
    screenshot(page, "checkpoint-offline")
    assert len(_results(live_server)) == before  # nothing reached the server while offline
    page.context.set_offline(False)
    expect(page.locator("#queued")).to_have_text("0", timeout=15_000)
    results = _results(live_server)
    assert len(results) == before + 1
    newest = results[0]
    assert (newest["masked_name"], newest["outcome"], newest["temperature"]) == (
        "张*",
        "turn_back",
        36.6,
    )
    assert newest["colour"] == issued["colour"]


# a browser whose WebCrypto has no Ed25519 (older phones, or a page not served over https)
NO_ED25519 = """(() => {
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (format, key, algorithm, ...rest) =>
    (algorithm && algorithm.name === "Ed25519")
      ? Promise.reject(new DOMException("Ed25519 is not supported", "NotSupportedError"))
      : importKey(format, key, algorithm, ...rest);
})()"""


def test_without_ed25519_in_webcrypto_tweetnacl_verifies_offline(page: Page, live_server):
    token = _pass(live_server)["token"]
    page.add_init_script(NO_ED25519)
    log_in(page, live_server, "checkpoint")
    page.goto("/checkpoint")
    page.context.set_offline(True)
    page.get_by_label("或粘贴通行码文本").fill(token)
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.locator("#pass-verdict")).to_have_text("签名有效（离线核验）")
    assert page.evaluate("window.fanjingCheckpoint.verifier()") == "tweetnacl"
    page.get_by_label("或粘贴通行码文本").fill(_tampered(token))
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.locator("#pass-verdict")).to_have_text("未通过核验：签名不符：通行码被改动过")


def _tampered(token: str) -> str:
    head, body, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{body}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"


def test_a_tampered_pass_is_refused_offline(page: Page, live_server):
    log_in(page, live_server, "checkpoint")
    page.goto("/checkpoint")
    page.context.set_offline(True)
    page.get_by_label("或粘贴通行码文本").fill(_tampered(_pass(live_server)["token"]))
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.locator("#pass-verdict")).to_have_text("未通过核验：签名不符：通行码被改动过")
    expect(page.locator("#record-form")).to_be_hidden()


def test_an_expired_pass_is_refused_offline(page: Page, live_server):
    issued = _pass(live_server)
    frame = issued["qr_svg"]
    log_in(page, live_server, "checkpoint")
    page.goto("/checkpoint")
    page.context.set_offline(True)
    expires = datetime.fromisoformat(issued["expires_at"])
    page.clock.set_fixed_time(expires + timedelta(seconds=1))
    page.evaluate("url => window.fanjingCheckpoint.scanImage(url)", frame)
    expect(page.locator("#pass-verdict")).to_have_text("未通过核验：通行码已过期，请对方刷新")


def test_the_commuter_check_shows_the_14_day_test_online_and_says_so_offline(
    page: Page, live_server
):
    issued = _pass(live_server)
    assert issued["popup"]  # the demo's 张三 was in 郑州: his pass carries a pop-up
    log_in(page, live_server, "checkpoint")
    page.goto("/checkpoint")
    page.get_by_label("或粘贴通行码文本").fill(issued["token"])
    page.get_by_role("button", name="核验", exact=True).click()
    page.get_by_label("体温（°C）").fill("36.5")
    page.get_by_label("身份证号").fill(ZHANG_SAN)  # the demo's commuter, proof of 08-05 seen
    page.get_by_role("button", name="查询通勤登记与核酸").click()
    expect(page.locator("#commuter-result")).to_contain_text("14天内核酸阴性，但不能通行：")
    expect(page.locator("#commuter-result")).to_contain_text("最近一次核酸阴性：2021-08-05")
    page.get_by_label("体温（°C）").fill("38.1")
    expect(page.locator("#outcome-pass")).to_be_disabled()  # a fever never passes
    page.context.set_offline(True)
    page.get_by_role("button", name="查询通勤登记与核酸").click()
    expect(page.locator("#commuter-result")).to_have_text("离线时无法查询通勤登记")


def test_a_citizen_registers_as_a_commuter_and_a_wrong_home_is_named(page: Page, live_server):
    log_in(page, live_server, "citizen")
    page.goto("/healthkit/commuter")
    expect(page.get_by_text("已登记：北京某科技有限公司")).to_be_visible()  # the demo's
    page.get_by_label("居住地（天津或河北，写到区县）").fill("河南省郑州市二七区")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("alert")).to_contain_text("不在环京地区")
    page.get_by_label("居住地（天津或河北，写到区县）").fill("天津市武清区")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("status")).to_have_text("已登记为环京通勤人员")
    expect(page.get_by_text("居住于 天津市武清区")).to_be_visible()


@pytest.mark.parametrize(
    "role", ["citizen", "community_worker", "cdc", "clinic", "hotline", "admin"]
)
def test_other_roles_cannot_open_the_checkpoint_page(page: Page, live_server, role):
    log_in(page, live_server, role)
    answer = page.goto("/checkpoint")
    assert answer is not None and answer.status == 403


def test_only_citizens_open_the_commuter_registration(page: Page, live_server):
    log_in(page, live_server, "checkpoint")
    answer = page.goto("/healthkit/commuter")
    assert answer is not None and answer.status == 403
