"""Arrival reports (M1) and cases: a report is checked with the entry engine, stored with its
decision and pack, and opens a case when any measure applies; cases are followed day by
day (health checks, nucleic acid tests), measures end with a reason, CDC adjusts them,
and a secondary close contact's group follows the contact (M8)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, func, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import Document, mobile_number
from fanjing.community.arrival_list import read_arrival_rows
from fanjing.community.core import (
    CHECKED_DAILY,
    follows_contact,
    measures_from_decision,
    needs_case,
)
from fanjing.community.store import (
    ArrivalReportRow,
    CaseMeasureRow,
    CaseRow,
    HealthCheckRow,
    NucleicAcidTestRow,
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
    for earlier in session.scalars(
        select(CaseRow).where(
            CaseRow.document_hash == report.document_hash, CaseRow.status == "open"
        )
    ):
        _close(earlier, today, f"新的到京报告（编号 {report.id}）取代")
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


def _close(case: CaseRow, day: date, reason: str) -> None:
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


def measures_of(session: Session, case_id: int) -> list[CaseMeasureRow]:
    return list(
        session.scalars(
            select(CaseMeasureRow)
            .where(CaseMeasureRow.case_id == case_id)
            .order_by(CaseMeasureRow.start_date, CaseMeasureRow.id)
        )
    )


def record_check(
    *,
    session: Session,
    case: CaseRow,
    day: date,
    temperature: str,
    symptoms: list[str],
    actor: str,
    today: date,
    now: datetime,
) -> HealthCheckRow:
    """A day's health check (temperature in ℃, symptoms) while observation or monitoring runs."""
    if day > today:
        raise FanjingError(Code.BAD_DATE, f"不能登记未来的健康监测（{day}）", Where(field="day"))
    celsius = celsius_of(temperature)
    measures = [row.to_core() for row in measures_of(session, case.id)]
    if not any(m.kind in CHECKED_DAILY and m.on(day) for m in measures):
        raise FanjingError(Code.NO_CHECK_DUE, f"{day} 该个案没有在观察或监测中", Where(field="day"))
    if session.scalar(
        select(HealthCheckRow.id).where(
            HealthCheckRow.case_id == case.id, HealthCheckRow.check_date == day
        )
    ):
        raise FanjingError(Code.ALREADY_CHECKED, f"{day} 的健康监测已登记", Where(field="day"))
    row = HealthCheckRow(
        case_id=case.id,
        check_date=day,
        temperature=celsius,
        symptoms=[s.strip() for s in symptoms if s.strip()],
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same day recorded at the same moment by someone else
        raise FanjingError(
            Code.ALREADY_CHECKED, f"{day} 的健康监测已登记", Where(field="day")
        ) from None
    record(
        session,
        actor=actor,
        at=now,
        action="record_check",
        entity="health_check",
        entity_id=row.id,
        after={
            "case_id": case.id,
            "day": day.isoformat(),
            "temperature": str(celsius),
            "symptoms": row.symptoms,
        },
    )
    return row


def celsius_of(temperature: str) -> Decimal:
    """A temperature as written (℃), to a tenth; refused unless a number from 34.0 to 43.0."""
    try:
        celsius = Decimal(temperature).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise FanjingError(
            Code.BAD_VALUE, f"体温应为数字：“{temperature}”", Where(field="temperature")
        ) from None
    if not Decimal("34.0") <= celsius <= Decimal("43.0"):
        raise FanjingError(
            Code.BAD_VALUE, f"体温 {celsius}℃ 不在 34.0–43.0 之间", Where(field="temperature")
        )
    return celsius


def record_test(
    *,
    session: Session,
    case: CaseRow,
    day: date,
    result: str,
    actor: str,
    today: date,
    now: datetime,
) -> NucleicAcidTestRow:
    """A test's result for ``day``; one recorded again for the same day supersedes the one
    standing (kept as history, and both in the audit log): the last recorded stands."""
    if day > today:
        raise FanjingError(Code.BAD_DATE, f"不能登记未来的核酸检测（{day}）", Where(field="day"))
    if result not in ("pending", "negative", "positive"):
        raise FanjingError(
            Code.BAD_VALUE,
            f"未知结果“{result}”（应为 pending、negative 或 positive）",
            Where(field="result"),
        )
    standing = session.scalar(
        select(NucleicAcidTestRow).where(
            NucleicAcidTestRow.case_id == case.id,
            NucleicAcidTestRow.test_date == day,
            NucleicAcidTestRow.superseded_by_id.is_(None),
        )
    )
    row = NucleicAcidTestRow(
        case_id=case.id, test_date=day, result=result, recorded_by=actor, recorded_at=now
    )
    session.add(row)
    session.flush()
    if standing is not None:
        standing.superseded_by_id = row.id
    record(
        session,
        actor=actor,
        at=now,
        action="record_test",
        entity="nucleic_acid_test",
        entity_id=row.id,
        before=None
        if standing is None
        else {"id": standing.id, "day": day.isoformat(), "result": standing.result},
        after={"case_id": case.id, "day": day.isoformat(), "result": result},
    )
    return row


def end_measure(
    *,
    session: Session,
    case: CaseRow,
    measure_id: int,
    day: date,
    reason: str,
    actor: str,
    now: datetime,
) -> CaseMeasureRow:
    """End a measure early from ``day`` on (e.g. moved to centralized observation, taken to
    hospital), saying why; audited. A secondary close contact's group follows."""
    row = _measure_of_case(session, case, measure_id)
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明结束理由", Where(field="reason"))
    measure = row.to_core()
    if measure.until is not None and measure.until <= day:
        raise FanjingError(Code.ALREADY_ENDED, f"该措施已于 {measure.last_day()} 结束")
    if day < measure.start:
        raise FanjingError(
            Code.BAD_DATE, f"结束日 {day} 早于开始日 {measure.start}", Where(field="day")
        )
    before = measure_snapshot(row)
    row.ended_on, row.end_reason = day, reason.strip()
    record(
        session,
        actor=actor,
        at=now,
        action="end_measure",
        entity="case_measure",
        entity_id=row.id,
        before=before,
        after=measure_snapshot(row),
    )
    follow_contact(session=session, contact=case, day=day, actor=actor, now=now)
    return row


def adjust_measure(
    *,
    session: Session,
    measure_id: int,
    end: date | None,
    reason: str,
    actor: str,
    now: datetime,
) -> CaseMeasureRow:
    """CDC extends or shortens a measure (M10: CDC may adjust), with the reason; before and
    after go to the audit log. ``end`` is exclusive; None: no fixed end."""
    row = session.get(CaseMeasureRow, measure_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {measure_id} 的措施", Where(field="id"))
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明调整理由", Where(field="reason"))
    if end is not None and end <= row.start_date:
        raise FanjingError(
            Code.DATES_OUT_OF_ORDER,
            f"结束日 {end} 应晚于开始日 {row.start_date}",
            Where(field="end"),
        )
    before = measure_snapshot(row)
    row.end_date = end
    record(
        session,
        actor=actor,
        at=now,
        action="adjust_measure",
        entity="case_measure",
        entity_id=row.id,
        before=before,
        after={**measure_snapshot(row), "reason": reason.strip()},
    )
    return row


def lift_contact(
    *, session: Session, case: CaseRow, day: date, reason: str, actor: str, now: datetime
) -> list[CaseRow]:
    """CDC lifts a case from ``day`` (e.g. a secondary close contact ruled out): its measures
    end that day and the case closes; the group's closed-loop management ends with it (M8).
    The members whose measures changed."""
    if not reason.strip():
        raise FanjingError(Code.MISSING_FIELD, "须写明解除理由", Where(field="reason"))
    if case.status != "open":
        raise FanjingError(Code.ALREADY_CLOSED, f"个案 {case.id} 已于 {case.closed_on} 结束")
    for row in measures_of(session, case.id):
        measure = row.to_core()
        if measure.until is None or measure.until > day:
            before = measure_snapshot(row)
            row.ended_on, row.end_reason = max(day, measure.start), reason.strip()
            record(
                session,
                actor=actor,
                at=now,
                action="lift_measure",
                entity="case_measure",
                entity_id=row.id,
                before=before,
                after=measure_snapshot(row),
            )
    _close(case, day, reason.strip())
    return follow_contact(session=session, contact=case, day=day, actor=actor, now=now)


def follow_contact(
    *, session: Session, contact: CaseRow, day: date, actor: str, now: datetime
) -> list[CaseRow]:
    """The group of a secondary close contact after the contact's measures changed on ``day``."""
    contact_measures = [row.to_core() for row in measures_of(session, contact.id)]
    changed = []
    members = session.scalars(
        select(CaseRow).where(CaseRow.contact_case_id == contact.id, CaseRow.status == "open")
    )
    for member in members:
        rows = measures_of(session, member.id)
        followed = follows_contact([r.to_core() for r in rows], contact_measures, day)
        touched = False
        for row, measure in zip(rows, followed, strict=True):
            if measure != row.to_core():
                before = measure_snapshot(row)
                row.take(measure)
                touched = True
                record(
                    session,
                    actor=actor,
                    at=now,
                    action="follow_contact",
                    entity="case_measure",
                    entity_id=row.id,
                    before=before,
                    after=measure_snapshot(row),
                )
        if touched:
            changed.append(member)
    return changed


def close_finished_cases(*, session: Session, today: date) -> int:
    """Close the open cases whose every measure is over by ``today`` (the daily job), on the
    day the last one ended; set-wise, one UPDATE."""
    until = sql_case(
        (
            and_(
                CaseMeasureRow.ended_on.is_not(None),
                or_(
                    CaseMeasureRow.end_date.is_(None),
                    CaseMeasureRow.ended_on < CaseMeasureRow.end_date,
                ),
            ),
            CaseMeasureRow.ended_on,
        ),
        else_=CaseMeasureRow.end_date,
    )
    of_case = CaseMeasureRow.case_id == CaseRow.id
    running = exists().where(of_case, or_(until.is_(None), until > today))
    last_day = select(func.max(until)).where(of_case).scalar_subquery()
    result = session.execute(
        update(CaseRow)
        .where(CaseRow.status == "open", exists().where(of_case), ~running)
        .values(status="closed", closed_on=last_day, close_reason="措施期满")
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _measure_of_case(session: Session, case: CaseRow, measure_id: int) -> CaseMeasureRow:
    row = session.get(CaseMeasureRow, measure_id)
    if row is None or row.case_id != case.id:
        raise FanjingError(
            Code.NOT_FOUND, f"个案 {case.id} 没有编号为 {measure_id} 的措施", Where(field="id")
        )
    return row


def measure_snapshot(row: CaseMeasureRow) -> dict[str, Any]:
    """A measure as the audit log keeps it."""
    return {
        "case_id": row.case_id,
        "kind": row.kind,
        "start": row.start_date.isoformat(),
        "end": row.end_date.isoformat() if row.end_date else None,
        "ended_on": row.ended_on.isoformat() if row.ended_on else None,
        "end_reason": row.end_reason,
    }


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
