"""Policy packs in the database (M10): CDC uploads a new version as a draft, previews what it
changes, and approves it; approved packs join the packs shipped with fanjing."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import anyio
from anyio.to_thread import run_sync
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import Code, FanjingError, Where
from fanjing.policy.core.pack import Pack
from fanjing.policy.packfile import builtin_packs, load_pack_text
from fanjing.policy.store import PolicyPackRow

# the default pack parses in ~50 ms; the reader's caps (size, depth, no aliases) keep any
# pack far below this, which is the server's answer should something still be slow
PARSE_SECONDS = 5.0


def packs_in_database(session: Session) -> list[Pack]:
    """The packs decisions are made with: those shipped, then the approved uploads in the
    order they were approved (so a later approval of the same day wins)."""
    rows = session.scalars(
        select(PolicyPackRow)
        .where(PolicyPackRow.status == "approved")
        .order_by(PolicyPackRow.approved_at, PolicyPackRow.id)
    )
    return [*builtin_packs(), *(compiled(row) for row in rows)]


def compiled(row: PolicyPackRow) -> Pack:
    return load_pack_text(row.text, file=f"policy_pack/{row.id}")


async def load_pack_in_time(text: str, *, file: str) -> Pack:
    """``load_pack_text`` in a worker thread, so a server's event loop keeps answering while a
    pack is parsed; past ``PARSE_SECONDS`` the request is refused. A thread cannot be killed:
    one left behind runs to its end, which the reader's caps bound."""
    try:
        with anyio.fail_after(PARSE_SECONDS):
            return await run_sync(partial(load_pack_text, text, file=file), abandon_on_cancel=True)
    except TimeoutError:
        raise FanjingError(
            Code.PACK_TOO_SLOW, f"政策包 {PARSE_SECONDS:g} 秒内未能解析完", Where(file)
        ) from None


def upload_pack(
    *, session: Session, text: str, file: str, actor: str, now: datetime
) -> PolicyPackRow:
    """Validate a pack (every error with its line) and keep it as a draft."""
    return store_pack(
        session=session,
        pack=load_pack_text(text, file=file),
        text=text,
        file=file,
        actor=actor,
        now=now,
    )


def store_pack(
    *, session: Session, pack: Pack, text: str, file: str, actor: str, now: datetime
) -> PolicyPackRow:
    """Keep a pack already validated from ``text`` as a draft (409 for a version taken)."""
    shipped = {(p.id, p.version) for p in builtin_packs()}
    taken = session.scalar(
        select(PolicyPackRow.id).where(
            PolicyPackRow.pack_id == pack.id, PolicyPackRow.version == pack.version
        )
    )
    if taken is not None or (pack.id, pack.version) in shipped:
        raise FanjingError(
            Code.PACK_EXISTS,
            f"政策包 {pack.id} 版本 {pack.version} 已有：新版本请用新的版本号",
            Where(file=file, field="version"),
        )
    row = PolicyPackRow(
        pack_id=pack.id,
        version=pack.version,
        title=pack.title,
        in_force_from=pack.in_force_from,
        text=text,
        status="draft",
        uploaded_by=actor,
        uploaded_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same version uploaded at the same moment by someone else
        raise FanjingError(
            Code.PACK_EXISTS, f"政策包 {pack.id} 版本 {pack.version} 已有", Where(field="version")
        ) from None
    record(
        session,
        actor=actor,
        at=now,
        action="upload_pack",
        entity="policy_pack",
        entity_id=row.id,
        after=pack_snapshot(row),
    )
    return row


def draft(session: Session, row_id: int) -> PolicyPackRow:
    row = session.get(PolicyPackRow, row_id)
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {row_id} 的政策包", Where(field="id"))
    if row.status != "draft":
        raise FanjingError(
            Code.PACK_NOT_DRAFT, f"政策包 {row.pack_id} {row.version} 已{_STATUS_ZH[row.status]}"
        )
    return row


_STATUS_ZH = {"draft": "待审批", "approved": "批准", "withdrawn": "撤回"}


def pack_snapshot(row: PolicyPackRow) -> dict[str, Any]:
    return {
        "pack_id": row.pack_id,
        "version": row.version,
        "in_force_from": row.in_force_from.isoformat(),
        "status": row.status,
    }
