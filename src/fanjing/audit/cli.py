"""``fanjing audit verify``: is the audit log's hash chain intact?"""

from __future__ import annotations

import typer

from fanjing.audit.service import verify_chain
from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.console import fail
from fanjing.infra.db import open_database, session_scope
from fanjing.settings import Settings

audit_app = typer.Typer(help="审计日志", no_args_is_help=True)


@audit_app.command("verify")
def verify_command() -> None:
    """校验审计日志的哈希链：完好则给出条目数与最后的哈希（退出码 0），否则指出第一个断开处（退出码 2）。"""
    with session_scope(open_database(Settings.from_environment().database_url)) as session:
        count, broken, last_hash = verify_chain(session)
    if broken is not None:
        fail(
            FanjingError(
                Code.AUDIT_CHAIN_BROKEN,
                f"审计日志的哈希链在条目 {broken.id} 处断开：{broken.what}",
                Where(field=f"audit_entry.id={broken.id}"),
            )
        )
    typer.echo(f"审计日志完好：{count} 条，哈希链无断开；最后的哈希 {last_hash}")
