"""One vocabulary of errors for every boundary.

Hierarchy::

    FanjingError            code (stable snake_case), Chinese message, where (file:line field)
    ├── InputErrors         several FanjingErrors found in one input, reported together
    └── TooManyRequests     a rate limit reached: when to try again (HTTP 429, Retry-After)

Each boundary translates once: the CLI prints ``错误：…（位置：…）`` and exits 2,
HTTP (later) answers with problem+json.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """Where a problem is: a file (or ``-``), a 1-based line, and a field path."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"第{self.line}行")
        if self.field:
            parts.append(f"字段 {self.field}")
        return " ".join(parts)

    def inside(self, field: str) -> Where:
        """The same place, one field deeper."""
        joined = (
            field
            if not self.field
            else f"{self.field}{'' if field.startswith('[') else '.'}{field}"
        )
        return Where(self.file, self.line, joined)

    def at(self, file: str | None = None, line: int | None = None) -> Where:
        """This field path, placed in a file and line (keeping what is already known)."""
        return Where(self.file or file, self.line or line, self.field)


class FanjingError(Exception):
    """A problem a person can fix: stable ``code``, Chinese ``message`` and ``where``."""

    def __init__(self, code: str, message: str, where: Where | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = where or Where()

    def located(self, file: str | None = None, line: int | None = None) -> FanjingError:
        return FanjingError(self.code, self.message, self.where.at(file, line))

    def problems(self) -> list[FanjingError]:
        """Each problem to show: this one (``InputErrors``: each it holds)."""
        return [self]

    def __str__(self) -> str:
        where = str(self.where)
        return f"{self.message}（位置：{where}）" if where else self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.where.file,
            "line": self.where.line,
            "field": self.where.field,
        }


class InputErrors(FanjingError):
    """Every problem found in one input, so a person can fix them all at once."""

    def __init__(self, errors: Iterable[FanjingError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else FanjingError("invalid_input", "输入无效")
        super().__init__(first.code, first.message, first.where)

    def located(self, file: str | None = None, line: int | None = None) -> InputErrors:
        return InputErrors(e.located(file, line) for e in self.errors)

    def problems(self) -> list[FanjingError]:
        return list(self.errors)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class TooManyRequests(FanjingError):
    """A rate limit reached; ``retry_after``: whole seconds until a try may succeed."""

    def __init__(self, message: str, retry_after: int, where: Where | None = None) -> None:
        super().__init__("too_many_requests", message, where)
        self.retry_after = retry_after
