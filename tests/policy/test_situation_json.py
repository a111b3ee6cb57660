"""Reading the situation JSON: every problem named by its field, and nothing but InputErrors."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanjing.errors import FanjingError, InputErrors
from fanjing.policy.situation_json import read_situation
from tests.builders import ERQI

TODAY = date(2021, 8, 7)


def parse_place(text: str):
    if text == "河南省郑州市二七区":
        return ERQI
    raise FanjingError("unknown_place", f"无法识别的地点：“{text}”")


def read(data):
    return read_situation(data, parse_place=parse_place, today=TODAY)


def test_defaults_follow_the_contract():
    situation = read({})
    assert situation.as_of == TODAY and situation.arrival is None and situation.stays == ()
    assert (
        situation.commuter,
        situation.temperature_normal,
        situation.home_observation_possible,
    ) == (False, True, True)
    assert situation.health_code.value == "green"


def test_every_problem_is_reported_at_once():
    with pytest.raises(InputErrors) as raised:
        read(
            {
                "as_of": "2021-8-7",
                "stays": [
                    {"place": "火星", "from": "2021-08-03", "to": "2021-08-01"},
                    {
                        "place": "河南省郑州市二七区",
                        "from": "2021-08-01",
                        "to": "2021-08-01",
                        "by": "train",
                    },
                ],
                "contact": {"role": "neighbour", "last_contact": "yesterday"},
            }
        )
    fields = {(e.code, e.where.field) for e in raised.value.errors}
    assert fields == {
        ("bad_date", "as_of"),
        ("unknown_place", "stays[0].place"),
        ("dates_out_of_order", "stays[0].from"),
        ("unknown_field", "stays[1].by"),
        ("unknown_role", "contact.role"),
        ("bad_date", "contact.last_contact"),
    }


def test_a_stay_may_end_on_the_arrival_day_but_not_after():
    stay = {"place": "河南省郑州市二七区", "from": "2021-08-01", "to": "2021-08-05"}
    assert read({"arrival": "2021-08-05", "stays": [stay]}).stays[0].end == date(2021, 8, 5)
    with pytest.raises(InputErrors) as raised:
        read({"arrival": "2021-08-04", "stays": [stay]})
    assert raised.value.errors[0].code == "stay_after_arrival"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
situation_like = st.fixed_dictionaries(
    {},
    optional={
        "as_of": st.sampled_from(["2021-08-07", "2021-02-30", "x"]) | json_values,
        "arrival": st.sampled_from(["2021-08-08", None]) | json_values,
        "stays": st.lists(
            st.fixed_dictionaries(
                {"place": st.sampled_from(["河南省郑州市二七区", "火星"]) | json_values},
                optional={
                    "from": st.sampled_from(["2021-08-01", "2021-08-09"]) | json_values,
                    "to": json_values,
                },
            )
            | json_values,
            max_size=3,
        )
        | json_values,
        "contact": json_values,
        "entered_china": json_values,
        "commuter": json_values,
        "health_code": json_values,
    },
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(situation_like, json_values))
def test_any_json_is_read_or_refused_with_input_errors(data):
    try:
        read(data)
    except InputErrors as problems:
        assert problems.errors and all(e.message for e in problems.errors)
