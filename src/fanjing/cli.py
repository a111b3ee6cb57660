"""The ``fanjing`` command: one root, each capability mounting its commands."""

from __future__ import annotations

import typer
from sqlalchemy.exc import OperationalError

from fanjing.audit.cli import audit_app
from fanjing.checkpoints.cli import checkpoints_app
from fanjing.community.cli import (
    approve_command,
    community_app,
    preview_command,
    upload_command,
)
from fanjing.database_cli import db_app, keys_app
from fanjing.demo.command import demo
from fanjing.employers.cli import employers_app
from fanjing.errors import FanjingError
from fanjing.healthkit.cli import healthkit_app, pass_app
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.hotline.cli import faq_app
from fanjing.infra.logs import configure_cli_logging
from fanjing.itinerary.cli import itinerary_app
from fanjing.places.cli import confirm_lifts_command, import_command, risk_app
from fanjing.policy.cli import check, policy_app
from fanjing.settings import Settings
from fanjing.sites.cli import sites_app
from fanjing.users.cli import users_app
from fanjing.vaccination.cli import vaccination_app
from fanjing.web.server import serve
from fanjing.workorders.cli import workorders_app

app = typer.Typer(
    help="返京（fanjing）：进京检查与社区健康管理",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("check")(check)
app.command("demo")(demo)
app.command("serve")(serve)
# a new pack is re-evaluated against the community's open cases: those commands live there
policy_app.command("upload")(upload_command)
policy_app.command("preview")(preview_command)
policy_app.command("approve")(approve_command)
app.add_typer(policy_app, name="policy")
app.add_typer(community_app, name="community")
# designations are followed by the health kit's pop-ups, which places sits below: handed in here
risk_app.command("import")(import_command(POPUP_FOLLOWERS))
risk_app.command("confirm-lifts")(confirm_lifts_command(POPUP_FOLLOWERS))
app.add_typer(risk_app, name="risk")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(pass_app, name="pass")
app.add_typer(healthkit_app, name="healthkit")
app.add_typer(itinerary_app, name="itinerary")
app.add_typer(faq_app, name="faq")
app.add_typer(vaccination_app, name="vaccination")
app.add_typer(checkpoints_app, name="checkpoints")
app.add_typer(audit_app, name="audit")
app.add_typer(workorders_app, name="workorders")
app.add_typer(employers_app, name="employers")
app.add_typer(sites_app, name="sites")


def main() -> None:
    """Read the settings once (a bad value: one line naming the variable, exit 2), set up
    logging, run the command; a bug is reported in one line (FANJING_DEBUG=1: the traceback)."""
    try:
        settings = Settings.from_environment()
    except FanjingError as problem:
        errors = problem.problems()
        for error in errors:
            typer.echo(f"错误：{error}", err=True)
        raise SystemExit(2) from None
    configure_cli_logging(settings)
    try:
        app(prog_name="fanjing", obj=settings)
    except OperationalError as problem:  # the database is down or the URL wrong: say so plainly
        typer.echo(f"错误：无法使用数据库（FANJING_DATABASE_URL）：{problem.orig}", err=True)
        raise SystemExit(1) from None
    except Exception as problem:
        if settings.debug:
            raise
        typer.echo(f"内部错误：{type(problem).__name__}: {problem}（请报告此问题）", err=True)
        raise SystemExit(1) from None
