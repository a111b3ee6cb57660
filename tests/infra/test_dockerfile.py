"""The Dockerfile, without Docker (CI has no daemon): the commands it runs exist, the paths it
copies are there, the base image is pinned, the server does not run as root."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import typer

from fanjing.cli import app

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def exec_form(arguments: str) -> list[str]:
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def test_the_base_image_is_a_pinned_slim_python_the_project_accepts():
    [base] = [rest for keyword, rest in instructions() if keyword == "FROM"]
    found = re.fullmatch(r"python:(\d+)\.(\d+)\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", base)
    assert found, base  # a full version, never "latest" or a bare "3"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = re.fullmatch(r">=(\d+)\.(\d+)", project["project"]["requires-python"])
    assert wanted
    assert (int(found[1]), int(found[2])) >= (int(wanted[1]), int(wanted[2]))


def test_every_copied_path_exists():
    copies = [rest for keyword, rest in instructions() if keyword == "COPY"]
    assert copies
    for arguments in copies:
        *sources, _target = exec_form(arguments)
        for source in sources:
            assert (ROOT / source).exists(), source
    assert any("src" in exec_form(arguments) for arguments in copies)


def test_the_server_runs_as_a_user_of_its_own():
    users = [rest for keyword, rest in instructions() if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    keywords = [keyword for keyword, _ in instructions()]
    assert keywords.index("USER") < keywords.index("CMD")


def test_the_command_is_fanjing_serve_with_options_it_has():
    [command] = [exec_form(rest) for keyword, rest in instructions() if keyword == "CMD"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert command[0] in project["project"]["scripts"]  # the console script `fanjing`
    assert command[1] == "serve"
    serve = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    options = {name for parameter in serve.params for name in parameter.opts}
    assert {word for word in command[2:] if word.startswith("--")} <= options
    assert "0.0.0.0" in command  # reachable from outside the container


def test_the_healthcheck_asks_healthz():
    [check] = [rest for keyword, rest in instructions() if keyword == "HEALTHCHECK"]
    assert "CMD" in check and "/healthz" in check
    command = exec_form(check[check.index("CMD") + 3 :].strip())
    assert command[0] == "python"  # in the image; curl is not
