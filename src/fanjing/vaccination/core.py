"""Vaccination rules, pure: the products' schedules, whether a dose may be recorded, and whether a
person may have a dose on a day (V1), with machine-readable reasons. No I/O, no clock: days are
CST calendar days given by the caller.

V1 (seed, answer 5): 如需异地接种第二针，需先向当地卫生机构提供第一针疫苗相关信息，确保已间隔21天以上，
有接种证明，并且在当地进行预约，经过核实后给予接种。
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from fanjing.errors import Code, FanjingError, InputErrors, Where


class ProductKind(StrEnum):
    INACTIVATED = "inactivated"  # 灭活疫苗
    ADENOVIRUS_VECTOR = "adenovirus_vector"  # 腺病毒载体疫苗
    RECOMBINANT_PROTEIN = "recombinant_protein"  # 重组蛋白疫苗

    @property
    def label_zh(self) -> str:
        return {
            "inactivated": "灭活疫苗",
            "adenovirus_vector": "腺病毒载体疫苗",
            "recombinant_protein": "重组蛋白疫苗",
        }[self.value]


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    maker: str
    kind: ProductKind
    doses: int  # in the schedule
    min_interval_days: int  # between adjacent doses (0 for a single dose)
    earliest_day: date  # no dose of it can be dated before


@dataclass(frozen=True)
class DoseFact:
    """A dose the person already had, as a clinic recorded it."""

    product_code: str
    dose_number: int
    day: date
    in_beijing: bool  # False: given in another region, recorded here from its certificate


@dataclass(frozen=True)
class DoseWish:
    """What is asked: this dose of this product on this day."""

    product_code: str
    dose_number: int
    day: date
    appointment_day: date | None  # the person's booked appointment (街道/乡镇), if any
    certificate_shown: bool  # the previous dose's certificate (接种证明) was shown


@dataclass(frozen=True)
class Reason:
    code: str  # stable: first_dose_missing, interval_too_short…
    message: str  # Chinese, for the person
    earliest_day: date | None = None  # when waiting fixes it


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    dose_number: int
    reasons: tuple[Reason, ...]  # why not (empty when eligible)
    notes: tuple[Reason, ...]  # worth saying, not refusing
    earliest_day: date | None  # the first day the interval and product allow


_PRODUCT_FIELDS = ("code", "name", "maker", "kind", "doses", "min_interval_days", "earliest_day")
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


def read_products(data: Any) -> dict[str, Product]:
    """Products from the parsed data file (``{"products": [...]}``); every problem is reported,
    each naming its field (``products[2].doses``)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("products"), list):
        raise FanjingError(Code.BAD_PRODUCTS, "产品文件应有 products 列表", Where(field="products"))
    problems: list[FanjingError] = []
    found: dict[str, Product] = {}
    for index, item in enumerate(data["products"]):
        where = Where(field=f"products[{index}]")
        try:
            product = _product(item, where)
        except InputErrors as errors:
            problems.extend(errors.errors)
            continue
        if product.code in found:
            problems.append(
                FanjingError(Code.DUPLICATE_PRODUCT, f"产品代码重复：{product.code}", where)
            )
        found[product.code] = product
    if problems:
        raise InputErrors(problems)
    if not found:
        raise FanjingError(Code.BAD_PRODUCTS, "产品文件没有产品", Where(field="products"))
    return found


def _product(item: Any, where: Where) -> Product:
    if not isinstance(item, Mapping):
        raise InputErrors([FanjingError(Code.BAD_PRODUCTS, "每个产品应是一个映射", where)])
    problems = [
        FanjingError(Code.MISSING_FIELD, f"缺少字段 {name}", where.inside(name))
        for name in _PRODUCT_FIELDS
        if name not in item
    ]
    problems += [
        FanjingError(Code.UNKNOWN_FIELD, f"未知字段 {name}", where.inside(str(name)))
        for name in item
        if name not in _PRODUCT_FIELDS
    ]
    if problems:
        raise InputErrors(problems)

    def bad(name: str, why: str) -> None:
        problems.append(FanjingError(Code.BAD_VALUE, why, where.inside(name)))

    code, doses, interval = item["code"], item["doses"], item["min_interval_days"]
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        bad("code", f"产品代码应为小写字母、数字和下划线：{code!r}")
    for name in ("name", "maker"):
        if not isinstance(item[name], str) or not item[name].strip():
            bad(name, f"{name} 不能为空")
    if item["kind"] not in {k.value for k in ProductKind}:
        bad("kind", f"未知疫苗种类 {item['kind']!r}（应为 {'、'.join(ProductKind)}）")
    if not isinstance(doses, int) or isinstance(doses, bool) or not 1 <= doses <= 5:
        bad("doses", f"剂次数应为1到5的整数：{doses!r}")
    if not isinstance(interval, int) or isinstance(interval, bool) or not 0 <= interval <= 365:
        bad("min_interval_days", f"最短间隔应为0到365天：{interval!r}")
    elif isinstance(doses, int) and (doses > 1) != (interval > 0):
        bad("min_interval_days", "多剂次产品须有最短间隔，单剂次产品间隔为0")
    if item["kind"] == ProductKind.INACTIVATED and isinstance(interval, int) and interval < 21:
        bad("min_interval_days", "灭活疫苗两剂间隔至少21天（V1）")
    if not isinstance(item["earliest_day"], date):
        bad("earliest_day", f"earliest_day 应为日期 YYYY-MM-DD：{item['earliest_day']!r}")
    if problems:
        raise InputErrors(problems)
    return Product(
        code=code,
        name=item["name"].strip(),
        maker=item["maker"].strip(),
        kind=ProductKind(item["kind"]),
        doses=doses,
        min_interval_days=interval,
        earliest_day=item["earliest_day"],
    )


def product_named(products: Mapping[str, Product], code: str, field: str = "product") -> Product:
    """The product with ``code``, or an ``unknown_product`` error listing the known codes."""
    try:
        return products[code]
    except KeyError:
        known = "、".join(sorted(products))
        raise FanjingError(
            Code.UNKNOWN_PRODUCT, f"未知疫苗产品“{code}”（应为 {known}）", Where(field=field)
        ) from None


def check_dose_record(
    product: Product, dose_number: int, day: date, *, today: date, earlier: Sequence[DoseFact]
) -> None:
    """Whether a clinic may record this dose: a dose of the schedule, on a day that is neither
    in the future (CST ``today``) nor before the product could be given, not a second record of
    the same dose, and (when the previous dose is on record) not sooner than the interval."""
    if not 1 <= dose_number <= product.doses:
        raise FanjingError(
            Code.DOSE_OUT_OF_SCHEDULE,
            f"{product.name}共{product.doses}剂，没有第{dose_number}剂",
            Where(field="dose_number"),
        )
    if day > today:
        raise FanjingError(Code.FUTURE_DAY, f"接种日期 {day} 晚于今天 {today}", Where(field="day"))
    if day < product.earliest_day:
        raise FanjingError(
            Code.BEFORE_PRODUCT_AVAILABLE,
            f"接种日期 {day} 早于该疫苗可以接种的最早日期 {product.earliest_day}",
            Where(field="day"),
        )
    if any(d.dose_number == dose_number for d in earlier):
        raise FanjingError(
            Code.DOSE_EXISTS, f"此人的第{dose_number}剂已有记录", Where(field="dose_number")
        )
    previous = _dose(earlier, dose_number - 1)
    if previous is not None and day < _earliest_after(previous, product):
        raise FanjingError(
            Code.INTERVAL_TOO_SHORT,
            f"距第{previous.dose_number}剂（{previous.day}）不足{product.min_interval_days}天",
            Where(field="day"),
        )


def eligibility(
    products: Mapping[str, Product], prior: Iterable[DoseFact], wish: DoseWish
) -> Eligibility:
    """May the person have dose ``wish.dose_number`` of ``wish.product_code`` on ``wish.day``?

    Every reason against is given (not only the first), each with a stable code:
    ``product_not_available``, ``dose_out_of_schedule``, ``schedule_complete``,
    ``dose_already_given``, ``first_dose_missing`` / ``previous_dose_missing``,
    ``product_mismatch`` (another kind of vaccine), ``interval_too_short`` (with the earliest
    day: the previous dose's day plus the minimum interval, so day 21 after a first inactivated
    dose is allowed and day 20 is not), ``certificate_required`` (the previous dose was given
    in another region and its certificate was not shown, V1) and ``appointment_required`` (no
    appointment booked through the street or township for that day, V1). Completing the series
    with the same kind from another maker is allowed, with a note (技术指南: 可采用相同种类的其他
    生产企业的疫苗产品完成接种).
    """
    product = product_named(products, wish.product_code)
    doses = sorted(prior, key=lambda d: (d.dose_number, d.day))
    reasons: list[Reason] = []
    notes: list[Reason] = []
    earliest = product.earliest_day
    if wish.day < product.earliest_day:
        reasons.append(
            Reason(
                "product_not_available",
                f"{product.name}最早可于 {product.earliest_day} 接种",
                product.earliest_day,
            )
        )
    reasons += _schedule_reasons(product, doses, wish.dose_number)
    previous = _dose(doses, wish.dose_number - 1)
    if previous is not None:
        before = products.get(previous.product_code)
        if before is not None and before.kind is not product.kind:
            reasons.append(
                Reason(
                    "product_mismatch",
                    f"前一剂是{before.kind.label_zh}（{before.maker}），不能用{product.kind.label_zh}续种",
                )
            )
        elif before is not None and before.code != product.code:
            notes.append(
                Reason(
                    "other_maker_same_kind",
                    f"前一剂为{before.maker}产品，以同种类的{product.maker}产品完成接种",
                )
            )
        earliest = max(earliest, _earliest_after(previous, before or product, product))
        if wish.day < earliest:
            reasons.append(
                Reason(
                    "interval_too_short",
                    f"距第{previous.dose_number}剂（{previous.day}）须满"
                    f"{max(product.min_interval_days, before.min_interval_days if before else 0)}天，"
                    f"最早可于 {earliest} 接种",
                    earliest,
                )
            )
        if not previous.in_beijing and not wish.certificate_shown:
            reasons.append(
                Reason(
                    "certificate_required",
                    f"第{previous.dose_number}剂在外地接种：须出示其接种证明，经核实后接种",
                )
            )
    if wish.appointment_day != wish.day:
        reasons.append(
            Reason(
                "appointment_required",
                f"{wish.day} 没有预约：请通过所在街道（乡镇）预约接种",
            )
        )
    return Eligibility(
        eligible=not reasons,
        dose_number=wish.dose_number,
        reasons=tuple(reasons),
        notes=tuple(notes),
        earliest_day=earliest,
    )


def _schedule_reasons(product: Product, doses: Sequence[DoseFact], wanted: int) -> list[Reason]:
    if len(doses) >= product.doses and wanted > len(doses):
        return [
            Reason("schedule_complete", f"已完成{product.name}全部{product.doses}剂，无需再接种")
        ]
    if not 1 <= wanted <= product.doses:
        return [
            Reason(
                "dose_out_of_schedule",
                f"{product.name}共{product.doses}剂，没有第{wanted}剂",
            )
        ]
    if _dose(doses, wanted) is not None:
        return [Reason("dose_already_given", f"第{wanted}剂已有接种记录")]
    missing = [n for n in range(1, wanted) if _dose(doses, n) is None]
    if not missing:
        return []
    if missing[0] == 1:
        return [
            Reason(
                "first_dose_missing",
                "没有第1剂的接种记录：外地接种的，请先向接种门诊提供第1剂的信息和接种证明",
            )
        ]
    return [Reason("previous_dose_missing", f"没有第{missing[0]}剂的接种记录")]


def _dose(doses: Iterable[DoseFact], number: int) -> DoseFact | None:
    return next((d for d in doses if d.dose_number == number), None)


def _earliest_after(previous: DoseFact, *products: Product) -> date:
    """The first day allowed after ``previous``: its day plus the longest minimum interval."""
    return previous.day + timedelta(days=max(p.min_interval_days for p in products))
