"""What every command does with a problem a person can fix: one line each, exit code 2;
and the settings the ``fanjing`` command read once when it started."""

from __future__ import annotations

from typing import NoReturn

import click
import typer

from fanjing.errors import FanjingError
from fanjing.infra.clock import Clock
from fanjing.settings import Settings


def fail(problem: FanjingError) -> NoReturn:
    """Print one line per problem (``错误：…（位置：…）``) and exit 2."""
    errors = problem.problems()
    for error in errors:
        typer.echo(f"错误：{error}", err=True)
    raise typer.Exit(2)


def command_settings() -> Settings:
    """The settings ``fanjing`` read at start (``main`` hands them to the root context);
    a command group invoked on its own (a test's CliRunner) reads the environment itself."""
    context = click.get_current_context(silent=True)
    given = context.find_root().obj if context is not None else None
    if isinstance(given, Settings):
        return given
    try:
        settings = Settings.from_environment()
    except FanjingError as problem:
        fail(problem)
    return settings


def command_clock() -> Clock:
    """The clock of the settings ``fanjing`` started with (``FANJING_TODAY`` fixes its day)."""
    return command_settings().clock
