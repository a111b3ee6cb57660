from __future__ import annotations

import pytest

from fanjing.errors import FanjingError


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("河南省郑州市二七区", ("河南省", "郑州市", "二七区", None, None, "")),
        ("郑州市二七区", ("河南省", "郑州市", "二七区", None, None, "")),
        ("扬州", ("江苏省", "扬州市", None, None, None, "")),
        ("江苏省南京市江宁区禄口街道", ("江苏省", "南京市", "江宁区", "禄口街道", None, "")),
        ("南京市江宁区禄口街道全域", ("江苏省", "南京市", "江宁区", "禄口街道", None, "")),
        (
            "德宏州陇川县章凤镇迭撒村拉影村民小组",
            ("云南省", "德宏傣族景颇族自治州", "陇川县", "章凤镇", "迭撒村", "拉影村民小组"),
        ),
        (
            "北京市朝阳区潘家园街道松榆里社区",
            ("北京市", "北京市", "朝阳区", "潘家园街道", "松榆里社区", ""),
        ),
        (
            "湘西州吉首市峒河街道办事处五里牌社区公租房小区",
            ("湖南省", "湘西土家族苗族自治州", "吉首市", "峒河街道", "五里牌社区", "公租房小区"),
        ),
        (
            "扬州市邗江区双桥街道念四新村小区（新增）",
            ("江苏省", "扬州市", "邗江区", "双桥街道", None, "念四新村小区"),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_parses_levels(gazetteer, text, levels):
    parsed = gazetteer.parse(text)
    assert (
        parsed.province,
        parsed.city,
        parsed.county,
        parsed.town,
        parsed.village,
        parsed.detail,
    ) == levels
    assert parsed.text == text


def test_fills_a_skipped_county_from_its_town(gazetteer):
    parsed = gazetteer.parse("扬州市双桥街道文苑社区新庄二村")
    assert (parsed.county, parsed.town) == ("邗江区", "双桥街道")


def test_a_county_name_shared_by_two_cities_is_ambiguous(gazetteer):
    with pytest.raises(FanjingError) as raised:
        gazetteer.parse("朝阳区")
    assert raised.value.code == "ambiguous_place"
    assert "北京市朝阳区" in raised.value.message and "吉林省长春市朝阳区" in raised.value.message


def test_a_town_decides_a_shared_county_name(gazetteer):
    assert gazetteer.parse("朝阳区潘家园街道").province == "北京市"


def test_traditional_characters_are_read_as_simplified(gazetteer):
    parsed = gazetteer.parse("鄭州市二七區京廣路街道")
    assert (parsed.city, parsed.county, parsed.town) == ("郑州市", "二七区", "京广路街道")
    assert parsed.text == "鄭州市二七區京廣路街道"


def test_simplified_names_are_never_converted(gazetteer):
    assert gazetteer.parse("长沙市天心区赤岭路街道乾城嘉园").detail == "乾城嘉园"


@pytest.mark.parametrize("text", ["火星市", "火星市二七区", "城关镇", "河南省南京市", "   "])
def test_unknown_places_are_refused(gazetteer, text):
    with pytest.raises(FanjingError) as raised:
        gazetteer.parse(text)
    assert raised.value.code in {"unknown_place", "empty_place"}


def test_parses_are_cached(gazetteer):
    assert gazetteer.parse("河南省郑州市二七区") is gazetteer.parse("河南省郑州市二七区")


def test_a_village_is_the_same_however_the_list_writes_it(gazetteer):
    bare = gazetteer.parse("南京市江宁区东山街道骆村")
    written = gazetteer.parse("南京市江宁区东山街道骆村社区天琪福苑")
    assert bare.village == written.village == "骆村" and written.detail == "天琪福苑"


def test_a_short_county_name_with_its_suffix(gazetteer):
    parsed = gazetteer.parse("郑州市管城区航海东路街道正商蓝钻")
    assert (parsed.county, parsed.town, parsed.detail) == ("管城回族区", "航海东路街道", "正商蓝钻")


def test_parsing_from_many_threads_gives_the_same_places():
    """jionlp's parser keeps per-call state in shared lists: without the lock, threads
    (the API's worker threads) got each other's places."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from fanjing.places.gazetteer import Gazetteer

    lists = Path(__file__).resolve().parents[2].parent / "shared" / "sources" / "risk-lists"
    text = (lists / "national-list-20210810.txt").read_text(encoding="utf-8")
    lines = [
        line
        for line in text.splitlines()
        if line.startswith(("南京市", "扬州市", "郑州市", "淮安市"))
    ]
    alone = Gazetteer()
    expected = {line: alone.parse(line).name for line in lines}
    shared = Gazetteer()
    with ThreadPoolExecutor(16) as pool:
        parsed = list(pool.map(lambda line: (line, shared.parse(line).name), lines * 2))
    assert [line for line, name in parsed if expected[line] != name] == []
