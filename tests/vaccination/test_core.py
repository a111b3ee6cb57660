"""The pure rules: the products' data, recording checks, and eligibility (V1) on boundary days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fanjing.common.identity import normalized_name
from fanjing.errors import FanjingError, InputErrors
from fanjing.vaccination.core import (
    DoseFact,
    DoseWish,
    ProductKind,
    check_dose_record,
    eligibility,
)
from fanjing.vaccination.products import builtin_products, products_from_yaml

PRODUCTS = builtin_products()
FIRST = date(2021, 7, 17)


def first_dose(product: str = "bibp_inactivated", *, in_beijing: bool = True) -> DoseFact:
    return DoseFact(product, 1, FIRST, in_beijing)


def wish(
    day: date,
    *,
    product: str = "bibp_inactivated",
    dose: int = 2,
    booked: bool = True,
    certificate: bool = False,
) -> DoseWish:
    return DoseWish(product, dose, day, day if booked else None, certificate)


def codes(answer) -> list[str]:
    return [r.code for r in answer.reasons]


# --- products -------------------------------------------------------------------------------


def test_the_shipped_products_have_the_2021_schedules():
    schedules = {p.code: (p.kind, p.doses, p.min_interval_days) for p in PRODUCTS.values()}
    assert schedules == {
        "bibp_inactivated": (ProductKind.INACTIVATED, 2, 21),
        "wibp_inactivated": (ProductKind.INACTIVATED, 2, 21),
        "sinovac_inactivated": (ProductKind.INACTIVATED, 2, 21),
        "cansino_ad5": (ProductKind.ADENOVIRUS_VECTOR, 1, 0),
        "zifivax_cho": (ProductKind.RECOMBINANT_PROTEIN, 3, 28),
    }
    assert "科兴" in PRODUCTS["sinovac_inactivated"].maker
    assert "康希诺" in PRODUCTS["cansino_ad5"].maker
    assert "智飞龙科马" in PRODUCTS["zifivax_cho"].maker


BAD_PRODUCTS = """
products:
  - code: Bad Code
    name: ""
    maker: 某公司
    kind: mrna
    doses: 2
    min_interval_days: 14
    earliest_day: 2020-07-22
  - code: one_dose
    name: 单剂
    maker: 某公司
    kind: adenovirus_vector
    doses: 1
    min_interval_days: 0
    earliest_day: soon
    colour: red
  - code: cheap_inactivated
    name: 灭活
    maker: 某公司
    kind: inactivated
    doses: 2
    min_interval_days: 14
    earliest_day: 2020-07-22
"""


def test_a_bad_products_file_reports_every_problem_with_its_field():
    with pytest.raises(InputErrors) as raised:
        products_from_yaml(BAD_PRODUCTS)
    found = {(e.code, e.where.field) for e in raised.value.errors}
    assert found == {
        ("bad_value", "products[0].code"),
        ("bad_value", "products[0].name"),
        ("bad_value", "products[0].kind"),
        ("unknown_field", "products[1].colour"),
        ("bad_value", "products[2].min_interval_days"),  # inactivated: at least 21 days (V1)
    }


def test_a_products_file_with_a_bad_day_names_it():
    fixed = BAD_PRODUCTS.split("  - code: cheap_inactivated")[0].replace("    colour: red\n", "")
    fixed = fixed.split("  - code: Bad Code")[0] + "  - code: one_dose" + fixed.split("one_dose")[1]
    with pytest.raises(InputErrors) as raised:
        products_from_yaml(fixed)
    assert [(e.code, e.where.field) for e in raised.value.errors] == [
        ("bad_value", "products[0].earliest_day")
    ]


def test_a_file_without_products_is_refused():
    with pytest.raises(FanjingError) as raised:
        products_from_yaml("items: []")
    assert raised.value.code == "bad_products"


# --- V1: the interval, boundary days ----------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after", "eligible"),
    [(20, False), (21, True), (22, True)],
    ids=["day-20-too-soon", "day-21-allowed", "day-22-allowed"],
)
def test_second_inactivated_dose_needs_21_days(days_after, eligible):
    day = FIRST + timedelta(days=days_after)
    answer = eligibility(PRODUCTS, [first_dose()], wish(day))
    assert answer.eligible is eligible
    assert answer.earliest_day == date(2021, 8, 7)
    if not eligible:
        assert codes(answer) == ["interval_too_short"]
        assert answer.reasons[0].earliest_day == date(2021, 8, 7)
        assert "2021-08-07" in answer.reasons[0].message


@pytest.mark.parametrize(
    ("days_after", "eligible"), [(27, False), (28, True)], ids=["day-27", "day-28"]
)
def test_recombinant_protein_doses_need_28_days(days_after, eligible):
    prior = [DoseFact("zifivax_cho", 1, FIRST, True)]
    answer = eligibility(
        PRODUCTS, prior, wish(FIRST + timedelta(days=days_after), product="zifivax_cho")
    )
    assert answer.eligible is eligible


def test_second_dose_in_another_region_needs_the_certificate():
    """V1: the first dose elsewhere: its record (entered by a clinic) and its certificate."""
    day = FIRST + timedelta(days=21)
    elsewhere = [first_dose(in_beijing=False)]
    refused = eligibility(PRODUCTS, elsewhere, wish(day))
    assert codes(refused) == ["certificate_required"]
    assert eligibility(PRODUCTS, elsewhere, wish(day, certificate=True)).eligible


def test_without_the_first_dose_on_record_the_second_is_refused():
    answer = eligibility(PRODUCTS, [], wish(date(2021, 8, 10), certificate=True))
    assert codes(answer) == ["first_dose_missing"]
    assert "第1剂" in answer.reasons[0].message


def test_a_missing_middle_dose_is_named():
    prior = [DoseFact("zifivax_cho", 1, FIRST, True)]
    answer = eligibility(PRODUCTS, prior, wish(date(2021, 9, 30), product="zifivax_cho", dose=3))
    assert codes(answer) == ["previous_dose_missing"]


def test_every_reason_is_given_at_once():
    day = FIRST + timedelta(days=10)
    answer = eligibility(PRODUCTS, [first_dose(in_beijing=False)], wish(day, booked=False))
    assert codes(answer) == ["interval_too_short", "certificate_required", "appointment_required"]


def test_an_appointment_on_another_day_does_not_count():
    day = FIRST + timedelta(days=30)
    other_day = DoseWish("bibp_inactivated", 2, day, day + timedelta(days=1), False)
    assert codes(eligibility(PRODUCTS, [first_dose()], other_day)) == ["appointment_required"]


def test_a_complete_schedule_needs_no_more():
    prior = [first_dose(), DoseFact("bibp_inactivated", 2, FIRST + timedelta(days=21), True)]
    answer = eligibility(PRODUCTS, prior, wish(date(2021, 10, 1), dose=3))
    assert codes(answer) == ["schedule_complete"]
    single = eligibility(
        PRODUCTS,
        [DoseFact("cansino_ad5", 1, FIRST, True)],
        wish(date(2021, 10, 1), product="cansino_ad5"),
    )
    assert codes(single) == ["schedule_complete"]


def test_the_same_dose_twice_is_refused():
    answer = eligibility(PRODUCTS, [first_dose()], wish(date(2021, 10, 1), dose=1))
    assert codes(answer) == ["dose_already_given"]


def test_another_kind_cannot_complete_the_series_but_another_maker_of_the_kind_can():
    day = FIRST + timedelta(days=28)
    mismatch = eligibility(PRODUCTS, [first_dose()], wish(day, product="zifivax_cho"))
    assert codes(mismatch) == ["product_mismatch"]
    other_maker = eligibility(PRODUCTS, [first_dose()], wish(day, product="sinovac_inactivated"))
    assert other_maker.eligible
    assert [n.code for n in other_maker.notes] == ["other_maker_same_kind"]


def test_a_first_dose_needs_only_an_appointment():
    assert eligibility(PRODUCTS, [], wish(date(2021, 8, 7), dose=1)).eligible
    unbooked = eligibility(PRODUCTS, [], wish(date(2021, 8, 7), dose=1, booked=False))
    assert codes(unbooked) == ["appointment_required"]


def test_no_dose_before_the_product_could_be_given():
    answer = eligibility(PRODUCTS, [], wish(date(2020, 7, 21), dose=1))
    assert codes(answer) == ["product_not_available"]


def test_an_unknown_product_is_an_error_naming_the_field():
    with pytest.raises(FanjingError) as raised:
        eligibility(PRODUCTS, [], wish(date(2021, 8, 7), product="pfizer"))
    assert raised.value.code == "unknown_product" and raised.value.where.field == "product"


# --- recording ----------------------------------------------------------------------------------

TODAY = date(2021, 8, 7)


@pytest.mark.parametrize(
    ("dose", "day", "earlier", "code", "field"),
    [
        (3, TODAY, [], "dose_out_of_schedule", "dose_number"),
        (0, TODAY, [], "dose_out_of_schedule", "dose_number"),
        (1, TODAY + timedelta(days=1), [], "future_day", "day"),
        (1, date(2020, 7, 21), [], "before_product_available", "day"),
        (1, TODAY, [DoseFact("bibp_inactivated", 1, FIRST, True)], "dose_exists", "dose_number"),
        (2, FIRST + timedelta(days=20), [first_dose()], "interval_too_short", "day"),
    ],
    ids=["dose-3-of-2", "dose-0", "tomorrow", "before-emergency-use", "twice", "day-20"],
)
def test_a_bad_record_is_refused_naming_the_field(dose, day, earlier, code, field):
    with pytest.raises(FanjingError) as raised:
        check_dose_record(PRODUCTS["bibp_inactivated"], dose, day, today=TODAY, earlier=earlier)
    assert (raised.value.code, raised.value.where.field) == (code, field)


def test_a_good_record_passes_on_day_21_and_today():
    product = PRODUCTS["bibp_inactivated"]
    check_dose_record(product, 2, FIRST + timedelta(days=21), today=TODAY, earlier=[first_dose()])
    check_dose_record(product, 1, TODAY, today=TODAY, earlier=[])


def test_names_compare_without_spaces_and_with_one_middle_dot():
    assert normalized_name(" 张 三 ") == normalized_name("张三")
    assert normalized_name("买买提.艾力") == normalized_name("买买提·艾力")
    assert normalized_name("ＬＩ　Ｌｅｉ") == "LILEI"
    assert normalized_name("张叁") != normalized_name("张三")
