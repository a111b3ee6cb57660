"""Capabilities form a one-way graph: a module imports only from capabilities below its own.

The order is the one data flows in: staff accounts on places (a worker's community); the
health kit on places, the itinerary, the policy and the accounts; the community on the health kit; the work orders, employers, sites and checkpoints on
the community; the web, the demo and the CLI on everything. Cores (pure, checked by
test_purity.py) may be imported from anywhere, and so may the shared ground (errors, common,
settings, infra) and the HTTP glue every route uses (``web.deps``, ``web.errors``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "fanjing"

LAYERS = (
    "audit",
    "places",
    "policy",
    "itinerary",
    "users",
    "healthkit",
    "vaccination",
    "community",
    "hotline",
    "sites",
    "workorders",
    "employers",
    "checkpoints",
    "web",
    "demo",
    "demo_data",
    "tables",
    "database_cli",
    "cli",
    "__main__",
)
GROUND = ("__init__", "errors", "common", "settings", "infra", "py")
HTTP_GLUE = ("fanjing.web.deps", "fanjing.web.errors", "fanjing.web.openapi")


def _capability(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _is_core(module: str) -> bool:
    parts = module.split(".")
    return "core" in parts[2:] or module in {
        "fanjing.places.registry",
        "fanjing.places.national_list",
    }


def _imports(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.startswith("fanjing.")]


def _upward_imports_of(path: Path, source: str) -> list[str]:
    """What the module at ``path`` imports from capabilities above its own."""
    own = _capability(path)
    if own in GROUND:
        return []
    found = []
    for _line, module in _imports(source):
        other = module.split(".")[1]
        if other == own or other in GROUND or _is_core(module) or module in HTTP_GLUE:
            continue
        if LAYERS.index(other) > LAYERS.index(own):
            found.append(f"{path.relative_to(SRC)} imports {module}")
    return found


def _upward_imports() -> list[str]:
    return [
        found
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        for found in _upward_imports_of(path, path.read_text(encoding="utf-8"))
    ]


def test_every_capability_is_placed_in_the_order() -> None:
    capabilities = {_capability(path) for path in SRC.rglob("*.py")} - {"migrations"}
    assert capabilities - set(GROUND) - set(LAYERS) == set()


def test_no_capability_imports_one_above_it() -> None:
    assert _upward_imports() == []


def test_the_ground_imports_no_capability() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if _capability(path) not in GROUND:
            continue
        for line, module in _imports(path.read_text(encoding="utf-8")):
            if module.split(".")[1] not in GROUND:
                found.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "upward"),
    [
        ("places/service.py", "from fanjing.healthkit.store import PopupRow", True),
        ("users/service.py", "import fanjing.community.service", True),
        ("healthkit/service.py", "from fanjing.places.store import DesignationRow", False),
        ("places/service.py", "from fanjing.community.core import Measure", False),
        ("places/api.py", "from fanjing.web.deps import DbSession", False),
        ("places/api.py", "from fanjing.web.app import create_app", True),
    ],
)
def test_the_check_tells_upward_from_downward(module: str, source: str, upward: bool) -> None:
    assert bool(_upward_imports_of(SRC / module, source)) is upward
