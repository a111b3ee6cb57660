"""The clinic's page: record a dose, the clinic's recent records, and the queue of records held
for an identity that matches no health-kit account, each with a form to correct it (the next
sync then brings it to the health kit; the page can run the sync at once)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanjing.audit import service as audit
from fanjing.common.days import day_of
from fanjing.common.identity import DocumentKind, read_document
from fanjing.errors import Code, FanjingError
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import (
    DoseEntry,
    Identity,
    clinic_of,
    correct_identity,
    record_dose,
)
from fanjing.vaccination.sync import sync_to_healthkit
from fanjing.vaccination.views import dose_views
from fanjing.web.deps import CipherDep, ClockDep, EngineDep, RowId
from fanjing.web.pages.session import Posted, Visit, Visited, for_roles, render

router = APIRouter(include_in_schema=False)
FLASH = "clinic_flash"
RECENT = 20
MAX_DOSES = 5

DOCUMENT_ZH = {kind.value: kind.label_zh for kind in DocumentKind}
SYNC_ZH = {"synced": "已同步到健康宝", "held": "未能同步", "pending": "等待同步"}
HELD_ZH = {
    "no_account": "没有找到证件号相同的健康宝账户",
    "name_mismatch": "姓名与健康宝账户不一致",
}

RECORDED = "已登记第{n}剂（记录 #{id}），下次同步后进入健康宝"
CORRECTED = "记录 #{id} 的身份已更正，下次同步（约每半小时）后进入健康宝"
SYNC_SKIPPED = "另一个同步正在进行，请稍后再看"
SYNCED = "同步完成：同步 {synced} 条，仍未能同步 {held} 条，放行 {released} 条"
# texts the template shows through _() that come from here (the catalogue test reads them)
TEXTS = (
    RECORDED,
    CORRECTED,
    SYNC_SKIPPED,
    SYNCED,
    *DOCUMENT_ZH.values(),
    *SYNC_ZH.values(),
    *HELD_ZH.values(),
)


@dataclass(frozen=True)
class _Kit:
    """What the clinic's page is drawn and changed with."""

    cipher: FieldCipher
    clock: Clock


async def _kit(cipher: CipherDep, clock: ClockDep) -> _Kit:
    return _Kit(cipher, clock)


Kit = Annotated[_Kit, Depends(_kit)]


@dataclass(frozen=True)
class _ClinicPage(Visit):
    """The clinic's page asked for, or a form on it posted, with what it is drawn with."""

    kit: _Kit

    def refused(self, **context: Any) -> HTMLResponse:
        """A form refused: nothing of it kept, the page again with its errors (422)."""
        self.session.rollback()
        return _page(self, status_code=422, **context)

    def done(self, text: str, **fields: str) -> RedirectResponse:
        """Back to the clinic's page, with what was done."""
        self.request.session[FLASH] = {"text": text, "fields": fields}
        return RedirectResponse("/clinic", status_code=303)


async def _clinic_page(visit: Visited, kit: Kit) -> _ClinicPage:
    return _ClinicPage(visit.request, visit.session, visit.user, kit)


async def _clinic_form(posted: Posted, kit: Kit) -> _ClinicPage:
    return _ClinicPage(posted.request, posted.session, posted.user, kit)


ClinicPage = Annotated[_ClinicPage, for_roles(_clinic_page, Role.CLINIC)]
ClinicForm = Annotated[_ClinicPage, for_roles(_clinic_form, Role.CLINIC)]


def _page(page: _ClinicPage, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    request, session, user = page.request, page.session, page.user
    cipher, clock = page.kit.cipher, page.kit.clock
    clinic = clinic_of(session, user.clinic)
    products = builtin_products()
    recent = dose_views(
        session, cipher, products, clinic_code=clinic.code, held_only=False, limit=RECENT
    )
    held = dose_views(session, cipher, products, clinic_code=clinic.code, held_only=True, limit=100)
    context.setdefault(
        "form",
        {
            "product_code": next(iter(products)),
            "dose_number": "1",
            "day": clock.today().isoformat(),
            "name": "",
            "document_kind": "resident_id",
            "document_number": "",
        },
    )
    message = request.session.pop(FLASH, None)
    flash = message if isinstance(message, dict) else None
    return render(
        request,
        "clinic_home.html",
        user=user,
        status_code=status_code,
        clinic=clinic,
        products=products.values(),
        doses=range(1, MAX_DOSES + 1),
        recent=recent,
        held=held,
        document_zh=DOCUMENT_ZH,
        sync_zh=SYNC_ZH,
        held_zh=HELD_ZH,
        flash=flash,
        **context,
    )


def _identity(name: str, kind: str, number: str, today: date) -> Identity:
    if not number.strip():
        raise FanjingError(Code.MISSING_FIELD, "请填写证件号码")
    document = read_document(kind, number.strip(), today=today, field="document_number")
    return Identity(name.strip(), document)


@router.get("/clinic", response_class=HTMLResponse)
def home(page: ClinicPage) -> Response:
    return _page(page)


@router.post("/clinic/doses", response_class=HTMLResponse)
def record(
    form: ClinicForm,
    product_code: Annotated[str, Form(max_length=40)] = "",
    dose_number: Annotated[str, Form(max_length=2)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    name: Annotated[str, Form(max_length=50)] = "",
    document_kind: Annotated[str, Form(max_length=20)] = "resident_id",
    document_number: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    typed = {
        "product_code": product_code,
        "dose_number": dose_number,
        "day": day,
        "name": name,
        "document_kind": document_kind,
        "document_number": document_number,
    }
    try:
        if not dose_number.isdigit() or not 1 <= int(dose_number) <= MAX_DOSES:
            raise FanjingError(Code.BAD_VALUE, f"剂次应为 1 到 {MAX_DOSES}")
        given: date = day_of(day, "day")
        today = form.kit.clock.today()
        dose = record_dose(
            session=form.session,
            cipher=form.kit.cipher,
            products=builtin_products(),
            clinic=clinic_of(form.session, form.user.clinic),
            identity=_identity(name, document_kind, document_number, today),
            entry=DoseEntry(product_code, int(dose_number), given),
            actor=form.user.name,
            now=form.kit.clock.now(),
            today=today,
        )
    except FanjingError as problem:
        return form.refused(dose_errors=problem.problems(), form=typed)
    return form.done(RECORDED, n=str(dose.dose_number), id=str(dose.id))


@router.post("/clinic/doses/{dose_id}/identity", response_class=HTMLResponse)
def correct(
    dose_id: RowId,
    form: ClinicForm,
    name: Annotated[str, Form(max_length=50)] = "",
    document_kind: Annotated[str, Form(max_length=20)] = "resident_id",
    document_number: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        dose = correct_identity(
            session=form.session,
            cipher=form.kit.cipher,
            clinic=clinic_of(form.session, form.user.clinic),
            dose_id=dose_id,
            identity=_identity(name, document_kind, document_number, form.kit.clock.today()),
            reason=reason,
            actor=form.user.name,
            now=form.kit.clock.now(),
        )
    except FanjingError as problem:
        return form.refused(correct_errors=problem.problems(), correcting=dose_id)
    return form.done(CORRECTED, id=str(dose.id))


@router.post("/clinic/sync")
def sync_now(form: ClinicForm, engine: EngineDep) -> Response:
    """Run the half-hourly sync now (one run at a time: skipped if one is running)."""
    form.session.commit()  # nothing of this request's session may hold the database meanwhile
    report = sync_to_healthkit(
        engine=engine,
        cipher=form.kit.cipher,
        clock=form.kit.clock.now,
    )
    # the periodic runs are the system's; one started by hand is someone's, so it is audited
    audit.record(
        form.session,
        actor=form.user.name,
        at=form.kit.clock.now(),
        action="vaccination.sync.run",
        entity="vaccination_sync",
        entity_id=report.watermark,
        after=asdict(report),
    )
    if report.skipped:
        return form.done(SYNC_SKIPPED)
    return form.done(
        SYNCED,
        synced=str(report.synced),
        held=str(report.held),
        released=str(report.released),
    )
