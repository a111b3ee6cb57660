"""CertLogic: validate EU DCC business-rule expressions and compile them to closures.

CertLogic is the restricted subset of JsonLogic, plus date-time operations, in which
the EU Digital COVID Certificate business rules are written (specification 1.3.2,
``certlogic/specification/README.md`` in ``ehn-dcc-development/eu-dcc-business-rules``).
This is fanjing's own implementation. It leaves out ``extractFromUVCI`` and
``dccDateOfBirth``, which fanjing does not use: they are unrecognised operators here.

Values are JSON values as :mod:`json` loads them: ``None``, ``bool``, ``int``,
``str``, ``list`` and ``dict``. JSON has a single number type, so a float with an
integral value (``42.0``) counts as the integer 42, in expressions and in data alike;
any other float is no CertLogic value. Date-times, which only ``plusTime`` makes,
are aware :class:`~datetime.datetime` objects in UTC, truncated to milliseconds.

The module is pure: no I/O and no clock. The current time reaches a rule only
through its data (conventionally ``external.validationClock``).
"""

from __future__ import annotations

import calendar
import json
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Final, TypeVar

__all__ = [
    "CertLogicError",
    "Evaluator",
    "ValidationIssue",
    "compile_expression",
    "evaluate",
    "validate",
]

Evaluator = Callable[[object], object]
"""A compiled expression: takes the data context, returns the expression's value."""

_T = TypeVar("_T")


class CertLogicError(Exception):
    """An invalid CertLogic expression, or a type mismatch found while evaluating one.

    ``issues`` holds the validation issues when the error comes from compiling an
    invalid expression; it is empty for errors raised during evaluation.
    """

    def __init__(self, message: str, issues: Sequence[ValidationIssue] = ()) -> None:
        super().__init__(message)
        self.issues: tuple[ValidationIssue, ...] = tuple(issues)


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem found by :func:`validate`: the offending (sub-)expression and why."""

    expr: object
    message: str


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):  # bool is an int subclass in Python, never in JSON
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _truthy(value: object, role: str) -> bool:
    """CertLogic truthiness; raises for values that are neither truthy nor falsy."""
    if value is True:
        return True
    if value is False or value is None:
        return False
    if isinstance(value, str | list | dict):
        return len(value) > 0
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return value != 0
    raise CertLogicError(f"{role} evaluated to {_show(value)}, which is neither truthy nor falsy")


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
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except ValueError:  # circular structure
        text = repr(value)
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


# --------------------------------------------------------------------------------------
# Dates and date-times
# --------------------------------------------------------------------------------------

_TIME_UNITS: Final = ("year", "month", "day", "hour")

_DATE_TIME_FORMAT: Final = re.compile(
    r"(?P<year>[0-9]{4})"
    r"(?:-(?P<month>[0-9]{2})"
    r"(?:-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>Z|[+-][0-9]{1,2}(?::?[0-9]{2})?)?"
    r")?)?)?"
)


def _parse_offset(text: str | None) -> timezone:
    if text is None or text == "Z":
        return UTC  # a missing offset means UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    if ":" in digits:
        hours, minutes = digits.split(":")
    elif len(digits) <= 2:
        hours, minutes = digits, "00"
    else:  # hmm or hhmm, without a colon
        hours, minutes = digits[:-2], digits[-2:]
    if int(minutes) >= 60:
        raise ValueError(f"offset minutes out of range: {text}")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


@lru_cache(maxsize=4096)
def _parse_date_time(text: str) -> datetime:
    """Parse a plusTime date(-time) string to a UTC datetime, truncated to milliseconds.

    Cached because rules keep re-reading the same strings (the validation clock,
    a certificate's dates); datetimes are immutable, so sharing them is safe.
    """
    match = _DATE_TIME_FORMAT.fullmatch(text)
    if match is None:
        raise CertLogicError(f"not an allowed date or date-time format: {_show(text)}")
    part = match.group
    year = int(part("year"))
    try:
        if part("month") is None:
            # Partial dates mean the last day they cover (as dccDateOfBirth does).
            return datetime(year, 12, 31, tzinfo=UTC)
        month = int(part("month"))
        if part("day") is None:
            return datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=UTC)
        day = int(part("day"))
        if part("hour") is None:
            return datetime(year, month, day, tzinfo=UTC)
        # Digits beyond the third are dropped: the spec rounds down to the millisecond.
        millisecond = int((part("fraction") or "0").ljust(3, "0")[:3])
        local = datetime(
            year,
            month,
            day,
            int(part("hour")),
            int(part("minute")),
            int(part("second")),
            millisecond * 1000,
            tzinfo=_parse_offset(part("offset")),
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise CertLogicError(f"not a valid date or date-time: {_show(text)} ({error})") from None


def _with_overflowing_day(moment: datetime, year: int, month: int) -> datetime:
    # The spec pins plusTime to JavaScript's Date setters, which roll a day past the
    # end of the month into the next one: 2020-02-29 + 1 year = 2021-03-01.
    return moment.replace(year=year, month=month, day=1) + timedelta(days=moment.day - 1)


def _plus_years(moment: datetime, amount: int) -> datetime:
    return _with_overflowing_day(moment, moment.year + amount, moment.month)


def _plus_months(moment: datetime, amount: int) -> datetime:
    year, month_index = divmod(moment.year * 12 + moment.month - 1 + amount, 12)
    return _with_overflowing_day(moment, year, month_index + 1)


def _plus_days(moment: datetime, amount: int) -> datetime:
    return moment + timedelta(days=amount)  # UTC: no DST, every day is 24 hours


def _plus_hours(moment: datetime, amount: int) -> datetime:
    return moment + timedelta(hours=amount)


_SHIFTERS: Final[dict[str, Callable[[datetime, int], datetime]]] = {
    "year": _plus_years,
    "month": _plus_months,
    "day": _plus_days,
    "hour": _plus_hours,
}


def _plus_time(text: str, amount: int, unit: str) -> datetime:
    moment = _parse_date_time(text)
    try:
        return _SHIFTERS[unit](moment, amount)
    except (ValueError, OverflowError) as error:
        raise CertLogicError(
            f"plusTime of {amount} {unit}(s) on {_show(text)} is out of range ({error})"
        ) from None


# --------------------------------------------------------------------------------------
# Compilation: one small function per operator
# --------------------------------------------------------------------------------------


def _compile(expr: object) -> Evaluator:
    """Compile an expression that :func:`validate` has accepted."""
    if isinstance(expr, dict):
        ((operator_name, operands),) = expr.items()
        if operator_name == "var":
            return _compile_var(operands)
        return _OPERATORS[operator_name].compile(operands)
    if isinstance(expr, list):
        return _compile_array(expr)
    return _compile_literal(expr)


def _compile_literal(value: object) -> Evaluator:
    constant = int(value) if isinstance(value, float) else value  # 42.0 is the integer 42

    def literal(_data: object) -> object:
        return constant

    return literal


def _compile_array(items: list[object]) -> Evaluator:
    parts = tuple(_compile(item) for item in items)

    # A fresh list on every call, so callers may mutate results freely.
    def array(data: object) -> object:
        return [part(data) for part in parts]

    return array


def _path_step(fragment: str) -> tuple[str, int | None]:
    # Only plain ASCII digit fragments index arrays; "-1" can never hit an element.
    index = int(fragment) if fragment.isascii() and fragment.isdigit() else None
    return fragment, index


def _drill(data: object, key: str, index: int | None) -> object:
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and index is not None and index < len(data):
        return data[index]
    return None  # null, missing, or not drillable (e.g. a string)


def _compile_var(path: str) -> Evaluator:
    if path == "":

        def whole(data: object) -> object:
            return data

        return whole
    steps = tuple(_path_step(fragment) for fragment in path.split("."))
    if len(steps) == 1:
        ((key, index),) = steps

        def single(data: object) -> object:
            return _drill(data, key, index)

        return single

    def nested(data: object) -> object:
        for key, index in steps:
            data = _drill(data, key, index)
            if data is None:
                return None
        return data

    return nested


def _compile_if(operands: list[object]) -> Evaluator:
    guard, then, otherwise = (_compile(operand) for operand in operands)

    def if_(data: object) -> object:
        return then(data) if _truthy(guard(data), 'the guard of "if"') else otherwise(data)

    return if_


def _compile_and(operands: list[object]) -> Evaluator:
    parts = tuple(_compile(operand) for operand in operands)

    # Lazy, in order; the spec requires every evaluated operand (the last one too)
    # to be truthy or falsy.
    def and_(data: object) -> object:
        value: object = None
        for part in parts:
            value = part(data)
            if not _truthy(value, 'an operand of "and"'):
                return value
        return value

    return and_


def _compile_not(operands: list[object]) -> Evaluator:
    operand = _compile(operands[0])

    def not_(data: object) -> object:
        return not _truthy(operand(data), 'the operand of "!"')

    return not_


def _is_primitive_literal(expr: object) -> bool:
    return isinstance(expr, bool | int | str) or (isinstance(expr, float) and expr.is_integer())


def _compile_equals(operands: list[object]) -> Evaluator:
    left_expr, right_expr = operands
    # Rules nearly always compare a data value with a literal: test that directly.
    if _is_primitive_literal(right_expr) and not _is_primitive_literal(left_expr):
        return _compile_equals_literal(_compile(left_expr), right_expr)
    if _is_primitive_literal(left_expr) and not _is_primitive_literal(right_expr):
        return _compile_equals_literal(_compile(right_expr), left_expr)
    left, right = _compile(left_expr), _compile(right_expr)

    def equals(data: object) -> object:
        return _strict_equal(left(data), right(data))

    return equals


def _compile_equals_literal(operand: Evaluator, literal: object) -> Evaluator:
    key = _member_key(literal)

    def equals_literal(data: object) -> object:
        return _member_key(operand(data)) == key

    return equals_literal


def _compile_in(operands: list[object]) -> Evaluator:
    needle_expr, haystack_expr = operands
    needle = _compile(needle_expr)
    if isinstance(haystack_expr, list) and all(map(_is_primitive_literal, haystack_expr)):
        keys = frozenset(_member_key(item) for item in haystack_expr)

        def in_literal(data: object) -> object:
            return _member_key(needle(data)) in keys

        return in_literal
    haystack = _compile(haystack_expr)

    def in_(data: object) -> object:
        value, items = needle(data), haystack(data)
        if not isinstance(items, list):
            raise CertLogicError(
                f'the second operand of "in" must be an array, but it evaluated to {_show(items)}'
            )
        return any(_strict_equal(value, item) for item in items)

    return in_


def _compile_plus(operands: list[object]) -> Evaluator:
    left, right = (_compile(operand) for operand in operands)

    def plus(data: object) -> object:
        return _integer(left(data), 'operands of "+"') + _integer(right(data), 'operands of "+"')

    return plus


def _comparison(
    symbol: str,
    compare: Callable[[_T, _T], bool],
    coerce: Callable[[object, str], _T],
) -> Callable[[list[object]], Evaluator]:
    """Compiler for a 2- or 3-operand comparison; ``a < b < c`` means both hold."""
    role = f'operands of "{symbol}"'

    def compile_comparison(operands: list[object]) -> Evaluator:
        parts = tuple(_compile(operand) for operand in operands)
        if len(parts) == 2:
            first, second = parts

            def binary(data: object) -> object:
                return compare(coerce(first(data), role), coerce(second(data), role))

            return binary
        first, second, third = parts

        # All three are evaluated and type-checked, even when the first test fails.
        def ternary(data: object) -> object:
            a = coerce(first(data), role)
            b = coerce(second(data), role)
            c = coerce(third(data), role)
            return compare(a, b) and compare(b, c)

        return ternary

    return compile_comparison


def _plus_time_operand(operand: object, amount: int, unit: str) -> datetime:
    if not isinstance(operand, str):
        raise CertLogicError(
            f'the first operand of "plusTime" must be a date(-time) string, '
            f"but it evaluated to {_show(operand)}"
        )
    return _plus_time(operand, amount, unit)


def _compile_plus_time(operands: list[object]) -> Evaluator:
    source_expr, amount_literal, unit_literal = operands
    amount = _integer(amount_literal, '"plusTime" amounts')
    unit = str(unit_literal)
    if isinstance(source_expr, str):
        try:
            constant = _plus_time(source_expr, amount, unit)
        except CertLogicError:
            pass  # out of range: fail when (and only if) it is evaluated
        else:

            def plus_time_constant(_data: object) -> object:
                return constant

            return plus_time_constant
    source = _compile(source_expr)

    def plus_time(data: object) -> object:
        return _plus_time_operand(source(data), amount, unit)

    return plus_time


def _compile_reduce(operands: list[object]) -> Evaluator:
    source, step, initial = (_compile(operand) for operand in operands)

    def reduce(data: object) -> object:
        items = source(data)
        if items is None:
            return initial(data)  # as the reference implementations do
        if not isinstance(items, list):
            raise CertLogicError(
                f'the first operand of "reduce" must be an array or null, '
                f"but it evaluated to {_show(items)}"
            )
        accumulator = initial(data)
        for current in items:
            accumulator = step({"accumulator": accumulator, "current": current})
        return accumulator

    return reduce


# --------------------------------------------------------------------------------------
# Operators: arity (for validation) and compiler
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Operator:
    min_operands: int
    max_operands: int | None  # None: no upper bound
    compile: Callable[[list[object]], Evaluator]


_OPERATORS: Final[dict[str, _Operator]] = {
    "if": _Operator(3, 3, _compile_if),
    "and": _Operator(2, None, _compile_and),
    "!": _Operator(1, 1, _compile_not),
    "===": _Operator(2, 2, _compile_equals),
    "in": _Operator(2, 2, _compile_in),
    "+": _Operator(2, 2, _compile_plus),
    "<": _Operator(2, 3, _comparison("<", operator.lt, _integer)),
    ">": _Operator(2, 3, _comparison(">", operator.gt, _integer)),
    "<=": _Operator(2, 3, _comparison("<=", operator.le, _integer)),
    ">=": _Operator(2, 3, _comparison(">=", operator.ge, _integer)),
    "before": _Operator(2, 3, _comparison("before", operator.lt, _date_time)),
    "after": _Operator(2, 3, _comparison("after", operator.gt, _date_time)),
    "not-after": _Operator(2, 3, _comparison("not-after", operator.le, _date_time)),
    "not-before": _Operator(2, 3, _comparison("not-before", operator.ge, _date_time)),
    "plusTime": _Operator(3, 3, _compile_plus_time),
    "reduce": _Operator(3, 3, _compile_reduce),
}


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

_PATH_FORMAT: Final = re.compile(r"[^.]+(?:\.[^.]+)*")


def _arity_message(name: str, spec: _Operator, count: int) -> str | None:
    low, high = spec.min_operands, spec.max_operands
    if low <= count and (high is None or count <= high):
        return None
    if high is None:
        expected = f"at least {low}"
    elif low == high:
        expected = f"exactly {low}"
    else:
        expected = f"{low} or {high}"
    noun = "operand" if (high or low) == 1 else "operands"
    return f'operator "{name}" takes {expected} {noun}, but it has {count}'


def _validate_plus_time(
    expr: object, operands: list[object], issues: list[ValidationIssue]
) -> None:
    if len(operands) >= 1:
        source = operands[0]
        if isinstance(source, str):
            try:
                _parse_date_time(source)
            except CertLogicError as error:
                issues.append(ValidationIssue(expr, f'"plusTime" operand #1: {error}'))
        elif _is_primitive_literal(source) or isinstance(source, list):
            issues.append(
                ValidationIssue(
                    expr,
                    f'"plusTime" operand #1 must be a date(-time) string, '
                    f"but it is: {_show(source)}",
                )
            )
        else:
            _validate(source, issues)
    if len(operands) >= 2 and not _is_integer(operands[1]):
        issues.append(
            ValidationIssue(
                expr,
                f'"plusTime" operand #2 (the amount) must be a literal integer, '
                f"but it is: {_show(operands[1])}",
            )
        )
    if len(operands) >= 3 and operands[2] not in _TIME_UNITS:
        units = ", ".join(f'"{unit}"' for unit in _TIME_UNITS)
        issues.append(
            ValidationIssue(
                expr,
                f'"plusTime" operand #3 (the time unit) must be one of {units}, '
                f"but it is: {_show(operands[2])}",
            )
        )


def _validate_operation(expr: dict[object, object], issues: list[ValidationIssue]) -> None:
    if len(expr) != 1:
        issues.append(
            ValidationIssue(
                expr, f"expression object must have exactly one key, but it has {len(expr)}"
            )
        )
        return
    ((name, operands),) = expr.items()
    if name == "var":
        if not isinstance(operands, str):
            issues.append(ValidationIssue(expr, 'not of the form { "var": "<path>" }'))
        elif operands and not _PATH_FORMAT.fullmatch(operands):
            issues.append(
                ValidationIssue(expr, f"data access path doesn't have a valid format: {operands}")
            )
        return
    if not isinstance(operands, list):
        issues.append(
            ValidationIssue(expr, 'operation not of the form { "<operator>": [ <values...> ] }')
        )
        return
    spec = _OPERATORS.get(name) if isinstance(name, str) else None
    if spec is None:
        issues.append(ValidationIssue(expr, f'unrecognised operator: "{name}"'))
        return
    message = _arity_message(str(name), spec, len(operands))
    if message is not None:
        issues.append(ValidationIssue(expr, message))
    if name == "plusTime":
        _validate_plus_time(expr, operands, issues)
        return
    for operand in operands:
        _validate(operand, issues)


def _validate(expr: object, issues: list[ValidationIssue]) -> None:
    if isinstance(expr, bool | int | str):
        return
    if isinstance(expr, float):
        if not expr.is_integer():
            issues.append(ValidationIssue(expr, f"{_number_text(expr)} is a non-integer number"))
        return
    if isinstance(expr, list):
        for item in expr:
            _validate(item, issues)
        return
    if isinstance(expr, dict):
        _validate_operation(expr, issues)
        return
    issues.append(ValidationIssue(expr, "invalid CertLogic expression"))  # null, or not JSON


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def validate(expression: object) -> list[ValidationIssue]:
    """Check ``expression`` statically against the CertLogic grammar; return every issue.

    The whole expression is walked, so nested problems are all reported, each with the
    sub-expression it concerns (an empty list means the expression is valid). Checks:

    * literals are booleans, integers or strings; ``null`` and objects are not literals
      (``invalid CertLogic expression``), nor are non-integral numbers (``3.14 is a
      non-integer number``). ``42.0`` is accepted: in JSON it is the integer 42;
    * an expression object has exactly one key; ``var`` takes a path string made of
      non-empty, dot-separated fragments, or ``""``; any other operator takes an array
      of operands and must be one of ``if and ! === in + < > <= >= before after
      not-before not-after plusTime reduce``. ``extractFromUVCI`` and
      ``dccDateOfBirth`` are deliberately unrecognised;
    * operand counts: ``!`` 1; ``===``, ``in`` and ``+`` 2; ``and`` at least 2;
      comparisons 2 or 3; ``if``, ``plusTime`` and ``reduce`` 3;
    * ``plusTime`` takes a literal integer amount and a literal unit (``year``,
      ``month``, ``day`` or ``hour``); a literal date operand must be a well-formed
      date(-time) string.

    Messages for the cases in the public CertLogic validation test suite are the ones
    it expects; the others are fanjing's own wording.
    """
    issues: list[ValidationIssue] = []
    _validate(expression, issues)
    return issues


def compile_expression(expression: object) -> Evaluator:
    """Validate ``expression`` and compile it into a closure ``evaluate(data) -> value``.

    Compile once and call the result many times: operator dispatch, ``var`` path
    splitting, literal folding (including ``plusTime`` of a literal date) and ``in``
    look-up sets are settled here, not per call.

    Semantics (CertLogic specification 1.3.2):

    * falsy: ``false``, ``null``, ``""``, ``0``, ``[]``, ``{}``; truthy: ``true``,
      non-empty strings, non-zero integers, non-empty arrays and objects. Any other
      value (a date-time, a non-integral number) is neither, and ``if``, ``and`` and
      ``!`` raise :class:`CertLogicError` on it;
    * ``and`` is lazy and returns the first falsy operand or else the last operand;
      ``if`` evaluates only the branch it takes;
    * ``===`` and ``in`` compare without coercion (``true`` is not ``1``); ``in``
      raises unless its second operand is an array;
    * ``+``, ``<``, ``>``, ``<=``, ``>=`` take integers only, ``before``, ``after``,
      ``not-before``, ``not-after`` date-times only; the 3-operand form ``a < b < c``
      holds when both comparisons do;
    * ``var`` drills down a dotted path; digit fragments index arrays; anything
      missing or not drillable gives ``null``; ``""`` is the whole data context;
    * ``plusTime`` parses ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (midnight UTC; partial
      dates mean their last day) and ``YYYY-MM-DDThh:mm:ss[.S...]`` with an optional
      offset ``Z``, ``±h``, ``±hh``, ``±hmm``, ``±hhmm``, ``±h:mm``, ``±hh:mm`` (none
      means UTC), truncates to milliseconds and adds the amount in UTC. Month and year
      steps roll an overflowing day into the next month, as JavaScript's ``Date``
      does: 2020-02-29 + 1 year is 2021-03-01. The result is an aware UTC
      :class:`~datetime.datetime`;
    * ``reduce`` folds the array from the initial value, evaluating the lambda on
      ``{"accumulator": ..., "current": ...}``; a ``null`` array gives the initial value.

    Raises :class:`CertLogicError` (with ``issues``) if :func:`validate` finds any
    issue. The closure raises :class:`CertLogicError` on type mismatches.
    """
    issues = validate(expression)
    if issues:
        details = "; ".join(f"{issue.message} (in {_show(issue.expr)})" for issue in issues)
        raise CertLogicError(f"invalid CertLogic expression: {details}", issues)
    return _compile(expression)


@lru_cache(maxsize=1024)
def _compile_json_text(text: str) -> Evaluator:
    return compile_expression(json.loads(text))


def evaluate(expression: object, data: object) -> object:
    """Evaluate ``expression`` on ``data``: :func:`compile_expression`, then call.

    Compiled expressions are cached by their JSON text, so repeating an expression is
    cheap; the expression is therefore read as JSON (a tuple counts as an array).
    Anything that cannot be written as JSON is compiled uncached and so rejected by
    validation. Raises :class:`CertLogicError` like :func:`compile_expression` and the
    closure it returns.
    """
    try:
        text = json.dumps(expression, allow_nan=False)
    except (TypeError, ValueError):
        return compile_expression(expression)(data)
    return _compile_json_text(text)(data)
