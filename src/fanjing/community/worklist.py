"""A community's worklist for a day, gathered from the database, and its export to Excel and
CSV with personal data masked unless the viewer's role needs it."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from fanjing.common.identity import mask_name, mask_phone
from fanjing.community.core import (
    KIND_ZH,
    WHAT_ZH,
    CaseFacts,
    MissingReport,
    Worklist,
    check_is_abnormal,
    worklist_for,
)
from fanjing.community.store import active_phone_of
from fanjing.community.worklist_store import (
    checks_since,
    measures_of_cases,
    open_cases_in,
    reports_by_id,
    standing_tests_of,
    unreported_arrivals,
)
from fanjing.infra.crypto import FieldCipher

LOOKBACK_DAYS = 14  # declared arrivals older than this are not chased for a report
HEADER = ("事项", "个案", "姓名", "手机号", "措施", "说明")


def community_worklist(
    session: Session, cipher: FieldCipher, *, community: str, day: date, reveal: bool
) -> Worklist:
    """The worklist of ``community`` on ``day``. ``reveal``: names and phone numbers in full
    (the community's own workers, who must call people); otherwise masked."""
    cases = open_cases_in(session, community)
    ids = [case.id for case in cases]
    measures = defaultdict(list)
    checked: dict[int, set[date]] = defaultdict(set)
    abnormal: dict[int, set[date]] = defaultdict(set)
    tested: dict[int, list[date]] = defaultdict(list)
    positive: dict[int, set[date]] = defaultdict(set)
    if ids:
        for case_id, measure in measures_of_cases(session, ids):
            measures[case_id].append(measure)
        since = day - timedelta(days=30)
        for check in checks_since(session, ids, since):
            checked[check.case_id].add(check.check_date)
            if check_is_abnormal(float(check.temperature), check.symptoms):
                abnormal[check.case_id].add(check.check_date)
        for test in standing_tests_of(session, ids):
            tested[test.case_id].append(test.test_date)
            if test.result == "positive":
                positive[test.case_id].add(test.test_date)
    reports = reports_by_id(session, [c.report_id for c in cases])
    facts = []
    for case in cases:
        report = reports[case.report_id]
        name = cipher.decrypt(report.name_encrypted)
        phone = cipher.decrypt(report.phone_encrypted) if report.phone_encrypted else ""
        facts.append(
            CaseFacts(
                case.id,
                name if reveal else mask_name(name),
                phone if reveal else mask_phone(phone) if phone else "",
                tuple(measures[case.id]),
                frozenset(checked[case.id]),
                tuple(tested[case.id]),
                frozenset(abnormal[case.id]),
                positive_days=frozenset(positive[case.id]),
                opened_on=case.opened_on,
            )
        )
    return worklist_for(day, facts, _missing_reports(session, cipher, community, day, reveal))


def _missing_reports(
    session: Session, cipher: FieldCipher, community: str, day: date, reveal: bool
) -> list[MissingReport]:
    """Each arrival declared in the last 14 days by a health-kit account of the community
    with no arrival report on or after it (M1); an account that declared several arrivals
    is listed for each."""
    rows = unreported_arrivals(session, community, day - timedelta(days=LOOKBACK_DAYS), day)
    missing = []
    seen: set[tuple[int, date]] = set()
    for account, arrival in rows:
        if (account.id, arrival) in seen:  # the same arrival declared twice
            continue
        seen.add((account.id, arrival))
        name = cipher.decrypt(account.name_encrypted)
        phone_row = active_phone_of(session, account.id)
        phone = cipher.decrypt(phone_row) if phone_row else ""
        missing.append(
            MissingReport(
                name if reveal else mask_name(name),
                phone if reveal else mask_phone(phone) if phone else "",
                arrival,
            )
        )
    return missing


def worklist_rows(worklist: Worklist) -> list[tuple[str, ...]]:
    """The worklist as text cells, each safe to open in a spreadsheet."""
    return [
        tuple(
            inert_cell(cell)
            for cell in (
                WHAT_ZH[item.what],
                str(item.case_id) if item.case_id else "",
                item.person,
                item.phone,
                KIND_ZH.get(item.kind or "", ""),
                item.detail,
            )
        )
        for item in worklist.items
    ]


def inert_cell(text: str) -> str:
    """A cell a spreadsheet will not run: names come from people, and ``=HYPERLINK(…)`` as a
    name must stay text (OWASP's CSV injection advice: a leading quote)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def worklist_xlsx(worklist: Worklist, community: str) -> bytes:
    """The worklist as an Excel workbook (one sheet, a header row, frozen)."""
    return text_workbook(
        f"{worklist.day.isoformat()} 工作清单",
        f"{community} {worklist.day.isoformat()} 工作清单",
        HEADER,
        worklist_rows(worklist),
        (22, 8, 12, 15, 12, 40),
    )


def text_workbook(
    title: str,
    heading: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[int],
) -> bytes:
    """One sheet named ``title``: a heading line, a bold header frozen above the rows, every
    cell text (never a formula: make the rows with ``inert_cell``), columns ``widths`` wide."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = title
    sheet.append([inert_cell(heading)])
    sheet.append(list(header))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "A3"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def worklist_csv(worklist: Worklist) -> str:
    """The worklist as CSV (UTF-8 with BOM, so that Excel opens the Chinese correctly)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(worklist_rows(worklist))
    return buffer.getvalue()
