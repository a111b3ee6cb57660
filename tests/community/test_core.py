"""The community core: the daily worklist, missed checks, M8 groups and M10 re-evaluation."""

from __future__ import annotations

from datetime import date

from fanjing.community.core import (
    CaseFacts,
    Measure,
    MissingReport,
    changes_between,
    follows_contact,
    missed_check_days,
    reevaluated_measures,
    worklist_for,
)

D = date.fromisoformat


def measure(kind, start, end, **more):
    return Measure(kind, D(start), D(end) if end else None, "rule", "clause", **more)


HOME = measure("home_observation", "2021-08-03", "2021-08-17")
MONITOR = measure("health_monitoring", "2021-08-17", "2021-08-24")
TEST = measure("nucleic_acid_test", "2021-08-04", None)


def facts(*measures, checked=(), tested=(), abnormal=()):
    return CaseFacts(
        7,
        "张*",
        "139****5678",
        tuple(measures),
        frozenset(D(d) for d in checked),
        tuple(D(d) for d in tested),
        frozenset(D(d) for d in abnormal),
    )


def test_the_worklist_names_starts_ends_and_tests_due():
    on_start = worklist_for(D("2021-08-17"), [facts(HOME, MONITOR, TEST, checked=["2021-08-16"])])
    assert [(i.what, i.kind) for i in on_start.items] == [
        ("starts", "health_monitoring"),
        ("test_due", "nucleic_acid_test"),
    ]
    last_home_day = worklist_for(D("2021-08-16"), [facts(HOME, checked=["2021-08-15"])])
    assert [(i.what, i.kind) for i in last_home_day.items] == [("ends", "home_observation")]
    tested = worklist_for(D("2021-08-06"), [facts(TEST, tested=["2021-08-05"])])
    assert tested.items == ()


def test_a_missed_check_is_overdue_then_escalated():
    case = facts(HOME, checked=["2021-08-03", "2021-08-04"])
    assert missed_check_days(D("2021-08-05"), case) == 0  # today's check is not due yet
    assert missed_check_days(D("2021-08-06"), case) == 1
    assert missed_check_days(D("2021-08-08"), case) == 3
    assert [i.what for i in worklist_for(D("2021-08-06"), [case]).items] == ["check_overdue"]
    escalated = worklist_for(D("2021-08-07"), [case]).items
    assert [(i.what, i.detail) for i in escalated] == [
        ("check_escalated", "已连续 2 天未报健康监测")
    ]
    # no check is due before observation starts
    assert missed_check_days(D("2021-08-03"), case) == 0


def test_an_abnormal_check_and_a_missing_report_are_listed():
    case = facts(HOME, checked=["2021-08-09"], abnormal=["2021-08-09"])
    items = worklist_for(
        D("2021-08-10"),
        [case],
        [
            MissingReport("李*", "138****0000", D("2021-08-08")),
            MissingReport("王*", "", D("2021-08-10")),
        ],
    ).items
    assert [(i.what, i.person) for i in items] == [
        ("abnormal_check", "张*"),
        ("report_overdue", "李*"),
        ("report_overdue", "王*"),  # arrived today: the report is due today
    ]
    assert items[2].detail == "今日到京，尚未报告"


def test_every_declared_arrival_without_a_report_is_listed_from_its_day():
    earlier, later = (
        MissingReport("李*", "138****0000", D("2021-08-05")),
        MissingReport("李*", "138****0000", D("2021-08-07")),
    )
    on_the_7th = worklist_for(D("2021-08-07"), [], [later, earlier, later]).items
    assert [i.detail for i in on_the_7th] == ["2021-08-05 到京，尚未报告", "今日到京，尚未报告"]
    assert [i.detail for i in worklist_for(D("2021-08-06"), [], [earlier, later]).items] == [
        "2021-08-05 到京，尚未报告"
    ]


def test_a_case_opened_today_has_missed_no_check_whenever_observation_began():
    imported = CaseFacts(8, "赵*", "", (HOME,), opened_on=D("2021-08-07"))
    assert missed_check_days(D("2021-08-07"), imported) == 0
    assert worklist_for(D("2021-08-07"), [imported]).items == ()
    assert missed_check_days(D("2021-08-08"), imported) == 1
    assert [i.what for i in worklist_for(D("2021-08-09"), [imported]).items] == ["check_escalated"]


def test_a_new_pack_extends_a_running_measure_and_cannot_end_one_in_the_past():
    extended = measure("home_observation", "2021-08-03", "2021-08-24")
    after = reevaluated_measures(
        [HOME, MONITOR],
        [extended, measure("health_monitoring", "2021-08-24", "2021-08-31")],
        D("2021-08-10"),
    )
    assert [(m.kind, m.start, m.until) for m in after] == [
        ("home_observation", D("2021-08-03"), D("2021-08-24")),
        ("health_monitoring", D("2021-08-24"), D("2021-08-31")),
    ]
    shortened = measure("home_observation", "2021-08-03", "2021-08-07")
    after = reevaluated_measures([HOME], [shortened], D("2021-08-10"))
    assert after[0].until == D("2021-08-10")  # ends the day the new pack comes into force


def test_what_was_over_stands_and_a_dropped_measure_ends_that_day():
    over = measure("health_monitoring", "2021-08-01", "2021-08-05")
    after = reevaluated_measures([over, HOME], [], D("2021-08-10"))
    assert after[0] == over
    assert (after[1].until, after[1].end_reason) == (D("2021-08-10"), "政策调整：新政策包不再要求")
    assert [c.what for c in changes_between(1, [over, HOME], after).changes] == ["changed"]


def test_a_workers_early_end_survives_a_reevaluation():
    ended = measure(
        "home_observation",
        "2021-08-03",
        "2021-08-17",
        ended_on=D("2021-08-12"),
        end_reason="转集中观察",
    )
    after = reevaluated_measures(
        [ended], [measure("home_observation", "2021-08-03", "2021-08-24")], D("2021-08-10")
    )
    assert (after[0].until, after[0].end_reason) == (D("2021-08-12"), "转集中观察")


def test_the_group_closed_loop_ends_when_the_contact_leaves_observation():
    contact = [measure("centralized_observation", "2021-08-02", "2021-08-16")]
    member = [
        measure("closed_loop_management", "2021-08-05", None),
        measure("health_monitoring", "2021-08-02", "2021-08-09"),
    ]
    assert follows_contact(member, contact, D("2021-08-10")) == member
    lifted = [
        measure("centralized_observation", "2021-08-02", "2021-08-16", ended_on=D("2021-08-12"))
    ]
    after = follows_contact(member, lifted, D("2021-08-12"))
    assert after[0].until == D("2021-08-12") and after[0].end_reason.startswith("次密接解除观察")
    assert after[1] == member[1]


def test_a_measure_new_with_the_pack_starts_that_day_and_one_over_before_it_is_not_added():
    over = measure("health_monitoring", "2021-05-27", "2021-06-10")
    running = measure("nucleic_acid_test", "2021-06-01", None)
    after = reevaluated_measures([], [over, running], D("2021-06-10"))
    assert [(m.kind, m.start) for m in after] == [("nucleic_acid_test", D("2021-06-10"))]
