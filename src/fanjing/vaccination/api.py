"""Vaccination over HTTP: clinics record and correct doses and see their held queue; citizens
see their health-kit vaccinations, check eligibility and book appointments; community workers
(their street), CDC and administrators set the daily capacity; CDC sees every clinic's records."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fanjing.common.days import day_of
from fanjing.common.identity import read_document
from fanjing.healthkit.service import own_account
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.vaccination.appointments import (
    appointments_of,
    book,
    cancel,
    set_capacity,
    slot_on,
    state_on,
)
from fanjing.vaccination.core import Reason
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.schemas import (
    AppointmentCreate,
    AppointmentRead,
    CapacitySet,
    ClinicCreate,
    ClinicRead,
    DoseCreate,
    EligibilityQuery,
    EligibilityRead,
    IdentityBody,
    IdentityCorrection,
    ProductRead,
    ReasonRead,
    SlotRead,
)
from fanjing.vaccination.service import (
    DoseEntry,
    Identity,
    add_clinic,
    check_eligibility,
    clinic_of,
    correct_identity,
    record_dose,
)
from fanjing.vaccination.store import AppointmentRow, ClinicRow, SlotRow, all_clinics
from fanjing.vaccination.views import (
    DoseView,
    SyncedVaccination,
    dose_views,
    held_view_of,
    synced_vaccinations,
)
from fanjing.web.deps import (
    CipherDep,
    ClockDep,
    DbSession,
    GazetteerDep,
    RowId,
    current_user,
    require,
)

router = APIRouter(tags=["疫苗接种"])
Clinic = Annotated[UserRow, Depends(require(Role.CLINIC))]
Citizen = Annotated[UserRow, Depends(require(Role.CITIZEN))]
ClinicOrCdc = Annotated[UserRow, Depends(require(Role.CLINIC, Role.CDC))]
Managers = Annotated[UserRow, Depends(require(Role.CDC, Role.ADMIN))]
CapacitySetter = Annotated[UserRow, Depends(require(Role.COMMUNITY_WORKER, Role.CDC, Role.ADMIN))]
Anyone = Annotated[UserRow, Depends(current_user)]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get(
    "/api/v1/vaccination/products", response_model=list[ProductRead], summary="疫苗产品与程序"
)
def products() -> list[ProductRead]:
    return [ProductRead(**{**asdict(p), "kind": p.kind.value}) for p in builtin_products().values()]


@router.post(
    "/api/v1/vaccination/clinics",
    response_model=ClinicRead,
    status_code=201,
    summary="添加接种门诊",
)
def create_clinic(
    body: ClinicCreate,
    session: DbSession,
    user: Managers,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> ClinicRow:
    return add_clinic(
        session=session,
        code=body.code,
        name=body.name,
        street=body.street,
        parse_place=gazetteer.parse,
        actor=user.name,
        now=clock.now(),
    )


@router.get("/api/v1/vaccination/clinics", response_model=list[ClinicRead], summary="接种门诊")
def list_clinics(session: DbSession, user: Anyone) -> list[ClinicRow]:
    return all_clinics(session)


def _identity(body: IdentityBody, today: date) -> Identity:
    document = read_document(
        body.document_kind, body.document_number, today=today, field="document_number"
    )
    return Identity(body.name, document)


@router.post(
    "/api/v1/vaccination/doses",
    response_model=DoseView,
    status_code=201,
    summary="登记接种（本门诊）",
)
def create_dose(
    body: DoseCreate, session: DbSession, user: Clinic, cipher: CipherDep, clock: ClockDep
) -> DoseView:
    today = clock.today()
    dose = record_dose(
        session=session,
        cipher=cipher,
        products=builtin_products(),
        clinic=clinic_of(session, user.clinic),
        identity=_identity(body, today),
        entry=DoseEntry(
            body.product_code, body.dose_number, body.day, body.given_in, body.certificate_number
        ),
        actor=user.name,
        now=clock.now(),
        today=today,
    )
    return held_view_of(session, cipher, builtin_products(), dose)


@router.get(
    "/api/v1/vaccination/doses",
    response_model=list[DoseView],
    summary="接种记录（门诊：本门诊；疾控：全部）",
)
def list_doses(
    session: DbSession, user: ClinicOrCdc, cipher: CipherDep, limit: Limit = 100
) -> list[DoseView]:
    return _doses(session, user, cipher, held_only=False, limit=limit)


@router.get(
    "/api/v1/vaccination/held",
    response_model=list[DoseView],
    summary="未能同步到健康宝的接种记录及原因（门诊：本门诊；疾控：全部）",
)
def list_held(
    session: DbSession, user: ClinicOrCdc, cipher: CipherDep, limit: Limit = 100
) -> list[DoseView]:
    return _doses(session, user, cipher, held_only=True, limit=limit)


def _doses(
    session: Session, user: UserRow, cipher: FieldCipher, *, held_only: bool, limit: int
) -> list[DoseView]:
    clinic = clinic_of(session, user.clinic).code if user.role == Role.CLINIC else None
    return dose_views(
        session,
        cipher,
        builtin_products(),
        clinic_code=clinic,
        held_only=held_only,
        limit=limit,
    )


@router.post(
    "/api/v1/vaccination/doses/{dose_id}/identity",
    response_model=DoseView,
    summary="更正接种记录的身份信息（本门诊；下次同步后出现在健康宝）",
)
def correct(
    dose_id: RowId,
    body: IdentityCorrection,
    session: DbSession,
    user: Clinic,
    cipher: CipherDep,
    clock: ClockDep,
) -> DoseView:
    dose = correct_identity(
        session=session,
        cipher=cipher,
        clinic=clinic_of(session, user.clinic),
        dose_id=dose_id,
        identity=_identity(body, clock.today()),
        reason=body.reason,
        actor=user.name,
        now=clock.now(),
    )
    return held_view_of(session, cipher, builtin_products(), dose)


def _own_account(session: Session, user: UserRow) -> AccountRow:
    return own_account(session, user.id)


@router.get(
    "/api/v1/healthkit/vaccinations",
    response_model=list[SyncedVaccination],
    summary="本人在健康宝中的接种记录（约每半小时从接种门诊同步）",
)
def my_vaccinations(session: DbSession, user: Citizen) -> list[SyncedVaccination]:
    account = _own_account(session, user)
    return synced_vaccinations(session, builtin_products(), account.id)


def _reason(reason: Reason) -> ReasonRead:
    return ReasonRead(code=reason.code, message=reason.message, earliest_day=reason.earliest_day)


@router.post(
    "/api/v1/vaccination/eligibility",
    response_model=EligibilityRead,
    summary="本人能否在某日接种某剂（原因代码与说明）",
)
def eligible(body: EligibilityQuery, session: DbSession, user: Citizen) -> EligibilityRead:
    answer = check_eligibility(
        session=session,
        products=builtin_products(),
        account=_own_account(session, user),
        user_id=user.id,
        product_code=body.product_code,
        dose_number=body.dose_number,
        day=body.day,
        certificate_shown=body.certificate_shown,
    )
    return EligibilityRead(
        eligible=answer.eligible,
        dose_number=answer.dose_number,
        earliest_day=answer.earliest_day,
        reasons=[_reason(r) for r in answer.reasons],
        notes=[_reason(r) for r in answer.notes],
    )


def _slot(slot: SlotRow) -> SlotRead:
    return SlotRead(
        street=slot.street, day=slot.slot_date, capacity=slot.capacity, booked=slot.booked
    )


@router.put(
    "/api/v1/vaccination/capacity",
    response_model=SlotRead,
    summary="设置街道（乡镇）某日的预约量（社区工作者：本街道；疾控、管理员）",
)
def put_capacity(
    body: CapacitySet,
    session: DbSession,
    user: CapacitySetter,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> SlotRead:
    slot = set_capacity(
        session=session,
        user=user,
        street=body.street,
        day=body.day,
        capacity=body.capacity,
        parse_place=gazetteer.parse,
        now=clock.now(),
        today=clock.today(),
    )
    return _slot(slot)


@router.get(
    "/api/v1/vaccination/capacity", response_model=SlotRead, summary="街道（乡镇）某日的预约情况"
)
def get_capacity(
    session: DbSession,
    user: Anyone,
    gazetteer: GazetteerDep,
    street: Annotated[str, Query(min_length=1, max_length=200)],
    day: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")],
) -> SlotRead:
    return _slot(slot_on(session, street, day_of(day, "day"), gazetteer.parse))


def _appointment(appointment: AppointmentRow, slot: SlotRow, today: date) -> AppointmentRead:
    state = state_on(appointment, slot, today)
    return AppointmentRead(
        id=appointment.id,
        street=slot.street,
        day=slot.slot_date,
        product_code=appointment.product_code,
        dose_number=appointment.dose_number,
        state=state,  # type: ignore[arg-type]
        booked_at=appointment.booked_at,
    )


@router.post(
    "/api/v1/vaccination/appointments",
    response_model=AppointmentRead,
    status_code=201,
    summary="通过街道（乡镇）预约接种",
)
def create_appointment(
    body: AppointmentCreate,
    session: DbSession,
    user: Citizen,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> AppointmentRead:
    today = clock.today()
    appointment = book(
        session=session,
        user=user,
        products=builtin_products(),
        street=body.street,
        day=body.day,
        product_code=body.product_code,
        dose_number=body.dose_number,
        parse_place=gazetteer.parse,
        now=clock.now(),
        today=today,
    )
    return _appointment(appointment, session.get_one(SlotRow, appointment.slot_id), today)


@router.get(
    "/api/v1/vaccination/appointments",
    response_model=list[AppointmentRead],
    summary="本人的预约",
)
def my_appointments(session: DbSession, user: Citizen, clock: ClockDep) -> list[AppointmentRead]:
    today = clock.today()
    return [_appointment(a, s, today) for a, s in appointments_of(session, user.id)]


@router.post(
    "/api/v1/vaccination/appointments/{appointment_id}/cancel",
    response_model=AppointmentRead,
    summary="取消本人的预约",
)
def cancel_appointment(
    appointment_id: RowId, session: DbSession, user: Citizen, clock: ClockDep
) -> AppointmentRead:
    today = clock.today()
    appointment = cancel(
        session=session,
        user=user,
        appointment_id=appointment_id,
        now=clock.now(),
        today=today,
    )
    return _appointment(appointment, session.get_one(SlotRow, appointment.slot_id), today)
