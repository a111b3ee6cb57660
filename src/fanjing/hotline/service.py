"""Use cases of the knowledge base: import, edit (audited), search, evaluate.

The caller owns the transaction; every change bumps the revision so that cached search
indexes (``Searcher``) rebuild on their next search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.hotline.core.model import Extracted, Pair, Source
from fanjing.hotline.core.text import question_key
from fanjing.hotline.lexicon import simplify
from fanjing.hotline.store import FaqEntryRow, bump_revision, versions_of


@dataclass
class ImportReport:
    """What importing one file did: pairs found, and what became of each."""

    file: str
    kind: str
    found: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0  # older answers this file's newer ones replaced (kept as history)
    history: int = 0  # answers older than the one already current, kept as history

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_extracted(
    *, session: Session, extracted: Extracted, file: str, actor: str, now: datetime
) -> ImportReport:
    """Store the pairs of one file. Re-importing updates instead of duplicating: a pair
    is the same entry as a stored one when its question (folded) and its day match; a
    newer day adds a version that supersedes the older (both kept, the newest current)."""
    report = ImportReport(file=file, kind=extracted.kind, found=len(extracted.pairs))
    for pair in extracted.pairs:
        _store_pair(session, pair, actor=actor, now=now, report=report)
    if report.added or report.updated:
        bump_revision(session)
    record(
        session,
        actor=actor,
        at=now,
        action="faq.import",
        entity="faq_file",
        entity_id=file[-50:],
        after=report.as_json(),
    )
    return report


def _store_pair(
    session: Session, pair: Pair, *, actor: str, now: datetime, report: ImportReport
) -> None:
    key = question_key(pair.question, simplify)
    versions = versions_of(session, key)
    same = next((row for row in versions if row.published_date == pair.source.day), None)
    if same is not None:
        if same.pair() == pair:
            report.unchanged += 1
            return
        _fill(same, pair, actor, now)
        report.updated += 1
        return
    was_current = [row for row in versions if row.current]
    row = FaqEntryRow(key=key, current=False, created_at=now)
    _fill(row, pair, actor, now)
    session.add(row)
    session.flush()
    report.added += 1
    _settle(session, key)
    if row.current:
        report.superseded += len(was_current)
    else:
        report.history += 1


def _fill(row: FaqEntryRow, pair: Pair, actor: str, now: datetime) -> None:
    row.question = pair.question
    row.answer = pair.answer
    row.alternatives = list(pair.alternatives)
    row.source = pair.source.title[:300]
    row.url = pair.source.url[:500] if pair.source.url else None
    row.published_date = pair.source.day
    row.author = pair.source.author[:200] if pair.source.author else None
    row.updated_at = now
    row.updated_by = actor


def _settle(session: Session, key: str) -> None:
    """Make the newest version of ``key`` current (latest day; undated counts as oldest;
    then the latest stored), every other one history."""
    versions = versions_of(session, key)
    if not versions:
        return
    newest = max(versions, key=lambda row: (row.published_date or date.min, row.id))
    for row in versions:
        row.current = row is newest
    session.flush()


# --- reading and editing ----------------------------------------------------------------


def entry(session: Session, entry_id: int) -> FaqEntryRow:
    row = session.get(FaqEntryRow, entry_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {entry_id} 的问答", Where(field="id"))
    return row


@dataclass(frozen=True)
class EntryFields:
    """An entry as an operator writes it."""

    question: str
    answer: str
    alternatives: tuple[str, ...] = ()
    source: str = "12345 热线"
    url: str | None = None
    day: date | None = None
    author: str | None = None

    def pair(self) -> Pair:
        question, answer = self.question.strip(), self.answer.strip()
        if not question:
            raise FanjingError(Code.MISSING_FIELD, "问题不能为空", Where(field="question"))
        if not answer:
            raise FanjingError(Code.MISSING_FIELD, "答复不能为空", Where(field="answer"))
        alternatives = tuple(dict.fromkeys(a.strip() for a in self.alternatives if a.strip()))
        source = Source(self.source.strip() or "12345 热线", self.url, self.day, self.author)
        return Pair(question, answer, alternatives, source)


def _settle_and_record(
    session: Session,
    action: str,
    entry_id: int,
    keys: tuple[str, ...],
    *,
    before: dict[str, Any] | None,
    row: FaqEntryRow | None,
    actor: str,
    now: datetime,
) -> None:
    """After an entry is added, changed or removed: which version of each question in ``keys``
    is current decided again, the caches told, and the change audited with the entry as it
    then stands (``row``, None once removed). The change is already flushed."""
    for key in keys:
        _settle(session, key)
    bump_revision(session)
    record(
        session,
        actor=actor,
        at=now,
        action=action,
        entity="faq_entry",
        entity_id=entry_id,
        before=before,
        after=None if row is None else row.snapshot(),
    )


def create_entry(
    *, session: Session, fields: EntryFields, actor: str, now: datetime
) -> FaqEntryRow:
    """Add an entry (or a newer version of an existing question); audited."""
    pair = fields.pair()
    key = question_key(pair.question, simplify)
    if any(row.published_date == pair.source.day for row in versions_of(session, key)):
        raise FanjingError(
            Code.ENTRY_EXISTS,
            "同一问题在同一日期已有答复：请修改那一条（PUT），或给出新的日期",
            Where(field="question"),
        )
    row = FaqEntryRow(key=key, current=False, created_at=now)
    _fill(row, pair, actor, now)
    session.add(row)
    session.flush()
    _settle_and_record(
        session, "faq.create", row.id, (key,), before=None, row=row, actor=actor, now=now
    )
    return row


def update_entry(
    *, session: Session, entry_id: int, fields: EntryFields, actor: str, now: datetime
) -> FaqEntryRow:
    """Rewrite an entry; audited with before and after. Changing the question or the day
    re-decides which version of each question is current."""
    row = entry(session, entry_id)
    before = row.snapshot()
    pair = fields.pair()
    old_key, key = row.key, question_key(pair.question, simplify)
    clash = any(
        other.id != row.id and other.published_date == pair.source.day
        for other in versions_of(session, key)
    )
    if clash:
        raise FanjingError(
            Code.ENTRY_EXISTS, "同一问题在同一日期已有另一条答复", Where(field="question")
        )
    _fill(row, pair, actor, now)
    row.key = key
    session.flush()
    _settle_and_record(
        session,
        "faq.update",
        row.id,
        (key, old_key) if old_key != key else (key,),
        before=before,
        row=row,
        actor=actor,
        now=now,
    )
    return row


def delete_entry(*, session: Session, entry_id: int, actor: str, now: datetime) -> None:
    """Remove an entry; the previous version of its question, if any, becomes current."""
    row = entry(session, entry_id)
    before = row.snapshot()
    key = row.key
    session.delete(row)
    session.flush()
    _settle_and_record(
        session, "faq.delete", entry_id, (key,), before=before, row=None, actor=actor, now=now
    )
