"""The colour (H2): red over yellow over green, and its history of changes."""

from __future__ import annotations

from datetime import date

from fanjing.healthkit.core import Colour, Period, colour_changes, colour_on, observation_periods

D = date.fromisoformat


def test_red_wins_over_yellow_and_ends_exclusive():
    yellow = [Period(D("2021-08-07"), D("2021-08-21"))]
    red = [Period(D("2021-08-10"), D("2021-08-12"))]
    assert colour_on(D("2021-08-06"), yellow=yellow, red=red) is Colour.GREEN
    assert colour_on(D("2021-08-07"), yellow=yellow, red=red) is Colour.YELLOW
    assert colour_on(D("2021-08-10"), yellow=yellow, red=red) is Colour.RED
    assert colour_on(D("2021-08-12"), yellow=yellow, red=red) is Colour.YELLOW
    assert colour_on(D("2021-08-21"), yellow=yellow, red=red) is Colour.GREEN


def test_history_lists_each_change_up_to_the_day_asked():
    yellow = [Period(D("2021-08-07"), D("2021-08-21"))]
    red = [Period(D("2021-08-10"), D("2021-08-12")), Period(D("2021-08-30"), None)]
    assert colour_changes(yellow=yellow, red=red, until=D("2021-08-25")) == [
        (D("2021-08-07"), Colour.YELLOW),
        (D("2021-08-10"), Colour.RED),
        (D("2021-08-12"), Colour.YELLOW),
        (D("2021-08-21"), Colour.GREEN),
    ]
    # touching periods of the same colour are one stretch, not two changes
    joined = [Period(D("2021-08-01"), D("2021-08-05")), Period(D("2021-08-05"), D("2021-08-09"))]
    assert colour_changes(yellow=joined, red=[], until=D("2021-09-01")) == [
        (D("2021-08-01"), Colour.YELLOW),
        (D("2021-08-09"), Colour.GREEN),
    ]


def test_only_observations_make_yellow():
    decision = {
        "measures": [
            {"kind": "centralized_observation", "start": "2021-08-07", "end": "2021-08-21"},
            {"kind": "health_monitoring", "start": "2021-08-21", "end": "2021-08-28"},
            {"kind": "home_observation", "start": "2021-09-01", "end": None},
        ]
    }
    assert observation_periods(decision) == [
        Period(D("2021-08-07"), D("2021-08-21")),
        Period(D("2021-09-01"), None),
    ]
    assert observation_periods(None) == []
