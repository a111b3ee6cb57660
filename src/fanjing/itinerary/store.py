"""The carriers' feed: one row per number, city and day. The number is kept only as a keyed
hash (the card is looked up through an account's numbers, never the other way)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fanjing.infra.db import Base


class VisitRow(Base):
    """One row per number, day and city (the key): importing a feed twice adds nothing. No
    surrogate id: at tens of millions of rows, one index fewer and no sequence to draw from."""

    __tablename__ = "itinerary_visit"
    __table_args__ = (Index("ix_itinerary_visit_city_date", "city", "visit_date"),)

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    visit_date: Mapped[date] = mapped_column(Date, primary_key=True)
    city: Mapped[str] = mapped_column(String(100), primary_key=True)
