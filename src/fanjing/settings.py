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
    """Where fanjing keeps its data, where it is reached, and how it sends one-time codes.

    ``var_dir``: files fanjing writes (the SQLite database by default); ``FANJING_VAR_DIR``.
    ``database_url``: SQLAlchemy URL; ``FANJING_DATABASE_URL``; default an SQLite file in var/.
    ``public_url``: the address people open (``FANJING_PUBLIC_URL``); when it is https, the
    session cookie is ``Secure``.
    ``sms_sender``: ``log`` (development: codes go to the log) or ``http`` (an SMS gateway at
    ``sms_url`` with ``sms_key`` and ``sms_template``); ``FANJING_SMS_SENDER``, ``…_SMS_URL``,
    ``…_SMS_KEY``, ``…_SMS_TEMPLATE``.
    """

    var_dir: Path
    database_url: str
    public_url: str = ""
    sms_sender: str = "log"
    sms_url: str = ""
    sms_key: str = ""
    sms_template: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get(f"{PREFIX}VAR_DIR") or "var")
        url = env.get(f"{PREFIX}DATABASE_URL") or f"sqlite:///{var_dir / 'fanjing.db'}"
        return cls(
            var_dir=var_dir,
            database_url=url,
            public_url=env.get(f"{PREFIX}PUBLIC_URL", ""),
            sms_sender=env.get(f"{PREFIX}SMS_SENDER") or "log",
            sms_url=env.get(f"{PREFIX}SMS_URL", ""),
            sms_key=env.get(f"{PREFIX}SMS_KEY", ""),
            sms_template=env.get(f"{PREFIX}SMS_TEMPLATE", ""),
        )

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.lower().startswith("https://")
