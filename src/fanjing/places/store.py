"""The risk-area registry's tables, and conversion to and from the core's objects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base, UtcDateTime
from fanjing.places.core import Place
from fanjing.places.registry import Designation, RiskLevel

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
