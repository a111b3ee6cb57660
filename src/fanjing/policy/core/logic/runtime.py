"""The helpers the generated code calls, the namespace it runs in, and its function type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from fanjing.policy.core.logic.datetimes import _parse_date_time, _plus_time
from fanjing.policy.core.logic.errors import CertLogicError
from fanjing.policy.core.logic.values import (
    _date_time,
    _integer,
    _member_key,
    _show,
    _strict_equal,
)

Evaluator = Callable[[object], object]
"""A compiled expression: takes the data context, returns the expression's value."""


def _checked(value: object, role: str) -> object:
    """``value`` itself, once known to be truthy or falsy; raises for values that are neither.

    The generated code calls this only for values its inline test does not settle (see
    :func:`.codegen._truth_source`); for the values it lets through, Python's own truth test
    agrees with CertLogic's.
    """
    if value is None or isinstance(value, bool | int | str | list | dict):
        return value
    if isinstance(value, float) and value.is_integer():
        return value
    raise CertLogicError(f"{role} evaluated to {_show(value)}, which is neither truthy nor falsy")


_TRUTH_TYPES: Final = frozenset({bool, int, str, list, dict, type(None)})
"""Types whose values are truthy or falsy, and for which Python's truth test is CertLogic's."""


def _drill(data: object, key: str, index: int | None) -> object:
    """One ``var`` step on anything but a plain dict (which the generated code reads inline)."""
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and index is not None and index < len(data):
        return data[index]
    return None  # null, missing, or not drillable (e.g. a string)


def _member_of(value: object, items: object) -> bool:
    if not isinstance(items, list):
        raise CertLogicError(
            f'the second operand of "in" must be an array, but it evaluated to {_show(items)}'
        )
    return any(_strict_equal(value, item) for item in items)


def _plus_time_operand(operand: object, amount: int, unit: str) -> datetime:
    if not isinstance(operand, str):
        raise CertLogicError(
            f'the first operand of "plusTime" must be a date(-time) string, '
            f"but it evaluated to {_show(operand)}"
        )
    return _plus_time(operand, amount, unit)


def _reduce_operand(items: object) -> list[object] | None:
    if items is None or isinstance(items, list):
        return items
    raise CertLogicError(
        f'the first operand of "reduce" must be an array or null, but it evaluated to {_show(items)}'
    )


def _fold(items: list[object] | None, step: Evaluator, initial: object) -> object:
    accumulator = initial  # a null array gives the initial value, as the reference does
    for current in items or ():
        accumulator = step({"accumulator": accumulator, "current": current})
    return accumulator


_RUNTIME: Final[dict[str, object]] = {
    # The generated code sees these names and its own constants, nothing else.
    "__builtins__": {},
    "type": type,
    "bool": bool,
    "int": int,
    "str": str,
    "dict": dict,
    "_checked": _checked,
    "_TRUTH_TYPES": _TRUTH_TYPES,
    "_drill": _drill,
    "_integer": _integer,
    "_date_time": _date_time,
    "_strict_equal": _strict_equal,
    "_member_key": _member_key,
    "_member_of": _member_of,
    "_parse_date_time": _parse_date_time,
    "_plus_time": _plus_time,
    "_plus_time_operand": _plus_time_operand,
    "_reduce_operand": _reduce_operand,
    "_fold": _fold,
}
