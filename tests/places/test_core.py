from __future__ import annotations

import pytest

from fanjing.places.core import Containment, area_touches_division, containment
from tests.builders import place

ZHENGZHOU = place("河南省", "郑州市")
ERQI = place("河南省", "郑州市", "二七区")
STREET = place("河南省", "郑州市", "二七区", "京广路街道")
COMMUNITY = place("河南省", "郑州市", "二七区", "京广路街道", "春晖社区")
COMPOUND = place(
    "江苏省", "扬州市", "邗江区", "双桥街道", "武塘社区", "明月路以南、文汇西路以北区域"
)


@pytest.mark.parametrize(
    ("area", "stay", "expected"),
    [
        pytest.param(ERQI, STREET, Containment.INSIDE, id="county-contains-street"),
        pytest.param(STREET, STREET, Containment.INSIDE, id="same-street"),
        pytest.param(STREET, COMMUNITY, Containment.INSIDE, id="street-contains-community"),
        pytest.param(COMMUNITY, STREET, Containment.UNKNOWN, id="stay-stops-above-community"),
        pytest.param(STREET, ZHENGZHOU, Containment.UNKNOWN, id="city-only-stay-vs-street"),
        pytest.param(
            STREET, place("河南省", "郑州市", "金水区"), Containment.OUTSIDE, id="other-county"
        ),
        pytest.param(
            STREET,
            place("河南省", "郑州市", "二七区", "长江路街道"),
            Containment.OUTSIDE,
            id="other-street",
        ),
        pytest.param(place("河南省"), ERQI, Containment.INSIDE, id="province-contains-county"),
        pytest.param(
            ERQI, place("江苏省", "南京市", "江宁区"), Containment.OUTSIDE, id="other-province"
        ),
        pytest.param(
            COMPOUND,
            place(
                "江苏省",
                "扬州市",
                "邗江区",
                "双桥街道",
                "武塘社区",
                "明月路以南、文汇西路以北区域3栋",
            ),
            Containment.INSIDE,
            id="named-compound-detail-prefix",
        ),
        pytest.param(
            COMPOUND,
            place("江苏省", "扬州市", "邗江区", "双桥街道", "武塘社区", "文昌小区"),
            Containment.OUTSIDE,
            id="other-compound",
        ),
        pytest.param(
            COMPOUND,
            place("江苏省", "扬州市", "邗江区", "双桥街道", "武塘社区"),
            Containment.UNKNOWN,
            id="community-without-detail-vs-compound",
        ),
    ],
)
def test_containment(area, stay, expected):
    assert containment(area, stay) is expected


def test_a_street_touches_its_county_and_city_but_not_another_county():
    assert area_touches_division(
        STREET, place("河南省", "郑州市", "二七区", "长江路街道"), "county"
    )
    assert area_touches_division(STREET, place("河南省", "郑州市", "金水区"), "city")
    assert not area_touches_division(STREET, place("河南省", "郑州市", "金水区"), "county")
    assert not area_touches_division(STREET, place("河南省", "开封市", "尉氏县"), "city")


def test_a_whole_city_touches_every_county_in_it():
    assert area_touches_division(ZHENGZHOU, place("河南省", "郑州市", "金水区"), "county")
    assert area_touches_division(ZHENGZHOU, place("河南省", "郑州市", "金水区"), "city")


def test_an_area_that_skips_its_county_cannot_make_a_risk_county():
    skipping = place("江苏省", "淮安市", None, None, None, "鸿盈小区")
    assert not area_touches_division(skipping, place("江苏省", "淮安市", "清江浦区"), "county")
    assert area_touches_division(skipping, place("江苏省", "淮安市", "清江浦区"), "city")


def test_place_name_omits_the_repeated_municipality():
    assert place("北京市", "北京市", "朝阳区").name == "北京市朝阳区"
    assert place("北京市", "北京市", "朝阳区").in_beijing
