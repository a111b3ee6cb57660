"""Schemathesis over the OpenAPI document: generated requests never get a 5xx, and every
response matches what the document says (status, content type, body schema).

Each operation is driven with Hypothesis through ``operation.as_strategy()`` (the
pytest plugin's fixture loader does not work with this pytest version).
"""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fanjing.infra.db import open_database, session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.web.app import create_app
from tests.api_helpers import bearer


def _workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.worksheets[0].append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# uploaded arrival lists: real workbooks (a header alone, a bad row) and arbitrary bytes
schemathesis.openapi.media_type(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    st.one_of(
        st.sampled_from(
            [
                _workbook([["姓名", "证件号码", "手机号", "到京日期"]]),
                _workbook([["姓名", "证件号码", "手机号", "到京日期"], ["张三", "1", "2", "x"]]),
                _workbook([["nonsense"]]),
            ]
        ),
        st.binary(max_size=200),
    ),
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, gazetteer):
    """The app on a fresh SQLite database, its schema, and a CDC token (the widest access)."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    engine = open_database(url)
    app = create_app(Settings(var_dir=folder / "var", database_url=url), engine=engine)
    with session_scope(engine) as session:
        _, token = add_user(
            session=session,
            cipher=app.state.cipher,
            name="fuzz-cdc",
            role="cdc",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),
        )
    yield schemathesis.openapi.from_asgi("/openapi.json", app), token
    engine.dispose()


def _operations() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(var_dir=Path(folder), database_url="sqlite://"))
        return [
            f"{method.upper()} {path}"
            for path, item in app.openapi()["paths"].items()
            for method in item
        ]


@pytest.mark.parametrize("operation_id", _operations())
def test_operation_holds_to_its_document(fuzzed, operation_id):
    schema, token = fuzzed
    method, path = operation_id.split(" ", 1)
    operation = schema[path][method]

    @given(operation.as_strategy())
    @settings(
        max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case):
        case.call_and_validate(headers=bearer(token), checks=CHECKS)

    run()
