"""Code generation: the generator, one small source-emitting function per operator, and
the operator table (arity, for validation, and emitter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Final, cast

from fanjing.policy.core.logic.datetimes import _plus_time
from fanjing.policy.core.logic.errors import CertLogicError
from fanjing.policy.core.logic.runtime import _RUNTIME, Evaluator
from fanjing.policy.core.logic.values import (
    _integer,
    _is_primitive_literal,
    _member_key,
    _strict_equal,
)

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


# The operator table: arity (for validation) and emitter.
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
