"""Browser tests: the demo server (the demo data, the clock at 2021-08-07) in a thread, and
Debian's Chromium driven by Playwright, on a phone-sized screen. Screenshots of the main
pages go to ``test-artifacts/screenshots/`` (kept by CI as artifacts)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from fanjing.demo import DEMO_DAY
from fanjing.demo.seed import seed_demo
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database
from fanjing.settings import Settings
from fanjing.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
# the selected tab's text and background colours, as the browser computed them
SELECTED_TAB_COLOURS = """() => {
  const tab = document.querySelector('.subnav a[aria-current="page"]');
  const style = getComputedStyle(tab);
  return [style.color, style.backgroundColor];
}"""


class LiveServer:
    def __init__(self, url: str, tokens: dict[str, str], app: Any = None) -> None:
        self.url = url
        self.tokens = tokens
        self.app = app  # the running app: tests read ``app.state.sender.sent`` (one-time codes)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, gazetteer) -> Iterator[LiveServer]:
    """The demo, served on a free port for one test module (each module starts from the same
    demo data, whatever another changed); the clock is the demo's."""
    folder = tmp_path_factory.mktemp("pages")
    settings = Settings(
        var_dir=folder, database_url=f"sqlite:///{folder / 'fanjing.db'}", today=DEMO_DAY
    )
    engine = open_database(settings.database_url)
    demo = seed_demo(engine, load_field_cipher(settings), gazetteer, settings.clock.now())
    app = create_app(settings, engine=engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the demo server did not start"
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", demo.tokens, app)
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh phone-sized browser tab in Chinese, not logged in."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Page, live_server: LiveServer, role: str) -> None:
    page.goto("/login")
    page.get_by_label("令牌").fill(live_server.tokens[role])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
