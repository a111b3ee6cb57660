"""The cores stay pure: no framework, storage, I/O or clock imports, and no reading of the clock."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "fanjing"
CORES = sorted(
    [
        *SRC.glob("*/core/**/*.py"),
        *SRC.glob("*/core.py"),
        SRC / "places" / "registry.py",
        SRC / "places" / "national_list.py",
        SRC / "places" / "national_list_model.py",
        *SRC.glob("common/*.py"),
    ]
)
FORBIDDEN = (
    "sqlalchemy",
    "fastapi",
    "typer",
    "httpx",
    "yaml",
    "jionlp",
    "fanjing.infra",
    "fanjing.web",
    "os",
    "io",
    "subprocess",
    "socket",
)
# core modules may import only each other, besides the standard library and pydantic
ALLOWED_FANJING = re.compile(
    r"^fanjing\.(common|\w+\.core|places\.registry|places\.national_list_model)(\.|$)"
    r"|^fanjing\.errors$"
)
CLOCK = re.compile(r"datetime\.now|date\.today|time\.time|datetime\.utcnow")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_there_are_cores_to_check():
    assert len(CORES) >= 8


@pytest.mark.parametrize("path", CORES, ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_nothing_impure(path):
    for name in _imports(path):
        assert not any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN), (
            f"{path.name} imports {name}"
        )
        if name.startswith("fanjing"):
            assert ALLOWED_FANJING.match(name), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", CORES, ids=lambda p: str(p.relative_to(SRC)))
def test_core_never_reads_the_clock(path):
    assert not CLOCK.search(path.read_text(encoding="utf-8"))
