"""Cases as their readers see them (the API's JSON and the community pages alike): a case's
summary, its measures, checks, tests and closed-loop group, names and phones in full for
the community's own workers (``reveal``), masked otherwise; document numbers never."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fanjing.common.identity import mask_name, mask_phone
from fanjing.community.core import KIND_ZH, check_is_abnormal
from fanjing.community.service import person_of
from fanjing.community.store import (
    ArrivalReportRow,
    CaseMeasureRow,
    CaseRow,
    cases_with_reports,
    checks_of,
    measures_of,
    members_with_reports,
    tests_of,
)


def measure_read(row: CaseMeasureRow) -> dict[str, Any]:
    measure = row.to_core()
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_zh": KIND_ZH.get(row.kind, row.kind),
        "start": row.start_date,
        "end": row.end_date,
        "until": measure.until,
        "ended_on": row.ended_on,
        "end_reason": row.end_reason,
        "rule": row.rule,
        "clause": row.clause,
    }


def measure_days(measure: dict[str, Any], today: date) -> dict[str, Any]:
    """A measure as a page shows it: its last day (``until`` is the first day without it),
    the last day first planned, whether it runs ``today`` and whether it ended early."""
    until = measure["until"]
    return {
        **measure,
        "last_day": until - timedelta(days=1) if until else None,
        "planned_last": measure["end"] - timedelta(days=1) if measure["end"] else None,
        "running": measure["start"] <= today and (until is None or today < until),
        "ended_early": measure["ended_on"] is not None and until == measure["ended_on"],
    }


def case_summary(
    case: CaseRow, report: ArrivalReportRow, cipher: Any, reveal: bool
) -> dict[str, Any]:
    name, _, phone = person_of(report, cipher)
    return {
        "id": case.id,
        "community": case.community,
        "person": name if reveal else mask_name(name),
        "phone": (phone if reveal else mask_phone(phone)) if phone else "",
        "status": case.status,
        "opened_on": case.opened_on,
        "closed_on": case.closed_on,
        "close_reason": case.close_reason,
        "link": case.link,
        "contact_case_id": case.contact_case_id,
    }


def community_cases(
    session: Session, cipher: Any, *, community: str, status: str, reveal: bool
) -> list[dict[str, Any]]:
    """The community's cases of ``status`` (open or closed), oldest first."""
    return [
        case_summary(case, report, cipher, reveal)
        for case, report in cases_with_reports(session, community, status)
    ]


def case_read(session: Session, case: CaseRow, cipher: Any, reveal: bool) -> dict[str, Any]:
    report = session.get_one(ArrivalReportRow, case.report_id)
    checks = checks_of(session, case.id)
    tests = tests_of(session, case.id)
    members = members_with_reports(session, case.id)
    return {
        **case_summary(case, report, cipher, reveal),
        "employer": report.employer,
        "arrival": report.arrival_date,
        "measures": [measure_read(row) for row in measures_of(session, case.id)],
        "checks": [
            {
                "day": c.check_date,
                "temperature": float(c.temperature),
                "symptoms": c.symptoms,
                "abnormal": check_is_abnormal(float(c.temperature), c.symptoms),
                "recorded_by": c.recorded_by,
            }
            for c in checks
        ],
        "tests": [
            {"day": t.test_date, "result": t.result, "superseded": t.superseded_by_id is not None}
            for t in tests
        ],
        "members": [case_summary(m, r, cipher, reveal) for m, r in members],
    }
