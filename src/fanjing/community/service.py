"""Arrival reports (M1) and cases: a report is checked with the entry engine, stored with its
decision and pack, and opens a case when any measure applies; cases are followed day by
day (health checks, nucleic acid tests), measures end with a reason, CDC adjusts them,
and a secondary close contact's group follows the contact (M8)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import Document, mobile_number
from fanjing.community.arrival_list import read_arrival_rows
from fanjing.community.core import (
    measures_from_decision,
    needs_case,
)
from fanjing.community.store import (
    ArrivalReportRow,
    CaseMeasureRow,
    CaseRow,
    open_cases_of_document,
)
from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import beijing_community
from fanjing.policy.core.model import Decision
from fanjing.policy.service import Checker

MEMBER_ROLES = {
    "cohabitant_of_secondary_close_contact": "cohabitant",
    "coworker_of_secondary_close_contact": "coworker",
}


@dataclass(frozen=True)
class Person:
    name: str
    document: Document
    phone: str | None  # as given; validated here


@dataclass(frozen=True)
class Reported:
    report: ArrivalReportRow
    case: CaseRow | None
    decision: Decision


def report_arrival(
    *,
    session: Session,
    cipher: FieldCipher,
    checker: Checker,
    community: str,
    person: Person,
    employer: str | None,
    situation: dict[str, Any],
    contact_case_id: int | None,
    actor: str,
    source: str,
    now: datetime,
) -> Reported:
    """M1: keep the report with its decision; open a case when any measure applies (closing
    the person's earlier open case, which the new report replaces). A cohabitant's or
    co-worker's report names the secondary close contact's case (M8)."""
    place = beijing_community(checker.parse_place(community))
    name = person.name.strip()
    if not name:
        raise FanjingError(Code.MISSING_FIELD, "姓名不能为空", Where(field="name"))
    phone = mobile_number(person.phone) if person.phone else None
    arrival = situation.get("arrival") or situation.get("as_of") or checker.today.isoformat()
    situation = {**situation, "arrival": arrival}  # a report is made on arrival
    decision = checker.check(situation)
    contact = _contact_case(session, situation, contact_case_id, place.name)
    document_hash = cipher.lookup_hash(f"{person.document.kind.value}:{person.document.number}")
    report = ArrivalReportRow(
        reported_at=now,
        reported_by=actor,
        source=source,
        community=place.name,
        street=place.town or "",
        district=place.county or "",
        employer=(employer or "").strip() or None,
        name_encrypted=cipher.encrypt(name),
        document_kind=person.document.kind.value,
        document_encrypted=cipher.encrypt(person.document.number),
        document_hash=document_hash,
        phone_encrypted=cipher.encrypt(phone) if phone else None,
        arrival_date=date.fromisoformat(str(situation["arrival"])),
        situation=situation,
        decision=decision.to_json(),
        pack_id=decision.policy.id,
        pack_version=decision.policy.version,
    )
    session.add(report)
    session.flush()
    case = _open_case(session, report, contact, today=decision.as_of, now=now)
    record(
        session,
        actor=actor,
        at=now,
        action="report_arrival",
        entity="arrival_report",
        entity_id=report.id,
        after={"community": report.community, "case_id": case.id if case else None},
    )
    return Reported(report, case, decision)


def _contact_case(
    session: Session, situation: dict[str, Any], contact_case_id: int | None, community: str
) -> CaseRow | None:
    """The secondary close contact's open case in the same community, which a cohabitant or
    co-worker joins (M8). One refusal for every other case, so that nothing is learnt of
    cases elsewhere."""
    role = (situation.get("contact") or {}).get("role")
    if role not in MEMBER_ROLES:
        if contact_case_id is not None:
            raise FanjingError(
                Code.BAD_VALUE,
                "只有次密接的共同居住或共同工作人员关联次密接的个案",
                Where(field="contact_case_id"),
            )
        return None
    if contact_case_id is None:
        return None  # the contact is followed elsewhere (another city, another community)
    contact = session.get(CaseRow, contact_case_id)
    contact_role = None
    if contact is not None and contact.status == "open" and contact.community == community:
        report = session.get(ArrivalReportRow, contact.report_id)
        contact_role = ((report.situation if report else {}).get("contact") or {}).get("role")
    if contact is None or contact_role != "secondary_close_contact":
        raise FanjingError(
            Code.NOT_FOUND,
            f"本社区没有编号为 {contact_case_id} 的在管次密接个案",
            Where(field="contact_case_id"),
        )
    return contact


def _open_case(
    session: Session,
    report: ArrivalReportRow,
    contact: CaseRow | None,
    *,
    today: date,
    now: datetime,
) -> CaseRow | None:
    measures = measures_from_decision(report.decision)
    if not needs_case(measures):
        return None
    for earlier in open_cases_of_document(session, report.document_hash):
        close_case(earlier, today, f"新的到京报告（编号 {report.id}）取代")
    case = CaseRow(
        report_id=report.id,
        community=report.community,
        document_hash=report.document_hash,
        status="open",
        opened_on=today,
        contact_case_id=contact.id if contact else None,
        link=MEMBER_ROLES[report.situation["contact"]["role"]] if contact else None,
    )
    session.add(case)
    session.flush()
    for measure in measures:
        row = CaseMeasureRow(case_id=case.id)
        row.take(measure)
        session.add(row)
    session.flush()
    return case


def close_case(case: CaseRow, day: date, reason: str) -> None:
    case.status, case.closed_on, case.close_reason = "closed", day, reason


def case_in_community(session: Session, case_id: int, community: str | None) -> CaseRow:
    """The case, if the viewer may act on it: a community worker only on their community's
    cases (``community`` None: CDC, any case)."""
    case = session.get(CaseRow, case_id)
    if case is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {case_id} 的个案", Where(field="id"))
    if community is not None and case.community != community:
        raise FanjingError(Code.FORBIDDEN, "只能处理本社区的个案")
    return case


def person_of(report: ArrivalReportRow, cipher: FieldCipher) -> tuple[str, str, str]:
    """Name, document number and phone of a report, in clear (the caller masks)."""
    phone = cipher.decrypt(report.phone_encrypted) if report.phone_encrypted else ""
    return cipher.decrypt(report.name_encrypted), cipher.decrypt(report.document_encrypted), phone


def import_arrival_list(
    *,
    session: Session,
    cipher: FieldCipher,
    checker: Checker,
    community: str,
    rows: Iterable[Sequence[Any]],
    file: str,
    actor: str,
    now: datetime,
) -> list[Reported]:
    """Every person of an arrival list reported, or none: each problem (a bad cell, a place
    the entry check cannot read) is reported with its row and column, and the caller's
    transaction is rolled back."""
    entries, errors = read_arrival_rows(rows, file=file, today=checker.today)
    reported: list[Reported] = []
    for entry in entries:
        try:
            reported.append(
                report_arrival(
                    session=session,
                    cipher=cipher,
                    checker=checker,
                    community=community,
                    person=Person(entry.name, entry.document, entry.phone),
                    employer=entry.employer,
                    situation=entry.situation(checker.today),
                    contact_case_id=None,
                    actor=actor,
                    source="excel",
                    now=now,
                )
            )
        except FanjingError as failure:
            problems = failure.problems()
            for problem in problems:
                line, column = entry.row_of(problem)
                field = column or problem.where.field
                errors.append(FanjingError(problem.code, problem.message, Where(file, line, field)))
    if errors:
        raise InputErrors(sorted(errors, key=lambda error: error.where.line or 0))
    return reported
