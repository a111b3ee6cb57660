"""What every command does with a problem a person can fix: one line each, exit code 2."""

from __future__ import annotations

from typing import NoReturn

import typer

from fanjing.errors import FanjingError, InputErrors


def fail(problem: FanjingError) -> NoReturn:
    """Print one line per problem (``错误：…（位置：…）``) and exit 2."""
    errors = problem.errors if isinstance(problem, InputErrors) else [problem]
    for error in errors:
        typer.echo(f"错误：{error}", err=True)
    raise typer.Exit(2)
