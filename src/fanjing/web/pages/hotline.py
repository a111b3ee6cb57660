"""The 12345 hotline operator's pages: searching the knowledge base as the caller puts it,
the list of entries, and adding, changing or removing one (the service audits each change)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import day_of
from fanjing.errors import Code, FanjingError, Where
from fanjing.hotline import service
from fanjing.hotline.search import LONGEST_QUERY
from fanjing.hotline.store import entries_in_order
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import ClockDep, DbSession, FaqSearcherDep
from fanjing.web.pages.session import Csrf, render, require_page

router = APIRouter(include_in_schema=False)
Operator = Annotated[UserRow, Depends(require_page(Role.HOTLINE))]
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TOP = 5
EMPTY = {
    "question": "",
    "answer": "",
    "alternatives": "",
    "source": "12345 热线",
    "url": "",
    "date": "",
    "author": "",
}
DONE_ZH = {"created": "已新增问答", "updated": "已保存修改", "deleted": "已删除问答"}


@router.get("/hotline", response_class=HTMLResponse)
def hotline(
    request: Request,
    session: DbSession,
    user: Operator,
    searcher: FaqSearcherDep,
    q: Annotated[str, Query(max_length=LONGEST_QUERY)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Search as the caller puts it (top 5 with source and date), then every current entry."""
    answered = None
    if q.strip():
        answered = searcher.ask(session, q.strip(), top=TOP)
    return render(
        request,
        "hotline_home.html",
        user=user,
        q=q,
        answered=answered,
        entries=entries_in_order(session),
        done=DONE_ZH.get(done),
    )


def _form(
    request: Request,
    user: UserRow,
    *,
    entry_id: int | None,
    form: dict[str, str],
    errors: list[FanjingError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "hotline_entry.html",
        user=user,
        entry_id=entry_id,
        form=form,
        errors=errors,
        status_code=status_code,
    )


@router.get("/hotline/entries/new", response_class=HTMLResponse)
def new_entry(request: Request, user: Operator) -> HTMLResponse:
    return _form(request, user, entry_id=None, form=dict(EMPTY))


@router.get("/hotline/entries/{entry_id}", response_class=HTMLResponse)
def edit_entry(
    request: Request, session: DbSession, user: Operator, entry_id: EntryId
) -> HTMLResponse:
    return _form(request, user, entry_id=entry_id, form=_stored(session, entry_id))


def _stored(session: Session, entry_id: int) -> dict[str, str]:
    """An entry's fields as the form shows them."""
    row = service.entry(session, entry_id)
    return {
        "question": row.question,
        "answer": row.answer,
        "alternatives": "\n".join(row.alternatives),
        "source": row.source,
        "url": row.url or "",
        "date": row.published_date.isoformat() if row.published_date else "",
        "author": row.author or "",
    }


def _fields(form: dict[str, str]) -> service.EntryFields:
    return service.EntryFields(
        question=form["question"],
        answer=form["answer"],
        alternatives=tuple(line for line in form["alternatives"].splitlines() if line.strip()),
        source=form["source"],
        url=form["url"].strip() or None,
        day=day_of(form["date"].strip(), "date") if form["date"].strip() else None,
        author=form["author"].strip() or None,
    )


class EntryForm:
    """The entry form's fields, as posted (limits as the API's)."""

    def __init__(
        self,
        question: Annotated[str, Form(max_length=500)] = "",
        answer: Annotated[str, Form(max_length=20_000)] = "",
        alternatives: Annotated[str, Form(max_length=20_000)] = "",
        source: Annotated[str, Form(max_length=300)] = "",
        url: Annotated[str, Form(max_length=500)] = "",
        date: Annotated[str, Form(max_length=10)] = "",
        author: Annotated[str, Form(max_length=200)] = "",
    ) -> None:
        self.values = {
            "question": question,
            "answer": answer,
            "alternatives": alternatives,
            "source": source,
            "url": url,
            "date": date,
            "author": author,
        }


Posted = Annotated[EntryForm, Depends()]


def _save(
    request: Request,
    session: Session,
    user: UserRow,
    entry_id: int | None,
    posted: EntryForm,
    now: datetime,
) -> Response:
    form = posted.values
    try:
        if entry_id is None:
            service.create_entry(session=session, fields=_fields(form), actor=user.name, now=now)
        else:
            service.update_entry(
                session=session, entry_id=entry_id, fields=_fields(form), actor=user.name, now=now
            )
    except FanjingError as problem:
        errors = problem.problems()
        return _form(request, user, entry_id=entry_id, form=form, errors=errors, status_code=422)
    session.commit()  # now: the next search (after the redirect) sees the change
    return RedirectResponse(
        f"/hotline?done={'created' if entry_id is None else 'updated'}", status_code=303
    )


@router.post("/hotline/entries", response_model=None)
def create(
    request: Request,
    session: DbSession,
    user: Operator,
    _csrf: Csrf,
    posted: Posted,
    clock: ClockDep,
) -> Response:
    return _save(request, session, user, None, posted, clock.now())


@router.post("/hotline/entries/{entry_id}", response_model=None)
def update(
    request: Request,
    session: DbSession,
    user: Operator,
    _csrf: Csrf,
    posted: Posted,
    entry_id: EntryId,
    clock: ClockDep,
) -> Response:
    return _save(request, session, user, entry_id, posted, clock.now())


@router.post("/hotline/entries/{entry_id}/delete", response_model=None)
def delete(
    request: Request,
    session: DbSession,
    user: Operator,
    _csrf: Csrf,
    entry_id: EntryId,
    confirm: Annotated[str, Form(max_length=3)] = "",
    *,
    clock: ClockDep,
) -> Response:
    """Deleting takes an answer away from every operator: only with the box ticked."""
    if confirm != "yes":
        refused = FanjingError(Code.NOT_CONFIRMED, "请先勾选“确认删除”", Where(field="confirm"))
        form = _stored(session, entry_id)
        return _form(request, user, entry_id=entry_id, form=form, errors=[refused], status_code=422)
    service.delete_entry(session=session, entry_id=entry_id, actor=user.name, now=clock.now())
    session.commit()
    return RedirectResponse("/hotline?done=deleted", status_code=303)
