"""The facts a pack's CertLogic conditions read, derived from a situation and the registry.

Person facts (evaluated once)::

    as_of, arrival, first_day        YYYY-MM-DD (arrival null when already in Beijing)
    planned                          arrival after as_of
    contact                          {role, last} or null
    entered_china                    {port, date} or null
    commuter, temperature_normal, home_observation_possible   booleans
    health_code                      green | yellow | red | popup
    last_negative_test               YYYY-MM-DD or null (a commuter's latest negative test)
    applied                          ids of the rules that have applied so far, in pack order

Stay facts (``stay``, for rules with ``scope: stay``)::

    place, from, to, left            left = to: the day the person left the place
    level                            high | medium | null
    risk_county, city_with_cases     booleans
    level_since, risk_county_since,  YYYY-MM-DD: the first day of the earliest designation
    city_with_cases_since            behind level, risk_county, city_with_cases (null without)
    county_known                     false when the stay names only a city
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fanjing.places.registry import Designation, Registry, StayJudgement
from fanjing.policy.core.model import Situation, Stay


@dataclass(frozen=True, slots=True)
class JudgedStay:
    index: int  # position in the situation's stays
    stay: Stay
    judgement: StayJudgement
    facts: dict[str, Any]


def person_facts(situation: Situation) -> dict[str, Any]:
    contact = situation.contact
    entered = situation.entered_china
    return {
        "as_of": situation.as_of.isoformat(),
        "arrival": situation.arrival.isoformat() if situation.arrival else None,
        "first_day": situation.first_day.isoformat(),
        "planned": situation.planned,
        "contact": (
            {"role": contact.role.value, "last": contact.last_contact.isoformat()}
            if contact
            else None
        ),
        "entered_china": (
            {"port": entered.port, "date": entered.day.isoformat()} if entered else None
        ),
        "commuter": situation.commuter,
        "health_code": situation.health_code.value,
        "temperature_normal": situation.temperature_normal,
        "home_observation_possible": situation.home_observation_possible,
        "last_negative_test": (
            situation.last_negative_test.isoformat() if situation.last_negative_test else None
        ),
        "applied": [],
    }


def judge_stays(registry: Registry, situation: Situation) -> list[JudgedStay]:
    """Judge every stay the entry check looks at: outside Beijing, named at least to a city.

    Stays in Beijing are ignored; a stay named only to a province applies no
    stay rule (its judgement is empty, and the explanation asks for details).
    """
    judged = []
    for index, stay in enumerate(situation.stays):
        if stay.place.in_beijing:
            continue
        judgement = registry.judge_stay(stay.place, stay.start, stay.end, situation.as_of)
        judged.append(JudgedStay(index, stay, judgement, _stay_facts(stay, judgement)))
    return judged


def _stay_facts(stay: Stay, judgement: StayJudgement) -> dict[str, Any]:
    return {
        "place": stay.place.name,
        "from": stay.start.isoformat(),
        "to": stay.end.isoformat(),
        "left": stay.end.isoformat(),
        "level": judgement.level.value if judgement.level else None,
        "risk_county": judgement.risk_county,
        "city_with_cases": judgement.city_with_cases,
        "level_since": _since(judgement.level_designation),
        "risk_county_since": _since(judgement.risk_county_designation),
        "city_with_cases_since": _since(judgement.cases_designation),
        "county_known": stay.place.county_known,
    }


def _since(designation: Designation | None) -> str | None:
    return designation.start.isoformat() if designation is not None else None
