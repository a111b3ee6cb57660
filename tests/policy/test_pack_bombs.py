"""Hostile policy packs: a few hundred bytes of YAML aliases (billion laughs), brackets nested
past any pack's need, a pack too large. Each is refused with its line, by the CLI and over
HTTP, before anything is expanded. The CLI runs under an address-space limit, so a reader
that expanded the bomb would fail the test with a MemoryError instead of taking the machine."""

from __future__ import annotations

import asyncio
import re
import resource
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fanjing.errors import FanjingError, InputErrors
from fanjing.policy import packstore
from fanjing.policy.packfile import load_pack_text
from fanjing.settings import Settings
from fanjing.web.app import create_app
from tests.api_helpers import bearer
from tests.cli_helpers import run_fanjing
from tests.community.test_reevaluate import second_version

# 342 bytes; expanded, 9**9 strings
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
MEMORY_LIMIT = 1536 * 1024 * 1024


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def fanjing(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``fanjing …`` under the address-space limit."""
    return run_fanjing(tmp_path, *args, preexec_fn=_limited)


def test_the_bomb_is_342_bytes():
    assert len(BILLION_LAUGHS.encode()) == 342


def test_an_alias_is_refused_at_its_line():
    with pytest.raises(InputErrors) as refused:
        load_pack_text(BILLION_LAUGHS, file="bomb.yaml")
    (error,) = refused.value.errors
    assert (error.code, error.where.file, error.where.line) == ("yaml_alias", "bomb.yaml", 1)
    assert "&a" in error.message


def test_a_merge_key_is_an_alias_too():
    text = second_version().replace("title:", "base: &base {x: 1}\nother:\n  <<: *base\ntitle:", 1)
    with pytest.raises(InputErrors) as refused:
        load_pack_text(text, file="p.yaml")
    assert [e.code for e in refused.value.errors] == ["yaml_alias"]


def test_nesting_past_the_limit_is_refused_at_its_line():
    text = "title: x\nrules: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(InputErrors) as refused:
        load_pack_text(text, file="deep.yaml")
    (error,) = refused.value.errors
    assert (error.code, error.where.line) == ("too_deep", 2)


@pytest.mark.parametrize("command", ["validate", "upload"])
def test_the_cli_refuses_the_bomb_with_its_line(tmp_path, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    refused = fanjing(tmp_path, "policy", command, str(bomb))
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("错误：政策包不能使用 YAML 锚点或别名")
    assert f"（位置：{bomb}:1）" in refused.stderr and "Traceback" not in refused.stderr


@pytest.fixture
def client(engine, tmp_path, tokens):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url))
    with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as client:
        yield client


def test_the_api_refuses_the_bomb_and_keeps_nothing(client, tokens):
    cdc = bearer(tokens["cdc"])
    refused = client.post("/api/v1/policy/packs", json={"text": BILLION_LAUGHS}, headers=cdc)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert (error["code"], error["line"]) == ("yaml_alias", 1)
    assert client.get("/api/v1/policy/packs", headers=cdc).json() == []
    assert client.get("/healthz").status_code == 200


def test_the_api_refuses_a_pack_over_512_kb_with_413(client, tokens):
    text = second_version() + "#" * (512 * 1024) + "\n"
    refused = client.post(
        "/api/v1/policy/packs", json={"text": text}, headers=bearer(tokens["cdc"])
    )
    assert refused.status_code == 413, refused.text
    assert refused.json()["type"] == "urn:fanjing:problem:payload_too_large"


def test_a_parse_past_the_time_limit_is_refused(monkeypatch):
    monkeypatch.setattr(packstore, "PARSE_SECONDS", 0.0)
    with pytest.raises(FanjingError) as refused:
        asyncio.run(packstore.load_pack_in_time(second_version(), file="p.yaml"))
    assert refused.value.code == "pack_too_slow"


def _csrf(client, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None, page
    return found.group(1)


def test_the_cdc_page_refuses_the_bomb_with_its_line(client, tokens):
    logged_in = client.post(
        "/login",
        data={"token": tokens["cdc"], "csrf": _csrf(client, "/login")},
        follow_redirects=False,
    )
    assert logged_in.status_code == 303
    refused = client.post(
        "/cdc/packs",
        data={"csrf": _csrf(client, "/cdc/packs"), "text": BILLION_LAUGHS},
        files={"upload": ("", b"")},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    alert = refused.text.split('role="alert"', 1)[-1].split("</div>", 1)[0]
    assert "第 1 行" in alert and "政策包不能使用 YAML 锚点或别名" in alert, alert
