from __future__ import annotations

import pytest

from fanjing.errors import InputErrors
from fanjing.places.designations_csv import read_designations_csv
from fanjing.places.registry import Registry, RiskLevel, reconcile
from tests.builders import ERQI, GULOU_NANJING, JINGGUANG, LUKOU, YANGZHOU, day, designation, place


@pytest.mark.parametrize(
    ("start", "end", "stay_from", "stay_to", "as_of", "expected"),
    [
        pytest.param(
            "2021-08-04",
            None,
            "2021-07-28",
            "2021-08-01",
            "2021-08-07",
            True,
            id="designated-after-leaving",
        ),
        pytest.param(
            "2021-08-15",
            None,
            "2021-07-28",
            "2021-08-01",
            "2021-08-20",
            True,
            id="begins-on-left+14",
        ),
        pytest.param(
            "2021-08-16",
            None,
            "2021-07-28",
            "2021-08-01",
            "2021-08-20",
            False,
            id="begins-after-left+14",
        ),
        pytest.param(
            "2021-08-08",
            None,
            "2021-07-28",
            "2021-08-01",
            "2021-08-07",
            False,
            id="begins-after-as-of",
        ),
        pytest.param(
            "2021-07-01",
            "2021-07-27",
            "2021-07-28",
            "2021-08-01",
            "2021-08-07",
            False,
            id="ended-before-stay",
        ),
        pytest.param(
            "2021-07-01",
            "2021-07-28",
            "2021-07-28",
            "2021-08-01",
            "2021-08-07",
            True,
            id="ended-on-first-day",
        ),
    ],
)
def test_in_force_for_stay(start, end, stay_from, stay_to, as_of, expected):
    assert (
        designation("high", ERQI, start, end).in_force_for_stay(
            day(stay_from), day(stay_to), day(as_of)
        )
        is expected
    )


def judge(registry, area, start="2021-07-28", end="2021-08-01", as_of="2021-08-07"):
    return registry.judge_stay(area, day(start), day(end), day(as_of))


def test_a_stay_inside_a_high_area_is_high_in_a_risk_county_and_a_city_with_cases():
    registry = Registry.of(
        [designation("medium", ERQI, "2021-07-31"), designation("high", JINGGUANG, "2021-07-31")]
    )
    judged = judge(registry, place("河南省", "郑州市", "二七区", "京广路街道", "春晖社区"))
    assert judged.level is RiskLevel.HIGH
    assert judged.risk_county and judged.city_with_cases


def test_another_street_of_a_risk_county_has_no_level_but_is_a_risk_county():
    registry = Registry.of([designation("high", JINGGUANG, "2021-07-31")])
    judged = judge(registry, place("河南省", "郑州市", "二七区", "长江路街道"))
    assert judged.level is None
    assert judged.risk_county_designation is not None and judged.city_with_cases


def test_another_county_of_the_city_is_only_a_city_with_cases():
    registry = Registry.of([designation("high", LUKOU, "2021-07-31")])
    judged = judge(registry, GULOU_NANJING)
    assert (judged.level, judged.risk_county, judged.city_with_cases) == (None, False, True)


def test_a_cases_designation_never_sets_a_level_or_a_risk_county():
    registry = Registry.of([designation("cases", YANGZHOU, "2021-07-28")])
    judged = judge(registry, place("江苏省", "扬州市", "邗江区"))
    assert (judged.level, judged.risk_county, judged.city_with_cases) == (None, False, True)


def test_a_city_only_stay_is_never_in_a_risk_county_but_may_be_in_a_city_with_cases():
    registry = Registry.of([designation("high", LUKOU, "2021-07-31")])
    judged = judge(registry, place("江苏省", "南京市"))
    assert (judged.level, judged.risk_county, judged.city_with_cases) == (None, False, True)
    assert judged.undecided  # the stay may have been in 禄口街道: a detailed itinerary is needed


def test_a_province_only_stay_is_judged_for_nothing():
    registry = Registry.of([designation("high", place("江苏省"), "2021-07-31")])
    judged = judge(registry, place("江苏省"))
    assert (judged.level, judged.risk_county, judged.city_with_cases) == (None, False, False)


def test_highest_level_wins():
    registry = Registry.of(
        [designation("medium", JINGGUANG, "2021-07-31"), designation("high", ERQI, "2021-07-31")]
    )
    assert judge(registry, JINGGUANG).level is RiskLevel.HIGH


def test_in_force_on_and_counts_on():
    registry = Registry.of(
        [
            designation("high", JINGGUANG, "2021-07-31"),
            designation("medium", LUKOU, "2021-07-20", "2021-08-05"),
            designation("cases", YANGZHOU, "2021-07-28"),
        ]
    )
    assert registry.counts_on(day("2021-08-05")) == {
        RiskLevel.HIGH: 1,
        RiskLevel.MEDIUM: 1,
        RiskLevel.CASES: 1,
    }
    assert registry.counts_on(day("2021-08-06"))[RiskLevel.MEDIUM] == 0
    assert [d.level for d in registry.in_force_on(day("2021-08-01"))] == ["high", "medium", "cases"]


def test_reads_the_contract_csv(gazetteer):
    text = "level,area,from,to\nhigh,河南省郑州市二七区,2021-07-31,\nmedium,江苏省南京市江宁区禄口街道,2021-07-21,2021-08-20\ncases,江苏省扬州市,2021-07-28,\n"
    designations = read_designations_csv(text, parse_place=gazetteer.parse, file="areas.csv")
    assert [(d.level.value, d.area.name, d.start.isoformat(), d.end) for d in designations] == [
        ("high", "河南省郑州市二七区", "2021-07-31", None),
        ("medium", "江苏省南京市江宁区禄口街道", "2021-07-21", day("2021-08-20")),
        ("cases", "江苏省扬州市", "2021-07-28", None),
    ]


def test_bad_csv_rows_are_all_reported_with_line_and_column(gazetteer):
    text = "level,area,from,to\nsevere,河南省郑州市二七区,2021-07-31,\nhigh,火星市,2021/07/31,\nhigh,郑州市二七区,2021-08-02,2021-08-01\n"
    with pytest.raises(InputErrors) as raised:
        read_designations_csv(text, parse_place=gazetteer.parse, file="areas.csv")
    found = {(e.code, e.where.line, e.where.field) for e in raised.value.errors}
    assert found == {
        ("unknown_level", 2, "level"),
        ("unknown_place", 3, "area"),
        ("bad_date", 3, "from"),
        ("dates_out_of_order", 4, "to"),
    }
    assert str(raised.value.errors[0]).endswith("（位置：areas.csv:2 字段 level）")


def test_a_wrong_header_is_refused(gazetteer):
    with pytest.raises(InputErrors) as raised:
        read_designations_csv("area,level\n", parse_place=gazetteer.parse, file="x.csv")
    assert raised.value.errors[0].code == "bad_header"


@pytest.mark.parametrize(
    "text",
    [
        'level,area,from,to\nhigh,"郑州市二七区,2021-07-31,\n',
        "level,area,from,to\r\nhigh,郑州\r市,2021-07-31,\r\n",
    ],
)
def test_malformed_csv_is_an_input_error(gazetteer, text):
    with pytest.raises(InputErrors) as raised:
        read_designations_csv(text, parse_place=gazetteer.parse, file="x.csv")
    assert raised.value.errors[0].where.file == "x.csv"


def test_reconcile_holds_unlisted_areas_of_an_incomplete_level():
    lukou, erqi = (
        designation("high", LUKOU, "2021-07-31"),
        designation("medium", ERQI, "2021-07-31"),
    )
    listed = [designation("high", JINGGUANG, "2021-08-04")]
    result = reconcile(
        [lukou, erqi], listed, day("2021-08-04"), incomplete_levels=frozenset({RiskLevel.MEDIUM})
    )
    assert result.closed == (lukou,) and result.held == (erqi,)
    assert [d.area for d in result.opened] == [JINGGUANG]
    complete = reconcile([lukou, erqi], listed, day("2021-08-04"))
    assert complete.closed == (lukou, erqi) and complete.held == ()
