"""The dashboard's counting: an arrival's risk level from its decision, and chart geometry."""

from __future__ import annotations

import pytest

from fanjing.community.dashboard import level_of_decision
from fanjing.web.pages.charts import _scale_top, grouped_bars, stacked_columns


@pytest.mark.parametrize(
    ("rules", "level"),
    [
        (["arrival.high_risk", "arrival.city_with_cases", "arrival.report"], "high"),
        (["arrival.medium_risk", "arrival.report"], "medium"),
        (["entry.risk_county", "arrival.city_with_cases", "arrival.report"], "city"),
        (["contact.secondary_close_contact", "arrival.report"], "none"),
        ([], "none"),
    ],
)
def test_the_worst_level_of_the_rules_applied(rules, level):
    assert level_of_decision({"rules_applied": rules}) == level


def test_a_decision_without_rules_is_none():
    assert level_of_decision({}) == "none"


@pytest.mark.parametrize(("largest", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20)])
def test_the_value_axis_ends_on_a_round_number(largest, top):
    assert _scale_top(largest) == top


def test_stacked_columns_stack_each_series_and_total_them():
    chart = stacked_columns(
        [("2021-08-02", "08-02", {"high": 1, "city": 2}), ("2021-08-03", "08-03", {})],
        ("high", "medium", "city", "none"),
    )
    assert [(r.series, r.value) for r in chart.rects] == [("high", 1), ("city", 2)]
    high, city = chart.rects
    assert city.y + city.height == pytest.approx(high.y)  # city sits on high
    assert [t.value for t in chart.totals] == [3]
    assert [t.text for t in chart.x_ticks] == ["08-02", "08-03"]


def test_grouped_bars_scale_to_the_largest_value():
    chart = grouped_bars(
        [("社区", {"observation": 1, "monitoring": 2})], ("observation", "monitoring")
    )
    observation, monitoring = chart.rects
    assert monitoring.width == pytest.approx(2 * observation.width)
