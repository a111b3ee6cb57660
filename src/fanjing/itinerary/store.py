"""The carriers' feed: one row per number, city and day. The number is kept only as a keyed
hash (the card is looked up through an account's numbers, never the other way)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base


class VisitRow(Base):
    __tablename__ = "itinerary_visit"
    __table_args__ = (
        # one row per number, city and day: importing a feed twice adds nothing
        Index("uq_itinerary_visit", "phone_hash", "visit_date", "city", unique=True),
        Index("ix_itinerary_visit_city_date", "city", "visit_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    city: Mapped[str] = mapped_column(String(100))
    visit_date: Mapped[date] = mapped_column(Date)
