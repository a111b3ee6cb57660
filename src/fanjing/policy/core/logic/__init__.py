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

The package is pure: no I/O and no clock. The current time reaches a rule only
through its data (conventionally ``external.validationClock``).

This module is the public API. The work is done in :mod:`.values` (type checks,
equality), :mod:`.datetimes` (``plusTime``), :mod:`.validation`, :mod:`.codegen`
(expressions to Python source) and :mod:`.runtime` (what that source calls); the
error types are in :mod:`.errors`.
"""

from __future__ import annotations

import json
from functools import lru_cache

from fanjing.policy.core.logic.codegen import _Generator
from fanjing.policy.core.logic.errors import CertLogicError, ValidationIssue
from fanjing.policy.core.logic.runtime import Evaluator
from fanjing.policy.core.logic.validation import _MAX_DEPTH, _too_deep, _validate
from fanjing.policy.core.logic.values import _show

__all__ = [
    "CertLogicError",
    "Evaluator",
    "ValidationIssue",
    "compile_expression",
    "evaluate",
    "validate",
]


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
    :func:`compile` (see :mod:`.codegen`): compile once and call the result many times.
    Operator dispatch, ``var`` paths (drilled inline), literal folding (including
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
