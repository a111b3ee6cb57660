"""One Settings object, built at each entry point (CLI, server, tests) and passed down.

Nothing reads the environment at import time: ``Settings.from_environment()`` does,
when a command starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "FANJING_"


@dataclass(frozen=True)
class Settings:
    """Where fanjing keeps its data.

    ``var_dir``: files fanjing writes (the SQLite database by default); ``FANJING_VAR_DIR``.
    ``database_url``: SQLAlchemy URL; ``FANJING_DATABASE_URL``; default an SQLite file in var/.
    """

    var_dir: Path
    database_url: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get(f"{PREFIX}VAR_DIR") or "var")
        url = env.get(f"{PREFIX}DATABASE_URL") or f"sqlite:///{var_dir / 'fanjing.db'}"
        return cls(var_dir=var_dir, database_url=url)
