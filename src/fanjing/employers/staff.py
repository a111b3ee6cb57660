"""What an employer reads of its own staff: each linked employee's measures and return day
(from the community's open cases), and the arrival reports employees made while linked.
Names masked; nothing else of a person's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from fanjing.common.days import day_in_china
from fanjing.common.identity import mask_name
from fanjing.community.core import measures_from_decision
from fanjing.employers.core import StaffMeasure, StaffStatus, reported_measures, staff_status
from fanjing.employers.store import current_staff, open_measures_of_staff, reports_while_linked
from fanjing.infra.crypto import FieldCipher

INBOX_LIMIT = 200


def staff_statuses(
    session: Session, cipher: FieldCipher, *, employer_id: int, day: date
) -> list[StaffStatus]:
    """Every current employee of the employer on ``day``: first those kept away from the
    workplace (latest return last), then those at work, each by masked name."""
    links = current_staff(session, employer_id)
    measures = open_measures_of_staff(session, employer_id)
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
    reports = reports_while_linked(session, employer_id, INBOX_LIMIT)
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
