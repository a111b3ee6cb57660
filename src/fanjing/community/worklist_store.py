"""What a community's worklist is gathered from: its open cases with their measures, recent
checks and standing test results, and the health-kit arrivals declared but not reported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import cast

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from fanjing.community.core import Measure
from fanjing.community.store import (
    ArrivalReportRow,
    CaseMeasureRow,
    CaseRow,
    HealthCheckRow,
    NucleicAcidTestRow,
)
from fanjing.healthkit.store import AccountRow, DeclarationRow


def open_cases_in(session: Session, community: str) -> list[CaseRow]:
    return list(
        session.scalars(
            select(CaseRow).where(CaseRow.community == community, CaseRow.status == "open")
        )
    )


def measures_of_cases(session: Session, case_ids: Sequence[int]) -> list[tuple[int, Measure]]:
    """Each measure of the cases, with its case's id."""
    return [
        (row.case_id, row.to_core())
        for row in session.scalars(
            select(CaseMeasureRow).where(CaseMeasureRow.case_id.in_(case_ids))
        )
    ]


def checks_since(session: Session, case_ids: Sequence[int], since: date) -> list[HealthCheckRow]:
    return list(
        session.scalars(
            select(HealthCheckRow).where(
                HealthCheckRow.case_id.in_(case_ids), HealthCheckRow.check_date >= since
            )
        )
    )


def standing_tests_of(session: Session, case_ids: Sequence[int]) -> list[NucleicAcidTestRow]:
    """The cases' test results that stand (none superseded them)."""
    return list(
        session.scalars(
            select(NucleicAcidTestRow).where(
                NucleicAcidTestRow.case_id.in_(case_ids),
                NucleicAcidTestRow.superseded_by_id.is_(None),
            )
        )
    )


def reports_by_id(session: Session, report_ids: Sequence[int]) -> dict[int, ArrivalReportRow]:
    return {
        row.id: row
        for row in session.scalars(
            select(ArrivalReportRow).where(ArrivalReportRow.id.in_(report_ids))
        )
    }


def unreported_arrivals(
    session: Session, community: str, first: date, last: date
) -> list[tuple[AccountRow, date]]:
    """Each arrival from ``first`` to ``last`` declared by a health-kit account of the
    community with no arrival report on or after it, by account and day (an arrival declared
    twice comes twice)."""
    reported = exists().where(
        and_(
            ArrivalReportRow.document_hash == AccountRow.document_hash,
            ArrivalReportRow.arrival_date >= DeclarationRow.arrival,
        )
    )
    rows = session.execute(
        select(AccountRow, DeclarationRow.arrival)
        .join(DeclarationRow, DeclarationRow.account_id == AccountRow.id)
        .where(
            AccountRow.community == community,
            DeclarationRow.arrival.between(first, last),
            ~reported,
        )
        .order_by(AccountRow.id, DeclarationRow.arrival)
    ).all()
    # between() leaves no declaration without an arrival
    return [(account, cast(date, arrival)) for account, arrival in rows]
