"""Recorded doses as they are shown: to clinics and CDC with the identity masked and where each
stands in the sync; held ones with why; what the health kit shows (synced doses by name)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from fanjing.common.identity import mask_document, mask_name
from fanjing.infra.crypto import FieldCipher
from fanjing.vaccination.core import (
    Product,
)
from fanjing.vaccination.store import (
    DoseRow,
    HeldDoseRow,
    clinic_names,
    doses_with_sync_state,
    held_doses_for,
    is_synced,
    synced_doses_of,
)


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
    return [
        dose_view(dose, held, synced is not None, cipher, products)
        for dose, held, synced in doses_with_sync_state(
            session, clinic_code=clinic_code, held_only=held_only, limit=limit
        )
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
    return dose_view(dose, held, is_synced(session, dose.id), cipher, products)


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
    clinics = clinic_names(session)
    rows = synced_doses_of(session, account_id)
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


def held_doses_of(
    session: Session, cipher: FieldCipher, products: Mapping[str, Product], document_hash: str
) -> list[DoseView]:
    """The doses recorded for this document that the sync holds back (the name on the clinic's
    record differs, say): what the person must get corrected at the clinic (seed answer 6)."""
    return [
        dose_view(dose, held, False, cipher, products)
        for dose, held in held_doses_for(session, document_hash)
    ]
