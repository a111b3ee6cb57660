"""Recording and reading the audit log, and verifying its hash chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from fanjing.audit.core import GENESIS, BrokenLink, ChainedEntry, entry_hash, first_broken_link
from fanjing.audit.store import AuditEntryRow, chained_entries, last_entry
from fanjing.infra.bulk import insert_rows
from fanjing.infra.db import serialise


def citizen_actor(user_id: int) -> str:
    """A citizen in the audit log: their user's number, not their login name (personal data)."""
    return f"user#{user_id}"


def record(
    session: Session,
    *,
    actor: str,
    at: datetime,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry; the caller's transaction commits it with the change it describes.
    Added to the session, not inserted at once: the entries of a bulk change (a national
    list's hundreds of areas) then go in one batched INSERT at the flush."""
    session.add(
        AuditEntryRow(
            **_chained(
                session,
                [
                    {
                        "actor": actor,
                        "at": at,
                        "action": action,
                        "entity": entity,
                        "entity_id": str(entity_id),
                        "before": before,
                        "after": after,
                    }
                ],
            )[0]
        )
    )


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append many entries at once (keys as ``record``'s, ``entity_id`` already text): for
    changes made in bulk, such as a re-evaluation of every open case.

    Each entry is chained to the one before it. Appends are serialised until the caller's
    transaction ends (PostgreSQL: a transaction advisory lock; SQLite: its one write lock,
    taken before the last entry is read), so the next writer reads this transaction's last
    entry, never the same one as this transaction did."""
    if entries:
        insert_rows(session, AuditEntryRow.__table__, _chained(session, entries))  # type: ignore[arg-type]


def _chained(session: Session, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries' rows, each with its id, its predecessor's hash and its own."""
    last_id, previous = _last_entry(session)
    rows: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, start=last_id + 1):
        # hashed as the database gives them back (JSON: tuples become lists, keys text)
        row = {
            **entry,
            "id": number,
            "before": _as_stored(entry.get("before")),
            "after": _as_stored(entry.get("after")),
            "previous_hash": previous,
        }
        row["hash"] = previous = entry_hash(**row)
        rows.append(row)
    session.info[_TAIL] = (session.get_transaction(), rows[-1]["id"], previous)
    return rows


_TAIL = "audit_tail"  # this transaction's last entry: the lock is held, no one else appends


def _last_entry(session: Session) -> tuple[int, str]:
    """The last entry, once the appends of others are locked out until this transaction
    ends; read once per transaction (a national list's import audits hundreds of areas)."""
    cached = session.info.get(_TAIL)
    if cached is not None and cached[0] is session.get_transaction():
        return cached[1], cached[2]
    serialise(session, "audit_log")
    return last_entry(session) or (0, GENESIS)


def _as_stored(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """As JSON gives it back (tuples become lists, keys text); orjson, as the json module
    would, at a tenth of the cost: a re-evaluation audits hundreds of thousands of cases."""
    if value is None:
        return None
    stored: dict[str, Any] = orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
    return stored


def verify_chain(session: Session) -> tuple[int, BrokenLink | None, str]:
    """Entries read, the first broken link if any, and the last entry's hash (kept elsewhere,
    it shows a chain cut short or recomputed from its start: the chain alone cannot)."""
    last_hash = GENESIS

    def chained() -> Iterator[ChainedEntry]:
        nonlocal last_hash
        for entry in chained_entries(session):
            last_hash = entry.hash
            yield entry

    count, broken = first_broken_link(chained())
    return count, broken, last_hash
