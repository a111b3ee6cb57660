"""The employer core: credit codes with their check character, employer codes as typed, and
what an employer sees of an employee on a day (measures, last days, the return day)."""

from __future__ import annotations

from datetime import date

import pytest

from fanjing.community.core import Measure
from fanjing.employers.core import (
    StaffMeasure,
    read_credit_code,
    read_employer_code,
    reported_measures,
    staff_status,
)
from fanjing.errors import FanjingError

DAY = date(2021, 8, 10)


def measure(kind, start, end, ended_on=None):
    return Measure(
        kind, date.fromisoformat(start), end and date.fromisoformat(end), "r", "c", ended_on
    )


def test_a_credit_code_is_read_with_its_check_character():
    assert read_credit_code(" 91110000600037341l ") == "91110000600037341L"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("91110000600037341A", "校验码不符"),
        ("9111000060003734", "不是统一社会信用代码"),
        ("9111000060003734IL", "不是统一社会信用代码"),  # I is not among its characters
    ],
    ids=["wrong-check", "too-short", "bad-character"],
)
def test_a_bad_credit_code_is_refused_saying_why(text, says):
    with pytest.raises(FanjingError) as refused:
        read_credit_code(text)
    assert refused.value.code == "bad_credit_code" and says in refused.value.message
    assert refused.value.where.field == "credit_code"


def test_an_employer_code_is_read_whatever_the_case_spaces_and_hyphens():
    assert read_employer_code(" ab2c-d3ef ") == "AB2CD3EF"
    for bad in ("AB2CD3E", "AB2CD3EO", "AB2CD3EF9"):  # short, O is not used, long
        with pytest.raises(FanjingError):
            read_employer_code(bad)


def test_nobody_under_measures_is_at_work_today():
    status = staff_status(1, "张*", [], DAY)
    assert status.measures == () and status.return_day == DAY and status.at_work


def test_home_observation_keeps_away_until_it_ends_monitoring_does_not():
    measures = [
        measure("home_observation", "2021-08-04", "2021-08-17"),
        measure("nucleic_acid_test", "2021-08-04", None),
        measure("health_monitoring", "2021-08-17", "2021-08-24"),
    ]
    status = staff_status(1, "张*", measures, DAY)
    assert status.measures == (
        StaffMeasure("home_observation", date(2021, 8, 16)),
        StaffMeasure("health_monitoring", date(2021, 8, 23)),
    )  # the test is no measure of observation or monitoring: not shown
    assert status.return_day == date(2021, 8, 17) and not status.at_work
    on_return = staff_status(1, "张*", measures, date(2021, 8, 17))
    assert on_return.at_work and on_return.measures == (
        StaffMeasure("health_monitoring", date(2021, 8, 23)),
    )
    after = staff_status(1, "张*", measures, date(2021, 8, 24))
    assert after.measures == () and after.at_work


def test_an_observation_ended_early_brings_the_return_forward():
    measures = [measure("centralized_observation", "2021-08-01", "2021-08-15", date(2021, 8, 12))]
    status = staff_status(1, "李*", measures, DAY)
    assert status.return_day == date(2021, 8, 12)
    assert status.measures == (StaffMeasure("centralized_observation", date(2021, 8, 11)),)


def test_an_observation_without_end_leaves_the_return_day_open():
    measures = [
        measure("centralized_observation", "2021-08-01", None),
        measure("health_monitoring", "2021-08-15", "2021-08-22"),
    ]
    status = staff_status(1, "李*", measures, DAY)
    assert status.return_day is None and not status.at_work
    assert status.measures[0] == StaffMeasure("centralized_observation", None)


def test_closed_loop_management_is_shown_but_keeps_no_one_from_work():
    status = staff_status(1, "赵*", [measure("closed_loop_management", "2021-08-03", None)], DAY)
    assert status.at_work and status.measures == (StaffMeasure("closed_loop_management", None),)


def test_a_report_reaches_the_employer_with_its_measures_and_last_days_only():
    measures = [
        measure("home_observation", "2021-08-04", "2021-08-17"),
        measure("nucleic_acid_test", "2021-08-04", None),
    ]
    assert reported_measures(measures) == (StaffMeasure("home_observation", date(2021, 8, 16)),)
