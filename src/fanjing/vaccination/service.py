"""Clinics and the doses they record: recording, correcting a record's identity (V2), what a
clinic, CDC and a citizen see of them, and the eligibility check's gathering (V1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import Document, mask_document, mask_name, normalized_name
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import Place
from fanjing.vaccination.appointment_store import booked_day_of
from fanjing.vaccination.core import (
    DoseWish,
    Eligibility,
    Product,
    check_dose_record,
    eligibility,
    product_named,
)
from fanjing.vaccination.store import ClinicRow, DoseRow, dose_facts, next_change


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
        earlier=dose_facts(session, document_hash),
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
    appointment_day = booked_day_of(session, user_id)
    wish = DoseWish(
        product_code=product_code,
        dose_number=dose_number,
        day=day,
        appointment_day=appointment_day,
        certificate_shown=certificate_shown,
    )
    return eligibility(products, dose_facts(session, account.document_hash), wish)


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
