"""The knowledge base's tables: entries (every version kept) and a revision counter that
tells each process when its search index is stale."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fanjing.hotline.core.model import Document, Pair, Source
from fanjing.infra.db import Base, UtcDateTime


class FaqEntryRow(Base):
    """One answer to one question, as published on one day.

    ``key`` is the folded question: rows with the same key answer the same question; the
    one with the latest ``published_date`` (then the latest id) is ``current``, the others
    are its history.
    """

    __tablename__ = "faq_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))  # the article's or table's title
    url: Mapped[str | None] = mapped_column(String(500))  # the article's address or file
    published_date: Mapped[date | None] = mapped_column(Date)  # CST
    author: Mapped[str | None] = mapped_column(String(200))
    current: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))

    def snapshot(self) -> dict[str, Any]:
        """The entry as the API and the audit log show it."""
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "alternatives": list(self.alternatives),
            "source": self.source,
            "url": self.url,
            "date": self.published_date.isoformat() if self.published_date else None,
            "author": self.author,
            "current": self.current,
        }

    def pair(self) -> Pair:
        source = Source(self.source, self.url, self.published_date, self.author)
        return Pair(self.question, self.answer, tuple(self.alternatives), source)

    def document(self) -> Document:
        return Document(self.id, self.question, self.answer, tuple(self.alternatives))


class FaqRevisionRow(Base):
    """One row: bumped by every change to the entries, so a cached index knows it is stale
    (in this process or any other worker's) with one small read."""

    __tablename__ = "faq_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)


def versions_of(session: Session, key: str) -> list[FaqEntryRow]:
    """Every version of the question folded to ``key``."""
    return list(session.scalars(select(FaqEntryRow).where(FaqEntryRow.key == key)))


def entries_in_order(session: Session, *, history: bool = False) -> list[FaqEntryRow]:
    """The current entries (with ``history``, every version), oldest first."""
    query = select(FaqEntryRow).order_by(FaqEntryRow.id)
    if not history:
        query = query.where(FaqEntryRow.current.is_(True))
    return list(session.scalars(query))


def bump_revision(session: Session) -> None:
    bumped = session.execute(
        update(FaqRevisionRow)
        .where(FaqRevisionRow.id == 1)
        .values(revision=FaqRevisionRow.revision + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.add(FaqRevisionRow(id=1, revision=1))
    session.flush()


def faq_revision(session: Session) -> int:
    return session.scalar(select(FaqRevisionRow.revision).where(FaqRevisionRow.id == 1)) or 0
