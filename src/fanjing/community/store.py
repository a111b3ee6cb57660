"""Community tables: arrival reports, cases with their measures, daily health checks and
nucleic acid tests. Names, ID and phone numbers are stored encrypted with keyed hashes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Numeric, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.community.core import Measure
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
