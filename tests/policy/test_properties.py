"""Properties of the engine over generated situations and registries (Hypothesis)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fanjing.places.registry import Designation, Registry, RiskLevel
from fanjing.policy.core.decide import decide
from fanjing.policy.core.model import (
    Contact,
    ContactRole,
    EnteredChina,
    HealthCode,
    MeasureKind,
    Situation,
    Stay,
)
from fanjing.policy.packfile import builtin_packs
from tests.builders import ERQI, GULOU_NANJING, JINGGUANG, LUKOU, SANHE, YANGZHOU, place

PACK = builtin_packs()[0]
BASE = date(2021, 8, 7)
PLACES = [
    JINGGUANG,
    place("河南省", "郑州市", "二七区", "长江路街道"),
    place("河南省", "郑州市", "金水区"),
    LUKOU,
    place("江苏省", "南京市", "江宁区", "禄口街道", None, "禄口机场"),
    GULOU_NANJING,
    place("江苏省", "南京市"),
    place("江苏省", "扬州市", "邗江区", "双桥街道"),
    place("江苏省"),
    SANHE,
    place("北京市", "北京市", "朝阳区"),
]
AREAS = [
    JINGGUANG,
    ERQI,
    LUKOU,
    YANGZHOU,
    place("江苏省", "扬州市", "邗江区", "双桥街道"),
    GULOU_NANJING,
]
LEVEL_ORDER = [RiskLevel.CASES, RiskLevel.MEDIUM, RiskLevel.HIGH]

offsets = st.integers(min_value=-40, max_value=10)


@st.composite
def designations(draw: st.DrawFn) -> Designation:
    start = BASE + timedelta(days=draw(st.integers(-30, 0)))
    length = draw(st.none() | st.integers(0, 30))
    return Designation(
        draw(st.sampled_from(LEVEL_ORDER)),
        draw(st.sampled_from(AREAS)),
        start,
        start + timedelta(days=length) if length is not None else None,
    )


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    as_of = BASE + timedelta(days=draw(st.integers(-5, 10)))
    arrival = draw(st.none() | st.integers(-10, 10).map(lambda d: as_of + timedelta(days=d)))
    last_day = arrival if arrival is not None else as_of
    stays = []
    for _ in range(draw(st.integers(0, 3))):
        end = last_day - timedelta(days=draw(st.integers(0, 25)))
        stays.append(
            Stay(draw(st.sampled_from(PLACES)), end - timedelta(days=draw(st.integers(0, 10))), end)
        )
    contact = draw(
        st.none()
        | st.builds(
            Contact,
            st.sampled_from(list(ContactRole)),
            st.integers(0, 20).map(lambda d: last_day - timedelta(days=d)),
        )
    )
    entered = draw(
        st.none()
        | st.integers(0, 30).map(
            lambda d: EnteredChina("上海浦东国际机场", last_day - timedelta(days=d))
        )
    )
    return Situation(
        as_of=as_of,
        arrival=arrival,
        stays=tuple(stays),
        entered_china=entered,
        contact=contact,
        commuter=draw(st.booleans()),
        health_code=draw(st.sampled_from(list(HealthCode))),
        temperature_normal=draw(st.booleans()),
        home_observation_possible=draw(st.booleans()),
    )


registries = st.lists(designations(), max_size=6).map(Registry.of)


def restricted_days(decision) -> int:
    days = set()
    for measure in decision.measures:
        if measure.kind.on_timeline and measure.end is not None:
            days.update(range(measure.start.toordinal(), measure.end.toordinal()))
    return len(days)


@settings(max_examples=300, deadline=None)
@given(registries, situations())
def test_no_measure_ends_before_it_starts(registry, situation):
    for measure in decide(PACK, registry, situation).measures:
        assert measure.end is None or measure.end > measure.start


@settings(max_examples=300, deadline=None)
@given(registries, situations())
def test_timeline_periods_never_overlap(registry, situation):
    periods = sorted(
        (m.start, m.end) for m in decide(PACK, registry, situation).measures if m.kind.on_timeline
    )
    for (_, earlier_end), (later_start, _) in itertools.pairwise(periods):
        assert earlier_end is not None and earlier_end <= later_start


@settings(max_examples=300, deadline=None)
@given(registries, situations(), st.data())
def test_a_higher_risk_level_never_gives_fewer_restricted_days(registry, situation, data):
    if not registry.designations:
        return
    index = data.draw(st.integers(0, len(registry.designations) - 1))
    target = registry.designations[index]
    if target.level is RiskLevel.HIGH:
        return
    raised = replace(target, level=LEVEL_ORDER[LEVEL_ORDER.index(target.level) + 1])
    higher = Registry.of(
        [*registry.designations[:index], raised, *registry.designations[index + 1 :]]
    )
    before, after = decide(PACK, registry, situation), decide(PACK, higher, situation)
    assert restricted_days(after) >= restricted_days(before)
    if before.entry.earliest is not None and after.entry.earliest is not None:
        assert after.entry.earliest >= before.entry.earliest


def _shift_situation(situation: Situation, k: timedelta) -> Situation:
    return replace(
        situation,
        as_of=situation.as_of + k,
        arrival=situation.arrival + k if situation.arrival else None,
        stays=tuple(Stay(s.place, s.start + k, s.end + k) for s in situation.stays),
        entered_china=replace(situation.entered_china, day=situation.entered_china.day + k)
        if situation.entered_china
        else None,
        contact=replace(situation.contact, last_contact=situation.contact.last_contact + k)
        if situation.contact
        else None,
    )


@settings(max_examples=300, deadline=None)
@given(registries, situations(), st.integers(-400, 400))
def test_shifting_every_date_by_k_days_shifts_the_decision_by_k_days(registry, situation, days):
    k = timedelta(days=days)
    shifted_registry = Registry.of(
        replace(d, start=d.start + k, end=d.end + k if d.end else None)
        for d in registry.designations
    )
    before = decide(PACK, registry, situation)
    after = decide(PACK, shifted_registry, _shift_situation(situation, k))
    assert [
        (m.kind, m.start + k, m.end + k if m.end else None, m.rule) for m in before.measures
    ] == [(m.kind, m.start, m.end, m.rule) for m in after.measures]
    assert after.entry.allowed == before.entry.allowed
    assert after.entry.earliest == (before.entry.earliest + k if before.entry.earliest else None)


def test_measure_kinds_cover_the_contract():
    assert {k.value for k in MeasureKind} == {
        "centralized_observation",
        "home_observation",
        "health_monitoring",
        "nucleic_acid_test",
        "closed_loop_management",
        "report_to_community",
    }
