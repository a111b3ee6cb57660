"""Static validation of CertLogic expressions: grammar, operand counts, nesting depth."""

from __future__ import annotations

import re
from typing import Final

from fanjing.policy.core.logic.codegen import _OPERATORS, _Operator
from fanjing.policy.core.logic.datetimes import _TIME_UNITS, _parse_date_time
from fanjing.policy.core.logic.errors import CertLogicError, ValidationIssue
from fanjing.policy.core.logic.values import _is_integer, _is_primitive_literal, _number_text, _show

_MAX_DEPTH: Final = 100
"""The deepest nesting of operations and arrays that :func:`validate` accepts."""

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
