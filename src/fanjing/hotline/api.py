"""Hotline endpoints: anyone may search and read the knowledge base (public answers, no
personal data); only hotline operators add, change or remove entries, each audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from fanjing.common.days import day_of
from fanjing.hotline import service
from fanjing.hotline.schemas import EntryRead, EntryWrite, SearchRead
from fanjing.hotline.search import LONGEST_QUERY
from fanjing.hotline.store import entries_in_order
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import ClockDep, DbSession, FaqSearcherDep, require

router = APIRouter(prefix="/api/v1/faq", tags=["12345 热线知识库"])
Operator = Annotated[UserRow, Depends(require(Role.HOTLINE))]
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1, description="问答编号")]


@router.get("/search", response_model=SearchRead, summary="按来电人的说法查找权威答复")
def search(
    session: DbSession,
    searcher: FaqSearcherDep,
    q: Annotated[
        str, Query(min_length=1, max_length=LONGEST_QUERY, description="问题（简体或繁体）")
    ],
    top: Annotated[int, Query(ge=1, le=50)] = 3,
) -> dict[str, Any]:
    answered = searcher.ask(session, q, top=top)
    return {
        "query": answered.query,
        "answers": [
            {**found.as_json(), "id": found.entry_id, "url": found.url, "score": found.score}
            for found in answered.answers
        ],
        "about_entry": answered.about_entry,
        "entry_check": answered.entry_check,
        "entry_check_page": answered.entry_check_page,
        "entry_check_says": answered.entry_check_says,
    }


@router.get("/entries", response_model=list[EntryRead], summary="知识库中的问答")
def list_entries(
    session: DbSession, history: Annotated[bool, Query(description="也列出被取代的旧答复")] = False
) -> list[dict[str, Any]]:
    return [row.snapshot() for row in entries_in_order(session, history=history)]


@router.get("/entries/{entry_id}", response_model=EntryRead, summary="一条问答")
def get_entry(entry_id: EntryId, session: DbSession) -> dict[str, Any]:
    return service.entry(session, entry_id).snapshot()


@router.post("/entries", response_model=EntryRead, status_code=201, summary="新增问答（话务员）")
def create_entry(
    body: EntryWrite, session: DbSession, user: Operator, clock: ClockDep
) -> dict[str, Any]:
    row = service.create_entry(
        session=session, fields=_fields(body), actor=user.name, now=clock.now()
    )
    snapshot = row.snapshot()
    session.commit()  # now, so that this process's next search sees the change at once
    return snapshot


@router.put("/entries/{entry_id}", response_model=EntryRead, summary="修改问答（话务员）")
def update_entry(
    entry_id: EntryId, body: EntryWrite, session: DbSession, user: Operator, clock: ClockDep
) -> dict[str, Any]:
    row = service.update_entry(
        session=session,
        entry_id=entry_id,
        fields=_fields(body),
        actor=user.name,
        now=clock.now(),
    )
    snapshot = row.snapshot()
    session.commit()
    return snapshot


@router.delete("/entries/{entry_id}", status_code=204, summary="删除问答（话务员）")
def delete_entry(
    entry_id: EntryId, session: DbSession, user: Operator, clock: ClockDep
) -> Response:
    service.delete_entry(session=session, entry_id=entry_id, actor=user.name, now=clock.now())
    session.commit()
    return Response(status_code=204)


def _fields(body: EntryWrite) -> service.EntryFields:
    return service.EntryFields(
        question=body.question,
        answer=body.answer,
        alternatives=tuple(body.alternatives),
        source=body.source,
        url=body.url,
        day=day_of(body.date, "date") if body.date else None,
        author=body.author,
    )
