"""CertLogic evaluator and validator: the public conformance suites, plus fanjing's own cases.

The suites (EU DCC business rules, ``certlogic/specification``) live in
``shared/conformance/certlogic`` beside the repository checkout. Their absence is a
failure, not a skip: a green run must mean the suites ran.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fanjing.policy.core.logic import (
    CertLogicError,
    ValidationIssue,
    compile_expression,
    evaluate,
    validate,
)

CONFORMANCE_DIR = (
    Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "certlogic"
)
EVALUATION_DIR = CONFORMANCE_DIR / "testSuite"
VALIDATION_DIR = CONFORMANCE_DIR / "validation-testSuite"

DIRECTIVE_SKIP_REASON = "skipped by the suite's own directive"
# fanjing deliberately leaves these operations out, so cases using them cannot run.
UNSUPPORTED_OPERATIONS = ("dccDateOfBirth", "extractFromUVCI")


def _missing_suites_message() -> str | None:
    missing = [str(folder) for folder in (EVALUATION_DIR, VALIDATION_DIR) if not folder.is_dir()]
    if not missing:
        return None
    return (
        "CertLogic conformance suites not found at "
        + ", ".join(missing)
        + ": check out the shared/ folder (with conformance/certlogic) beside the repository"
    )


def _suite_files(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    if not folder.is_dir():
        return []
    return [
        (path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.json"))
    ]


def _operators_in(expression: object) -> set[str]:
    if isinstance(expression, list):
        return set().union(*map(_operators_in, expression)) if expression else set()
    if isinstance(expression, dict):
        found = {str(key) for key in expression}
        return found.union(*map(_operators_in, expression.values()))
    return set()


def _unique_names(names: list[str]) -> list[str]:
    """Case names are not unique within a file; number the repeats so ids stay distinct."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


_NO_EXPRESSION = object()


@dataclass(frozen=True)
class EvaluationCase:
    id: str
    expression: object
    data: object
    expected: object
    skip_reason: str | None


@dataclass(frozen=True)
class ValidationCase:
    id: str
    expression: object
    issues: list[tuple[object, str]]
    skip_reason: str | None


def _evaluation_cases() -> list[EvaluationCase]:
    cases = []
    for file_name, suite in _suite_files(EVALUATION_DIR):
        suite_cases: list[dict[str, Any]] = suite["cases"]
        names = _unique_names([str(case.get("name", "")) for case in suite_cases])
        for name, case in zip(names, suite_cases, strict=True):
            assertions: list[dict[str, Any]] = case["assertions"]
            for index, assertion in enumerate(assertions):
                expression = assertion.get(
                    "certLogicExpression", case.get("certLogicExpression", _NO_EXPRESSION)
                )
                directives = (
                    suite.get("directive"),
                    case.get("directive"),
                    assertion.get("directive"),
                )
                unsupported = sorted(_operators_in(expression).intersection(UNSUPPORTED_OPERATIONS))
                if "skip" in directives:
                    reason: str | None = DIRECTIVE_SKIP_REASON
                elif unsupported:
                    reason = f"needs {', '.join(unsupported)}, which fanjing does not implement"
                else:
                    reason = None
                cases.append(
                    EvaluationCase(
                        id=f"{file_name}::{name}::{index}",
                        expression=expression,
                        data=assertion["data"],
                        expected=assertion["expected"],
                        skip_reason=reason,
                    )
                )
    return cases


def _validation_cases() -> list[ValidationCase]:
    cases = []
    for file_name, suite in _suite_files(VALIDATION_DIR):
        suite_cases: list[dict[str, Any]] = suite["cases"]
        names = _unique_names(
            [str(case.get("name", index)) for index, case in enumerate(suite_cases)]
        )
        for name, case in zip(names, suite_cases, strict=True):
            skip = "skip" in (suite.get("directive"), case.get("directive"))
            issues: list[dict[str, Any]] = case["issues"]
            cases.append(
                ValidationCase(
                    id=f"{file_name}::{name}",
                    expression=case["certLogicExpression"],
                    issues=[(issue["expr"], str(issue["message"])) for issue in issues],
                    skip_reason=DIRECTIVE_SKIP_REASON if skip else None,
                )
            )
    return cases


def _params(cases: list[EvaluationCase] | list[ValidationCase]) -> list[object]:
    if _missing_suites_message() is not None:
        return [pytest.param(None, id="conformance-suites-missing")]
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.skip(reason=case.skip_reason)] if case.skip_reason else [],
        )
        for case in cases
    ]


def json_equal(left: object, right: object) -> bool:
    """Deep JSON equality that, unlike ``==``, keeps booleans apart from numbers."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    return type(left) is type(right) and left == right


def _run_evaluation(case: EvaluationCase) -> tuple[bool, str]:
    if case.expression is _NO_EXPRESSION:
        return False, "the suite gives no certLogicExpression for this assertion"
    try:
        actual = evaluate(case.expression, case.data)
    except CertLogicError as error:
        return False, f"raised {error}"
    if json_equal(actual, case.expected):
        return True, ""
    return False, f"expected {case.expected!r}, got {actual!r}"


def _run_validation(case: ValidationCase) -> tuple[bool, str]:
    actual = [(issue.expr, issue.message) for issue in validate(case.expression)]
    same = len(actual) == len(case.issues) and all(
        message == expected_message and json_equal(expr, expected_expr)
        for (expr, message), (expected_expr, expected_message) in zip(
            actual, case.issues, strict=True
        )
    )
    return same, "" if same else f"expected issues {case.issues!r}, got {actual!r}"


# --------------------------------------------------------------------------------------
# Conformance suites
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(_evaluation_cases()))
def test_evaluation_suite(case: EvaluationCase | None) -> None:
    if case is None:
        pytest.fail(_missing_suites_message() or "", pytrace=False)
    passed, explanation = _run_evaluation(case)
    assert passed, f"{json.dumps(case.expression)} on {json.dumps(case.data)}: {explanation}"


@pytest.mark.parametrize("case", _params(_validation_cases()))
def test_validation_suite(case: ValidationCase | None) -> None:
    if case is None:
        pytest.fail(_missing_suites_message() or "", pytrace=False)
    passed, explanation = _run_validation(case)
    assert passed, f"{json.dumps(case.expression)}: {explanation}"


def test_conformance_summary() -> None:
    """Every assertion in the files is accounted for, and every runnable one passes."""
    missing = _missing_suites_message()
    if missing is not None:
        pytest.fail(missing, pytrace=False)

    # Counted straight from the JSON, independently of the case loaders above.
    evaluation_files = _suite_files(EVALUATION_DIR)
    total_assertions = sum(
        len(case["assertions"]) for _, suite in evaluation_files for case in suite["cases"]
    )
    total_validations = sum(len(suite["cases"]) for _, suite in _suite_files(VALIDATION_DIR))

    evaluations = _evaluation_cases()
    validations = _validation_cases()
    assert len(evaluations) == total_assertions, "the loader lost or invented assertions"
    assert len(validations) == total_validations, "the loader lost or invented validation cases"

    runnable = [case for case in evaluations if case.skip_reason is None]
    by_directive = sum(1 for case in evaluations if case.skip_reason == DIRECTIVE_SKIP_REASON)
    by_operation = len(evaluations) - len(runnable) - by_directive
    passed = sum(1 for case in runnable if _run_evaluation(case)[0])
    runnable_validations = [case for case in validations if case.skip_reason is None]
    passed_validations = sum(1 for case in runnable_validations if _run_validation(case)[0])

    print(
        f"CertLogic conformance: {len(evaluation_files)} evaluation files, "
        f"{total_assertions} assertions: {passed}/{len(runnable)} passed, "
        f"{by_directive} skipped by directive, {by_operation} skipped as unsupported; "
        f"validation: {passed_validations}/{len(runnable_validations)} passed "
        f"of {total_validations} cases"
    )
    assert runnable, "no runnable evaluation assertions: the suites are empty or all skipped"
    assert runnable_validations, "no runnable validation cases"
    # Skips must stay the exception: the suites exist to be run.
    assert len(runnable) > total_assertions // 2
    assert passed == len(runnable)
    assert passed_validations == len(runnable_validations)


# --------------------------------------------------------------------------------------
# fanjing's own cases
# --------------------------------------------------------------------------------------


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def plus_time(value: str, amount: int, unit: str) -> object:
    return evaluate({"plusTime": [{"var": "d"}, amount, unit]}, {"d": value})


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ({"===": [True, 1]}, None, False),
        ({"===": [1, True]}, None, False),
        ({"===": [False, 0]}, None, False),
        ({"===": [{"var": "x"}, 1]}, {"x": True}, False),
        ({"===": [{"var": "x"}, True]}, {"x": 1}, False),
        ({"===": [{"var": "x"}, {"var": "y"}]}, {"x": True, "y": 1}, False),
        ({"===": [{"var": "x"}, {"var": "y"}]}, {"x": 0, "y": False}, False),
        ({"===": [{"var": "x"}, {"var": "y"}]}, {"x": True, "y": True}, True),
        ({"===": [{"var": "x"}, 42]}, {"x": 42.0}, True),
        ({"===": [{"var": "x"}, 0]}, {"x": False}, False),
        ({"===": [0, {"var": "x"}]}, {"x": False}, False),
        ({"===": [{"var": "x"}, 1]}, {"x": 1.0}, True),
        ({"===": [{"var": "x"}, False]}, {"x": 0}, False),
        ({"===": [{"+": [{"var": "x"}, 0]}, 1]}, {"x": 1}, True),
        ({"in": [{"var": "x"}, [1, 2]]}, {"x": True}, False),
        ({"in": [{"var": "x"}, [True]]}, {"x": 1}, False),
        ({"in": [{"var": "x"}, [0, "a"]]}, {"x": False}, False),
        ({"in": [{"var": "x"}, [0, "a"]]}, {"x": 0.0}, True),
        ({"in": [{"var": "x"}, {"var": "y"}]}, {"x": True, "y": [1, 2]}, False),
        ({"in": [{"var": "x"}, {"var": "y"}]}, {"x": 0, "y": [False]}, False),
        ({"in": [{"var": "x"}, {"var": "y"}]}, {"x": "a", "y": ["a"]}, True),
    ],
)
def test_booleans_are_not_integers(expression: object, data: object, expected: bool) -> None:
    assert evaluate(expression, data) is expected


def test_booleans_are_not_integers_for_arithmetic() -> None:
    with pytest.raises(CertLogicError):
        evaluate({"+": [True, 1]}, None)
    with pytest.raises(CertLogicError):
        evaluate({"<": [{"var": "x"}, 2]}, {"x": False})


@pytest.mark.parametrize(
    ("value", "amount", "unit", "expected"),
    [
        # Beijing's August 2021 policy counts days from dates written without times.
        ("2021-08-07", 0, "day", utc(2021, 8, 7)),
        ("2021-08-07", 14, "day", utc(2021, 8, 21)),
        ("2021-08-07", 30, "day", utc(2021, 9, 6)),
        ("2021-08-25", 7, "day", utc(2021, 9, 1)),
        ("2021-08-31", 1, "day", utc(2021, 9, 1)),
        ("2021-12-25", 7, "day", utc(2022, 1, 1)),
        ("2021-03-01", -1, "day", utc(2021, 2, 28)),
        ("2020-03-01", -1, "day", utc(2020, 2, 29)),
        ("2021-08-07", 48, "hour", utc(2021, 8, 9)),
        ("2021-08-07", -1, "hour", utc(2021, 8, 6, 23)),
        ("2021-08-07", 1, "month", utc(2021, 9, 7)),
        ("2021-08-31", 1, "month", utc(2021, 10, 1)),  # 31 September rolls over
        ("2021-01-31", 1, "month", utc(2021, 3, 3)),
        ("2021-08-07", -8, "month", utc(2020, 12, 7)),
        ("2020-02-29", 1, "day", utc(2020, 3, 1)),  # the spec's leap-day table
        ("2020-02-29", 1, "month", utc(2020, 3, 29)),
        ("2020-02-29", 1, "year", utc(2021, 3, 1)),
        ("2020-02-29", 4, "year", utc(2024, 2, 29)),
        ("2021", 0, "day", utc(2021, 12, 31)),  # partial dates: their last day
        ("2021-02", 0, "day", utc(2021, 2, 28)),
        ("2024-02", 0, "day", utc(2024, 2, 29)),
    ],
)
def test_plus_time_dates(value: str, amount: int, unit: str, expected: datetime) -> None:
    assert plus_time(value, amount, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-08-07T08:00:00", utc(2021, 8, 7, 8)),
        ("2021-08-07T08:00:00Z", utc(2021, 8, 7, 8)),
        ("2021-08-07T08:00:00+8", utc(2021, 8, 7, 0)),
        ("2021-08-07T08:00:00+08", utc(2021, 8, 7, 0)),
        ("2021-08-07T08:00:00+800", utc(2021, 8, 7, 0)),
        ("2021-08-07T08:00:00+0800", utc(2021, 8, 7, 0)),
        ("2021-08-07T08:00:00+8:00", utc(2021, 8, 7, 0)),
        ("2021-08-07T08:00:00+08:00", utc(2021, 8, 7, 0)),
        ("2021-08-07T06:00:00+0530", utc(2021, 8, 7, 0, 30)),
        ("2021-08-07T02:00:00+08:00", utc(2021, 8, 6, 18)),  # a CST date is the UTC day before
        ("2021-08-07T08:00:00-02:30", utc(2021, 8, 7, 10, 30)),
        ("2021-08-07T08:00:00.5Z", utc(2021, 8, 7, 8, 0, 0, 500_000)),
        ("2021-08-07T08:00:00.123999+08:00", utc(2021, 8, 7, 0, 0, 0, 123_000)),
    ],
)
def test_plus_time_date_times(value: str, expected: datetime) -> None:
    result = plus_time(value, 0, "hour")
    assert result == expected
    assert isinstance(result, datetime)
    assert result.utcoffset() is not None
    assert result.microsecond % 1000 == 0


def test_cst_day_arithmetic_compares_instants() -> None:
    # Arrived 2021-08-07 Beijing time; is 2021-08-21T09:00+08:00 at least 14 days later?
    rule = compile_expression(
        {
            "not-before": [
                {"plusTime": [{"var": "now"}, 0, "hour"]},
                {"plusTime": [{"var": "arrival"}, 14, "day"]},
            ]
        }
    )
    arrival = "2021-08-07T00:00:00+08:00"
    assert rule({"arrival": arrival, "now": "2021-08-21T09:00:00+08:00"}) is True
    assert rule({"arrival": arrival, "now": "2021-08-20T23:59:59+08:00"}) is False
    assert rule({"arrival": arrival, "now": "2021-08-20T16:00:00Z"}) is True


@pytest.mark.parametrize(
    "value",
    ["2021-8-7", "2021-08-07 08:00:00", "2021-08-07T08:00", "2021-02-30", "2021-08-07T24:00:00Z"],
)
def test_plus_time_rejects_malformed_dates(value: str) -> None:
    with pytest.raises(CertLogicError):
        plus_time(value, 0, "day")


def test_plus_time_rejects_non_strings() -> None:
    with pytest.raises(CertLogicError):
        evaluate({"plusTime": [{"var": "d"}, 0, "day"]}, {"d": None})
    with pytest.raises(CertLogicError):
        evaluate({"plusTime": [{"var": "d"}, 0, "day"]}, {"d": 20210807})


@pytest.mark.parametrize(
    "expression",
    [
        {},
        {"var": 0},
        {"all": [{"var": "x"}]},
        {"extractFromUVCI": [{"var": "uvci"}, 1]},
        {"dccDateOfBirth": [{"var": "dob"}]},
        {"===": [1, 2, 3]},
        {"and": [True]},
        {"if": [True, 1]},
        {"!": []},
        {"<": [1]},
        {"plusTime": [{"var": "d"}, 1, "week"]},
        {"plusTime": [{"var": "d"}, {"var": "n"}, "day"]},
        {"plusTime": ["2021-08-07", 1.5, "day"]},
        {"plusTime": ["07/08/2021", 1, "day"]},
        {"reduce": [{"var": "x"}, 0]},
        {"if": [None, 1, 2]},
        [1, 3.14],
    ],
)
def test_invalid_expressions_fail_to_compile(expression: object) -> None:
    with pytest.raises(CertLogicError) as raised:
        compile_expression(expression)
    assert raised.value.issues
    assert raised.value.issues == tuple(validate(expression))


def test_validate_reports_every_nested_issue() -> None:
    expression = {"and": [{"var": 1}, {"if": [{"foo": []}, 1]}, {"+": [1, 2, 3]}]}
    assert validate(expression) == [
        ValidationIssue({"var": 1}, 'not of the form { "var": "<path>" }'),
        ValidationIssue(
            {"if": [{"foo": []}, 1]}, 'operator "if" takes exactly 3 operands, but it has 2'
        ),
        ValidationIssue({"foo": []}, 'unrecognised operator: "foo"'),
        ValidationIssue({"+": [1, 2, 3]}, 'operator "+" takes exactly 2 operands, but it has 3'),
    ]


def test_integral_floats_are_integers() -> None:
    # JSON has one number type: 42.0 is the integer 42, 3.14 is no CertLogic value.
    assert validate(42.0) == []
    assert validate({"plusTime": ["2021-08-07", 14.0, "day"]}) == []
    assert evaluate(42.0, None) == 42
    result = evaluate({"+": [{"var": "x"}, 1.0]}, {"x": 41.0})
    assert result == 42
    assert type(result) is int
    assert evaluate({"if": [{"var": "x"}, "yes", "no"]}, {"x": 0.0}) == "no"
    with pytest.raises(CertLogicError):
        evaluate({"+": [{"var": "x"}, 1]}, {"x": 0.5})


@pytest.mark.parametrize(
    ("operand", "expected"),
    [([], True), ([0], False), ({}, True), ({"a": 1}, False), ("", True), ("0", False)],
)
def test_not(operand: object, expected: bool) -> None:
    assert evaluate({"!": [{"var": "x"}]}, {"x": operand}) is expected


def test_neither_truthy_nor_falsy_is_an_error() -> None:
    date = {"plusTime": ["2021-08-07", 0, "day"]}
    for expression in ({"!": [date]}, {"if": [date, 1, 2]}, {"and": [True, date]}):
        with pytest.raises(CertLogicError):
            evaluate(expression, None)
    with pytest.raises(CertLogicError):
        evaluate({"!": [{"var": "x"}]}, {"x": 0.5})


def test_and_and_if_are_lazy() -> None:
    explode = {"plusTime": [{"var": "missing"}, 0, "day"]}  # plusTime of null raises
    assert evaluate({"and": [{"var": "x"}, explode]}, {"x": 0}) == 0
    assert evaluate({"if": [False, explode, "else"]}, None) == "else"
    assert evaluate({"if": [True, "then", explode]}, None) == "then"


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("x.1", {"x": ["a", "b"]}, "b"),
        ("x.1.y", {"x": [{"y": 1}, {"y": 2}]}, 2),
        ("0.0", [["deep"]], "deep"),
        ("x.2", {"x": ["a", "b"]}, None),
        ("x.-1", {"x": ["a", "b"]}, None),  # no negative indexing from the end
        ("x.y", {"x": ["a", "b"]}, None),
        ("x.0", {"x": "abc"}, None),  # strings are not drillable
        ("x.0", {"x": {"0": "zero"}}, "zero"),  # a digit key on an object is a key
        ("x.0.y", {"x": [None]}, None),
        ("", ["whole"], ["whole"]),
    ],
)
def test_var_into_arrays(path: str, data: object, expected: object) -> None:
    assert json_equal(evaluate({"var": path}, data), expected)


def test_in_needs_an_array() -> None:
    with pytest.raises(CertLogicError):
        evaluate({"in": ["a", {"var": "x"}]}, {"x": None})
    with pytest.raises(CertLogicError):
        evaluate({"in": ["a", {"var": "x"}]}, {"x": "abc"})


def test_reduce() -> None:
    count_a = {
        "reduce": [
            {"var": "xs"},
            {"+": [{"var": "accumulator"}, {"if": [{"===": [{"var": "current"}, "a"]}, 1, 0]}]},
            0,
        ]
    }
    assert evaluate(count_a, {"xs": ["a", "b", "a"]}) == 2
    assert evaluate(count_a, {"xs": []}) == 0
    assert evaluate(count_a, {}) == 0  # null operand: the initial value
    with pytest.raises(CertLogicError):
        evaluate(count_a, {"xs": "aaa"})


def test_ternary_comparisons_check_every_operand() -> None:
    assert evaluate({"<": [1, 2, 3]}, None) is True
    with pytest.raises(CertLogicError):
        evaluate({"<": [3, 2, {"var": "x"}]}, {"x": "4"})
    with pytest.raises(CertLogicError):
        evaluate({"before": [{"var": "x"}, {"plusTime": ["2021-08-07", 0, "day"]}]}, {"x": "x"})


def test_compiled_function_is_reusable_and_results_are_fresh() -> None:
    rule = compile_expression([1, {"var": "x"}])
    first = rule({"x": 2})
    assert first == [1, 2]
    assert isinstance(first, list)
    first.append(3)
    assert rule({"x": 5}) == [1, 5]
    assert evaluate([1, {"var": "x"}], {"x": 2}) == [1, 2]


# --------------------------------------------------------------------------------------
# The generated code
# --------------------------------------------------------------------------------------

AWKWARD_STRINGS = [
    "it's",
    'say "hi"',
    "'''",
    '"""',
    "back\\slash",
    "\\",
    "ends with a backslash\\",
    "line\nbreak",
    "\r\n",
    "\t",
    "\x00",
    "\u2028",
    "{0}{}%s",
    "__import__('os')",  # no dot: a dot would split the path
    "')\nimport os\n('",
    "data",
    "_k1",
    "_v1",
    "None",
    "隔离",
]


@pytest.mark.parametrize("text", AWKWARD_STRINGS)
def test_any_string_is_safe_in_literals_and_paths(text: str) -> None:
    assert evaluate(text, None) == text
    assert evaluate([text, {"if": [True, text, "other"]}], None) == [text, text]
    assert evaluate({"===": [{"var": "x"}, text]}, {"x": text}) is True
    assert evaluate({"===": [text, {"var": "x"}]}, {"x": text + "!"}) is False
    assert evaluate({"in": [{"var": "x"}, ["other", text]]}, {"x": text}) is True
    assert evaluate({"var": text}, {text: 1}) == 1
    assert evaluate({"var": f"{text}.{text}"}, {text: {text: 2}}) == 2
    assert evaluate({"var": f"x.{text}"}, {"x": {"other": 3}}) is None


def test_var_drills_dict_subclasses_and_arrays() -> None:
    data = OrderedDict(a=OrderedDict(b=[0, OrderedDict(c="deep")]))
    assert evaluate({"var": "a.b.1.c"}, data) == "deep"
    assert evaluate({"var": "a"}, data) is data["a"]
    assert evaluate({"var": "a.b.99999999999999999999999"}, data) is None  # a 23-digit index


def test_every_evaluation_makes_fresh_arrays() -> None:
    rule = compile_expression({"if": [{"var": "x"}, ["a", ["b", {"var": "x"}]], []]})
    first, second = rule({"x": 1}), rule({"x": 1})
    assert first == second == ["a", ["b", 1]]
    assert isinstance(first, list)
    assert isinstance(second, list)
    assert first is not second
    assert first[1] is not second[1]
    first[1].append("changed")
    assert rule({"x": 1}) == ["a", ["b", 1]]
    empty = rule({"x": 0})
    assert isinstance(empty, list)
    empty.append("changed")
    assert rule({"x": 0}) == []
    collect = compile_expression({"reduce": [{"var": "xs"}, {"var": "accumulator"}, []]})
    initial = collect({"xs": [1, 2]})
    assert isinstance(initial, list)
    initial.append("changed")
    assert collect({"xs": [1, 2]}) == []


def nest(wrappers: list[Callable[[object], object]], levels: int, innermost: object) -> object:
    """``innermost`` wrapped, cycling through ``wrappers``, ``levels`` times."""
    expression = innermost
    for level in range(levels):
        expression = wrappers[level % len(wrappers)](expression)
    return expression


# Each wrapper adds one level of nesting (an operation, or an array).
NESTINGS: list[tuple[str, list[Callable[[object], object]], object, object]] = [
    ("not", [lambda x: {"!": [x]}], {"x": True}, False),
    ("plus", [lambda x: {"+": [x, 1]}], {"x": 0}, 99),
    ("if guard", [lambda x: {"if": [x, True, False]}], {"x": "yes"}, True),
    ("if branch", [lambda x: {"if": [True, x, 0]}], {"x": 7}, 7),
    ("and", [lambda x: {"and": [True, x]}], {"x": "last"}, "last"),
    ("equals", [lambda x: {"===": [x, True]}], {"x": True}, True),
    ("in", [lambda x: {"in": [x, [True]]}], {"x": True}, True),
    ("ternary", [lambda x: {"<": [-1, x, 2]}, lambda b: {"if": [b, 1, 0]}], {"x": 0}, True),
    ("reduce", [lambda x: {"reduce": [[], {"var": "accumulator"}, x]}], {"x": "init"}, "init"),
    ("array", [lambda x: [x]], {"x": 0}, nest([lambda x: [x]], 99, 0)),
]


@pytest.mark.parametrize(
    ("wrappers", "data", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in NESTINGS],
)
def test_nesting_up_to_the_limit_compiles(
    wrappers: list[Callable[[object], object]], data: object, expected: object
) -> None:
    expression = nest(wrappers, 99, {"var": "x"})  # the var is the 100th level
    assert validate(expression) == []
    assert json_equal(compile_expression(expression)(data), expected)


@pytest.mark.parametrize("levels", [100, 199, 100_000])
def test_deeper_nesting_is_refused_cleanly(levels: int) -> None:
    expression = nest([lambda x: {"!": [x]}], levels, {"var": "x"})
    (issue,) = validate(expression)
    assert issue.message == "operations and arrays are nested more than 100 levels deep"
    with pytest.raises(CertLogicError, match="nested more than 100 levels") as raised:
        compile_expression(expression)
    assert [found.message for found in raised.value.issues] == [issue.message]
    with pytest.raises(CertLogicError, match="nested more than 100 levels"):
        evaluate(expression, {"x": True})


def test_circular_expressions_are_refused_cleanly() -> None:
    operands: list[object] = []
    expression = {"!": operands}
    operands.append(expression)
    with pytest.raises(CertLogicError, match="nested more than 100 levels"):
        compile_expression(expression)
    with pytest.raises(CertLogicError, match="nested more than 100 levels"):
        evaluate(expression, None)


def test_long_operand_lists_and_paths_compile() -> None:
    # Only nesting is limited: width and path length are not.
    many = {"and": [{"var": f"x{i}"} for i in range(5000)]}
    assert evaluate(many, {f"x{i}": i + 1 for i in range(5000)}) == 5000
    assert evaluate(many, {f"x{i}": i for i in range(5000)}) == 0
    path = ".".join(["a"] * 1000)
    data: object = "found"
    for _ in range(1000):
        data = {"a": data}
    assert evaluate({"var": path}, data) == "found"
