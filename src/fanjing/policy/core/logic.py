"""CertLogic: validate EU DCC business-rule expressions and compile them to Python functions.

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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from functools import lru_cache
from typing import Final, cast

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


@lru_cache(maxsize=4096)
def _plus_time(text: str, amount: int, unit: str) -> datetime:
    """``text`` parsed and shifted; cached like :func:`_parse_date_time`."""
    moment = _parse_date_time(text)
    try:
        return _SHIFTERS[unit](moment, amount)
    except (ValueError, OverflowError) as error:
        raise CertLogicError(
            f"plusTime of {amount} {unit}(s) on {_show(text)} is out of range ({error})"
        ) from None


# --------------------------------------------------------------------------------------
# Helpers the generated code calls
# --------------------------------------------------------------------------------------


def _checked(value: object, role: str) -> object:
    """``value`` itself, once known to be truthy or falsy; raises for values that are neither.

    The generated code calls this only for values its inline test does not settle (see
    :func:`_truth_source`); for the values it lets through, Python's own truth test
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


# --------------------------------------------------------------------------------------
# Code generation: one small source-emitting function per operator
# --------------------------------------------------------------------------------------
#
# An expression compiles to the source of one function,
#
#     def evaluate(data):
#         return <one Python expression>
#
# turned into code once, with compile() and exec(). Every sub-expression becomes a Python
# expression that is an atom (a name, a call, a display or parenthesised), so the pieces
# nest without precedence surprises. A value needed more than once is bound to a walrus
# temporary (_v1, _v2, ...), a local of the function. Literals never appear in the source
# text: they are constants (_k1, _k2, ...) in the function's globals, next to the helpers
# in _RUNTIME, so no string can change the code.

_MAX_DEPTH: Final = 100
"""The deepest nesting of operations and arrays that :func:`validate` accepts."""

_OUTLINE_DEPTH: Final = 20
"""Nesting at which a sub-expression goes into a function of its own. This keeps the
generated source far from Python's limit of 200 nested parentheses."""


class _Kind(Enum):
    """What generated code is statically known to give, so checks can be left out."""

    BOOLEAN = "boolean"
    INTEGER = "integer"
    DATE_TIME = "date-time"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class _Code:
    """Python source for a sub-expression (an atom), and the kind of value it gives."""

    source: str
    kind: _Kind = _Kind.ANY


class _Generator:
    """Generates and compiles the function(s) for one expression, in one shared namespace."""

    def __init__(self) -> None:
        self._namespace: dict[str, object] = dict(_RUNTIME)
        self._count = 0
        self._depth = 0  # nesting within the function being generated

    def _next(self) -> int:
        self._count += 1
        return self._count

    def constant(self, value: object) -> str:
        """The name of a new constant holding ``value``."""
        name = f"_k{self._next()}"
        self._namespace[name] = value
        return name

    def temporary(self) -> str:
        """The name of a new local, for a walrus temporary."""
        return f"_v{self._next()}"

    def emit(self, expr: object) -> _Code:
        """Source for a valid (sub-)expression; a deeply nested one becomes a call,
        ``_k7(data)``, of a function of its own."""
        if self._depth >= _OUTLINE_DEPTH and isinstance(expr, list | dict) and not _is_var(expr):
            function, kind = self.function(expr)
            return _Code(f"{self.constant(function)}(data)", kind)
        self._depth += 1
        try:
            return _emit_expression(self, expr)
        finally:
            self._depth -= 1

    def function(self, expr: object) -> tuple[Evaluator, _Kind]:
        """Compile ``expr`` into ``def evaluate(data): return <expr>``."""
        outer_depth, self._depth = self._depth, 0
        try:
            code = self.emit(expr)
        finally:
            self._depth = outer_depth
        source = f"def evaluate(data):\n    return {code.source}\n"
        defined: dict[str, object] = {}
        try:
            exec(compile(source, "<certlogic>", "exec"), self._namespace, defined)
        except (SyntaxError, RecursionError, MemoryError) as error:
            # A safety net: the depth limits are there so that this cannot happen.
            raise CertLogicError(f"expression too complex to compile: {error}") from None
        return cast(Evaluator, defined["evaluate"]), code.kind


def _is_var(expr: object) -> bool:
    return isinstance(expr, dict) and "var" in expr


def _emit_expression(gen: _Generator, expr: object) -> _Code:
    if isinstance(expr, dict):
        ((name, operands),) = expr.items()
        if name == "var":
            return _emit_var(gen, operands)
        return _OPERATORS[name].emit(gen, operands)
    if isinstance(expr, list):
        return _emit_array(gen, expr)
    return _emit_literal(gen, expr)


def _literal_value(value: object) -> object:
    return int(value) if isinstance(value, float) else value  # 42.0 is the integer 42


def _emit_literal(gen: _Generator, value: object) -> _Code:
    """``True`` or ``False`` as themselves; an integer or a string as a constant, ``_k3``."""
    if isinstance(value, bool):
        return _Code(repr(value), _Kind.BOOLEAN)
    if isinstance(value, int | float):
        return _Code(gen.constant(_literal_value(value)), _Kind.INTEGER)
    return _Code(gen.constant(value))


def _emit_array(gen: _Generator, items: list[object]) -> _Code:
    """A list display, ``[a, b]``: every evaluation makes a fresh list."""
    return _Code("[" + ", ".join(gen.emit(item).source for item in items) + "]")


def _path_step(gen: _Generator, fragment: str) -> tuple[str, str]:
    """Constants for one path fragment: the key, and the array index (or ``None``)."""
    # Only plain ASCII digit fragments index arrays; "-1" can never hit an element, and
    # neither can an index of 19 digits or more (so no huge int() is ever made).
    is_index = fragment.isascii() and fragment.isdigit() and len(fragment) < 19
    return gen.constant(fragment), gen.constant(int(fragment)) if is_index else "None"


def _step_source(subject: str, key: str, index: str) -> str:
    """One ``var`` step on the value named ``subject``: a plain dict is read inline,
    anything else (an array, a dict subclass, null, a string) goes to :func:`_drill`."""
    return (
        f"({subject}.get({key}) if type({subject}) is dict else _drill({subject}, {key}, {index}))"
    )


def _emit_var(gen: _Generator, path: str) -> _Code:
    """Inline drilling. ``""`` is ``data``; ``a`` is one step on ``data``; ``a.b.c`` binds
    every step but the last to one temporary and stops at the first null:
    ``(None if (_v := <a on data>) is None or (_v := <b on _v>) is None else <c on _v>)``.
    """
    if path == "":
        return _Code("data")
    steps = [_path_step(gen, fragment) for fragment in path.split(".")]
    if len(steps) == 1:
        return _Code(_step_source("data", *steps[0]))
    value, subject, guards = gen.temporary(), "data", []
    for key, index in steps[:-1]:
        guards.append(f"({value} := {_step_source(subject, key, index)}) is None")
        subject = value
    return _Code(f"(None if {' or '.join(guards)} else {_step_source(value, *steps[-1])})")


def _truth_source(gen: _Generator, code: _Code, role: str) -> str:
    """``code``'s value, checked to be truthy or falsy, for Python's truth test to judge.

    A boolean or an integer needs no check; anything else becomes
    ``(_v if (_v := X) is True or _v is False or type(_v) in _TRUTH_TYPES else
    _checked(_v, role))``, which calls out only for floats and other rare values.
    """
    if code.kind in (_Kind.BOOLEAN, _Kind.INTEGER):
        return code.source
    value = gen.temporary()
    return (
        f"({value} if ({value} := {code.source}) is True or {value} is False"
        f" or type({value}) in _TRUTH_TYPES else _checked({value}, {gen.constant(role)}))"
    )


def _emit_if(gen: _Generator, operands: list[object]) -> _Code:
    """``(<then> if <checked guard> else <else>)``: only the branch taken is evaluated."""
    guard, then, otherwise = (gen.emit(operand) for operand in operands)
    test = _truth_source(gen, guard, 'the guard of "if"')
    kind = then.kind if then.kind is otherwise.kind else _Kind.ANY
    return _Code(f"({then.source} if {test} else {otherwise.source})", kind)


def _emit_and(gen: _Generator, operands: list[object]) -> _Code:
    """``(<checked a> and <checked b> and ...)``: lazy, and like CertLogic's ``and`` it
    gives the first falsy operand or else the last. Every evaluated operand, the last
    one too, is checked to be truthy or falsy."""
    parts = [gen.emit(operand) for operand in operands]
    tests = [_truth_source(gen, part, 'an operand of "and"') for part in parts]
    boolean = all(part.kind is _Kind.BOOLEAN for part in parts)
    return _Code(f"({' and '.join(tests)})", _Kind.BOOLEAN if boolean else _Kind.ANY)


def _emit_not(gen: _Generator, operands: list[object]) -> _Code:
    """``(not <checked operand>)``, a boolean."""
    test = _truth_source(gen, gen.emit(operands[0]), 'the operand of "!"')
    return _Code(f"(not {test})", _Kind.BOOLEAN)


def _is_primitive_literal(expr: object) -> bool:
    return isinstance(expr, bool | int | str) or (isinstance(expr, float) and expr.is_integer())


def _emit_equals(gen: _Generator, operands: list[object]) -> _Code:
    """``_strict_equal(a, b)``, or, when one side is a literal, an inline test (two
    literals are compared here, once)."""
    left, right = operands
    if _is_primitive_literal(left) and _is_primitive_literal(right):
        folded = _strict_equal(_literal_value(left), _literal_value(right))
        return _Code(repr(folded), _Kind.BOOLEAN)
    # Rules nearly always compare a data value with a literal: test that directly.
    if _is_primitive_literal(right):
        return _equals_literal(gen, gen.emit(left), _literal_value(right))
    if _is_primitive_literal(left):
        return _equals_literal(gen, gen.emit(right), _literal_value(left))
    return _Code(f"_strict_equal({gen.emit(left).source}, {gen.emit(right).source})", _Kind.BOOLEAN)


def _equals_literal(gen: _Generator, code: _Code, literal: object) -> _Code:
    """Strict equality with a literal, inline: ``(X is True)`` for a boolean, else
    ``(X == _k)``, which no JSON value of another type can pass, except that booleans
    equal 0 and 1 in Python: against those, ``(type(_v := X) is not bool and _v == _k)``."""
    if isinstance(literal, bool):
        return _Code(f"({code.source} is {literal!r})", _Kind.BOOLEAN)
    constant = gen.constant(literal)
    if isinstance(literal, int) and literal in (0, 1) and code.kind is not _Kind.INTEGER:
        value = gen.temporary()
        return _Code(
            f"(type({value} := {code.source}) is not bool and {value} == {constant})",
            _Kind.BOOLEAN,
        )
    return _Code(f"({code.source} == {constant})", _Kind.BOOLEAN)


def _emit_in(gen: _Generator, operands: list[object]) -> _Code:
    """``_member_of(x, items)``; against a literal array, a set look-up made here, once:
    ``(_v in _k1 if type(_v := X) is str else _v is not None and _member_key(_v) in _k2)``,
    where ``_k1`` holds the array's strings and ``_k2`` the keys of all its items (null
    is never a literal, so never a member)."""
    needle, haystack = operands
    code = gen.emit(needle)
    if not (isinstance(haystack, list) and all(map(_is_primitive_literal, haystack))):
        return _Code(f"_member_of({code.source}, {gen.emit(haystack).source})", _Kind.BOOLEAN)
    items = [_literal_value(item) for item in haystack]
    strings = gen.constant(frozenset(item for item in items if isinstance(item, str)))
    keys = gen.constant(frozenset(map(_member_key, items)))
    value = gen.temporary()
    return _Code(
        f"({value} in {strings} if type({value} := {code.source}) is str"
        f" else {value} is not None and _member_key({value}) in {keys})",
        _Kind.BOOLEAN,
    )


def _integer_source(gen: _Generator, code: _Code, role: str) -> str:
    """``code`` as an integer: as it is when statically one, else
    ``(_v if type(_v := X) is int else _integer(_v, role))``."""
    if code.kind is _Kind.INTEGER:
        return code.source
    value = gen.temporary()
    return (
        f"({value} if type({value} := {code.source}) is int"
        f" else _integer({value}, {gen.constant(role)}))"
    )


def _date_time_source(gen: _Generator, code: _Code, role: str) -> str:
    """``code`` as a date-time: as it is when it comes from ``plusTime``, else
    ``_date_time(X, role)``."""
    if code.kind is _Kind.DATE_TIME:
        return code.source
    return f"_date_time({code.source}, {gen.constant(role)})"


def _emit_plus(gen: _Generator, operands: list[object]) -> _Code:
    """``(a + b)`` of two integers."""
    left, right = (
        _integer_source(gen, gen.emit(operand), 'operands of "+"') for operand in operands
    )
    return _Code(f"({left} + {right})", _Kind.INTEGER)


_OperandSource = Callable[[_Generator, _Code, str], str]


def _comparison(
    symbol: str, python_symbol: str, operand_source: _OperandSource
) -> Callable[[_Generator, list[object]], _Code]:
    """Emitter for a 2- or 3-operand comparison; ``a < b < c`` means both hold."""
    role = f'operands of "{symbol}"'

    def emit_comparison(gen: _Generator, operands: list[object]) -> _Code:
        """``(a < b)``; for three operands ``((a < (_v := b)) & (_v < c))``, where ``&``
        evaluates, and so type-checks, all three even when the first test fails."""
        first, second, *third = (
            operand_source(gen, gen.emit(operand), role) for operand in operands
        )
        if not third:
            return _Code(f"({first} {python_symbol} {second})", _Kind.BOOLEAN)
        middle = gen.temporary()
        return _Code(
            f"(({first} {python_symbol} ({middle} := {second}))"
            f" & ({middle} {python_symbol} {third[0]}))",
            _Kind.BOOLEAN,
        )

    return emit_comparison


def _emit_plus_time(gen: _Generator, operands: list[object]) -> _Code:
    """On a literal date, the date-time itself, a constant worked out here. Otherwise
    ``(_plus_time(_v, amount, unit) if type(_v := X) is str else _plus_time_operand(...))``
    (``_parse_date_time(_v)`` when the amount is 0); the fallback reports non-strings."""
    source, amount_literal, unit_literal = operands
    amount, unit = _integer(amount_literal, '"plusTime" amounts'), str(unit_literal)
    arguments = f"{gen.constant(amount)}, {gen.constant(unit)}"
    if isinstance(source, str):
        try:
            moment = _plus_time(source, amount, unit)
        except CertLogicError:  # out of range: fail when (and only if) it is evaluated
            return _Code(f"_plus_time({gen.constant(source)}, {arguments})", _Kind.DATE_TIME)
        return _Code(gen.constant(moment), _Kind.DATE_TIME)
    code = gen.emit(source)
    value = gen.temporary()
    # With no shift, in any unit, the result is the date-time as written.
    shifted = f"_plus_time({value}, {arguments})" if amount else f"_parse_date_time({value})"
    return _Code(
        f"({shifted} if type({value} := {code.source}) is str"
        f" else _plus_time_operand({value}, {arguments}))",
        _Kind.DATE_TIME,
    )


def _emit_reduce(gen: _Generator, operands: list[object]) -> _Code:
    """``_fold(_reduce_operand(<array>), _k, <initial>)``; the lambda is a function of
    its own, ``_k``, called on ``{"accumulator": ..., "current": ...}``."""
    source, step, initial = operands
    items = gen.emit(source).source
    step_function, _ = gen.function(step)
    return _Code(
        f"_fold(_reduce_operand({items}), {gen.constant(step_function)},"
        f" {gen.emit(initial).source})"
    )


# --------------------------------------------------------------------------------------
# Operators: arity (for validation) and emitter
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Operator:
    min_operands: int
    max_operands: int | None  # None: no upper bound
    emit: Callable[[_Generator, list[object]], _Code]


_OPERATORS: Final[dict[str, _Operator]] = {
    "if": _Operator(3, 3, _emit_if),
    "and": _Operator(2, None, _emit_and),
    "!": _Operator(1, 1, _emit_not),
    "===": _Operator(2, 2, _emit_equals),
    "in": _Operator(2, 2, _emit_in),
    "+": _Operator(2, 2, _emit_plus),
    "<": _Operator(2, 3, _comparison("<", "<", _integer_source)),
    ">": _Operator(2, 3, _comparison(">", ">", _integer_source)),
    "<=": _Operator(2, 3, _comparison("<=", "<=", _integer_source)),
    ">=": _Operator(2, 3, _comparison(">=", ">=", _integer_source)),
    "before": _Operator(2, 3, _comparison("before", "<", _date_time_source)),
    "after": _Operator(2, 3, _comparison("after", ">", _date_time_source)),
    "not-after": _Operator(2, 3, _comparison("not-after", "<=", _date_time_source)),
    "not-before": _Operator(2, 3, _comparison("not-before", ">=", _date_time_source)),
    "plusTime": _Operator(3, 3, _emit_plus_time),
    "reduce": _Operator(3, 3, _emit_reduce),
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


def _too_deep(expression: object) -> object | None:
    """The first sub-expression found nested deeper than ``_MAX_DEPTH``, or ``None``.

    An operation and its operand array count as one level, as does an array literal.
    The walk is iterative and depth-first and stops there, so neither a very deep nor a
    circular structure can exhaust the stack; the recursive walks that follow are safe.
    """
    pending: list[tuple[object, int]] = [(expression, 1)]
    while pending:
        expr, depth = pending.pop()
        if isinstance(expr, dict):
            children = [
                item
                for operands in expr.values()
                for item in (operands if isinstance(operands, list) else (operands,))
            ]
        elif isinstance(expr, list):
            children = expr
        else:
            continue
        if depth > _MAX_DEPTH:
            return expr
        pending.extend((child, depth + 1) for child in children)
    return None


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
      date(-time) string;
    * operations and arrays nest at most 100 levels deep (fanjing's limit, a guard
      against pathological input); a deeper expression gets this single issue and is
      not checked further.

    Messages for the cases in the public CertLogic validation test suite are the ones
    it expects; the others are fanjing's own wording.
    """
    too_deep = _too_deep(expression)
    if too_deep is not None:
        message = f"operations and arrays are nested more than {_MAX_DEPTH} levels deep"
        return [ValidationIssue(too_deep, message)]
    issues: list[ValidationIssue] = []
    _validate(expression, issues)
    return issues


def compile_expression(expression: object) -> Evaluator:
    """Validate ``expression`` and compile it into a function ``evaluate(data) -> value``.

    The whole expression becomes the source of one Python function, compiled once with
    :func:`compile` (see "Code generation" above): compile once and call the result many
    times. Operator dispatch, ``var`` paths (drilled inline), literal folding (including
    ``plusTime`` of a literal date) and ``in`` look-up sets are settled here, not per
    call.

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
    issue. The function raises :class:`CertLogicError` on type mismatches.
    """
    issues = validate(expression)
    if issues:
        details = "; ".join(f"{issue.message} (in {_show(issue.expr)})" for issue in issues)
        raise CertLogicError(f"invalid CertLogic expression: {details}", issues)
    function, _ = _Generator().function(expression)
    return function


@lru_cache(maxsize=1024)
def _compile_json_text(text: str) -> Evaluator:
    return compile_expression(json.loads(text))


def evaluate(expression: object, data: object) -> object:
    """Evaluate ``expression`` on ``data``: :func:`compile_expression`, then call.

    Compiled expressions are cached by their JSON text, so repeating an expression is
    cheap; the expression is therefore read as JSON (a tuple counts as an array).
    Anything that cannot be written as JSON is compiled uncached and so rejected by
    validation (as is anything nested too deeply to be written). Raises
    :class:`CertLogicError` like :func:`compile_expression` and the function it returns.
    """
    try:
        text = json.dumps(expression, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return compile_expression(expression)(data)
    return _compile_json_text(text)(data)
