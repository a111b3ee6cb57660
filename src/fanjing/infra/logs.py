"""Application logging, configured at each entry point: JSON lines on stdout for the server,
readable lines on stderr for the CLI.

A server line has one field set: ``time``, ``level``, ``logger``, ``message``,
``request_id`` and ``role`` (the caller's role, never who they are). The request's id and
role come from a context variable the web layer sets per request. Personal data is kept out
of messages by the code that logs; as a second line of defence every handler masks anything
shaped like a mainland mobile number or a resident ID number, tracebacks included.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

import orjson

from fanjing.common.identity import mask_document, mask_phone
from fanjing.settings import Settings

# digits not glued to other digits or letters: an order number's middle is left alone
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")


@dataclass
class RequestContext:
    """What every log line of one request carries; ``role`` is filled in once the caller is
    known (the holder is shared with the request's worker threads, so they can fill it)."""

    request_id: str
    role: str | None = None


_REQUEST: ContextVar[RequestContext | None] = ContextVar("fanjing_request", default=None)


def begin_request(request_id: str) -> RequestContext:
    """Start the context of a request (each request runs in its own task, so no reset)."""
    context = RequestContext(request_id)
    _REQUEST.set(context)
    return context


def note_role(role: str) -> None:
    """The authenticated caller's role, for the rest of the request's log lines."""
    context = _REQUEST.get()
    if context is not None:
        context.role = role


def mask_personal_numbers(text: str) -> str:
    """``text`` with resident ID numbers and mobile numbers masked as everywhere else."""
    text = _RESIDENT_ID.sub(lambda found: mask_document(found.group()), text)
    return _MOBILE.sub(lambda found: mask_phone(found.group()[-11:]), text)


class MaskPersonalNumbers(logging.Filter):
    """Masks ID and mobile numbers in a record's message (its arguments merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: the fixed field set, a traceback inside ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        context = _REQUEST.get()
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_numbers(message),
            "request_id": context.request_id if context else None,
            "role": context.role if context else None,
        }
        return orjson.dumps(line).decode("utf-8")


class ReadableLines(logging.Formatter):
    """``2021-08-07 03:00:00 INFO fanjing.web: …``, tracebacks masked too."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_numbers(super().format(record))


def configure_server_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """JSON lines on stdout (for a log shipper), at ``FANJING_LOG_LEVEL``."""
    _configure(settings, JsonLines(), stream or sys.stdout)


def configure_cli_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Readable lines on stderr (stdout is the command's answer), at ``FANJING_LOG_LEVEL``;
    Alembic's lines only at DEBUG (every command that opens the database checks its schema,
    and its migration notes would drown the command's own output)."""
    _configure(settings, ReadableLines(), stream or sys.stderr)
    logging.getLogger("alembic").setLevel("DEBUG" if settings.log_level == "DEBUG" else "WARNING")


def _configure(settings: Settings, formatter: logging.Formatter, stream: TextIO) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(MaskPersonalNumbers())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own lines go through the same handler
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
