"""The CertLogic error, and the validation issues it carries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
