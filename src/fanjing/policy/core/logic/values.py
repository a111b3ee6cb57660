"""CertLogic values: type checks, strict equality, ``in`` member keys, showing values."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Final

from fanjing.policy.core.logic.errors import CertLogicError


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):  # bool is an int subclass in Python, never in JSON
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _integer(value: object, role: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise CertLogicError(f"{role} must be integers, but one evaluated to {_show(value)}")


def _date_time(value: object, role: str) -> datetime:
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    raise CertLogicError(f"{role} must be date-times, but one evaluated to {_show(value)}")


def _strict_equal(left: object, right: object) -> bool:
    """``===`` without type coercion: ``true`` is not ``1``, ``0`` is not ``"0"``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right  # one JSON number type: 42 === 42.0
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_strict_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _strict_equal(v, right[k]) for k, v in left.items()
        )
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left == right
    return left is None and right is None


_UNHASHABLE: Final = object()


def _member_key(value: object) -> object:
    """A hashable key equal for two primitives exactly when they are ``===``."""
    if value is None:
        return ("null", None)
    if isinstance(value, bool):  # tested before int: True must not meet 1
        return ("boolean", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, int | float):
        return ("number", value)  # 42 and 42.0 hash and compare equal
    return _UNHASHABLE


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    try:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except ValueError:  # circular structure
            text = repr(value)
    except RecursionError:
        text = "(nested too deeply to show)"
    return text if len(text) <= 80 else text[:77] + "..."


def _number_text(value: float) -> str:
    # Print as JavaScript would (the reference validator's messages come from JS).
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    mantissa, _, exponent = repr(value).partition("e")
    if not exponent:
        return mantissa
    return f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0')}"


def _is_primitive_literal(expr: object) -> bool:
    return isinstance(expr, bool | int | str) or (isinstance(expr, float) and expr.is_integer())
