"""Reading an uploaded Excel workbook's first sheet as rows of values, with the work bounded
whatever the file claims: an .xlsx is a zip of XML, and a small one can unpack to gigabytes
or declare a sheet of 1,048,576 × 16,384 cells that a reader fills in."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import load_workbook

from fanjing.errors import Code, FanjingError, Where

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
# a 10,000-row arrival list unpacks to ~15 MB of XML; its members compress 5–20 times
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed, for a member over RATIO_FROM_BYTES unpacked
RATIO_FROM_BYTES = 1024 * 1024
MAX_MEMBERS = 200
MAX_COLUMNS = 26  # A–Z: an arrival list has 11 columns


def sheet_rows(data: bytes, *, file: str, max_rows: int) -> list[Sequence[Any]]:
    """The first sheet's rows (values, not formulas), each ``MAX_COLUMNS`` wide; the header
    and at most ``max_rows`` rows after it. A clear error for anything that is not an .xlsx
    workbook, for a zip bomb (checked on the zip's directory before openpyxl opens it), and
    for a sheet with more rows: reading streams and stops there, so no declared dimension
    or far-away cell makes it read further."""
    if len(data) > MAX_WORKBOOK_BYTES:
        raise FanjingError(
            Code.PAYLOAD_TOO_LARGE,
            f"表格不能超过 {MAX_WORKBOOK_BYTES // 1024 // 1024} MB",
            Where(file=file),
        )
    _refuse_zip_bombs(data, file)
    last = max_rows + 2  # the header, the rows allowed, and one more to know there are more
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = [
                tuple(row)
                for row in sheet.iter_rows(max_row=last, max_col=MAX_COLUMNS, values_only=True)
            ]
        finally:
            book.close()
    except Exception:  # a damaged workbook fails anywhere inside openpyxl, in many ways
        raise FanjingError(
            Code.BAD_EXCEL, "不是可读的 Excel 工作簿（.xlsx）", Where(file=file)
        ) from None
    if len(rows) >= last:  # a row past the limit, even an empty one (as the reader counts)
        raise FanjingError(
            Code.TOO_MANY_ROWS, f"一次最多导入 {max_rows} 行", Where(file=file, line=last)
        )
    return rows


def _refuse_zip_bombs(data: bytes, file: str) -> None:
    """Sizes from the zip's directory: ``zipfile`` (which openpyxl reads with) never unpacks
    a member past its declared size, so the directory bounds what opening can cost."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise FanjingError(
            Code.BAD_EXCEL, "不是可读的 Excel 工作簿（.xlsx）", Where(file=file)
        ) from None
    unpacked = sum(member.file_size for member in members)
    too_packed = [
        member.filename
        for member in members
        if member.file_size > RATIO_FROM_BYTES
        and member.file_size > MAX_RATIO * max(member.compress_size, 1)
    ]
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES or too_packed:
        raise FanjingError(
            Code.EXCEL_TOO_LARGE,
            f"表格解压后过大（{unpacked // 1024 // 1024} MB，{len(members)} 个部件；"
            f"至多 {MAX_UNPACKED_BYTES // 1024 // 1024} MB、压缩比至多 {MAX_RATIO}）",
            Where(file=file),
        )
