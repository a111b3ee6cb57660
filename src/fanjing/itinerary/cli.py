"""``fanjing itinerary …``: import the carriers' feed; show a number's card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fanjing.common.days import day_of
from fanjing.common.identity import mask_phone, mobile_number
from fanjing.errors import Code, FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.partitions import oldest_kept
from fanjing.itinerary.service import card_for, import_feed
from fanjing.itinerary.shards import keep_itinerary_days, prepared_shards
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import registry_in_database

itinerary_app = typer.Typer(help="通信行程卡：导入运营商数据、查看行程卡", no_args_is_help=True)


@itinerary_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV（phone,city,day）或 JSONL")],
) -> None:
    """流式导入运营商的行程数据（可重复导入，不会重复记录）。"""
    settings = command_settings()
    try:
        handle = file.open(encoding="utf-8", newline="")
    except OSError as problem:
        fail(FanjingError(Code.UNREADABLE_FILE, f"无法读取行程数据：{problem}"))
    cipher = load_field_cipher(settings)
    reader = FeedReader(parse_place=Gazetteer().parse, lookup_hash=cipher.lookup_hash)
    columns = (
        TextColumn("导入行程"),
        BarColumn(),
        TextColumn("{task.completed:,} 行"),
        TimeElapsedColumn(),
    )
    try:
        engine = open_database(settings.database_url)
        shards = prepared_shards(engine, settings)
        with handle, Progress(*columns, transient=True) as progress:
            task = progress.add_task("import", total=None)
            report = import_feed(
                engine=engine,
                shards=shards,
                lines=handle,
                jsonl=file.suffix.lower() in (".jsonl", ".ndjson"),
                reader=reader,
                progress=lambda rows: progress.advance(task, rows),
            )
    except (FanjingError, UnicodeDecodeError) as problem:
        fail(
            problem
            if isinstance(problem, FanjingError)
            else FanjingError(Code.BAD_ENCODING, f"不是 UTF-8：{problem}")
        )
    typer.echo(
        f"读入 {report.rows:,} 行，新增 {report.inserted:,}，已有 {report.duplicates:,}，有误 {report.bad:,}"
    )
    for bad in report.bad_rows:
        typer.echo(f"错误：{bad.reason}（位置：{file}:{bad.line}）", err=True)
    if report.bad:
        raise typer.Exit(2)


@itinerary_app.command("card")
def card_command(
    phone: Annotated[str, typer.Argument(help="手机号")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="哪一天（默认今天）")] = None,
) -> None:
    """一个号码的行程卡：14天内到过的城市，带星的城市及其中高风险地区。"""
    settings = command_settings()
    try:
        day = day_of(as_of, "--as-of") if as_of else command_clock().today()
        number = mobile_number(phone)
        cipher = load_field_cipher(settings)
        with session_scope(open_database(settings.database_url)) as session:
            registry = registry_in_database(session)
            card = card_for(
                session,
                phone_hashes=[cipher.lookup_hash(number)],
                as_of=day,
                designations=registry.designations,
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(
        f"{mask_phone(number)} 的行程卡（{day}，14天内）：" + ("无记录" if not card.cities else "")
    )
    for city in card.cities:
        star = " *" if city.starred else ""
        because = (
            f"（{'、'.join(city.because[:3])}{'等' if len(city.because) > 3 else ''}）"
            if city.starred
            else ""
        )
        typer.echo(f"  {city.city}{star}  最近 {city.last_day}{because}")


@itinerary_app.command("keep-days")
def keep_days_command(
    day: Annotated[str | None, typer.Option("--day", help="哪一天（默认今天）")] = None,
) -> None:
    """按天分区：建好今天起的分区，删去14天前的整天（每天一条 DROP TABLE；服务每天自动做）。"""
    settings = command_settings()
    try:
        today = day_of(day, "--day") if day else command_clock().today()
        engine = open_database(settings.database_url)
        dropped = keep_itinerary_days(engine, prepared_shards(engine, settings), today)
    except FanjingError as problem:
        fail(problem)
    typer.echo(
        f"已删去 {len(dropped)} 天的行程数据（{'、'.join(map(str, dropped)) or '无'}），"
        f"保留 {oldest_kept(today)} 起"
    )
