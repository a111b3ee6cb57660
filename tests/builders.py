"""Small builders of core objects for tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fanjing.itinerary.partition_store import create_days, is_partitioned
from fanjing.itinerary.store import VisitRow
from fanjing.places.core import Place
from fanjing.places.registry import Designation, RiskLevel
from fanjing.policy.core.model import Situation, Stay


def day(text: str) -> date:
    return date.fromisoformat(text)


def place(
    province: str | None,
    city: str | None = None,
    county: str | None = None,
    town: str | None = None,
    village: str | None = None,
    detail: str = "",
) -> Place:
    text = "".join(p for p in (province, city, county, town, village, detail) if p)
    return Place(text, province, city, county, town, village, detail)


ERQI = place("河南省", "郑州市", "二七区")
JINGGUANG = place("河南省", "郑州市", "二七区", "京广路街道")
LUKOU = place("江苏省", "南京市", "江宁区", "禄口街道")
GULOU_NANJING = place("江苏省", "南京市", "鼓楼区")
YANGZHOU = place("江苏省", "扬州市")
SANHE = place("河北省", "廊坊市", "三河市")


def designation(level: str, area: Place, start: str, end: str | None = None) -> Designation:
    return Designation(RiskLevel(level), area, day(start), day(end) if end else None)


def stay(area: Place, start: str, end: str) -> Stay:
    return Stay(area, day(start), day(end))


def situation(
    as_of: str = "2021-08-07", arrival: str | None = "2021-08-07", **fields: object
) -> Situation:
    return Situation(as_of=day(as_of), arrival=day(arrival) if arrival else None, **fields)  # type: ignore[arg-type]


def add_visit(session: Session, phone_hash: str, city: str, day: date) -> None:
    """One itinerary row written directly, its day's partition made first where the itinerary
    is partitioned (PostgreSQL), as the import does."""
    connection = session.connection()
    if is_partitioned(connection):
        create_days(connection, [day])
    session.add(VisitRow(phone_hash=phone_hash, visit_date=day, city=city))
