"""The stores hold the queries: only a store builds or runs a SQL statement.

A store is a module whose name ends in ``store`` (``store.py`` with a capability's tables and
its queries, ``<topic>_store.py`` where they outgrow one file, ``policy/packstore.py``), or the
shared database ground (``infra``, ``migrations``). Everywhere else SQLAlchemy is only a type
(``Session``, ``Engine``, ``Connection`` and their asyncio kin) and its errors, and a session is used as the unit of
work (``add``, ``get``, ``flush``), never handed a statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "fanjing"

STORE_GROUND = ("infra", "migrations")
# what a module outside the stores may take from SQLAlchemy: the handles it is passed
TYPE_NAMES = {"Session", "Engine", "Connection", "AsyncEngine", "AsyncConnection"}
# a session or connection method that runs a statement
RUNNERS = {"execute", "scalar", "scalars", "exec_driver_sql"}


def _is_store(path: Path) -> bool:
    relative = path.relative_to(SRC)
    return relative.parts[0] in STORE_GROUND or path.stem.endswith("store")


def _queries_of(source: str) -> list[str]:
    """Where the module builds or runs a statement: the SQLAlchemy names it imports beyond
    the types and errors, and the lines that hand something a statement."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            root = node.module.split(".")[0]
            if root != "sqlalchemy" or node.module == "sqlalchemy.exc":
                continue
            found.extend(
                f"{node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name not in TYPE_NAMES
            )
        elif isinstance(node, ast.Import):
            found.extend(
                f"{node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] == "sqlalchemy"
            )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNNERS
        ):
            found.append(f"{node.lineno}: runs {node.func.attr}")
    return found


def _modules_with_queries() -> dict[str, list[str]]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        if _is_store(path):
            continue
        queries = _queries_of(path.read_text(encoding="utf-8"))
        if queries:
            found[str(path.relative_to(SRC))] = queries
    return found


def test_only_the_stores_build_or_run_statements() -> None:
    assert _modules_with_queries() == {}


@pytest.mark.parametrize(
    ("source", "has_queries"),
    [
        ("from sqlalchemy import select", True),
        ("from sqlalchemy.dialects.postgresql import insert", True),
        ("import sqlalchemy as sa", True),
        ("def f(session):\n    return session.scalars(statement)", True),
        ("def f(connection):\n    connection.execute(statement)", True),
        ("from sqlalchemy.orm import Session", False),
        ("from sqlalchemy import Connection, Engine", False),
        ("from sqlalchemy.ext.asyncio import AsyncEngine", False),
        ("from sqlalchemy.ext.asyncio import create_async_engine", True),
        ("async def f(connection):\n    await connection.execute(statement)", True),
        ("from sqlalchemy.exc import IntegrityError", False),
        ("def f(session, row):\n    session.add(row)\n    session.flush()", False),
        ("def f(session, row_id):\n    return session.get(Row, row_id)", False),
    ],
)
def test_the_check_tells_a_query_from_a_unit_of_work(source: str, has_queries: bool) -> None:
    assert bool(_queries_of(source)) is has_queries


@pytest.mark.parametrize(
    ("module", "store"),
    [
        ("vaccination/store.py", True),
        ("itinerary/shard_store.py", True),
        ("policy/packstore.py", True),
        ("infra/bulk.py", True),
        ("vaccination/service.py", False),
        ("web/pages/cdc.py", False),
    ],
)
def test_the_check_knows_a_store_by_its_name(module: str, store: bool) -> None:
    assert _is_store(SRC / module) is store
