"""Community tables: arrival reports, cases with their measures, daily health checks and
nucleic acid tests, and the queries on them (the worklist's in ``worklist_store``, a new
pack's approval's in ``reevaluate_store``). Names, ID and phone numbers are stored encrypted
with keyed hashes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    CursorResult,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.community.core import Measure
from fanjing.healthkit.store import PhoneBindingRow
from fanjing.infra.db import Base, UtcDateTime


class ArrivalReportRow(Base):
    """A person's report to their community and employer on arrival (M1), with the decision
    computed for it and the pack that made it."""

    __tablename__ = "arrival_report"
    __table_args__ = (CheckConstraint("source IN ('self', 'worker', 'excel')", name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reported_by: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10))
    community: Mapped[str] = mapped_column(String(300), index=True)
    street: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    employer: Mapped[str | None] = mapped_column(String(200))
    name_encrypted: Mapped[str] = mapped_column(String(500))
    document_kind: Mapped[str] = mapped_column(String(20))
    document_encrypted: Mapped[str] = mapped_column(String(500))
    document_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_encrypted: Mapped[str | None] = mapped_column(String(500))
    arrival_date: Mapped[date] = mapped_column(Date)
    situation: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    pack_id: Mapped[str] = mapped_column(String(100))
    pack_version: Mapped[str] = mapped_column(String(50))


class CaseRow(Base):
    """A person under measures in a community; a cohabitant or co-worker of a secondary close
    contact points at the contact's case (M8: closed-loop group)."""

    __tablename__ = "community_case"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("link IN ('cohabitant', 'coworker')", name="link"),
        Index("ix_community_case_open", "community", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("arrival_report.id"), index=True)
    community: Mapped[str] = mapped_column(String(300))
    document_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(300))
    contact_case_id: Mapped[int | None] = mapped_column(ForeignKey("community_case.id"), index=True)
    link: Mapped[str | None] = mapped_column(String(20))


class CaseMeasureRow(Base):
    """One measure of a case: as decided, adjusted by CDC, or ended early — with the reason."""

    __tablename__ = "case_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("community_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # exclusive; None: no fixed end
    rule: Mapped[str] = mapped_column(String(100))
    clause: Mapped[str] = mapped_column(String(1000))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(300))

    def to_core(self) -> Measure:
        return Measure(
            self.kind,
            self.start_date,
            self.end_date,
            self.rule,
            self.clause,
            self.ended_on,
            self.end_reason,
        )

    def take(self, measure: Measure) -> None:
        self.kind, self.start_date, self.end_date = measure.kind, measure.start, measure.end
        self.rule, self.clause = measure.rule, measure.clause
        self.ended_on, self.end_reason = measure.ended_on, measure.end_reason


class HealthCheckRow(Base):
    """A day's health check of a person under observation or monitoring."""

    __tablename__ = "health_check"
    __table_args__ = (Index("uq_health_check_case_day", "case_id", "check_date", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("community_case.id"))
    check_date: Mapped[date] = mapped_column(Date)
    temperature: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    symptoms: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NucleicAcidTestRow(Base):
    """A nucleic acid test taken by a person of a case, and its result once known. Of the
    results recorded for one case and day, the last recorded stands (a correction, or the
    final result after a pending one); each earlier one is kept as history, pointing at the
    result that superseded it."""

    __tablename__ = "nucleic_acid_test"
    __table_args__ = (
        CheckConstraint("result IN ('pending', 'negative', 'positive')", name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("community_case.id"), index=True)
    test_date: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(10))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("nucleic_acid_test.id"))


def open_cases_of_document(session: Session, document_hash: str) -> list[CaseRow]:
    """A person's open cases, in any community."""
    return list(
        session.scalars(
            select(CaseRow).where(CaseRow.document_hash == document_hash, CaseRow.status == "open")
        )
    )


def measures_of(session: Session, case_id: int) -> list[CaseMeasureRow]:
    return list(
        session.scalars(
            select(CaseMeasureRow)
            .where(CaseMeasureRow.case_id == case_id)
            .order_by(CaseMeasureRow.start_date, CaseMeasureRow.id)
        )
    )


def checked_on(session: Session, case_id: int, day: date) -> bool:
    """Whether the case's health check of ``day`` is recorded."""
    return bool(
        session.scalar(
            select(HealthCheckRow.id).where(
                HealthCheckRow.case_id == case_id, HealthCheckRow.check_date == day
            )
        )
    )


def standing_test(session: Session, case_id: int, day: date) -> NucleicAcidTestRow | None:
    """The case's test result of ``day`` that stands (none superseded it), if any."""
    return session.scalar(
        select(NucleicAcidTestRow).where(
            NucleicAcidTestRow.case_id == case_id,
            NucleicAcidTestRow.test_date == day,
            NucleicAcidTestRow.superseded_by_id.is_(None),
        )
    )


def open_members_of(session: Session, contact_case_id: int) -> list[CaseRow]:
    """The open cases of a secondary close contact's group (M8)."""
    return list(
        session.scalars(
            select(CaseRow).where(
                CaseRow.contact_case_id == contact_case_id, CaseRow.status == "open"
            )
        )
    )


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


def cases_with_reports(
    session: Session, community: str, status: str
) -> list[tuple[CaseRow, ArrivalReportRow]]:
    """The community's cases of ``status`` with their reports, oldest first."""
    rows = session.execute(
        select(CaseRow, ArrivalReportRow)
        .join(ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id)
        .where(CaseRow.community == community, CaseRow.status == status)
        .order_by(CaseRow.id)
    ).all()
    return [(case, report) for case, report in rows]


def members_with_reports(
    session: Session, contact_case_id: int
) -> list[tuple[CaseRow, ArrivalReportRow]]:
    """A secondary close contact's group, open or closed, with their reports, oldest first."""
    rows = session.execute(
        select(CaseRow, ArrivalReportRow)
        .join(ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id)
        .where(CaseRow.contact_case_id == contact_case_id)
        .order_by(CaseRow.id)
    ).all()
    return [(case, report) for case, report in rows]


def checks_of(session: Session, case_id: int) -> list[HealthCheckRow]:
    return list(
        session.scalars(
            select(HealthCheckRow)
            .where(HealthCheckRow.case_id == case_id)
            .order_by(HealthCheckRow.check_date)
        )
    )


def tests_of(session: Session, case_id: int) -> list[NucleicAcidTestRow]:
    """A case's tests, superseded ones too, by day and then as recorded."""
    return list(
        session.scalars(
            select(NucleicAcidTestRow)
            .where(NucleicAcidTestRow.case_id == case_id)
            .order_by(NucleicAcidTestRow.test_date, NucleicAcidTestRow.id)
        )
    )


def tests_of_person(session: Session, document_hash: str) -> list[tuple[date, str]]:
    """The nucleic acid tests recorded for a person's cases (every community), newest first:
    (day, result)."""
    return [
        (test_date, result)
        for test_date, result in session.execute(
            select(NucleicAcidTestRow.test_date, NucleicAcidTestRow.result)
            .join(CaseRow, CaseRow.id == NucleicAcidTestRow.case_id)
            .where(CaseRow.document_hash == document_hash)
            .order_by(NucleicAcidTestRow.test_date.desc(), NucleicAcidTestRow.id.desc())
        )
    ]


def active_phone_of(session: Session, account_id: int) -> str | None:
    """A health-kit account's first active phone number, encrypted (None: it has none)."""
    return session.scalars(
        select(PhoneBindingRow.phone_encrypted)
        .where(PhoneBindingRow.account_id == account_id, PhoneBindingRow.state == "active")
        .order_by(PhoneBindingRow.id)
    ).first()


def arrival_decisions(
    session: Session, first: date, last: date
) -> list[tuple[date, dict[str, Any]]]:
    """Each arrival from ``first`` to ``last`` (both inclusive): its day and its decision."""
    rows = session.execute(
        select(ArrivalReportRow.arrival_date, ArrivalReportRow.decision).where(
            ArrivalReportRow.arrival_date.between(first, last)
        )
    )
    return [(day, decision) for day, decision in rows]


def open_measures_started(
    session: Session, kinds: Sequence[str], day: date
) -> list[tuple[int, str, Measure]]:
    """The open cases' measures of ``kinds`` started by ``day``: case id, community, measure."""
    rows = session.execute(
        select(CaseRow.id, CaseRow.community, CaseMeasureRow)
        .join(CaseMeasureRow, CaseMeasureRow.case_id == CaseRow.id)
        .where(
            CaseRow.status == "open",
            CaseMeasureRow.kind.in_(kinds),
            CaseMeasureRow.start_date <= day,
        )
    )
    return [(case_id, community, row.to_core()) for case_id, community, row in rows]


def open_cases_by_community(session: Session) -> list[tuple[str, int]]:
    """Communities with open cases, and how many, by community."""
    return [
        (community, count)
        for community, count in session.execute(
            select(CaseRow.community, func.count())
            .where(CaseRow.status == "open")
            .group_by(CaseRow.community)
            .order_by(CaseRow.community)
        )
    ]


def community_and_name_of_cases(
    session: Session, case_ids: list[int]
) -> dict[int, tuple[str, str]]:
    """Each case's community and its report's encrypted name."""
    return {
        case_id: (community, name)
        for case_id, community, name in session.execute(
            select(CaseRow.id, CaseRow.community, ArrivalReportRow.name_encrypted)
            .join(ArrivalReportRow, ArrivalReportRow.id == CaseRow.report_id)
            .where(CaseRow.id.in_(case_ids))
        )
    }
