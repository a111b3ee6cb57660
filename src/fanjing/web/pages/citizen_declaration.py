"""The citizen's travel declaration as a page: the form (a starred city of the itinerary card added
as a stay to say where in it and when), the decision and what is left undeclared."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fanjing.errors import FanjingError
from fanjing.healthkit.declaration import declare
from fanjing.policy.core.model import MeasureKind
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CheckerDep,
    ClockDep,
    DbSession,
)
from fanjing.web.pages.citizen import Citizen, own_account_of
from fanjing.web.pages.session import Csrf, render
from fanjing.web.pages.situation_form import MAX_STAYS, empty_form, situation_from_form

router = APIRouter(include_in_schema=False)


def _with_card_city(
    request: Request, user: UserRow, shown: dict[str, Any], values: dict[str, str]
) -> HTMLResponse:
    """The answer to 请说明是否到过…: the starred city the card showed, added to the form as a
    stay (its last day from the card) for the person to say where in it and when; nothing is
    declared until they send the form again."""
    city, last = values["add_city"].strip()[:100], values.get("add_to", "").strip()[:10]
    stays = [row for row in shown["stays"] if any(row.values())]
    if len(stays) < MAX_STAYS and city not in {row["place"] for row in stays}:
        stays.append({"place": city, "from": last, "to": last})
    return render(
        request,
        "citizen_declare.html",
        user=user,
        form={**shown, "stays": stays or shown["stays"]},
        added_city=city,
    )


@router.get("/healthkit/declare", response_class=HTMLResponse)
def declaration_form(request: Request, session: DbSession, user: Citizen) -> HTMLResponse:
    own_account_of(session, user)
    return render(request, "citizen_declare.html", user=user, form=empty_form())


@router.post("/healthkit/declare", response_class=HTMLResponse)
async def declare_travel(
    request: Request,
    session: DbSession,
    user: Citizen,
    _csrf: Csrf,
    checker: CheckerDep,
    clock: ClockDep,
) -> HTMLResponse:
    form = await request.form()  # read once: the CSRF check had it parsed already
    values = {key: str(value) for key, value in form.multi_items()}
    account = own_account_of(session, user)
    situation, shown = situation_from_form(values)
    if values.get("add_city"):
        return _with_card_city(request, user, shown, values)
    try:
        checked = declare(
            session=session,
            checker=checker,
            account=account,
            situation=situation,
            now=clock.now(),
        )
    except FanjingError as problem:
        return render(
            request,
            "citizen_declare.html",
            user=user,
            form=shown,
            errors=problem.problems(),
            status_code=422,
        )
    return render(
        request,
        "citizen_declare.html",
        user=user,
        form=shown,
        checked=checked,
        undeclared=set(checked.row.undeclared_cities),
        kind_zh={kind.value: kind.label_zh for kind in MeasureKind},
    )
