"""A community's open pop-ups as its workers see them: whose (name and phone in full, for
the worker must call them; the document number never), which city, and until when entry
is postponed (E1), grouped by person and city: a city with many risk areas raises one
pop-up per area, and the worker handles a person's pop-ups for a city, or all of them, at
once (``popups.clear_popups``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from fanjing.healthkit.popup_store import open_visits_in
from fanjing.healthkit.popups import postpone_until
from fanjing.healthkit.store import accounts_with_ids, active_bindings_of
from fanjing.infra.crypto import FieldCipher


@dataclass(frozen=True)
class CityPopups:
    """One person's open pop-ups for one city (one per risk area of the city)."""

    city: str
    count: int
    last_visit: date
    postpone_until: date


@dataclass(frozen=True)
class PersonPopups:
    account_id: int
    person: str
    phone: str  # the account's first active number, "" when none
    cities: tuple[CityPopups, ...]

    @property
    def count(self) -> int:
        return sum(city.count for city in self.cities)


def open_popups_by_person(
    session: Session, cipher: FieldCipher, community: str
) -> list[PersonPopups]:
    """The open pop-ups of the accounts living in ``community``, by person (whose first
    open pop-up is oldest first), and each person's by city (by name)."""
    rows = open_visits_in(session, community)
    visits: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for account_id, city, last_visit in rows:
        visits[account_id][city].append(last_visit)
    people = _people(session, cipher, set(visits))
    return [
        PersonPopups(
            account_id,
            *people[account_id],
            tuple(
                CityPopups(city, len(days), max(days), postpone_until(max(days)))
                for city, days in sorted(cities.items())
            ),
        )
        for account_id, cities in visits.items()
    ]


def _people(
    session: Session, cipher: FieldCipher, account_ids: set[int]
) -> dict[int, tuple[str, str]]:
    """Name and first active phone number of each account."""
    if not account_ids:
        return {}
    phones: dict[int, str] = {}
    for binding in active_bindings_of(session, account_ids):
        phones.setdefault(binding.account_id, cipher.decrypt(binding.phone_encrypted))
    return {
        account.id: (cipher.decrypt(account.name_encrypted), phones.get(account.id, ""))
        for account in accounts_with_ids(session, account_ids)
    }
