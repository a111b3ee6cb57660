from __future__ import annotations

from dataclasses import replace

import pytest

from fanjing.places.registry import Registry
from fanjing.policy.core.decide import decide
from fanjing.policy.core.model import Contact, ContactRole, EnteredChina, HealthCode
from fanjing.policy.core.pack import pack_in_force
from fanjing.policy.packfile import builtin_packs, load_pack_text
from tests.builders import (
    GULOU_NANJING,
    JINGGUANG,
    LUKOU,
    SANHE,
    day,
    designation,
    place,
    situation,
    stay,
)

PACK = builtin_packs()[0]
HIGH_STREET = Registry.of([designation("high", JINGGUANG, "2021-07-31")])


def measures(decision):
    return [
        (m.kind.value, m.start.isoformat(), m.end.isoformat() if m.end else None, m.rule)
        for m in decision.measures
    ]


def test_the_contract_example_exactly():
    """Left a high-risk street on 2021-08-01, arrived 2021-08-07 (check-contract.md)."""
    decision = decide(
        PACK, HIGH_STREET, situation(stays=(stay(JINGGUANG, "2021-07-28", "2021-08-01"),))
    )
    body = decision.to_json()
    assert body["policy"] == {"id": "beijing-2021-08", "version": PACK.version}
    assert (body["as_of"], body["arrival"]) == ("2021-08-07", "2021-08-07")
    assert body["entry"]["allowed"] is False and body["entry"]["earliest"] == "2021-08-15"
    assert measures(decision) == [
        ("centralized_observation", "2021-08-07", "2021-08-15", "arrival.high_risk"),
        ("health_monitoring", "2021-08-15", "2021-08-22", "arrival.high_risk"),
        ("nucleic_acid_test", "2021-08-07", None, "arrival.high_risk"),
        ("report_to_community", "2021-08-07", None, "arrival.report"),
    ]
    assert (
        body["measures"][0]["clause"]
        == "对高风险地区已来（返）京人员，一律实施14天集中观察和7天健康监测。"
    )
    assert any(
        "京广路街道" in r and "2021年7月31日" in r and "arrival.high_risk" in r
        for r in decision.reasons
    )


def test_a_planned_trip_gets_the_measures_of_its_arrival_day_even_when_refused():
    decision = decide(
        PACK,
        HIGH_STREET,
        situation(arrival="2021-08-10", stays=(stay(JINGGUANG, "2021-07-28", "2021-08-01"),)),
    )
    assert decision.entry.allowed is False
    assert measures(decision)[0] == (
        "centralized_observation",
        "2021-08-10",
        "2021-08-15",
        "arrival.high_risk",
    )


def test_periods_already_served_are_left_out():
    decision = decide(
        PACK,
        HIGH_STREET,
        situation(
            as_of="2021-08-20",
            arrival="2021-08-02",
            stays=(stay(JINGGUANG, "2021-07-28", "2021-08-01"),),
        ),
    )
    assert measures(decision)[:2] == [
        ("health_monitoring", "2021-08-15", "2021-08-22", "arrival.high_risk"),
        ("nucleic_acid_test", "2021-08-02", None, "arrival.high_risk"),
    ]
    assert decision.entry.allowed is False  # came on 08-02, before the earliest day 08-15


def test_other_county_of_a_city_with_cases_may_come_with_a_test_and_monitoring():
    registry = Registry.of([designation("high", LUKOU, "2021-07-31")])
    decision = decide(
        PACK, registry, situation(stays=(stay(GULOU_NANJING, "2021-07-30", "2021-08-03"),))
    )
    assert decision.entry.allowed is True and decision.entry.earliest == day("2021-08-07")
    assert "登机登车前48小时内核酸检测阴性证明" in decision.entry.requirements
    assert measures(decision)[0] == (
        "health_monitoring",
        "2021-08-07",
        "2021-08-17",
        "arrival.city_with_cases",
    )
    assert any("非必要不进京" in r for r in decision.reasons)


def test_a_non_green_code_is_refused_with_no_earliest_day():
    decision = decide(PACK, Registry(), situation(health_code=HealthCode.YELLOW))
    assert (decision.entry.allowed, decision.entry.earliest) == (False, None)
    assert "entry.health_code" in decision.rules_applied


TESTED = day("2021-08-05")  # a commuter's negative test, within 14 days of 08-07


def test_a_qualifying_commuter_has_nothing_to_do():
    sanhe = (stay(SANHE, "2021-08-01", "2021-08-07"),)
    decision = decide(
        PACK, Registry(), situation(commuter=True, last_negative_test=TESTED, stays=sanhe)
    )
    assert decision.measures == ()
    assert decision.entry.allowed
    assert decision.rules_applied == ("arrival.commuter",)


def test_a_commuter_with_a_fever_reports():
    decision = decide(
        PACK,
        Registry(),
        situation(commuter=True, temperature_normal=False, last_negative_test=TESTED),
    )
    assert measures(decision) == [("report_to_community", "2021-08-07", None, "arrival.report")]


@pytest.mark.parametrize(
    ("tested", "allowed"),
    [("2021-07-25", True), ("2021-07-24", False), ("2021-08-07", True), (None, False)],
    ids=["day-14-of-the-test", "day-15", "tested-today", "no-test"],
)
def test_a_commuter_needs_a_negative_test_within_14_days(tested, allowed):
    """M6 (2021-01-19): 此后每次进京需持14天内核酸检测阴性证明 — the test's day and 13 more."""
    test_day = day(tested) if tested else None
    decision = decide(PACK, Registry(), situation(commuter=True, last_negative_test=test_day))
    assert decision.entry.allowed is allowed
    assert ("entry.commuter_test" in decision.rules_applied) is not allowed
    if not allowed:
        assert decision.entry.earliest is None


def test_entry_into_china_holds_21_days_and_observes_then_monitors():
    decision = decide(
        PACK,
        Registry(),
        situation(entered_china=EnteredChina("上海浦东国际机场", day("2021-07-20"))),
    )
    assert decision.entry.earliest == day("2021-08-10") and not decision.entry.allowed
    assert measures(decision)[:2] == [
        ("home_observation", "2021-08-07", "2021-08-10", "arrival.entered_china"),
        ("health_monitoring", "2021-08-10", "2021-08-17", "arrival.entered_china"),
    ]


def test_cohabitant_of_a_secondary_contact_is_in_closed_loop_and_monitored():
    contact = Contact(ContactRole.COHABITANT_OF_SECONDARY_CLOSE_CONTACT, day("2021-08-05"))
    decision = decide(PACK, Registry(), situation(arrival=None, contact=contact))
    assert measures(decision) == [
        ("health_monitoring", "2021-08-07", "2021-08-12", "contact.closed_loop"),
        ("closed_loop_management", "2021-08-07", None, "contact.closed_loop"),
    ]


def test_stays_in_beijing_are_ignored():
    registry = Registry.of([designation("high", place("北京市", "北京市", "朝阳区"), "2021-07-31")])
    beijing = stay(place("北京市", "北京市", "朝阳区", "潘家园街道"), "2021-08-01", "2021-08-05")
    decision = decide(PACK, registry, situation(stays=(beijing,)))
    assert decision.rules_applied == ("arrival.report",)


def test_timeline_keeps_the_strictest_kind_each_day_and_cites_who_set_the_first_day():
    registry = Registry.of(
        [designation("medium", LUKOU, "2021-07-25"), designation("high", JINGGUANG, "2021-07-31")]
    )
    stays = (stay(LUKOU, "2021-07-20", "2021-08-03"), stay(JINGGUANG, "2021-07-28", "2021-08-01"))
    decision = decide(PACK, registry, situation(stays=stays))
    assert measures(decision)[:3] == [
        ("centralized_observation", "2021-08-07", "2021-08-15", "arrival.high_risk"),
        ("home_observation", "2021-08-15", "2021-08-17", "arrival.medium_risk"),
        # on 08-17 both rules monitor: a tie goes to the rule first in the pack
        ("health_monitoring", "2021-08-17", "2021-08-24", "arrival.high_risk"),
    ]


# ---- M10: a new version of the pack, in force from its day on ---------------------

SECOND_VERSION = (
    builtin_packs()[0]
    .spec.model_dump_json(by_alias=True)
    .replace('"version":"2021.08.07"', '"version":"2021.08.20"')
    .replace('"in_force_from":"2021-08-07"', '"in_force_from":"2021-08-20"')
)


def _second_version():
    # the 21-day rule for entry into China becomes 28 days
    text = SECOND_VERSION.replace('"hold_days":21', '"hold_days":28')
    return load_pack_text(text, file="second.json")


@pytest.mark.parametrize(
    ("as_of", "version", "earliest"),
    [
        pytest.param("2021-08-19", "2021.08.07", "2021-08-30", id="day-before-new-version"),
        pytest.param("2021-08-20", "2021.08.20", "2021-09-06", id="new-version-in-force"),
        pytest.param("2021-08-25", "2021.08.20", "2021-09-06", id="after"),
    ],
)
def test_a_new_pack_version_changes_decisions_from_its_day_on_and_not_before(
    as_of, version, earliest
):
    packs = [PACK, _second_version()]
    pack = pack_in_force(packs, day(as_of))
    assert pack is not None
    person = situation(
        as_of=as_of, arrival=None, entered_china=EnteredChina("上海浦东国际机场", day("2021-08-09"))
    )
    decision = decide(pack, Registry(), person)
    assert decision.policy.version == version
    assert decision.entry.earliest == day(earliest)


def test_no_pack_is_in_force_before_the_first():
    assert pack_in_force([PACK], day("2021-08-06")) is None
    assert pack_in_force([PACK], day("2021-08-07")) is PACK


def test_decisions_do_not_depend_on_stay_order():
    registry = Registry.of(
        [designation("medium", LUKOU, "2021-07-25"), designation("high", JINGGUANG, "2021-07-31")]
    )
    stays = (stay(LUKOU, "2021-07-20", "2021-08-03"), stay(JINGGUANG, "2021-07-28", "2021-08-01"))
    forward = decide(PACK, registry, situation(stays=stays))
    backward = decide(PACK, registry, replace(situation(stays=stays), stays=stays[::-1]))
    assert forward.measures == backward.measures and forward.entry == backward.entry


def test_a_contact_long_past_applies_nothing():
    contact = Contact(ContactRole.CLOSE_CONTACT, day("2021-06-01"))
    decision = decide(PACK, Registry(), situation(arrival=None, contact=contact))
    assert decision.measures == () and decision.rules_applied == ()


def test_an_old_entry_into_china_does_not_stop_a_commuter_going_free():
    entered = EnteredChina("上海浦东国际机场", day("2021-05-01"))
    decision = decide(
        PACK,
        Registry(),
        situation(commuter=True, entered_china=entered, last_negative_test=TESTED),
    )
    assert decision.rules_applied == ("arrival.commuter",) and decision.measures == ()


def test_a_designation_made_after_the_person_came_holds_nothing_back_and_is_said_once():
    """Left and came on 07-28; the street designated high on 08-10 (also making Zhengzhou a
    city with cases): no hold, the days from 08-10, one sentence saying so for M2 and M4."""
    registry = Registry.of([designation("high", JINGGUANG, "2021-08-10")])
    here = situation(
        as_of="2021-08-10",
        arrival="2021-07-28",
        stays=(stay(JINGGUANG, "2021-07-20", "2021-07-28"),),
    )
    decision = decide(PACK, registry, here)
    assert decision.entry.allowed and decision.entry.holds == ()
    assert "entry.risk_county" not in decision.rules_applied
    assert {"arrival.high_risk", "arrival.city_with_cases"} <= set(decision.rules_applied)
    assert measures(decision)[0] == (
        "centralized_observation",
        "2021-08-10",
        "2021-08-11",
        "arrival.high_risk",
    )
    late = [r for r in decision.reasons if "晚于进京日2021年7月28日" in r]
    assert late == [
        "该风险地区2021年8月10日起列入，晚于进京日2021年7月28日：进京时尚未列入，不属于提前进京；须做的各项自2021年8月10日起算。"
    ]
    planned = decide(PACK, registry, replace(here, arrival=day("2021-08-12")))
    # still to come: E1 runs for them (to 08-11, 14 days from leaving), so today they could not
    assert planned.entry.allowed and planned.entry.earliest_possible == day("2021-08-11")
    assert not [r for r in planned.reasons if "晚于进京日" in r]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2021-08-14", "2021-08-15"), ("2021-08-15", "2021-08-15"), ("2021-08-16", "2021-08-16")],
    ids=["left+13", "left+14", "left+15"],
)
def test_earliest_possible_on_the_days_around_a_risk_county_hold(as_of, expected):
    """E1 until 14 days from leaving (08-01 + 14 = 08-15), whatever the (later) planned day."""
    trip = situation(
        as_of=as_of, arrival="2021-08-30", stays=(stay(JINGGUANG, "2021-07-28", "2021-08-01"),)
    )
    entry = decide(PACK, HIGH_STREET, trip).entry
    assert (entry.allowed, entry.earliest) == (True, day("2021-08-30"))
    assert entry.earliest_possible == day(expected)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2021-08-18", "2021-08-19"), ("2021-08-19", "2021-08-19"), ("2021-08-20", "2021-08-20")],
    ids=["entry+20", "entry+21", "entry+22"],
)
def test_earliest_possible_on_the_days_around_the_21_days_after_entering_china(as_of, expected):
    trip = situation(
        as_of=as_of,
        arrival="2021-08-30",
        entered_china=EnteredChina("上海浦东国际机场", day("2021-07-29")),
    )
    assert decide(PACK, Registry.of([]), trip).entry.earliest_possible == day(expected)


def test_earliest_possible_is_the_latest_of_several_holds_and_null_when_refused():
    both = situation(
        as_of="2021-08-07",
        arrival="2021-08-25",
        entered_china=EnteredChina("上海浦东国际机场", day("2021-07-28")),  # until 08-18
        stays=(stay(JINGGUANG, "2021-07-29", "2021-08-01"),),  # until 08-15
    )
    assert decide(PACK, HIGH_STREET, both).entry.earliest_possible == day("2021-08-18")
    yellow = replace(both, health_code=HealthCode.YELLOW)
    assert decide(PACK, HIGH_STREET, yellow).entry.earliest_possible is None
