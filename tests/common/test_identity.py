from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from fanjing.common.identity import (
    DocumentKind,
    mask_document,
    mask_name,
    mask_phone,
    mobile_number,
    read_document,
    resident_id,
)
from fanjing.errors import FanjingError

TODAY = date(2021, 8, 7)


def with_check_digit(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("11010519491231002X", id="check-digit-X"),
        pytest.param(
            with_check_digit("44030519800101001"), id="code-newer-than-birth-year"
        ),  # 南山区 since 1990
        pytest.param(
            with_check_digit("11010319800101001"), id="code-abolished-since"
        ),  # 崇文区 until 2010
    ],
)
def test_real_numbers_are_accepted(number):
    assert resident_id(number, today=TODAY) == number


@pytest.mark.parametrize(
    ("number", "why"),
    [
        pytest.param("11010519491231002", "应为18位", id="short"),
        pytest.param("110105194912310021", "校验位不对", id="checksum"),
        pytest.param("1101051949123100AX", "只能是17位数字", id="letters"),
        pytest.param(with_check_digit("11010519490230001"), "出生日期不存在", id="february-30"),
        pytest.param(
            with_check_digit("11010520300101001"), "出生日期晚于今天", id="born-in-the-future"
        ),
        pytest.param(with_check_digit("99999919800101001"), "地区码不存在", id="unknown-region"),
    ],
)
def test_bad_numbers_say_what_is_wrong_without_showing_the_number(number, why):
    with pytest.raises(FanjingError) as raised:
        resident_id(number, today=TODAY)
    assert why in raised.value.message and raised.value.code == "invalid_id_number"
    assert number not in raised.value.message


def test_other_documents_by_format():
    assert read_document("passport", "e1234 5678", today=TODAY).number == "E12345678"
    assert (
        read_document("hk_macau_permit", "H12345678", today=TODAY).kind
        is DocumentKind.HK_MACAU_PERMIT
    )
    assert read_document("taiwan_permit", "12345678", today=TODAY).number == "12345678"
    for kind, number in [
        ("passport", "E1"),
        ("hk_macau_permit", "X12345678"),
        ("taiwan_permit", "1234"),
    ]:
        with pytest.raises(FanjingError):
            read_document(kind, number, today=TODAY)
    with pytest.raises(FanjingError) as raised:
        read_document("driving_licence", "123", today=TODAY)
    assert raised.value.code == "unknown_document"


def test_mobile_numbers():
    assert mobile_number("138 0013 8000") == "13800138000"
    assert mobile_number("+86 13800138000") == "13800138000"
    for bad in ["010-12345678", "12345", "+1 650 253 0000", "not a number"]:
        with pytest.raises(FanjingError) as raised:
            mobile_number(bad)
        assert raised.value.code == "invalid_phone"


def test_masks():
    assert mask_document("110101199003071234") == "110101********1234"
    assert mask_phone("13856785678") == "138****5678"
    assert (
        mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧阳**" and mask_name("王") == "*"
    )
