"""Hostile arrival lists, built here (small on disk, huge when read): a sheet declaring
1,048,576 × 16,384 cells, a cell that unpacks a thousand times over, more rows than
the limit. Each is refused with a clear error, having read a bounded number of rows with
bounded memory (tracemalloc's peak), never the file's claims."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from fanjing.community.arrival_list import MAX_ROWS
from fanjing.community.excel import MAX_COLUMNS, sheet_rows
from fanjing.errors import FanjingError
from tests.api_helpers import bearer
from tests.community.helpers import ID

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["姓名", "证件号码", "手机号", "到京日期"]
MEGABYTE = 1024 * 1024


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def far_cell_bomb() -> bytes:
    """A header, one person, and a cell at XFD1048576: a reader trusting the dimension
    (A1:XFD1048576) fills in 17 billion cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["张三", ID, "13912345678", "2021-08-07"])
    sheet.cell(row=1_048_576, column=16_384, value="x")
    return _saved(book)


def huge_cell_bomb(unpacked_megabytes: int = 80) -> bytes:
    """A real workbook whose sheet has, in row 2, one cell of ``unpacked_megabytes`` MB of
    one letter: about a thousand times smaller packed."""
    book = Workbook()
    book.active.append(HEADER)
    original = zipfile.ZipFile(io.BytesIO(_saved(book)))
    sheet_name = "xl/worksheets/sheet1.xml"
    head, tail = original.read(sheet_name).split(b"</row>", 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in original.infolist():
            if member.filename != sheet_name:
                bomb.writestr(member, original.read(member))
        with bomb.open(sheet_name, "w", force_zip64=True) as sheet:
            sheet.write(head + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>')
            for _ in range(unpacked_megabytes):
                sheet.write(b"A" * MEGABYTE)
            sheet.write(b"</t></is></c></row>" + tail)
    return buffer.getvalue()


def too_many_rows(count: int = MAX_ROWS + 5_000) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for number in range(count):
        sheet.append([f"人{number}", ID, "13912345678", "2021-08-07"])
    return _saved(book)


def _peak_of(read: Callable[[], Any]) -> tuple[Any, int]:
    """What ``read`` returned or raised, and the peak of memory it allocated."""
    tracemalloc.start()
    try:
        try:
            outcome: Any = read()
        except FanjingError as problem:
            outcome = problem
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_far_cell_is_refused_after_the_limit_without_filling_in_the_sheet():
    data = far_cell_bomb()
    assert len(data) < 20_000
    refused, peak = _peak_of(lambda: sheet_rows(data, file="bomb.xlsx", max_rows=MAX_ROWS))
    assert isinstance(refused, FanjingError), refused
    assert (refused.code, refused.where.line) == ("too_many_rows", MAX_ROWS + 2)
    # 10,002 rows of 26 empty cells, not 1,048,576 of 16,384
    assert peak < 40 * MEGABYTE


def test_the_rows_of_a_sheet_are_as_wide_as_the_columns_read():
    book = Workbook()
    book.active.append(HEADER)
    book.active.cell(row=3, column=16_384, value="x")
    rows = sheet_rows(_saved(book), file="a.xlsx", max_rows=MAX_ROWS)
    assert len(rows) == 3 and {len(row) for row in rows} == {MAX_COLUMNS}
    assert rows[0][:4] == tuple(HEADER)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = huge_cell_bomb()
    assert len(data) < 200_000
    refused, peak = _peak_of(lambda: sheet_rows(data, file="bomb.xlsx", max_rows=MAX_ROWS))
    assert isinstance(refused, FanjingError), refused
    assert refused.code == "excel_too_large" and "80 MB" in refused.message
    assert peak < 5 * MEGABYTE  # the 80 MB string was never made


def test_a_compressible_member_under_the_cap_is_refused_by_its_ratio():
    data = huge_cell_bomb(unpacked_megabytes=10)
    with pytest.raises(FanjingError) as refused:
        sheet_rows(data, file="bomb.xlsx", max_rows=MAX_ROWS)
    assert refused.value.code == "excel_too_large"


def test_reading_stops_at_the_row_limit():
    data = too_many_rows()
    with pytest.raises(FanjingError) as refused:
        sheet_rows(data, file="many.xlsx", max_rows=MAX_ROWS)
    assert (refused.value.code, refused.value.where.line) == ("too_many_rows", MAX_ROWS + 2)
    assert len(sheet_rows(too_many_rows(50), file="few.xlsx", max_rows=MAX_ROWS)) == 51


@pytest.mark.parametrize(
    "bomb, code",
    [(far_cell_bomb, "too_many_rows"), (huge_cell_bomb, "excel_too_large")],
    ids=["far-cell", "zip-bomb"],
)
def test_the_api_refuses_a_bomb_from_a_community_worker(client, tokens, bomb, code):
    worker = bearer(tokens["community_worker"])
    refused = client.post(
        "/api/v1/community/arrivals/import",
        content=bomb(),
        headers={**worker, "Content-Type": XLSX},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"] == f"urn:fanjing:problem:{code}"
    assert client.get("/api/v1/community/cases", headers=worker).json() == []
