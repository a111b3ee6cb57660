"""Reading an uploaded Excel workbook's first sheet as rows of values."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from fanjing.errors import FanjingError, Where

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024


def sheet_rows(data: bytes, *, file: str) -> list[Sequence[Any]]:
    """The first sheet's rows (values, not formulas); a clear error for anything that is not
    an .xlsx workbook."""
    if len(data) > MAX_WORKBOOK_BYTES:
        raise FanjingError(
            "payload_too_large",
            f"表格不能超过 {MAX_WORKBOOK_BYTES // 1024 // 1024} MB",
            Where(file=file),
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    except Exception:  # a damaged workbook fails anywhere inside openpyxl, in many ways
        raise FanjingError(
            "bad_excel", "不是可读的 Excel 工作簿（.xlsx）", Where(file=file)
        ) from None
