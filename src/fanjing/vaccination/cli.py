"""``fanjing vaccination …``: clinics, products, the held queue, and the sync to the health kit."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fanjing.errors import FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import add_clinic
from fanjing.vaccination.store import all_clinics
from fanjing.vaccination.sync import DEFAULT_BATCH, pending_changes, sync_to_healthkit
from fanjing.vaccination.views import dose_views

vaccination_app = typer.Typer(help="疫苗接种：门诊、产品、同步到健康宝", no_args_is_help=True)
clinic_app = typer.Typer(help="接种门诊", no_args_is_help=True)
vaccination_app.add_typer(clinic_app, name="clinic")

_REASON_ZH = {"no_account": "没有该证件的健康宝账户", "name_mismatch": "姓名与健康宝账户不一致"}


@clinic_app.command("add")
def clinic_add_command(
    code: Annotated[str, typer.Argument(help="门诊代码（用户以 --clinic 绑定）")],
    name: Annotated[str, typer.Option("--name", help="门诊名称")],
    street: Annotated[str, typer.Option("--street", help="所在街道或乡镇")],
    actor: Annotated[str, typer.Option("--by", help="由谁添加")] = "cli",
) -> None:
    """添加接种门诊。"""
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            clinic = add_clinic(
                session=session,
                code=code,
                name=name,
                street=street,
                parse_place=Gazetteer().parse,
                actor=actor,
                now=command_clock().now(),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"已添加接种门诊 {clinic.code}：{clinic.name}（{clinic.street}）")


@clinic_app.command("list")
def clinic_list_command() -> None:
    """列出接种门诊。"""
    with session_scope(open_database(command_settings().database_url)) as session:
        for clinic in all_clinics(session):
            typer.echo(f"{clinic.code}  {clinic.name}  {clinic.street}")


@vaccination_app.command("products")
def products_command() -> None:
    """疫苗产品及其接种程序。"""
    for product in builtin_products().values():
        interval = f"，间隔≥{product.min_interval_days}天" if product.min_interval_days else ""
        typer.echo(
            f"{product.code}  {product.name}  {product.maker}  {product.kind.label_zh}  "
            f"{product.doses}剂{interval}"
        )


@vaccination_app.command("held")
def held_command(
    clinic: Annotated[str | None, typer.Option("--clinic", help="只看某门诊")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
) -> None:
    """未能同步到健康宝的接种记录及原因（身份已遮蔽）。"""
    settings = command_settings()
    with session_scope(open_database(settings.database_url)) as session:
        views = dose_views(
            session,
            load_field_cipher(settings),
            builtin_products(),
            clinic_code=clinic,
            held_only=True,
            limit=limit,
        )
    for view in views:
        reason = _REASON_ZH.get(view.held_reason or "", view.held_reason)
        typer.echo(
            f"{view.id}  {view.clinic}  {view.name}  {view.document}  "
            f"第{view.dose_number}剂 {view.day}  {reason}"
        )
    typer.echo(f"共 {len(views)} 条")


@vaccination_app.command("sync")
def sync_command(
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=1_000_000, help="每批的变更数（每批一个事务）")
    ] = DEFAULT_BATCH,
    pause: Annotated[
        float, typer.Option("--pause", min=0.0, max=60.0, help="批与批之间暂停的秒数（限流）")
    ] = 0.0,
) -> None:
    """把接种门诊的记录同步到健康宝（可中断，再次运行从上次提交处继续）。"""
    settings = command_settings()
    engine = open_database(settings.database_url)
    columns = (
        TextColumn("同步到健康宝"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("sync", total=pending_changes(engine))
            report = sync_to_healthkit(
                engine=engine,
                cipher=load_field_cipher(settings),
                clock=command_clock().now,
                batch=batch,
                pause=pause,
                progress=lambda changes: progress.advance(task, changes),
            )
    except FanjingError as problem:
        fail(problem)
    if report.skipped:
        typer.echo("另一个同步正在运行：本次跳过")
        return
    typer.echo(
        f"{report.changes:,} 条变更，{report.batches} 批：同步 {report.synced:,}，"
        f"暂存 {report.held:,}，放行 {report.released:,}，撤回 {report.withdrawn:,}；"
        f"水位 {report.watermark}，用时 {report.seconds:.1f} 秒"
    )
    if report.names_skipped:
        typer.echo(
            f"{report.names_skipped} 个账户的姓名无法解密，已跳过（编号见日志），其接种记录暂存待处理",
            err=True,
        )
