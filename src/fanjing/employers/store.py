"""Employer tables: the organisations, the users who work for each (the ``employer`` role's
binding, kept here rather than as a column of ``app_user``), and employees' links from their
health-kit accounts, kept with when they began and ended."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

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
