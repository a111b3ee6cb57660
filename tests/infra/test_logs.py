"""Logging: the server's JSON lines, the CLI's readable lines, the masking of numbers."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from collections.abc import Iterator

import pytest

from fanjing.infra.logs import (
    begin_request,
    configure_cli_logging,
    configure_server_logging,
    mask_personal_numbers,
    note_role,
)
from fanjing.settings import Settings


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, given back as it was (pytest's own handlers included)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    alembic = logging.getLogger("alembic").level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(alembic)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("bound 13912345678 now", "bound 139****5678 now", id="mobile"),
        pytest.param("call +8613912345678", "call 139****5678", id="mobile-with-country-code"),
        pytest.param("id 110101199003071234.", "id 110101********1234.", id="resident-id"),
        pytest.param("id 11010119900307123X", "id 110101********123X", id="resident-id-x"),
        pytest.param(
            "身份证110101199003071234手机13912345678",
            "身份证110101********1234手机139****5678",
            id="in-chinese",
        ),
        pytest.param(
            "order 12345678901234567890123", "order 12345678901234567890123", id="long-number"
        ),
        pytest.param(
            "12912345678 is no mobile", "12912345678 is no mobile", id="not-mobile-prefix"
        ),
        pytest.param("watermark 1000, 20 batches", "watermark 1000, 20 batches", id="counts"),
    ],
)
def test_numbers_shaped_like_personal_data_are_masked(text, expected):
    assert mask_personal_numbers(text) == expected


def test_a_server_line_has_the_field_set_the_request_and_no_numbers(root_logger):
    stream = io.StringIO()
    configure_server_logging(Settings(log_level="INFO"), stream)
    log = logging.getLogger("fanjing.test")

    def one_request() -> None:
        log.debug("not at INFO")
        begin_request("req-12345678")
        note_role("community_worker")
        log.info("bound %s for %s", "13912345678", "someone")
        try:
            raise ValueError("no account for 110101199003071234")
        except ValueError:
            log.exception("failed")

    contextvars.copy_context().run(one_request)  # the request's context ends with it
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert set(first) == {"time", "level", "logger", "message", "request_id", "role"}
    assert first["level"] == "INFO" and first["logger"] == "fanjing.test"
    assert first["message"] == "bound 139****5678 for someone"
    assert (first["request_id"], first["role"]) == ("req-12345678", "community_worker")
    assert first["time"].endswith("+00:00")
    assert second["message"].startswith("failed\nTraceback")
    assert "110101********1234" in second["message"]
    assert "110101199003071234" not in stream.getvalue()


def test_cli_lines_are_readable_and_masked(root_logger):
    stream = io.StringIO()
    configure_cli_logging(Settings(log_level="WARNING"), stream)
    logging.getLogger("fanjing.cli").info("hidden")
    logging.getLogger("fanjing.cli").warning("code for %s", "13912345678")
    [line] = stream.getvalue().splitlines()
    assert line.endswith(" WARNING fanjing.cli: code for 139****5678")
    assert not line.startswith("{")


def test_the_cli_hides_alembics_notes_unless_debugging(root_logger):
    stream = io.StringIO()
    configure_cli_logging(Settings(), stream)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("fanjing.sync").info("3 synced")
    assert stream.getvalue().splitlines()[-1].endswith("INFO fanjing.sync: 3 synced")
    assert "SQLiteImpl" not in stream.getvalue()
    configure_cli_logging(Settings(log_level="DEBUG"), stream)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    assert "SQLiteImpl" in stream.getvalue()
