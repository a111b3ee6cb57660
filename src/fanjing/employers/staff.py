"""What an employer reads of its own staff: each linked employee's measures and return day
(from the community's open cases), and the arrival reports employees made while linked.
Names masked; nothing else of a person's health."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from fanjing.common.days import day_in_china
from fanjing.common.identity import mask_name
from fanjing.community.core import Measure, measures_from_decision
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.employers.core import StaffMeasure, StaffStatus, reported_measures, staff_status
from fanjing.employers.store import EmploymentRow
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher

INBOX_LIMIT = 200


def staff_statuses(
    session: Session, cipher: FieldCipher, *, employer_id: int, day: date
) -> list[StaffStatus]:
    """Every current employee of the employer on ``day``: first those kept away from the
    workplace (latest return last), then those at work, each by masked name."""
    current = and_(EmploymentRow.employer_id == employer_id, EmploymentRow.unlinked_at.is_(None))
    links = session.execute(
        select(EmploymentRow.id, AccountRow.name_encrypted, AccountRow.document_hash)
        .join(AccountRow, AccountRow.id == EmploymentRow.account_id)
        .where(current)
    ).all()
    measures: dict[str, list[Measure]] = defaultdict(list)
    for document_hash, measure in session.execute(
        select(CaseRow.document_hash, CaseMeasureRow)
        .join(CaseMeasureRow, CaseMeasureRow.case_id == CaseRow.id)
        .join(AccountRow, AccountRow.document_hash == CaseRow.document_hash)
        .join(EmploymentRow, EmploymentRow.account_id == AccountRow.id)
        .where(current, CaseRow.status == "open")
    ):
        measures[document_hash].append(measure.to_core())
    statuses = [
        staff_status(
            link.id,
            mask_name(cipher.decrypt(link.name_encrypted)),
            measures.get(link.document_hash, []),
            day,
        )
        for link in links
    ]
    return sorted(statuses, key=_order)


def _order(status: StaffStatus) -> tuple[bool, date, str, int]:
    back = status.return_day or date.max
    return (status.at_work, back, status.person, status.link_id)


@dataclass(frozen=True)
class InboxReport:
    """An arrival report as the employer receives it: who (masked), arriving which day,
    reported when, and the measures decided with their last days — no places."""

    report_id: int
    person: str
    arrival_date: date
    reported_on: date
    reported_at: datetime
    measures: tuple[StaffMeasure, ...]


def inbox(session: Session, cipher: FieldCipher, *, employer_id: int) -> list[InboxReport]:
    """The arrival reports (newest first, at most ``INBOX_LIMIT``) made by or for people while
    their health-kit account was linked to the employer, whoever made the report (the person,
    their community, an imported list): the report goes to the community and the employer.
    A person's links to one employer never overlap, so a report matches one link at most."""
    linked_then = and_(
        EmploymentRow.employer_id == employer_id,
        ArrivalReportRow.reported_at >= EmploymentRow.linked_at,
        or_(
            EmploymentRow.unlinked_at.is_(None),
            ArrivalReportRow.reported_at < EmploymentRow.unlinked_at,
        ),
    )
    reports = session.scalars(
        select(ArrivalReportRow)
        .join(AccountRow, AccountRow.document_hash == ArrivalReportRow.document_hash)
        .join(EmploymentRow, EmploymentRow.account_id == AccountRow.id)
        .where(linked_then)
        .order_by(ArrivalReportRow.reported_at.desc(), ArrivalReportRow.id.desc())
        .limit(INBOX_LIMIT)
    ).all()
    return [
        InboxReport(
            report.id,
            mask_name(cipher.decrypt(report.name_encrypted)),
            report.arrival_date,
            day_in_china(report.reported_at),
            report.reported_at,
            reported_measures(measures_from_decision(report.decision)),
        )
        for report in reports
    ]
