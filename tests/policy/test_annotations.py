"""``全域`` and ``（新增）`` in a risk-area CSV's ``area`` column are annotations, as in place
text: the row designates the same area as without them, and checks decide the same."""

from __future__ import annotations

from datetime import date

import pytest

from fanjing.places.designations_csv import read_designations_csv
from fanjing.places.registry import Registry
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker

TODAY = date(2021, 8, 7)
PLAIN = "level,area,from,to\ncases,江苏省扬州市,2021-07-28,\nmedium,江苏省南京市江宁区禄口街道,2021-07-21,\n"
ANNOTATED = (
    "level,area,from,to\n"
    "cases,江苏省扬州市全域（新增）,2021-07-28,\n"
    "medium,江苏省南京市江宁区禄口街道（新增）,2021-07-21,\n"
)


def _levels(area):
    return (area.province, area.city, area.county, area.town, area.village, area.detail)


def _designations(text, gazetteer):
    return read_designations_csv(text, parse_place=gazetteer.parse, file="areas.csv")


def test_annotated_areas_are_the_same_areas(gazetteer):
    plain, annotated = _designations(PLAIN, gazetteer), _designations(ANNOTATED, gazetteer)
    assert [_levels(d.area) for d in annotated] == [_levels(d.area) for d in plain]
    assert [d.area.name for d in annotated] == ["江苏省扬州市", "江苏省南京市江宁区禄口街道"]
    assert "全域" not in annotated[0].area.name and "新增" not in annotated[1].area.name


@pytest.mark.parametrize(
    "place",
    ["江苏省扬州市广陵区", "江苏省南京市江宁区禄口街道", "江苏省南京市玄武区"],
    ids=["city-with-cases", "medium-street", "other-county-of-the-city"],
)
def test_checks_against_annotated_areas_decide_the_same(gazetteer, place):
    situation = {
        "as_of": "2021-08-07",
        "arrival": "2021-08-07",
        "stays": [{"place": place, "from": "2021-07-30", "to": "2021-08-01"}],
    }
    decisions = []
    for text in (PLAIN, ANNOTATED):
        registry = Registry.of(_designations(text, gazetteer))
        checker = Checker(builtin_packs(), registry, gazetteer.parse, TODAY)
        decisions.append(checker.check(situation).to_json())
    assert decisions[0] == decisions[1]
    assert decisions[0]["measures"], "the stay is judged against the areas at all"
