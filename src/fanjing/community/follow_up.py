"""A case followed day by day: health checks (temperature, symptoms) and nucleic acid tests,
recorded by the community (or an observation site) with their audit entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.community.core import (
    CHECKED_DAILY,
)
from fanjing.community.store import (
    CaseRow,
    HealthCheckRow,
    NucleicAcidTestRow,
    checked_on,
    measures_of,
    standing_test,
)
from fanjing.errors import Code, FanjingError, Where


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
    if checked_on(session, case.id, day):
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


@dataclass(frozen=True)
class NucleicAcidResult:
    """A nucleic acid test's result as someone records it: the day of the test and pending,
    negative or positive (checked when it is recorded)."""

    day: date
    result: str


def record_test(
    *,
    session: Session,
    case: CaseRow,
    test: NucleicAcidResult,
    actor: str,
    today: date,
    now: datetime,
) -> NucleicAcidTestRow:
    """A test's result for its day; one recorded again for the same day supersedes the one
    standing (kept as history, and both in the audit log): the last recorded stands."""
    day, result = test.day, test.result
    if day > today:
        raise FanjingError(Code.BAD_DATE, f"不能登记未来的核酸检测（{day}）", Where(field="day"))
    if result not in ("pending", "negative", "positive"):
        raise FanjingError(
            Code.BAD_VALUE,
            f"未知结果“{result}”（应为 pending、negative 或 positive）",
            Where(field="result"),
        )
    standing = standing_test(session, case.id, day)
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
