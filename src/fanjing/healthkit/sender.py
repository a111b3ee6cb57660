"""Sending one-time codes: a small interface; the development sender writes to the log."""

from __future__ import annotations

import logging
from typing import Protocol

from fanjing.common.identity import mask_phone

log = logging.getLogger("fanjing.healthkit.codes")


class CodeSender(Protocol):
    def send(self, phone: str, code: str) -> None: ...


class LogSender:
    """For development and tests: the code goes to the log, the number masked."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (masked number, code), for tests

    def send(self, phone: str, code: str) -> None:
        self.sent.append((mask_phone(phone), code))
        log.warning("one-time code for %s: %s", mask_phone(phone), code)
