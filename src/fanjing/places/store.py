"""The risk-area registry's tables, conversion to and from the core's objects, and the queries
that read designations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Index, String, Text, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.infra.db import Base, UtcDateTime
from fanjing.places.core import Place
from fanjing.places.registry import Designation, Registry, RiskLevel

LEVELS = tuple(level.value for level in RiskLevel)
ORIGINS = ("national_list", "csv", "manual")


class DesignationRow(Base):
    """One designation: an area at a level from one day to another (history is kept)."""

    __tablename__ = "designation"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS!r}", name="level"),
        CheckConstraint(f"origin IN {ORIGINS!r}", name="origin"),
        CheckConstraint("to_date IS NULL OR to_date >= from_date", name="dates_in_order"),
        Index("ix_designation_open", "origin", "to_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    area_text: Mapped[str] = mapped_column(String(500))  # as written in the source
    area_name: Mapped[str] = mapped_column(String(500), index=True)  # standard name of the levels
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(100))
    town: Mapped[str | None] = mapped_column(String(100))
    village: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(500), default="")
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(500))  # the list's day, the file and line…
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @classmethod
    def of(
        cls, designation: Designation, *, origin: str, source: str, by: str, at: datetime
    ) -> DesignationRow:
        area = designation.area
        return cls(
            level=designation.level.value,
            area_text=area.text,
            area_name=area.name,
            province=area.province,
            city=area.city,
            county=area.county,
            town=area.town,
            village=area.village,
            detail=area.detail,
            from_date=designation.start,
            to_date=designation.end,
            origin=origin,
            source=source,
            entered_by=by,
            entered_at=at,
        )

    def snapshot(self) -> dict[str, Any]:
        """The designation as JSON: for the API, ``risk list --json`` and the audit log."""
        return {
            "id": self.id,
            "level": self.level,
            "area": self.area_name,
            "area_text": self.area_text,
            "province": self.province,
            "city": self.city,
            "county": self.county,
            "from": self.from_date.isoformat(),
            "to": self.to_date.isoformat() if self.to_date else None,
            "origin": self.origin,
            "source": self.source,
            "entered_by": self.entered_by,
        }

    def to_core(self) -> Designation:
        area = Place(
            self.area_text,
            self.province,
            self.city,
            self.county,
            self.town,
            self.village,
            self.detail,
        )
        return Designation(RiskLevel(self.level), area, self.from_date, self.to_date, self.source)


class RegistryImportRow(Base):
    """One import of a national list or a CSV file, with its report (kept for review)."""

    __tablename__ = "registry_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    list_date: Mapped[date | None] = mapped_column(Date)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


def registry_in_database(session: Session) -> Registry:
    """Every designation, for judging stays (the core filters by days)."""
    return Registry.of(
        row.to_core() for row in session.scalars(select(DesignationRow).order_by(DesignationRow.id))
    )


def every_designation_id(session: Session) -> list[int]:
    return list(session.scalars(select(DesignationRow.id).order_by(DesignationRow.id)))


def designations_in_force(session: Session, day: date) -> list[DesignationRow]:
    rows = session.scalars(
        select(DesignationRow).where(
            DesignationRow.from_date <= day,
            (DesignationRow.to_date.is_(None)) | (DesignationRow.to_date >= day),
        )
    ).all()
    rank = {"high": 0, "medium": 1, "cases": 2}
    return sorted(rows, key=lambda row: (rank[row.level], row.area_name))


@dataclass(frozen=True)
class AreaFilter:
    """Which designations a list shows: in force on ``day`` (or every one ever, ``in_force``
    False), of a level, a province, with a text in the area's name; one page of them."""

    day: date
    in_force: bool = True
    level: str | None = None
    province: str | None = None
    text: str = ""
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class AreaPage:
    rows: tuple[DesignationRow, ...]
    total: int  # rows matching the filter, on every page
    page: int  # the page shown (the one asked for, within 1…pages)
    pages: int


_LEVEL_ORDER = case({"high": 0, "medium": 1, "cases": 2}, value=DesignationRow.level, else_=3)


def designations_matching(session: Session, wanted: AreaFilter) -> AreaPage:
    """One page of the designations ``wanted`` names, highest level first, then by area."""
    query = select(DesignationRow)
    if wanted.in_force:
        query = query.where(
            DesignationRow.from_date <= wanted.day,
            (DesignationRow.to_date.is_(None)) | (DesignationRow.to_date >= wanted.day),
        )
    if wanted.level:
        query = query.where(DesignationRow.level == wanted.level)
    if wanted.province:
        query = query.where(DesignationRow.province == wanted.province)
    if wanted.text.strip():
        query = query.where(DesignationRow.area_name.contains(wanted.text.strip(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // wanted.per_page))
    page = min(max(wanted.page, 1), pages)
    rows = session.scalars(
        query.order_by(_LEVEL_ORDER, DesignationRow.area_name, DesignationRow.from_date)
        .offset((page - 1) * wanted.per_page)
        .limit(wanted.per_page)
    ).all()
    return AreaPage(tuple(rows), total, page, pages)


def provinces_designated(session: Session) -> list[str]:
    """Provinces with any designation, for the list's filter."""
    return list(
        session.scalars(
            select(DesignationRow.province)
            .where(DesignationRow.province.is_not(None))
            .distinct()
            .order_by(DesignationRow.province)
        )
    )


def designation_matching(session: Session, designation: Designation) -> DesignationRow | None:
    """The stored designation of the same level, area and first day, if any (a CSV row that
    says the same again updates it)."""
    return session.scalars(
        select(DesignationRow).where(
            DesignationRow.level == designation.level.value,
            DesignationRow.area_name == designation.area.name,
            DesignationRow.from_date == designation.start,
        )
    ).first()


def open_national_designations(session: Session) -> list[DesignationRow]:
    """The national list's designations with no last day: what a new day's list reconciles."""
    return list(
        session.scalars(
            select(DesignationRow).where(
                DesignationRow.origin == "national_list", DesignationRow.to_date.is_(None)
            )
        )
    )


def latest_national_list_day(session: Session) -> date | None:
    return session.scalar(
        select(func.max(RegistryImportRow.list_date)).where(
            RegistryImportRow.kind == "national_list"
        )
    )


def newest_national_import_id(session: Session) -> int | None:
    return session.scalar(
        select(func.max(RegistryImportRow.id)).where(RegistryImportRow.kind == "national_list")
    )


def recent_imports(session: Session, count: int = 10) -> list[RegistryImportRow]:
    """The newest ``count`` imports, newest first."""
    return list(
        session.scalars(
            select(RegistryImportRow).order_by(RegistryImportRow.id.desc()).limit(count)
        )
    )
