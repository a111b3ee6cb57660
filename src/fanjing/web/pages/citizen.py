"""The citizen's health kit as pages: colour, pop-ups and their postponed entry day, colour
history, bound numbers (grey ones with their deletion day), the itinerary card of every
number, synced and held vaccinations, the self-refreshing QR pass; creating the account.
Binding and unbinding numbers: citizen_phones.py; the travel declaration:
citizen_declaration.py.

No rule lives here: every page calls the services the API calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fanjing.common.days import CHINA_STANDARD_TIME
from fanjing.common.identity import read_document
from fanjing.community.store import tests_of_person
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.core import COLOUR_ZH, BindingState, Colour, Platform
from fanjing.healthkit.declaration import account_card
from fanjing.healthkit.passes import signed_pass
from fanjing.healthkit.popups import postpone_until
from fanjing.healthkit.service import (
    NO_ACCOUNT,
    account_view,
    create_account,
    own_account,
)
from fanjing.healthkit.status import status_of_user
from fanjing.healthkit.status_row import OpenPopup
from fanjing.healthkit.store import AccountRow, account_of, bindings_of
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.itinerary.core import card_window
from fanjing.places.registry import Registry
from fanjing.settings import Settings
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.views import held_doses_of, synced_vaccinations
from fanjing.web.deps import (
    CipherDep,
    ClockDep,
    DbSession,
    GazetteerDep,
    RegistryCacheDep,
    SettingsDep,
)
from fanjing.web.pages.session import Csrf, Posted, Visit, Visited, for_roles, render, require_page

router = APIRouter(include_in_schema=False)
Citizen = Annotated[UserRow, Depends(require_page(Role.CITIZEN))]

PASS_REFRESH_SECONDS = 60
PLATFORM_ZH = {p.value: p.label_zh for p in Platform}
HELD_REASON_ZH = {
    "name_mismatch": "接种门诊登记的姓名与健康宝账户不一致",
    "no_account": "接种门诊登记的证件没有对应的健康宝账户",
}
DOCUMENT_KINDS_ZH = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macau_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
}
RESULT_ZH = {"pending": "待出结果", "negative": "阴性", "positive": "阳性"}


@dataclass(frozen=True)
class _Kit:
    """What the health kit's page is drawn with."""

    settings: Settings
    cipher: FieldCipher
    registry: Registry
    clock: Clock


def _kit(
    settings: SettingsDep, cipher: CipherDep, registry: RegistryCacheDep, clock: ClockDep
) -> _Kit:
    return _Kit(settings, cipher, registry.get(), clock)


Kit = Annotated[_Kit, Depends(_kit)]


@dataclass(frozen=True)
class CitizenPage(Visit):
    """The health kit's page asked for, or a form on it posted, with what it is drawn with."""

    kit: _Kit


async def _citizen_page(visit: Visited, kit: Kit) -> CitizenPage:
    return CitizenPage(visit.request, visit.session, visit.user, kit)


async def _citizen_form(posted: Posted, kit: Kit) -> CitizenPage:
    return CitizenPage(posted.request, posted.session, posted.user, kit)


HealthkitPage = Annotated[CitizenPage, for_roles(_citizen_page, Role.CITIZEN)]
HealthkitForm = Annotated[CitizenPage, for_roles(_citizen_form, Role.CITIZEN)]


# --- the health kit -----------------------------------------------------------------------


@router.get("/healthkit", response_class=HTMLResponse)
def healthkit(page: HealthkitPage) -> HTMLResponse:
    account = account_of(page.session, page.user.id)
    if account is None:
        return _account_form(page.request, page.user)
    return healthkit_page(page, account)


def healthkit_page(
    page: CitizenPage,
    account: AccountRow,
    *,
    errors: list[FanjingError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, kit, user = page.request, page.session, page.kit, page.user
    today = kit.clock.today()
    status = status_of_user(session, user.id, today)
    bindings = bindings_of(session, account.id)
    view = account_view(account, bindings, kit.cipher, reveal=False)
    card = account_card(session, account.id, as_of=today, designations=kit.registry.designations)
    return render(
        request,
        "citizen_healthkit.html",
        user=user,
        status_code=status_code,
        account=view,
        colour=status.colour.value if status else "green",
        colour_zh=COLOUR_ZH[status.colour] if status else "",
        history=[(day, c.value, COLOUR_ZH[c]) for day, c in status.history] if status else [],
        popups=_popups_by_city(status.popups) if status else [],
        card=card,
        vaccinations=synced_vaccinations(session, builtin_products(), account.id),
        tests=tests_of_person(session, account.document_hash),
        result_zh=RESULT_ZH,
        held=held_doses_of(session, kit.cipher, builtin_products(), account.document_hash),
        held_reason_zh=HELD_REASON_ZH,
        platform_zh=PLATFORM_ZH,
        grey=BindingState.GREY,
        refresh=PASS_REFRESH_SECONDS,
        window=card_window(today),
        **_pass(session, kit, user),
        errors=errors,
        message=message,
    )


def _popups_by_city(popups: list[OpenPopup]) -> list[tuple[str, date, date, int]]:
    """The open pop-ups as a person reads them: one per city (each risk area of a city raises
    its own), with the latest visit, the day entry may resume (E1) and how many."""
    latest: dict[str, date] = {}
    count: dict[str, int] = {}
    for popup in popups:
        latest[popup.city] = max(latest.get(popup.city, popup.last_visit), popup.last_visit)
        count[popup.city] = count.get(popup.city, 0) + 1
    return [(city, day, postpone_until(day), count[city]) for city, day in latest.items()]


@router.get("/healthkit/pass", response_class=HTMLResponse)
def pass_fragment(page: HealthkitPage) -> HTMLResponse:
    """The QR pass as a fragment: the health kit page fetches it again every minute."""
    return render(
        page.request,
        "citizen_pass.html",
        user=page.user,
        **_pass(page.session, page.kit, page.user),
    )


def _pass(session: Session, kit: _Kit, user: UserRow) -> dict[str, Any]:
    """A freshly signed pass (the API's), its QR code and when it expires (China time)."""
    account = own_account(session, user.id)
    status = status_of_user(session, user.id, kit.clock.today())
    if status is None:
        raise FanjingError(Code.NOT_FOUND, NO_ACCOUNT)
    issued = signed_pass(
        kit.settings, kit.cipher, status, account.name_encrypted, kit.clock.now(), with_qr=True
    )
    return {
        "qr": issued.qr_svg,
        "pass_expires": issued.expires_at.astimezone(CHINA_STANDARD_TIME).strftime("%H:%M:%S"),
        "pass_colour": issued.colour,
        "pass_colour_zh": COLOUR_ZH[Colour(issued.colour)],
        "pass_popup": issued.popup,
    }


# --- the account --------------------------------------------------------------------------


def _account_form(
    request: Request,
    user: UserRow,
    *,
    form: dict[str, str] | None = None,
    errors: list[FanjingError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "citizen_account.html",
        user=user,
        status_code=status_code,
        form=form or {"name": "", "document_kind": "resident_id", "community": ""},
        document_kinds=DOCUMENT_KINDS_ZH,
        errors=errors,
    )


@router.post("/healthkit/account", response_model=None)
def create(
    request: Request,
    session: DbSession,
    user: Citizen,
    _csrf: Csrf,
    name: Annotated[str, Form(max_length=50)] = "",
    document_kind: Annotated[str, Form(max_length=30)] = "resident_id",
    document_number: Annotated[str, Form(max_length=30)] = "",
    community: Annotated[str, Form(max_length=200)] = "",
    *,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> Response:
    shown = {"name": name, "document_kind": document_kind, "community": community}
    try:
        document = read_document(
            document_kind, document_number, today=clock.today(), field="document_number"
        )
        place = gazetteer.parse(community) if community.strip() else None
        create_account(
            session=session,
            cipher=cipher,
            user_id=user.id,
            name=name,
            document=document,
            community=place.name if place else None,
            now=clock.now(),
        )
    except FanjingError as problem:
        return _account_form(request, user, form=shown, errors=problem.problems(), status_code=422)
    session.commit()
    return RedirectResponse("/healthkit", status_code=303)


# --- phone numbers ------------------------------------------------------------------------


def own_account_of(session: Session, user: UserRow) -> AccountRow:
    return own_account(session, user.id)


# --- the travel declaration ---------------------------------------------------------------
