"""The ``fanjing`` command: one root, each capability mounting its commands."""

from __future__ import annotations

import typer

from fanjing.demo import demo
from fanjing.policy.cli import check, policy_app

app = typer.Typer(
    help="返京（fanjing）：进京检查与社区健康管理",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("check")(check)
app.command("demo")(demo)
app.add_typer(policy_app, name="policy")
