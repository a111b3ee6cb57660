"""``fanjing sites …``: register sites, add their managers, see the queue, assign it, and the
capacity figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from fanjing.errors import FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.sites.assignment import assign_district_queue
from fanjing.sites.core import SITE_STATUS_ZH
from fanjing.sites.dashboard import capacity_on
from fanjing.sites.queue import placement_queue
from fanjing.sites.service import RoomSpec, bind_manager, register_site, site_by_id
from fanjing.sites.store import sites_in_order
from fanjing.users.service import add_user

sites_app = typer.Typer(help="集中观察点：登记、管理员、待安置队列、容量", no_args_is_help=True)
staff_app = typer.Typer(help="观察点管理员", no_args_is_help=True)
sites_app.add_typer(staff_app, name="staff")


@sites_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="观察点名称")],
    district: Annotated[str, typer.Option("--district", help="所在区，如 朝阳区")],
    address: Annotated[str, typer.Option("--address", help="地址")],
    floors: Annotated[int, typer.Option("--floors", min=1, max=200, help="楼层数")] = 1,
    per_floor: Annotated[
        int, typer.Option("--rooms-per-floor", min=1, max=500, help="每层单人间数")
    ] = 10,
    actor: Annotated[str, typer.Option("--by", help="由谁登记")] = "cli",
) -> None:
    """登记观察点：每层若干单人间（家庭房由疾控在页面或 API 标记）。"""
    rooms = [RoomSpec(f, n) for f in range(1, floors + 1) for n in range(1, per_floor + 1)]
    clock = command_clock()
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            site = register_site(
                session=session,
                name=name,
                district=district,
                address=address,
                rooms=rooms,
                parse_place=Gazetteer().parse,
                actor=actor,
                now=clock.now(),
            )
            typer.echo(f"已登记观察点 #{site.id} {site.name}（{site.district}），{len(rooms)} 间")
    except FanjingError as problem:
        fail(problem)


@sites_app.command("list")
def list_command() -> None:
    """列出观察点。"""
    with session_scope(open_database(command_settings().database_url)) as session:
        for site in sites_in_order(session):
            status = SITE_STATUS_ZH[site.status]
            typer.echo(f"#{site.id}  {site.name}  {site.district}  {site.address}  {status}")


@staff_app.command("add")
def staff_add_command(
    name: Annotated[str, typer.Argument(help="管理员姓名")],
    site_id: Annotated[int, typer.Option("--site", help="观察点编号（fanjing sites list）")],
    actor: Annotated[str, typer.Option("--by", help="由谁添加")] = "cli",
) -> None:
    """添加观察点管理员（角色 site_manager），绑定一个观察点；令牌只显示这一次。"""
    settings = command_settings()
    clock = command_clock()
    try:
        with session_scope(open_database(settings.database_url)) as session:
            site = site_by_id(session, site_id)
            user, token = add_user(
                session=session,
                cipher=load_field_cipher(settings),
                name=name,
                role="site_manager",
                community=None,
                parse_place=Gazetteer().parse,
                actor=actor,
                now=clock.now(),
            )
            bind_manager(session=session, user=user, site=site, actor=actor, now=clock.now())
            typer.echo(f"已添加 {user.name}（观察点 #{site.id} {site.name}），令牌：{token}")
    except FanjingError as problem:
        fail(problem)


def _place_name() -> Callable[[str], str]:
    gazetteer = Gazetteer()
    return lambda text: gazetteer.parse(text).name


@sites_app.command("queue")
def queue_command(
    district: Annotated[str | None, typer.Option("--district", help="只看该区")] = None,
) -> None:
    """待安置队列：需集中观察、尚未安置的个案。"""
    clock = command_clock()
    with session_scope(open_database(command_settings().database_url)) as session:
        queued = placement_queue(
            session, today=clock.today(), place_name=_place_name(), district=district
        )
        for q in queued:
            typer.echo(
                f"个案 {q.case.case_id}  {q.case.district}  {q.community}  "
                f"观察 {q.case.start}–{q.case.last_day}  预计 {q.case.expected_on}"
            )
        typer.echo(f"共 {len(queued)} 人")


@sites_app.command("assign")
def assign_command(
    district: Annotated[str | None, typer.Option("--district", help="只安置该区")] = None,
    actor: Annotated[str, typer.Option("--by", help="由谁安置")] = "cli",
) -> None:
    """安置整个队列：每人一间空的单人间（开放的观察点、不在消毒中）。"""
    clock = command_clock()
    try:
        with session_scope(open_database(command_settings().database_url)) as session:
            assignment = assign_district_queue(
                session=session,
                district=district,
                site_id=None,
                place_name=_place_name(),
                actor=actor,
                today=clock.today(),
                now=clock.now(),
            )
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"已安置 {len(assignment.placed)} 人，仍在等待 {len(assignment.waiting)} 人")


@sites_app.command("capacity")
def capacity_command() -> None:
    """各观察点与各区的入住、空房、消毒中房间，及未来 7 天预计到达。"""
    clock = command_clock()
    with session_scope(open_database(command_settings().database_url)) as session:
        figures = capacity_on(
            session, today=clock.today(), now=clock.now(), place_name=_place_name()
        )
    for load in (*figures.sites, *figures.districts):
        typer.echo(
            f"{load.name}  房间 {load.rooms}  床位 {load.places}  入住 {load.occupied}  "
            f"空房 {load.free_rooms}  消毒中 {load.in_disinfection}"
        )
    for district, counts in figures.arrivals.items():
        typer.echo(f"{district} 未来 7 天预计到达：{' '.join(str(n) for n in counts)}")
