"""The audit log's hash chain: each entry carries its predecessor's hash and its own, a
SHA-256 over a canonical encoding of its fields, so an entry edited, removed or put in
between breaks the chain at that point. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64  # the predecessor of the first entry


@dataclass(frozen=True)
class AuditEntry:
    """What was done, by whom, when and to what: an entry as the log shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class ChainedEntry(AuditEntry):
    """An entry with its links in the chain."""

    previous_hash: str
    hash: str


def entry_hash(
    *,
    id: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    previous_hash: str,
) -> str:
    """SHA-256 (hex) of the entry as compact, key-sorted UTF-8 JSON, the moment in UTC to the
    microsecond. ``before``/``after`` are hashed as the database gives them back (JSON)."""
    fields = {
        "id": id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "previous_hash": previous_hash,
    }
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    id: int
    what: str  # Chinese, for the operator


def first_broken_link(entries: Iterable[ChainedEntry]) -> tuple[int, BrokenLink | None]:
    """How many entries were read, and the first whose link fails (in id order): an id out
    of sequence (entries removed or inserted), a predecessor hash that is not the previous
    entry's hash, or a hash that its own fields do not give (the entry was edited)."""
    previous: ChainedEntry | None = None
    count = 0
    for entry in entries:
        count += 1
        expected_previous = GENESIS if previous is None else previous.hash
        if previous is not None and entry.id != previous.id + 1:
            return count, BrokenLink(
                entry.id,
                f"编号不连续：上一条是 {previous.id}，其间的条目被删除或有条目被插入",
            )
        if entry.previous_hash != expected_previous:
            after = "链首" if previous is None else f"条目 {previous.id} "
            return count, BrokenLink(
                entry.id,
                f"记录的前一哈希 {entry.previous_hash[:12]}… 不是{after}的哈希"
                f" {expected_previous[:12]}…：其前的条目被删除、插入或修改",
            )
        recomputed = entry_hash(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            before=entry.before,
            after=entry.after,
            previous_hash=entry.previous_hash,
        )
        if recomputed != entry.hash:
            return count, BrokenLink(
                entry.id,
                f"内容与记录的哈希不符（记录 {entry.hash[:12]}…，按内容应为 {recomputed[:12]}…）："
                "条目被修改",
            )
        previous = entry
    return count, None
