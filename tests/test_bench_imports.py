"""The benchmarks import what they measure by name, and no test runs them: a module moved or
renamed in src/ must not leave ``python -m bench`` broken until someone measures again."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("module", sorted(path.stem for path in BENCH.glob("*.py")))
def test_every_benchmark_module_imports(module: str) -> None:
    importlib.import_module(f"bench.{module}")
