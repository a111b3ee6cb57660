"""Clinics and the doses they record: recording, correcting a record's identity (V2), what a
clinic, CDC and a citizen see of them, and the eligibility check's gathering (V1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import Document, mask_document, mask_name, normalized_name
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import Place
from fanjing.vaccination.core import (
    DoseFact,
    DoseWish,
    Eligibility,
    Product,
    check_dose_record,
    eligibility,
    product_named,
)
from fanjing.vaccination.store import (
    AppointmentRow,
    ChangeCounterRow,
    ClinicRow,
    DoseRow,
    HealthkitVaccinationRow,
    HeldDoseRow,
    SlotRow,
)


@dataclass(frozen=True)
class Identity:
    """Who had the dose: the name as written and a validated document."""

    name: str
    document: Document

    def hashes(self, cipher: FieldCipher) -> tuple[str, str]:
        """(name hash, document hash), the latter as the health kit computes it."""
        return (
            cipher.lookup_hash(normalized_name(self.name)),
            cipher.lookup_hash(f"{self.document.kind.value}:{self.document.number}"),
        )


@dataclass(frozen=True)
class DoseEntry:
    """A dose as a clinic enters it."""

    product_code: str
    dose_number: int
    day: date
    given_in: str | None = None  # the province, for a dose given outside Beijing
    certificate_number: str | None = None  # its certificate (接种证明), required then


@dataclass(frozen=True)
class DoseView:
    """A recorded dose as shown: identity masked; where it stands in the sync."""

    id: int
    clinic: str
    product_code: str
    product_name: str
    maker: str
    dose_number: int
    day: date
    given_in_beijing: bool
    given_in: str | None
    certificate_number: str | None
    name: str
    document_kind: str
    document: str
    recorded_at: datetime
    corrected_at: datetime | None
    sync_state: str  # synced | held | pending
    held_reason: str | None


def add_clinic(
    *,
    session: Session,
    code: str,
    name: str,
    street: str,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
) -> ClinicRow:
    """A clinic in a street or township (街道/乡镇) of Beijing; the code is how users and
    records name it."""
    code, name = code.strip(), name.strip()
    if not code or len(code) > 40:
        raise FanjingError(Code.BAD_VALUE, "门诊代码应为1到40个字符", Where(field="code"))
    if not name:
        raise FanjingError(Code.BAD_VALUE, "门诊名称不能为空", Where(field="name"))
    place = street_of(street, parse_place)
    if session.get(ClinicRow, code) is not None:
        raise FanjingError(Code.CLINIC_EXISTS, f"门诊代码“{code}”已存在", Where(field="code"))
    clinic = ClinicRow(
        code=code, name=name, district=place.county or "", street=place.name, created_at=now
    )
    session.add(clinic)
    record(
        session,
        actor=actor,
        at=now,
        action="vaccination.clinic.add",
        entity="vaccination_clinic",
        entity_id=code,
        after={"name": name, "street": place.name},
    )
    return clinic


def street_of(text: str, parse_place: Callable[[str], Place], field: str = "street") -> Place:
    """The street or township (街道/乡镇) of Beijing that ``text`` names, as a town-level place
    (a community's text gives its street)."""
    if not text.strip():
        raise FanjingError(Code.BAD_STREET, "须写明北京市的街道或乡镇", Where(field=field))
    place = parse_place(text)
    if not place.in_beijing or place.town is None:
        raise FanjingError(
            Code.BAD_STREET,
            f"“{text}”不是北京市的街道或乡镇（如 北京市朝阳区潘家园街道）",
            Where(field=field),
        )
    return Place(text, place.province, place.city, place.county, place.town)


def clinic_of(session: Session, clinic_code: str | None) -> ClinicRow:
    """The clinic a clinic user is bound to."""
    clinic = session.get(ClinicRow, clinic_code) if clinic_code else None
    if clinic is None:
        raise FanjingError(
            Code.FORBIDDEN, "该门诊用户没有绑定接种门诊（fanjing users add --clinic）"
        )
    return clinic


def record_dose(
    *,
    session: Session,
    cipher: FieldCipher,
    products: Mapping[str, Product],
    clinic: ClinicRow,
    identity: Identity,
    entry: DoseEntry,
    actor: str,
    now: datetime,
    today: date,
) -> DoseRow:
    """Record a dose given (or, with ``given_in``, one given elsewhere and shown on its
    certificate, V1). The day is checked against CST ``today`` and the product; the same dose
    of the same person twice is refused. The record gets the next change sequence number, so the
    next sync brings it to the health kit (V2)."""
    product = product_named(products, entry.product_code, "product_code")
    if not identity.name.strip() or len(identity.name.strip()) > 50:
        raise FanjingError(Code.BAD_VALUE, "姓名应为1到50个字符", Where(field="name"))
    elsewhere = bool(entry.given_in and entry.given_in.strip())
    if elsewhere and not (entry.certificate_number and entry.certificate_number.strip()):
        raise FanjingError(
            Code.CERTIFICATE_REQUIRED,
            "外地接种的剂次须登记其接种证明编号",
            Where(field="certificate_number"),
        )
    name_hash, document_hash = identity.hashes(cipher)
    check_dose_record(
        product,
        entry.dose_number,
        entry.day,
        today=today,
        earlier=_facts(session, document_hash),
    )
    dose = DoseRow(
        change_seq=next_change(session),
        clinic_code=clinic.code,
        product_code=product.code,
        dose_number=entry.dose_number,
        dose_date=entry.day,
        given_in_beijing=not elsewhere,
        given_in=entry.given_in.strip() if elsewhere and entry.given_in else None,
        certificate_number=(entry.certificate_number or "").strip() or None,
        name_encrypted=cipher.encrypt(identity.name.strip()),
        name_hash=name_hash,
        document_kind=identity.document.kind.value,
        document_encrypted=cipher.encrypt(identity.document.number),
        document_hash=document_hash,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(dose)
    _flush_or_duplicate(session, entry.dose_number)
    record(
        session,
        actor=actor,
        at=now,
        action="vaccination.dose.record",
        entity="vaccination_dose",
        entity_id=dose.id,
        after={**_masked(identity), "product": product.code, "dose_number": entry.dose_number},
    )
    return dose


def correct_identity(
    *,
    session: Session,
    cipher: FieldCipher,
    clinic: ClinicRow,
    dose_id: int,
    identity: Identity,
    reason: str,
    actor: str,
    now: datetime,
) -> DoseRow:
    """Correct the identity on one of the clinic's records (V2: 需要您到接种门诊补充登记证件信息).
    The record takes a new change sequence number, so the next sync moves the dose to the
    matching account (and out of the held queue); audited with before and after, masked."""
    dose = session.get(DoseRow, dose_id)
    if dose is None or dose.clinic_code != clinic.code:
        raise FanjingError(Code.NOT_FOUND, f"本门诊没有编号为 {dose_id} 的接种记录")
    if not reason.strip():
        raise FanjingError(Code.BAD_VALUE, "更正须写明原因", Where(field="reason"))
    if not identity.name.strip() or len(identity.name.strip()) > 50:
        raise FanjingError(Code.BAD_VALUE, "姓名应为1到50个字符", Where(field="name"))
    before = {
        "name": mask_name(cipher.decrypt(dose.name_encrypted)),
        "document_kind": dose.document_kind,
        "document": mask_document(cipher.decrypt(dose.document_encrypted)),
    }
    name_hash, document_hash = identity.hashes(cipher)
    dose.change_seq = next_change(session)
    dose.name_encrypted = cipher.encrypt(identity.name.strip())
    dose.name_hash = name_hash
    dose.document_kind = identity.document.kind.value
    dose.document_encrypted = cipher.encrypt(identity.document.number)
    dose.document_hash = document_hash
    dose.corrected_at = now
    _flush_or_duplicate(session, dose.dose_number)
    record(
        session,
        actor=actor,
        at=now,
        action="vaccination.dose.correct_identity",
        entity="vaccination_dose",
        entity_id=dose.id,
        before=before,
        after={**_masked(identity), "reason": reason.strip()},
    )
    return dose


def next_change(session: Session) -> int:
    """The next change sequence number. The counter row stays locked until the caller commits,
    so changes commit in the order of their numbers (see ``ChangeCounterRow``)."""
    value = session.execute(
        update(ChangeCounterRow)
        .where(ChangeCounterRow.id == 1)
        .values(value=ChangeCounterRow.value + 1)
        .returning(ChangeCounterRow.value)
    ).scalar_one()
    return int(value)


def dose_views(
    session: Session,
    cipher: FieldCipher,
    products: Mapping[str, Product],
    *,
    clinic_code: str | None,
    held_only: bool,
    limit: int,
) -> list[DoseView]:
    """A clinic's records (or, with ``clinic_code`` None, every clinic's), newest first; with
    ``held_only``, the held queue."""
    query = (
        select(DoseRow, HeldDoseRow, HealthkitVaccinationRow.id)
        .outerjoin(HeldDoseRow, HeldDoseRow.dose_id == DoseRow.id)
        .outerjoin(HealthkitVaccinationRow, HealthkitVaccinationRow.dose_id == DoseRow.id)
        .order_by(DoseRow.id.desc())
        .limit(limit)
    )
    if clinic_code is not None:
        query = query.where(DoseRow.clinic_code == clinic_code)
    if held_only:
        query = query.where(HeldDoseRow.dose_id.is_not(None))
    return [
        dose_view(dose, held, synced is not None, cipher, products)
        for dose, held, synced in session.execute(query).all()
    ]


def dose_view(
    dose: DoseRow,
    held: HeldDoseRow | None,
    synced: bool,
    cipher: FieldCipher,
    products: Mapping[str, Product],
) -> DoseView:
    product = products.get(dose.product_code)
    return DoseView(
        id=dose.id,
        clinic=dose.clinic_code,
        product_code=dose.product_code,
        product_name=product.name if product else dose.product_code,
        maker=product.maker if product else "",
        dose_number=dose.dose_number,
        day=dose.dose_date,
        given_in_beijing=dose.given_in_beijing,
        given_in=dose.given_in,
        certificate_number=dose.certificate_number,
        name=mask_name(cipher.decrypt(dose.name_encrypted)),
        document_kind=dose.document_kind,
        document=mask_document(cipher.decrypt(dose.document_encrypted)),
        recorded_at=dose.recorded_at,
        corrected_at=dose.corrected_at,
        sync_state="held" if held is not None else ("synced" if synced else "pending"),
        held_reason=held.reason if held is not None else None,
    )


def held_view_of(
    session: Session, cipher: FieldCipher, products: Mapping[str, Product], dose: DoseRow
) -> DoseView:
    held = session.get(HeldDoseRow, dose.id)
    synced = session.scalar(
        select(HealthkitVaccinationRow.id).where(HealthkitVaccinationRow.dose_id == dose.id)
    )
    return dose_view(dose, held, synced is not None, cipher, products)


@dataclass(frozen=True)
class SyncedVaccination:
    """A dose as the health kit shows it: its product by name and maker, its clinic by name."""

    product_code: str
    product_name: str
    maker: str
    dose_number: int
    day: date
    clinic: str


def synced_vaccinations(
    session: Session, products: Mapping[str, Product], account_id: int
) -> list[SyncedVaccination]:
    """The doses the health kit shows on an account (what the sync brought), by dose number."""
    clinics = {c.code: c.name for c in session.scalars(select(ClinicRow))}
    rows = session.scalars(
        select(HealthkitVaccinationRow)
        .where(HealthkitVaccinationRow.account_id == account_id)
        .order_by(HealthkitVaccinationRow.dose_number, HealthkitVaccinationRow.dose_date)
    )
    return [
        SyncedVaccination(
            product_code=row.product_code,
            product_name=products[row.product_code].name if row.product_code in products else "",
            maker=products[row.product_code].maker if row.product_code in products else "",
            dose_number=row.dose_number,
            day=row.dose_date,
            clinic=clinics.get(row.clinic_code, row.clinic_code),
        )
        for row in rows
    ]


def check_eligibility(
    *,
    session: Session,
    products: Mapping[str, Product],
    account: AccountRow,
    user_id: int,
    product_code: str,
    dose_number: int,
    day: date,
    certificate_shown: bool,
) -> Eligibility:
    """Gather the person's recorded doses (by their document, whichever clinic recorded them)
    and their booked appointment, and ask the core (V1)."""
    appointment_day = session.scalar(
        select(SlotRow.slot_date)
        .join(AppointmentRow, AppointmentRow.slot_id == SlotRow.id)
        .where(AppointmentRow.user_id == user_id, AppointmentRow.state == "booked")
    )
    wish = DoseWish(
        product_code=product_code,
        dose_number=dose_number,
        day=day,
        appointment_day=appointment_day,
        certificate_shown=certificate_shown,
    )
    return eligibility(products, _facts(session, account.document_hash), wish)


def _facts(session: Session, document_hash: str) -> Sequence[DoseFact]:
    return [
        DoseFact(d.product_code, d.dose_number, d.dose_date, d.given_in_beijing)
        for d in session.scalars(select(DoseRow).where(DoseRow.document_hash == document_hash))
    ]


def _flush_or_duplicate(session: Session, dose_number: int) -> None:
    try:
        session.flush()
    except IntegrityError:  # the same person's same dose, recorded at the same moment elsewhere
        raise FanjingError(
            Code.DOSE_EXISTS, f"此人的第{dose_number}剂已有记录", Where(field="dose_number")
        ) from None


def _masked(identity: Identity) -> dict[str, str]:
    return {
        "name": mask_name(identity.name),
        "document_kind": identity.document.kind.value,
        "document": identity.document.masked,
    }


def held_doses_of(
    session: Session, cipher: FieldCipher, products: Mapping[str, Product], document_hash: str
) -> list[DoseView]:
    """The doses recorded for this document that the sync holds back (the name on the clinic's
    record differs, say): what the person must get corrected at the clinic (seed answer 6)."""
    rows = session.execute(
        select(DoseRow, HeldDoseRow)
        .join(HeldDoseRow, HeldDoseRow.dose_id == DoseRow.id)
        .where(DoseRow.document_hash == document_hash)
        .order_by(DoseRow.dose_number, DoseRow.dose_date)
    ).all()
    return [dose_view(dose, held, False, cipher, products) for dose, held in rows]
