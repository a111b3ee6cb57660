from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import pytest

from fanjing.common.days import CHINA_STANDARD_TIME
from fanjing.places.national_list import (
    looks_like_national_list,
    parse_national_list,
    province_named,
)
from fanjing.places.national_list_model import CountMismatch, NationalList
from fanjing.places.registry import RiskLevel

HIGH, MEDIUM = RiskLevel.HIGH, RiskLevel.MEDIUM
RISK_LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "sources" / "risk-lists"
SAMPLES = ("20210731", "20210804", "20210810")


def _sample_text(day: str) -> str:
    path = RISK_LISTS / f"national-list-{day}.txt"
    if not path.is_file():
        pytest.fail(
            f"the national list sample {path} is missing (expected /work/shared beside the repository)"
        )
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def samples(gazetteer) -> dict[str, NationalList]:
    return {
        day: parse_national_list(_sample_text(day), parse_place=gazetteer.parse) for day in SAMPLES
    }


def _parse(gazetteer, text: str) -> NationalList:
    return parse_national_list(text, parse_place=gazetteer.parse)


def _on_line(national_list: NationalList, line: int):
    return [area for area in national_list.areas if area.line == line]


def _levels(place) -> tuple[str | None, ...]:
    return (place.province, place.city, place.county, place.town, place.village, place.detail)


# --- the three real samples -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "listed_at", "declared"),
    [
        ("20210731", datetime(2021, 7, 31, 14, tzinfo=CHINA_STANDARD_TIME), {HIGH: 3, MEDIUM: 66}),
        ("20210804", datetime(2021, 8, 4, 14, tzinfo=CHINA_STANDARD_TIME), {HIGH: 4, MEDIUM: 144}),
        ("20210810", datetime(2021, 8, 10, 8, tzinfo=CHINA_STANDARD_TIME), {HIGH: 15, MEDIUM: 202}),
    ],
)
def test_sample_header(samples, day, listed_at, declared):
    national_list = samples[day]
    assert national_list.listed_at == listed_at
    assert national_list.listed_at.utcoffset().total_seconds() == 8 * 3600
    assert national_list.list_date == listed_at.date()
    assert national_list.declared == declared
    assert national_list.section_declared == declared
    assert national_list.header_line == 5  # the four bulletin lines before it are not areas


@pytest.mark.parametrize(
    ("day", "parsed", "entries"),
    [
        # 69 area lines; line 32 names two areas, the second (景明佳园小区) listed again on line 56
        ("20210731", {HIGH: 3, MEDIUM: 66}, 70),
        ("20210804", {HIGH: 4, MEDIUM: 144}, 148),
        # 开封市尉氏县庄头镇前曹村 is listed high (line 15) and again medium (line 216)
        ("20210810", {HIGH: 15, MEDIUM: 202}, 217),
    ],
)
def test_sample_counts_add_up(samples, day, parsed, entries):
    national_list = samples[day]
    assert national_list.parsed_counts == parsed
    assert national_list.listed_counts == parsed
    assert len(national_list.areas) == entries
    assert national_list.count_mismatches() == ()
    for count in national_list.province_declared:
        assert count.declared == count.placed, count
        assert count.province is not None


@pytest.mark.parametrize("day", SAMPLES)
def test_samples_leave_no_line_unplaced(samples, day):
    # Read by hand, every area line of the three samples names a place the gazetteer
    # can put in its province, so nothing is unplaced. Two lines are doubtful but
    # still lie in a certain city, which is what a careful reader can say of them
    # (see test_doubtful_lines_are_placed_in_their_city): no line is unplaceable.
    assert samples[day].unplaced == ()


def test_doubtful_lines_are_placed_in_their_city(samples):
    doubtful = {area.line: area for area in samples["20210804"].without_county}
    # a typo for 双桥街道 (the 0810 list has 扬州市双桥街道文苑社区新庄二村): no 桥街道 exists,
    # so the county stays unknown; 扬州市 is certain
    typo = doubtful[98]
    assert (typo.place.province, typo.place.city, typo.place.county) == ("江苏省", "扬州市", None)
    assert typo.new and typo.text == "扬州市桥街道文苑社区新庄二村"
    # 武汉 has no 龙示范区 (a garbled copy of 株洲市云龙示范区学林街道), yet the line is
    # one of 湖北's four declared areas and names 武汉市
    garbled = doubtful[161]
    assert (garbled.place.province, garbled.place.city, garbled.place.county) == (
        "湖北省",
        "武汉市",
        None,
    )


def test_sample_province_lines(samples):
    counts = [
        (c.level, c.text, c.province, c.declared, c.placed)
        for c in samples["20210731"].province_declared
    ]
    assert counts == [
        (HIGH, "云南", "云南省", 1, 1),  # "云南:1个"
        (HIGH, "江苏", "江苏省", 1, 1),  # "江苏：1个"
        (HIGH, "河南", "河南省", 1, 1),
        (MEDIUM, "云南", "云南省", 2, 2),
        (MEDIUM, "四川", "四川省", 5, 5),
        (MEDIUM, "辽宁", "辽宁省", 2, 2),
        # "江苏省：36个": 36 lines, 37 areas, one of them twice
        (MEDIUM, "江苏省", "江苏省", 36, 36),
        (MEDIUM, "湖南省", "湖南省", 17, 17),  # "湖南省(17个)："
        (MEDIUM, "福建省", "福建省", 1, 1),
        (MEDIUM, "河南省", "河南省", 3, 3),
    ]
    last = samples["20210810"].province_declared[-3:]
    assert [(c.text, c.province, c.declared) for c in last] == [
        ("上海", "上海市", 1),
        ("北京", "北京市", 2),
        ("内蒙古", "内蒙古自治区", 1),
    ]


@pytest.mark.parametrize(
    ("day", "line", "level", "levels"),
    [
        # no district: 双桥街道 belongs to one county of 扬州市
        (
            "20210810",
            100,
            MEDIUM,
            ("江苏省", "扬州市", "邗江区", "双桥街道", "文苑社区", "新庄二村"),
        ),
        # no province nor city: under 上海
        (
            "20210810",
            235,
            MEDIUM,
            ("上海市", "上海市", "浦东新区", "川沙新镇", None, "华夏二路1500弄心圆西苑小区"),
        ),
        ("20210810", 237, MEDIUM, ("北京市", "北京市", "昌平区", "龙泽园街道", None, "龙跃苑二区")),
        (
            "20210810",
            240,
            MEDIUM,
            ("内蒙古自治区", "呼伦贝尔市", "海拉尔区", "奋斗镇", None, "神宝小区"),
        ),
        # road-bounded compounds are one area each, with the right county
        (
            "20210810",
            24,
            HIGH,
            (
                "湖南省",
                "张家界市",
                "永定区",
                None,
                None,
                "子午路以南、大桥路以西、大庸路以东合围区域",
            ),
        ),
        (
            "20210804",
            11,
            HIGH,
            (
                "江苏省",
                "扬州市",
                "邗江区",
                "双桥街道",
                "武塘社区",
                "明月路以南、文汇西路以北、维扬路以西、新城河路以东区域",
            ),
        ),
        (
            "20210810",
            74,
            MEDIUM,
            (
                "江苏省",
                "扬州市",
                "广陵区",
                "汤汪乡",
                "杉湾花园社区",
                "杉湾花园2期13号楼、14号楼、15号楼以南区域",
            ),
        ),
        # parts of one community joined by "、" and "和": one area as listed
        (
            "20210810",
            56,
            MEDIUM,
            (
                "江苏省",
                "南京市",
                "江宁区",
                "湖熟街道",
                "周岗社区",
                "张巷自然村、庄上自然村、新风苑和周岗社区围合区域",
            ),
        ),
        # "全域" and a trailing "；"
        ("20210731", 10, HIGH, ("江苏省", "南京市", "江宁区", "禄口街道", None, "")),
        ("20210731", 30, MEDIUM, ("江苏省", "南京市", "江宁区", "湖熟街道", "周岗社区", "新风苑")),
        # "(新)" is a mark, not part of the place
        (
            "20210804",
            23,
            MEDIUM,
            ("四川省", "成都市", "成都高新技术产业开发区", None, None, "美洲花园68栋"),
        ),
        ("20210810", 16, HIGH, ("河南省", "开封市", "尉氏县", None, "后曹村", "")),
    ],
)
def test_tricky_lines(samples, day, line, level, levels):
    [area] = _on_line(samples[day], line)
    assert area.level is level
    assert _levels(area.place) == levels


def test_new_marks_are_read_and_removed(samples):
    [marked] = _on_line(samples["20210804"], 23)
    assert marked.new
    assert marked.text == marked.place.text == "成都市高新区美洲花园68栋"
    assert marked.raw == "成都市高新区美洲花园68栋(新)"
    [added] = _on_line(samples["20210804"], 59)
    assert added.new and added.text == "南京市江宁区横溪街道宁光村蔡坎自然村"
    [plain] = _on_line(samples["20210804"], 24)
    assert not plain.new


def test_a_second_area_after_a_district_is_split_off(samples):
    first, second = _on_line(samples["20210731"], 32)
    assert _levels(first.place) == (
        "江苏省",
        "南京市",
        "江宁区",
        "湖熟街道",
        "周岗社区",
        "围合区域(东至集贤路，南至长干街，西至康庄路，北至齐尚街)",
    )
    # it inherits the province and the city of the first
    assert _levels(second.place) == (
        "江苏省",
        "南京市",
        "雨花台区",
        "铁心桥街道",
        None,
        "景明佳园小区",
    )
    assert second.text == "雨花台区铁心桥街道景明佳园小区"
    assert first.raw == second.raw and first.raw.endswith("、雨花台区铁心桥街道景明佳园小区")
    # the same area is listed on its own on line 56: the list counts it once
    assert [(a.line, a.place.name) for a in samples["20210731"].repeats] == [
        (56, second.place.name)
    ]


def test_an_area_listed_at_both_levels_is_reported(samples):
    [repeat] = samples["20210810"].repeats
    assert (repeat.line, repeat.level, repeat.place.name) == (
        216,
        MEDIUM,
        "河南省开封市尉氏县庄头镇前曹村",
    )
    assert samples["20210804"].repeats == ()


def test_a_warm_list_parses_well_under_a_second(gazetteer, samples):
    text = _sample_text("20210810")
    started = time.perf_counter()
    parsed = parse_national_list(text, parse_place=gazetteer.parse)
    assert time.perf_counter() - started < 0.5
    assert parsed == samples["20210810"]


# --- small synthetic lists --------------------------------------------------------------

HEADER = "根据“国务院客户端”APP，2021年8月10日08时，全国{high}个高风险地区，{medium}个中风险地区。"


def _list(*lines: str, high: int = 1, medium: int = 0) -> str:
    return "\n".join(["今日无新增病例。", HEADER.format(high=high, medium=medium), *lines])


def test_no_header(gazetteer):
    parsed = _parse(
        gazetteer, "贵州省无新增病例。\n高风险地区(1个)\n江苏：1个\n南京市江宁区禄口街道\n"
    )
    assert (parsed.listed_at, parsed.list_date, parsed.header_line) == (None, None, None)
    assert parsed.declared == {}
    assert parsed.section_declared == {HIGH: 1}
    assert [area.place.town for area in parsed.areas] == ["禄口街道"]
    assert parsed.unplaced == () and parsed.count_mismatches() == ()


def test_header_time_with_minutes(gazetteer):
    parsed = _parse(gazetteer, "截至2021年8月4日14时30分，全国共有高风险地区4个、中风险地区144个。")
    assert parsed.listed_at == datetime(2021, 8, 4, 14, 30, tzinfo=CHINA_STANDARD_TIME)
    assert parsed.list_date == date(2021, 8, 4)
    assert parsed.declared == {HIGH: 4, MEDIUM: 144}


def test_csv_and_national_list_are_told_apart():
    assert not looks_like_national_list(
        "level,area,from,to\nhigh,南京市江宁区禄口街道,2021-07-21,\n"
    )
    assert not looks_like_national_list("\ufefflevel, area, from, to\n")
    assert not looks_like_national_list("南京市江宁区禄口街道\n")
    assert looks_like_national_list(_sample_text("20210731"))
    assert looks_like_national_list("高风险地区(1个)\n江苏：1个\n南京市江宁区禄口街道\n")


def test_a_place_in_another_province_is_unplaced(gazetteer):
    parsed = _parse(
        gazetteer,
        _list(
            "高风险地区(4个)",
            "江苏：3个",
            "南京市江宁区禄口街道",
            "河南省郑州市二七区京广路街道",  # names its province, the wrong one
            "郑州市二七区京广路街道",  # the gazetteer refuses it within 江苏, alone it is in 河南
            "上海：1个",
            "海拉尔区奋斗镇神宝小区",  # within 上海 the gazetteer would take it for a street
            high=4,
        ),
    )
    assert [area.line for area in parsed.areas] == [5]
    assert [(u.line, u.level, u.code) for u in parsed.unplaced] == [
        (6, HIGH, "province_mismatch"),
        (7, HIGH, "province_mismatch"),
        (9, HIGH, "province_mismatch"),
    ]
    assert "河南省郑州市二七区京广路街道" in parsed.unplaced[0].reason
    assert "不在所列的江苏省" in parsed.unplaced[0].reason
    assert "内蒙古自治区" in parsed.unplaced[2].reason
    # unplaced lines still count as listed: the list's own numbers add up
    assert parsed.parsed_counts == {HIGH: 1, MEDIUM: 0}
    assert parsed.listed_counts == {HIGH: 4, MEDIUM: 0}
    assert parsed.count_mismatches() == ()
    assert [(c.placed, c.unplaced, c.listed) for c in parsed.province_declared] == [
        (1, 2, 3),
        (0, 1, 1),
    ]


def test_an_unknown_province_line(gazetteer):
    parsed = _parse(gazetteer, _list("高风险地区(1个)", "火星：1个", "南京市江宁区禄口街道"))
    [unknown] = parsed.unplaced
    assert (unknown.line, unknown.code, unknown.counted) == (4, "unknown_province", False)
    assert "火星" in unknown.reason
    # its areas are read as written, with no province to check them against
    [area] = parsed.areas
    assert (area.province, area.place.province, area.place.county) == (None, "江苏省", "江宁区")
    [count] = parsed.province_declared
    assert (count.text, count.province, count.declared, count.listed) == ("火星", None, 1, 1)
    assert parsed.count_mismatches() == ()


def test_a_typo_in_a_place_line_is_unplaced(gazetteer):
    parsed = _parse(
        gazetteer, _list("高风险地区(1个)", "江苏：1个", "南竟市江宇区禄口街道（新增）")
    )
    assert parsed.areas == ()
    [typo] = parsed.unplaced
    assert (typo.level, typo.line, typo.code) == (HIGH, 5, "unknown_place")
    assert typo.raw == "南竟市江宇区禄口街道（新增）"
    assert "南竟市江宇区禄口街道" in typo.reason
    assert parsed.listed_counts[HIGH] == 1


def test_lines_outside_a_section_are_unplaced(gazetteer):
    parsed = _parse(
        gazetteer,
        _list("南京市江宁区禄口街道", "", "高风险地区(1个)", "江苏：1个", "南京市江宁区禄口街道"),
    )
    [outside] = parsed.unplaced
    assert (outside.level, outside.line, outside.code) == (None, 3, "outside_section")
    assert len(parsed.areas) == 1


def test_counts_that_do_not_add_up_are_reported(gazetteer):
    parsed = _parse(
        gazetteer,
        _list(
            "高风险地区(2个)",
            "江苏省：2个",
            "南京市江宁区禄口街道全域",
            "中风险地区(1个)",
            "河南:1个",
            "郑州市二七区京广路街道",
            "郑州市二七区长江路街道",
            high=3,
            medium=1,
        ),
    )
    assert parsed.count_mismatches() == (
        CountMismatch(HIGH, "全国", 3, 1, 2),
        CountMismatch(MEDIUM, "全国", 1, 2, 2),
        CountMismatch(HIGH, "高风险地区", 2, 1, 3),
        CountMismatch(MEDIUM, "中风险地区", 1, 2, 6),
        CountMismatch(HIGH, "江苏省", 2, 1, 4),
        CountMismatch(MEDIUM, "河南", 1, 2, 7),
    )
    assert str(parsed.count_mismatches()[4]) == "江苏省高风险地区：写明2个，实列1个（第4行）"
    assert str(parsed.count_mismatches()[2]) == "高风险地区：写明2个，实列1个（第3行）"


def test_only_a_district_after_a_comma_starts_a_second_area(gazetteer):
    parsed = _parse(
        gazetteer,
        _list(
            "中风险地区(2个)",
            "江苏：2个",
            "南京市雨花台区景明佳园小区、凤翔花园小区",  # two compounds of one district: one area
            "南京市鼓楼区挹江门街道大桥南路10号、秦淮区中华门街道晨光新苑16栋；",
            medium=3,
        ),
    )
    assert [(a.line, a.place.county, a.text) for a in parsed.areas] == [
        (5, "雨花台区", "南京市雨花台区景明佳园小区、凤翔花园小区"),
        (6, "鼓楼区", "南京市鼓楼区挹江门街道大桥南路10号"),
        (6, "秦淮区", "秦淮区中华门街道晨光新苑16栋"),
    ]
    assert parsed.areas[2].place.city == "南京市"


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("江苏", "江苏省"),
        ("江苏省", "江苏省"),
        ("内蒙古", "内蒙古自治区"),
        ("广西", "广西壮族自治区"),
        ("北京", "北京市"),
        ("火星", None),
    ],
)
def test_province_names(gazetteer, text, province):
    assert province_named(text, gazetteer.parse) == province


def test_a_list_whose_sections_add_up_is_complete(gazetteer):
    parsed = _parse(gazetteer, _list("高风险地区(1个)", "江苏：1个", "南京市江宁区禄口街道"))
    assert parsed.incompleteness() == {}  # the header declares 1 high and 0 medium areas


def test_a_level_with_fewer_areas_than_declared_is_incomplete(gazetteer):
    parsed = _parse(
        gazetteer,
        _list("高风险地区(2个)", "江苏：2个", "南京市江宁区禄口街道", high=2, medium=0),
    )
    reasons = parsed.incompleteness()[HIGH]
    assert any("写明2个，实列1个" in reason for reason in reasons)
    assert parsed.surpluses() == ()


def test_an_unplaced_line_makes_its_level_incomplete(gazetteer):
    parsed = _parse(gazetteer, _list("高风险地区(1个)", "江苏：1个", "火星市禄口街道"))
    assert any("火星市禄口街道" in reason for reason in parsed.incompleteness()[HIGH])


def test_a_level_without_a_declared_count_cannot_be_verified(gazetteer):
    parsed = _parse(gazetteer, "高风险地区\n江苏：\n南京市江宁区禄口街道\n")
    assert "无法核对" in parsed.incompleteness()[HIGH][0]


def test_more_areas_than_declared_is_a_surplus_not_a_shortfall(gazetteer):
    parsed = _parse(
        gazetteer,
        _list("高风险地区(1个)", "江苏：2个", "南京市江宁区禄口街道", "南京市江宁区湖熟街道"),
    )
    assert HIGH not in parsed.incompleteness()
    assert [str(s.scope) for s in parsed.surpluses()] == ["全国", "高风险地区"]
