"""``fanjing …`` as an operator runs it: a subprocess with its own var/ (SQLite) in a test's
folder, whatever database the test run itself uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_fanjing(
    folder: Path,
    *args: str,
    today: str | None = None,
    settings: dict[str, str] | None = None,
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """``today``: the command's clock (``FANJING_TODAY``); ``settings``: more ``FANJING_*``
    variables (a database instead of var/'s SQLite); ``options`` go to subprocess.run."""
    env = {**os.environ, "FANJING_VAR_DIR": str(folder / "var")}
    env.pop("FANJING_DATABASE_URL", None)
    env.update(settings or {})
    if today:
        env["FANJING_TODAY"] = today
    return subprocess.run(
        [sys.executable, "-m", "fanjing", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=folder,
        timeout=120,
        **options,
    )
