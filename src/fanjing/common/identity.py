"""People's identity documents and phone numbers: validation and masking. Pure.

Resident identity card numbers (居民身份证) are checked with python-stdnum's
``cn.ric`` pieces (format, check digit, birth date, region code), except that a
region code is accepted whatever year it was in use: codes are assigned at
registration, so a person born in 1980 may hold a code created in 1990, or one
abolished since. Mobile numbers are checked with phonenumbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import phonenumbers
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from fanjing.errors import Code, FanjingError, Where


class DocumentKind(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    PASSPORT = "passport"  # 护照
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证

    @property
    def label_zh(self) -> str:
        return {
            "resident_id": "居民身份证",
            "passport": "护照",
            "hk_macau_permit": "港澳居民来往内地通行证",
            "taiwan_permit": "台湾居民来往大陆通行证",
        }[self.value]


# Formats of documents without a check digit: ICAO 9303 passport numbers (up to 9
# characters), 回乡证 (H or M and 8 or 10 digits), 台胞证 (8 digits, or 10 in the old form).
_FORMATS = {
    DocumentKind.PASSPORT: re.compile(r"[A-Z0-9]{5,9}"),
    DocumentKind.HK_MACAU_PERMIT: re.compile(r"[HM]\d{8}(\d{2})?"),
    DocumentKind.TAIWAN_PERMIT: re.compile(r"\d{8}(\d{2})?"),
}


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    number: str  # normalised: upper case, no spaces

    @property
    def masked(self) -> str:
        return mask_document(self.number)


def read_document(kind: str, text: str, *, today: date, field: str = "number") -> Document:
    """Validate an identity document number; ``today`` (CST) bounds birth dates."""
    try:
        chosen = DocumentKind(kind)
    except ValueError:
        kinds = "、".join(k.value for k in DocumentKind)
        raise FanjingError(
            Code.UNKNOWN_DOCUMENT, f"未知证件类型“{kind}”（应为 {kinds}）", Where(field="kind")
        ) from None
    number = re.sub(r"[\s-]", "", text).upper()
    if chosen is DocumentKind.RESIDENT_ID:
        return Document(chosen, resident_id(number, today=today, field=field))
    if not _FORMATS[chosen].fullmatch(number):
        raise FanjingError(
            Code.INVALID_DOCUMENT,
            f"{chosen.label_zh}号码格式不对：“{mask_document(number)}”",
            Where(field=field),
        )
    return Document(chosen, number)


def resident_id(number: str, *, today: date, field: str = "number") -> str:
    """The 18-character resident ID number, checked; raises ``FanjingError`` saying what is wrong."""

    def wrong(why: str) -> FanjingError:
        return FanjingError(
            Code.INVALID_ID_NUMBER,
            f"身份证号码{why}：“{mask_document(number)}”",
            Where(field=field),
        )

    if len(number) != 18:
        raise wrong(f"应为18位，实际{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise wrong("只能是17位数字加1位数字或X")
    if ric.calc_check_digit(number) != number[17]:
        raise wrong("校验位不对")
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        raise wrong("出生日期不存在") from None
    if born > today:
        raise wrong("出生日期晚于今天")
    if not numdb.get("cn/loc").info(number[:6])[0][1]:
        raise wrong("地区码不存在")
    return number


def mobile_number(text: str, *, field: str = "phone") -> str:
    """A mainland China mobile number as its 11 digits; raises ``FanjingError`` otherwise."""
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise FanjingError(
            Code.INVALID_PHONE, f"不是电话号码：“{mask_phone(text)}”", Where(field=field)
        ) from None
    kind = phonenumbers.number_type(parsed)
    mobile = kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed) or not mobile:
        raise FanjingError(
            Code.INVALID_PHONE,
            f"不是有效的中国大陆手机号：“{mask_phone(text)}”",
            Where(field=field),
        )
    return str(parsed.national_number)


def mask_document(number: str) -> str:
    """``110101********1234``: the region code and the last four, no more (short numbers: last 2)."""
    if len(number) >= 14:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return "*" * max(len(number) - 2, 0) + number[-2:]


def mask_phone(number: str) -> str:
    """``138****5678``."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """``张*``, ``欧阳**``… the family name stays: the first character, the first two of
    a four-character or longer name."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)


def normalized_name(name: str) -> str:
    """A name as compared between a clinic's record and a health-kit account: NFKC (full-width
    letters become ASCII), no spaces, the middle dots of transliterated names made one
    (``·``), Latin letters upper case. ``张 三`` and ``张三`` are one name; ``张叁`` is not."""
    folded = unicodedata.normalize("NFKC", name)
    folded = re.sub(r"\s+", "", folded)
    folded = re.sub(r"[.•‧・∙⋅]", "·", folded)
    return folded.upper()
