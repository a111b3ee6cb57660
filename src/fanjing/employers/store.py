"""Employer tables: the organisations, the users who work for each (the ``employer`` role's
binding, kept here rather than as a column of ``app_user``), and employees' links from their
health-kit accounts, kept with when they began and ended."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, Row, String, and_, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.community.core import Measure
from fanjing.community.store import ArrivalReportRow, CaseMeasureRow, CaseRow
from fanjing.healthkit.store import AccountRow
from fanjing.infra.db import Base, UtcDateTime


class EmployerRow(Base):
    """An organisation in Beijing, registered by CDC or an administrator."""

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    district: Mapped[str] = mapped_column(String(100))
    # what employees type to link to it (core.CODE_ALPHABET); not a secret, but not guessable
    code: Mapped[str] = mapped_column(String(16), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    registered_by: Mapped[str] = mapped_column(String(100))


class EmployerStaffRow(Base):
    """A user of the ``employer`` role and the one organisation they act for."""

    __tablename__ = "employer_staff"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)


class EmploymentRow(Base):
    """An employee's health-kit account linked to an employer, from ``linked_at`` until
    ``unlinked_at``; at most one current link per account (the database holds it)."""

    __tablename__ = "employment"
    __table_args__ = (
        Index(
            "uq_employment_current",
            "account_id",
            unique=True,
            sqlite_where=text("unlinked_at IS NULL"),
            postgresql_where=text("unlinked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("healthkit_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unlinked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def credit_code_taken(session: Session, credit_code: str) -> bool:
    found = session.scalar(select(EmployerRow.id).where(EmployerRow.credit_code == credit_code))
    return found is not None


def employer_code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(EmployerRow.id).where(EmployerRow.code == code)) is not None


def employer_with_credit_code(session: Session, credit_code: str) -> EmployerRow | None:
    return session.scalar(select(EmployerRow).where(EmployerRow.credit_code == credit_code))


def employer_with_code(session: Session, code: str) -> EmployerRow | None:
    return session.scalar(select(EmployerRow).where(EmployerRow.code == code))


def all_employers(session: Session) -> list[EmployerRow]:
    return list(session.scalars(select(EmployerRow).order_by(EmployerRow.id)))


def employer_of_user(session: Session, user_id: int) -> EmployerRow | None:
    return session.scalar(
        select(EmployerRow)
        .join(EmployerStaffRow, EmployerStaffRow.employer_id == EmployerRow.id)
        .where(EmployerStaffRow.user_id == user_id)
    )


def current_employment(
    session: Session, account_id: int
) -> tuple[EmploymentRow, EmployerRow] | None:
    found = session.execute(
        select(EmploymentRow, EmployerRow)
        .join(EmployerRow, EmployerRow.id == EmploymentRow.employer_id)
        .where(EmploymentRow.account_id == account_id, EmploymentRow.unlinked_at.is_(None))
    ).first()
    return None if found is None else (found[0], found[1])


def _current_link(employer_id: int) -> ColumnElement[bool]:
    return and_(EmploymentRow.employer_id == employer_id, EmploymentRow.unlinked_at.is_(None))


def current_staff(session: Session, employer_id: int) -> Sequence[Row[int, str, str]]:
    """Each current link of the employer: its id, the account's encrypted name and document
    hash."""
    return session.execute(
        select(EmploymentRow.id, AccountRow.name_encrypted, AccountRow.document_hash)
        .join(AccountRow, AccountRow.id == EmploymentRow.account_id)
        .where(_current_link(employer_id))
    ).all()


def open_measures_of_staff(session: Session, employer_id: int) -> dict[str, list[Measure]]:
    """The measures of the open cases of the employer's current staff, by document hash."""
    measures: dict[str, list[Measure]] = defaultdict(list)
    for document_hash, measure in session.execute(
        select(CaseRow.document_hash, CaseMeasureRow)
        .join(CaseMeasureRow, CaseMeasureRow.case_id == CaseRow.id)
        .join(AccountRow, AccountRow.document_hash == CaseRow.document_hash)
        .join(EmploymentRow, EmploymentRow.account_id == AccountRow.id)
        .where(_current_link(employer_id), CaseRow.status == "open")
    ):
        measures[document_hash].append(measure.to_core())
    return measures


def reports_while_linked(
    session: Session, employer_id: int, limit: int
) -> Sequence[ArrivalReportRow]:
    """The arrival reports made while the person's account was linked to the employer,
    newest first."""
    linked_then = and_(
        EmploymentRow.employer_id == employer_id,
        ArrivalReportRow.reported_at >= EmploymentRow.linked_at,
        or_(
            EmploymentRow.unlinked_at.is_(None),
            ArrivalReportRow.reported_at < EmploymentRow.unlinked_at,
        ),
    )
    return session.scalars(
        select(ArrivalReportRow)
        .join(AccountRow, AccountRow.document_hash == ArrivalReportRow.document_hash)
        .join(EmploymentRow, EmploymentRow.account_id == AccountRow.id)
        .where(linked_then)
        .order_by(ArrivalReportRow.reported_at.desc(), ArrivalReportRow.id.desc())
        .limit(limit)
    ).all()
