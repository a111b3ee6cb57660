"""The checkpoint's pure rules: who may register as a commuter, temperatures, the last negative
test from the results on record, and which results cannot be true."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fanjing.checkpoints.core import (
    Outcome,
    ScanResult,
    check_scan,
    commuter_home,
    last_negative_test,
    temperature,
    temperature_normal,
)
from fanjing.errors import FanjingError

NOW = datetime(2021, 8, 7, 2, 0, tzinfo=UTC)
TODAY = date(2021, 8, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("河北省廊坊市三河市燕郊镇", "河北省廊坊市三河市燕郊镇"),
        ("天津市武清区", "天津市武清区"),
        ("廊坊市三河市", "河北省廊坊市三河市"),
    ],
)
def test_a_home_in_tianjin_or_hebei_is_taken_by_its_standard_name(gazetteer, text, expected):
    assert commuter_home(gazetteer.parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("河南省郑州市二七区", "not_surrounding_area"),
        ("北京市通州区", "not_surrounding_area"),
        ("河北省廊坊市", "place_too_coarse"),
    ],
)
def test_a_home_elsewhere_or_too_coarse_is_refused(gazetteer, text, code):
    with pytest.raises(FanjingError) as refused:
        commuter_home(gazetteer.parse(text))
    assert refused.value.code == code and refused.value.where.field == "home"


def test_temperatures_are_read_to_one_decimal_and_bounded():
    assert temperature("36.55") == Decimal("36.6")
    assert temperature_normal(Decimal("37.2")) and not temperature_normal(Decimal("37.3"))
    for wrong in ("热", "33.9", "43.1"):
        with pytest.raises(FanjingError):
            temperature(wrong)


def day(text: str) -> date:
    return date.fromisoformat(text)


def test_the_last_negative_test_is_the_latest_standing_negative():
    results = [(day("2021-08-05"), "pending"), (day("2021-08-03"), "negative")]
    assert last_negative_test(results) == day("2021-08-03")
    # for one day the standing result comes first: a correction to negative counts
    corrected = [(day("2021-08-05"), "negative"), (day("2021-08-05"), "positive")]
    assert last_negative_test(corrected) == day("2021-08-05")


def test_a_positive_result_voids_the_earlier_negatives():
    results = [(day("2021-08-06"), "positive"), (day("2021-08-03"), "negative")]
    assert last_negative_test(results) is None
    assert last_negative_test([]) is None


def scan(**fields: object) -> ScanResult:
    base: dict[str, object] = {
        "client_id": "abcdefgh",
        "outcome": Outcome.PASS,
        "colour": "green",
        "popup": False,
        "masked_name": "张*",
        "pass_expires_at": NOW + timedelta(minutes=5),
        "temperature": Decimal("36.5"),
        "checked_at": NOW - timedelta(minutes=1),
    }
    return ScanResult(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"colour": "yellow"}, "outcome"),
        ({"popup": True}, "outcome"),
        ({"temperature": Decimal("37.5")}, "outcome"),
        ({"checked_at": NOW + timedelta(minutes=1)}, "checked_at"),
        ({"test_proof_on": TODAY + timedelta(days=1)}, "test_proof_on"),
    ],
)
def test_results_that_cannot_be_true_are_refused(fields, field):
    with pytest.raises(FanjingError) as refused:
        check_scan(scan(**fields), now=NOW, today=TODAY)
    assert refused.value.where.field == field


def test_turning_back_a_feverish_yellow_code_is_fine():
    check_scan(
        scan(outcome=Outcome.TURN_BACK, colour="yellow", temperature=Decimal("38.0")),
        now=NOW,
        today=TODAY,
    )
