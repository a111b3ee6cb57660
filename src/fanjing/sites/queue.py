"""A district's placement queue: the community's open cases whose measures include centralized
observation still to run, that no room holds yet. Read from the community's cases (its
reports and measures), never copied: a case adjusted or lifted by CDC leaves the queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from fanjing.community.core import Measure
from fanjing.errors import FanjingError
from fanjing.sites.core import QueuedCase, origin_of
from fanjing.sites.placement_store import OBSERVATION, waiting_observations


@dataclass(frozen=True)
class Queued:
    """A queued case with what staff see of it (the community, no name)."""

    case: QueuedCase
    community: str
    measure_id: int


def placement_queue(
    session: Session,
    *,
    today: date,
    place_name: Callable[[str], str],
    district: str | None = None,
    case_id: int | None = None,
) -> list[Queued]:
    """The cases waiting for a room (``district`` None: every district; ``case_id``: that case
    only, if it waits), longest waiting first. ``place_name`` gives a stay's standard name, for the case's origin."""
    names: dict[str, str] = {}

    def cached_name(text: str) -> str:
        if text not in names:
            try:
                names[text] = place_name(text)
            except FanjingError:  # a place the gazetteer no longer reads: its text stands
                names[text] = text.strip()
        return names[text]

    queued = []
    for row in waiting_observations(session, today=today, district=district, case_id=case_id):
        queued_id, community, district_of, situation, arrival, measure_id = row[:6]
        start, end, ended_on, rule = row[6:]
        measure = Measure(OBSERVATION, start, end, rule, "", ended_on)
        last_day = measure.last_day()
        if last_day is None:
            continue  # observation has an end by the pack's validation; none is not queued
        case = QueuedCase(
            case_id=queued_id,
            district=district_of,
            start=start,
            last_day=last_day,
            origin=origin_of(rule, situation, start, cached_name),
            expected_on=max(start, arrival),
        )
        queued.append(Queued(case, community, measure_id))
    return queued
