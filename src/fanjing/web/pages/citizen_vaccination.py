"""The citizen's vaccination page: may I have a dose on a day (V1, with the reasons), booking
through the street or township of one's community, and one's appointments, with cancelling —
what the API offered, as a page. The rules are the vaccination services'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import day_of
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.service import own_account
from fanjing.infra.clock import Clock
from fanjing.places.gazetteer import Gazetteer
from fanjing.users.store import UserRow
from fanjing.vaccination.appointments import appointments_of, book, cancel, state_on
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import check_eligibility, street_of
from fanjing.web.deps import ClockDep, DbSession, GazetteerDep, RowId
from fanjing.web.pages.citizen import Citizen
from fanjing.web.pages.session import Csrf, render

router = APIRouter(include_in_schema=False)

STATE_ZH = {"booked": "已预约", "cancelled": "已取消", "expired": "已过期"}
DONE_ZH = {"booked": "已预约", "cancelled": "已取消预约"}
# texts the template shows through _() that come from here (the catalogue test reads them)
TEXTS = (*STATE_ZH.values(), *DONE_ZH.values())


@dataclass(frozen=True)
class _Kit:
    """What the vaccination page is drawn with."""

    gazetteer: Gazetteer
    clock: Clock


def _kit(gazetteer: GazetteerDep, clock: ClockDep) -> _Kit:
    return _Kit(gazetteer, clock)


Kit = Annotated[_Kit, Depends(_kit)]


def _street_of(gazetteer: Gazetteer, community: str | None) -> str:
    """The street or township of the person's community, where they book (V1); "" when the
    account names none."""
    if not community:
        return ""
    try:
        return street_of(community, gazetteer.parse).name
    except FanjingError:
        return ""


def _page(
    request: Request,
    session: Session,
    user: UserRow,
    kit: _Kit,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    account = own_account(session, user.id)
    today = kit.clock.today()
    products = builtin_products()
    context.setdefault(
        "form",
        {
            "product_code": next(iter(products)),
            "dose_number": "1",
            "day": today.isoformat(),
            "street": _street_of(kit.gazetteer, account.community),
        },
    )
    return render(
        request,
        "citizen_vaccination.html",
        user=user,
        status_code=status_code,
        products=products.values(),
        max_doses=max(product.doses for product in products.values()),
        appointments=[
            (appointment, slot, state_on(appointment, slot, today))
            for appointment, slot in appointments_of(session, user.id)
        ],
        state_zh=STATE_ZH,
        done_zh=DONE_ZH,
        **context,
    )


def _dose(text: str) -> int:
    if not text.strip().isdigit():
        raise FanjingError(Code.BAD_VALUE, "请选择第几剂", Where(field="dose_number"))
    return int(text)


@router.get("/healthkit/vaccination", response_class=HTMLResponse)
def vaccination(
    request: Request,
    session: DbSession,
    user: Citizen,
    kit: Kit,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _page(request, session, user, kit, done=done if done in DONE_ZH else None)


class DoseForm:
    """The fields of both forms: which product, which dose, which day (and where, to book)."""

    def __init__(
        self,
        product_code: Annotated[str, Form(max_length=40)] = "",
        dose_number: Annotated[str, Form(max_length=2)] = "",
        day: Annotated[str, Form(max_length=10)] = "",
        street: Annotated[str, Form(max_length=200)] = "",
        certificate_shown: Annotated[str, Form(max_length=3)] = "",
    ) -> None:
        self.values = {
            "product_code": product_code,
            "dose_number": dose_number,
            "day": day,
            "street": street,
            "certificate_shown": certificate_shown,
        }


Posted = Annotated[DoseForm, Depends()]


@router.post("/healthkit/vaccination/eligibility", response_class=HTMLResponse)
def eligibility(
    request: Request, session: DbSession, user: Citizen, _csrf: Csrf, posted: Posted, kit: Kit
) -> HTMLResponse:
    """May I have this dose on that day? The answer with its reasons, or the form's errors."""
    form = posted.values
    try:
        answer = check_eligibility(
            session=session,
            products=builtin_products(),
            account=own_account(session, user.id),
            user_id=user.id,
            product_code=form["product_code"],
            dose_number=_dose(form["dose_number"]),
            day=day_of(form["day"], "day"),
            certificate_shown=form["certificate_shown"] == "yes",
        )
    except FanjingError as problem:
        return _page(
            request, session, user, kit, status_code=422, form=form, errors=problem.problems()
        )
    return _page(request, session, user, kit, form=form, answer=answer)


@router.post("/healthkit/vaccination/appointments", response_model=None)
def book_appointment(
    request: Request, session: DbSession, user: Citizen, _csrf: Csrf, posted: Posted, kit: Kit
) -> Response:
    form = posted.values
    try:
        book(
            session=session,
            user=user,
            products=builtin_products(),
            street=form["street"],
            day=day_of(form["day"], "day"),
            product_code=form["product_code"],
            dose_number=_dose(form["dose_number"]),
            parse_place=kit.gazetteer.parse,
            now=kit.clock.now(),
            today=kit.clock.today(),
        )
    except FanjingError as problem:
        session.rollback()
        return _page(
            request,
            session,
            user,
            kit,
            status_code=_status(problem),
            form=form,
            errors=problem.problems(),
        )
    session.commit()  # before the redirect: the next page lists it
    return RedirectResponse("/healthkit/vaccination?done=booked", status_code=303)


@router.post("/healthkit/vaccination/appointments/{appointment_id}/cancel", response_model=None)
def cancel_appointment(
    appointment_id: RowId,
    request: Request,
    session: DbSession,
    user: Citizen,
    _csrf: Csrf,
    kit: Kit,
) -> Response:
    try:
        cancel(
            session=session,
            user=user,
            appointment_id=appointment_id,
            now=kit.clock.now(),
            today=kit.clock.today(),
        )
    except FanjingError as problem:
        if problem.code in ("not_found", "forbidden"):
            raise
        session.rollback()
        return _page(request, session, user, kit, status_code=409, errors=problem.problems())
    session.commit()
    return RedirectResponse("/healthkit/vaccination?done=cancelled", status_code=303)


def _status(problem: FanjingError) -> int:
    """A full day or a second booking is a conflict; anything else a bad form."""
    return 409 if problem.code in ("slot_full", "already_booked") else 422
