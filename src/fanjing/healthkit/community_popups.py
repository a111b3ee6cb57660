"""A community's open pop-ups as its workers see them: whose (name and phone in full, for
the worker must call them; the document number never), which city, and until when entry
is postponed (E1). Clearing one is ``popups.clear_popup``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.healthkit.popups import postpone_until
from fanjing.healthkit.store import AccountRow, PhoneBindingRow, PopupRow
from fanjing.infra.crypto import FieldCipher


@dataclass(frozen=True)
class CommunityPopup:
    id: int
    person: str
    phone: str  # the account's first active number, "" when none
    city: str
    last_visit: date
    postpone_until: date


def open_popups(session: Session, cipher: FieldCipher, community: str) -> list[CommunityPopup]:
    """The pop-ups not yet cleared of the accounts living in ``community``, oldest first."""
    rows = session.execute(
        select(PopupRow, AccountRow)
        .join(AccountRow, AccountRow.id == PopupRow.account_id)
        .where(AccountRow.community == community, PopupRow.cleared_at.is_(None))
        .order_by(PopupRow.id)
    ).all()
    phones: dict[int, str] = {}
    account_ids = {account.id for _, account in rows}
    if account_ids:
        for binding in session.scalars(
            select(PhoneBindingRow)
            .where(PhoneBindingRow.account_id.in_(account_ids), PhoneBindingRow.state == "active")
            .order_by(PhoneBindingRow.id)
        ):
            phones.setdefault(binding.account_id, cipher.decrypt(binding.phone_encrypted))
    return [
        CommunityPopup(
            popup.id,
            cipher.decrypt(account.name_encrypted),
            phones.get(account.id, ""),
            popup.city,
            popup.last_visit,
            postpone_until(popup.last_visit),
        )
        for popup, account in rows
    ]
