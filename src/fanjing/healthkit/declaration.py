"""The travel declaration checked on entry (H3, H4, E1): every active and grey number's
itinerary card against the declared places, then the entry engine on those places."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit.service import citizen_actor, record
from fanjing.healthkit.status_row import refresh_status
from fanjing.healthkit.store import AccountRow, DeclarationRow, DeclaredStayRow, phone_hashes_of
from fanjing.itinerary.core import Card, city_name
from fanjing.itinerary.service import card_for
from fanjing.places.core import Place
from fanjing.places.registry import Designation
from fanjing.policy.core.model import Decision
from fanjing.policy.service import Checker
from fanjing.policy.situation_json import read_situation


@dataclass(frozen=True)
class CheckedDeclaration:
    row: DeclarationRow
    card: Card
    decision: Decision


def undeclared_starred_cities(card: Card, declared: list[Place]) -> list[str]:
    """Starred cities on the card that no declared stay lies in: the person must say whether
    they passed through a risk area there (H4: a star alone decides nothing)."""
    declared_cities = {city_name(p.province, p.city) for p in declared if p.city}
    return [c.city for c in card.cities if c.starred and c.city not in declared_cities]


def account_card(
    session: Session, account_id: int, *, as_of: date, designations: Iterable[Designation]
) -> Card:
    """The itinerary card of every number on the account, grey ones included (H3)."""
    hashes = phone_hashes_of(session, account_id)
    return card_for(session, phone_hashes=hashes, as_of=as_of, designations=designations)


def declare(
    *,
    session: Session,
    checker: Checker,
    account: AccountRow,
    situation: dict[str, Any],
    now: datetime,
) -> CheckedDeclaration:
    """Check a declaration (the check contract's situation) and keep it with its decision.

    The cards cover every number on the account, grey ones included: an unbound
    number is still checked for 14 days (H3).
    """
    parsed = read_situation(situation, parse_place=checker.parse_place, today=checker.today)
    card = account_card(
        session, account.id, as_of=parsed.as_of, designations=checker.registry.designations
    )
    missing = undeclared_starred_cities(card, [stay.place for stay in parsed.stays])
    decision = checker.check(situation)
    row = DeclarationRow(
        account_id=account.id,
        declared_at=now,
        as_of=parsed.as_of,
        arrival=parsed.arrival,
        situation=situation,
        undeclared_cities=missing,
        decision=decision.to_json(),
        pack_id=decision.policy.id,
        pack_version=decision.policy.version,
        allowed=decision.entry.allowed and not missing,
    )
    session.add(row)
    session.flush()
    session.add_all(
        DeclaredStayRow(
            declaration_id=row.id,
            account_id=account.id,
            city=city_name(stay.place.province, stay.place.city),
            first_day=stay.start,
            last_day=stay.end,
        )
        for stay in parsed.stays
        if stay.place.city
    )
    refresh_status(session=session, account_id=account.id, today=checker.today)
    record(
        session,
        actor=citizen_actor(account.user_id),
        at=now,
        action="healthkit.declaration",
        entity="declaration",
        entity_id=row.id,
        after={
            "as_of": parsed.as_of.isoformat(),
            "arrival": parsed.arrival.isoformat() if parsed.arrival else None,
            "stays": len(parsed.stays),
            "undeclared_cities": missing,
            "allowed": row.allowed,
            "pack": f"{row.pack_id} {row.pack_version}",
        },
    )
    return CheckedDeclaration(row, card, decision)
